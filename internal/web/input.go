package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"troupe/internal/troupe"
)

// Every string that comes from outside is checked once, here at the edge,
// before a handler sees it: PostgreSQL text can hold neither a NUL byte
// nor invalid UTF-8, and no field of the product means either, so both are
// refused with invalid_input (400) on every engine instead of failing in
// the store. The middleware checks the URL and the headers the server
// reads; the JSON decoder, the form reader and the upload reader check
// what they decode.

// isText reports whether s is valid UTF-8 without a NUL byte.
func isText(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// invalidInput says which input (a sentence's subject) is not text.
func invalidInput(what string) error {
	return troupe.Errorf(troupe.CodeInvalidInput, "%s is not valid text: it holds a NUL byte or bytes that are not UTF-8.", what)
}

// readHeaders are the request headers the server reads. Cookies need no
// check: net/http drops any cookie value that is not plain ASCII, and a NUL
// in any header is refused by net/http itself.
var readHeaders = []string{"Authorization", "Accept-Language", "User-Agent", "Content-Type", "Range"}

// checkInput refuses a request whose path, query or read headers are not
// text, before any session is looked up with them.
func (s *Server) checkInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := requestText(r)
		if err == nil {
			next.ServeHTTP(w, r)
			return
		}
		// The refusal is shown to an anonymous visitor: nothing that came
		// with the request is looked up, and the path it echoes is made
		// printable.
		state(r).authed = true
		u := *r.URL
		u.Path = strings.ToValidUTF8(strings.ReplaceAll(u.Path, "\x00", "\uFFFD"), "\uFFFD")
		r = r.Clone(r.Context())
		r.URL = &u
		s.fail(w, r, err)
	})
}

// requestText checks the URL path, the query and the headers the server
// reads.
func requestText(r *http.Request) error {
	if !isText(r.URL.Path) {
		return invalidInput("The URL path")
	}
	// What does not parse is dropped here as by r.URL.Query, so it never
	// reaches a handler either.
	q, _ := url.ParseQuery(r.URL.RawQuery)
	if err := checkValues("query parameter", q); err != nil {
		return err
	}
	for _, h := range readHeaders {
		for _, v := range r.Header.Values(h) {
			if !isText(v) {
				return invalidInput("The header " + h)
			}
		}
	}
	return nil
}

// checkValues checks the names and values of a query or a form; kind
// names them in the message.
func checkValues(kind string, vals url.Values) error {
	for _, name := range slices.Sorted(maps.Keys(vals)) {
		if !isText(name) {
			return invalidInput("The name of a " + kind)
		}
		for _, v := range vals[name] {
			if !isText(v) {
				return invalidInput(fmt.Sprintf("The %s %q", kind, name))
			}
		}
	}
	return nil
}

// jsonNUL is the only way a NUL reaches a decoded JSON string: a raw NUL
// byte is not valid JSON.
var jsonNUL = []byte(`\u0000`)

// checkJSON refuses a JSON text with a string, anywhere (object keys and
// nested documents included), that is not text, naming where it is.
// Invalid UTF-8 is looked for in the raw bytes, since decoding would
// quietly replace it with U+FFFD; a NUL, in the decoded strings. A body
// that cannot hold either passes without being walked.
func checkJSON(body []byte) error {
	if utf8.Valid(body) && !bytes.Contains(body, jsonNUL) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var path jsonPath
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return decodeError(err)
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				path.open(t == '{')
			} else {
				path.close()
			}
		case string:
			// The token's raw bytes, quotes and separators included.
			ok := isText(t) && utf8.Valid(body[start:dec.InputOffset()])
			if path.wantsKey() {
				if !ok {
					return invalidInput(path.keyPlace())
				}
				path.key(t)
				continue
			}
			if !ok {
				return invalidInput(path.valuePlace())
			}
			path.value()
		default:
			path.value()
		}
	}
}

// jsonPath follows where a JSON token stream is: the open objects and
// arrays, with the key or index being read in each.
type jsonPath []jsonStep

type jsonStep struct {
	object  bool
	keyNext bool // an object waits for a key, not a value
	key     string
	index   int
}

func (p *jsonPath) open(object bool) { *p = append(*p, jsonStep{object: object, keyNext: object}) }

func (p *jsonPath) close() {
	*p = (*p)[:len(*p)-1]
	p.value()
}

func (p jsonPath) wantsKey() bool { return len(p) > 0 && p[len(p)-1].keyNext }

func (p jsonPath) key(k string) {
	p[len(p)-1].key, p[len(p)-1].keyNext = k, false
}

// value moves past a value just read.
func (p jsonPath) value() {
	if len(p) == 0 {
		return
	}
	top := &p[len(p)-1]
	if top.object {
		top.keyNext = true
	} else {
		top.index++
	}
}

// String is the path in the usual notation: document.scenes[2].title.
func (p jsonPath) String() string {
	var b strings.Builder
	for i, s := range p {
		switch {
		case !s.object:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case i > 0:
			b.WriteString("." + s.key)
		default:
			b.WriteString(s.key)
		}
	}
	return b.String()
}

func (p jsonPath) valuePlace() string {
	if len(p) == 0 {
		return "The JSON body"
	}
	return fmt.Sprintf("The field %q", p.String())
}

func (p jsonPath) keyPlace() string {
	if len(p) == 1 {
		return "The name of a field"
	}
	return fmt.Sprintf("The name of a field in %q", p[:len(p)-1].String())
}

// documentText refuses a draft's document, JSON typed in a form, whose
// strings are not text; whether it is JSON at all is for the app to say.
func documentText(doc *string) error {
	if doc == nil {
		return nil
	}
	if err := checkJSON([]byte(*doc)); troupe.ErrorCode(err) == troupe.CodeInvalidInput {
		return invalidInput("The document")
	}
	return nil
}

// readForm parses a posted form, whose body the caller has bounded, and
// checks that every field is text: the one form reader of the pages.
func readForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return troupe.Errorf(troupe.CodeBodyTooLarge, "The form is too large.")
		}
		return troupe.Errorf(troupe.CodeMalformed, "The form could not be read.")
	}
	return checkValues("form field", r.PostForm)
}

// localPath returns next when it is a path on this site, else "/".
func localPath(next string) string {
	// Browsers drop tabs and newlines and read "\\" as "/", so any of them
	// could turn a path into another site's address.
	if strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return u.RequestURI()
}

// limitParam reads ?limit=; a bad value is a validation error.
func limitParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		var val troupe.Validation
		val.Add("limit", "invalid", "limit must be a positive number (at most 200).")
		return 0, val.Err()
	}
	return n, nil
}
