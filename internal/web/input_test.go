package web

import (
	"encoding/json"
	"html/template"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"troupe/internal/troupe"
)

// wantInvalid checks that err is invalid_input and its message says where.
func wantInvalid(t *testing.T, what string, err error, where string) {
	t.Helper()
	if troupe.ErrorCode(err) != troupe.CodeInvalidInput {
		t.Fatalf("%s: got %v, want invalid_input", what, err)
	}
	if msg := troupe.ErrorMessage(err); !strings.HasPrefix(msg, where+" is not valid text") {
		t.Fatalf("%s: message %q does not start with %q", what, msg, where)
	}
}

func TestCheckJSON(t *testing.T) {
	for _, body := range []string{
		``, `{}`, `{"email":"ada@example.com","name":"Ada Lovelace"}`, `{"name":"Été ✓ 🎬"}`,
		`{"document":{"a":[1,{"b":"c"}],"d":null}}`, `[]`, `"x"`, `42`,
		`{"script":"\\u0000 is how JSON writes NUL"}`, // an escaped backslash, then text
		`{"name":"\ud800"}`,                           // a lone surrogate decodes to U+FFFD, which is text
		`{"name":"\u0001\u001f"}`,
	} {
		if err := checkJSON([]byte(body)); err != nil {
			t.Errorf("%s: %v", body, err)
		}
	}
	for _, c := range []struct{ body, where string }{
		{`{"email":"a\u0000b"}`, `The field "email"`},
		{"{\"email\":\"a\xffb\"}", `The field "email"`},
		{"{\"email\":\"\xc3\"}", `The field "email"`}, // a character cut short
		{`{"name":"ok","password":"\u0000"}`, `The field "password"`},
		{`{"document":{"a":[1,{"b":"\u0000"}]}}`, `The field "document.a[1].b"`},
		{"{\"document\":{\"scenes\":[\"ok\",\"\xed\xa0\x80\"]}}", `The field "document.scenes[1]"`}, // an encoded surrogate
		{`{"a\u0000":1}`, `The name of a field`},
		{"{\"\xfe\":1}", `The name of a field`},
		{`{"document":{"k\u0000":"v"}}`, `The name of a field in "document"`},
		{`{"cues":[{"text":"ok"},{"text":"\u0000"}]}`, `The field "cues[1].text"`},
		{`"\u0000"`, `The JSON body`},
		{`["\u0000"]`, `The field "[0]"`},
	} {
		wantInvalid(t, c.body, checkJSON([]byte(c.body)), c.where)
	}
	// A broken body is the decoder's to explain, even with a NUL in it.
	if err := checkJSON([]byte(`{"a":"\u0000`)); troupe.ErrorCode(err) != troupe.CodeMalformed {
		t.Fatalf("broken JSON: %v", err)
	}
}

// decodeN refuses what checkJSON refuses before it fills dst, whatever
// type the field has.
func TestDecodeRefusesBadText(t *testing.T) {
	for _, body := range []string{`{"flag":"\u0000"}`, `{"name":"\u0000"}`, "{\"name\":\"\xff\"}", `{"doc":{"\u0000":1}}`} {
		var dst struct {
			Flag bool            `json:"flag"`
			Name string          `json:"name"`
			Doc  json.RawMessage `json:"doc"`
		}
		r := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(body))
		err := decode(httptest.NewRecorder(), r, &dst)
		if troupe.ErrorCode(err) != troupe.CodeInvalidInput || dst.Name != "" || dst.Doc != nil {
			t.Errorf("%s: %v, dst %+v", body, err, dst)
		}
	}
}

// badStrings is the definition checkJSON is held to: decode with the
// standard library and look for a NUL in every string, keys included
// (invalid UTF-8 is replaced when decoding, so it is looked for in the
// raw bytes).
func badStrings(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.ContainsRune(v, 0)
	case []any:
		for _, e := range v {
			if badStrings(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if strings.ContainsRune(k, 0) || badStrings(e) {
				return true
			}
		}
	}
	return false
}

func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":"\u0000"}`, "{\"a\":\"\xff\"}", `[{"k":["\\u0000",1,true,null]}]`,
		`{"document":{"x\u0000":{}}}`, `"\ud800\udc00"`, `{"a":1e3,"b":-0.5}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		err := checkJSON(body)
		var v any
		if json.Unmarshal(body, &v) != nil {
			// Not one JSON value: refused for what it is, or left to the
			// decoder that follows; never accepted as text it is not.
			if err != nil && troupe.ErrorCode(err) != troupe.CodeInvalidInput && troupe.ErrorCode(err) != troupe.CodeMalformed {
				t.Fatalf("%q: %v", body, err)
			}
			return
		}
		bad := !utf8.Valid(body) || badStrings(v)
		if bad != (troupe.ErrorCode(err) == troupe.CodeInvalidInput) || (!bad && err != nil) {
			t.Fatalf("%q: bad=%v, checkJSON says %v", body, bad, err)
		}
	})
}

func TestRequestText(t *testing.T) {
	ok := httptest.NewRequest("GET", "/w/abc/search?q=%C3%A9t%C3%A9&kind=video", nil)
	ok.Header.Set("User-Agent", "Mozilla/5.0 (X11) Été")
	ok.Header.Set("Accept-Language", "fr-FR,fr;q=0.9")
	ok.Header.Set("Authorization", "Bearer tr_abc")
	ok.Header.Set("Cookie", "troupe_session=\xff") // net/http drops it; not ours to refuse
	ok.Header.Set("X-Other", "\xff")               // not read by the server
	if err := requestText(ok); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		target, header, value, where string
	}{
		{"/w/%00/members", "", "", "The URL path"},
		{"/api/v1/items/%FF", "", "", "The URL path"},
		{"/v/ab%C3", "", "", "The URL path"},
		{"/w/a/search?q=%00", "", "", `The query parameter "q"`},
		{"/w/a/search?kind=video&q=a%FFb", "", "", `The query parameter "q"`},
		{"/w/a/search?q=1&q=%00", "", "", `The query parameter "q"`},
		{"/w/a/search?%00=1", "", "", "The name of a query parameter"},
		{"/me", "User-Agent", "a\xffb", "The header User-Agent"},
		{"/me", "Accept-Language", "fr\xe9", "The header Accept-Language"},
		{"/me", "Authorization", "Bearer \xc3", "The header Authorization"},
		{"/me", "Content-Type", "application/json; charset=\xff", "The header Content-Type"},
		{"/me", "Range", "bytes=0-\xff", "The header Range"},
	} {
		r := httptest.NewRequest("GET", c.target, nil)
		if c.header != "" {
			r.Header.Set(c.header, c.value)
		}
		wantInvalid(t, c.target+" "+c.header, requestText(r), c.where)
	}
	// A raw byte in the request line is read as is, then refused.
	r := httptest.NewRequest("GET", "/w/a/search", nil)
	r.URL.RawQuery = "q=\xff"
	wantInvalid(t, "raw query byte", requestText(r), `The query parameter "q"`)
}

func TestReadFormRefusesBadText(t *testing.T) {
	for body, where := range map[string]string{
		"email=a%00b&password=x": `The form field "email"`,
		"name=ok&script=%FF":     `The form field "script"`,
		"%C3=1":                  "The name of a form field",
	} {
		r := httptest.NewRequest("POST", "/login", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		wantInvalid(t, body, readForm(r), where)
	}
	r := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"email": {"ada@example.com"}, "name": {"Été"}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := readForm(r); err != nil {
		t.Fatal(err)
	}
}

func TestReadUploadRefusesBadText(t *testing.T) {
	upload := func(field, value, filename string) *http.Request {
		var b strings.Builder
		mw := multipart.NewWriter(&b)
		mw.WriteField("name", "ok")
		mw.WriteField(field, value)
		// The file name as browsers send a non-ASCII one (RFC 2231), so
		// that any byte can be written.
		fw, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Disposition": {
			`form-data; name="file"; filename*=utf-8''` + url.PathEscape(filename)}})
		fw.Write([]byte("\x00\xff binary bytes are the file's own business"))
		mw.Close()
		r := httptest.NewRequest("POST", "/api/v1/workspaces/w/videos", strings.NewReader(b.String()))
		r.Header.Set("Content-Type", mw.FormDataContentType())
		return r
	}
	for _, c := range []struct{ field, value, filename, where string }{
		{"description", "a\x00b", "clip.mp4", `The form field "description"`},
		{"parent_id", "\xff", "clip.mp4", `The form field "parent_id"`},
		{"label\xff", "x", "clip.mp4", "The name of a form field"},
		{"description", "ok", "clip\xff.mp4", "The file name"},
		{"description", "ok", "clip\x00.mp4", "The file name"},
	} {
		_, err := readUpload(upload(c.field, c.value, c.filename), troupe.KindVideo)
		wantInvalid(t, c.field+"/"+c.filename, err, c.where)
	}
	form, err := readUpload(upload("description", "Été", "Été.mp4"), troupe.KindVideo)
	if err != nil || form.Media.Description != "Été" || form.Media.Filename != "Été.mp4" || form.Media.File == nil {
		t.Fatalf("a good upload: %v %+v", err, form.Media)
	}
}

// A draft's document typed in the page's form is held to the API's rule;
// JSON that does not parse is left for the app to explain.
func TestDocumentText(t *testing.T) {
	for _, doc := range []string{`{"a":"b"}`, `{"a":`, `not JSON \u0000`, `"\\u0000"`} {
		if err := documentText(&doc); err != nil {
			t.Errorf("%s: %v", doc, err)
		}
	}
	for _, doc := range []string{`{"a":{"b":"\u0000"}}`, `{"\u0000":1}`, "{\"a\":\"\xff\"}"} {
		wantInvalid(t, doc, documentText(&doc), "The document")
	}
	if documentText(nil) != nil {
		t.Fatal("no document is no problem")
	}
}

// The whole handler refuses bad text before anything is looked up: this
// server has no app behind it at all.
func TestHandlerRefusesBadTextFirst(t *testing.T) {
	s := bareServer(t)
	h := s.Handler()
	for _, c := range []struct {
		method, target, header, value string
		api                           bool
	}{
		{"GET", "/api/v1/items/%00", "", "", true},
		{"POST", "/api/v1/auth/login?next=%FF", "", "", true},
		{"GET", "/api/v1/me", "User-Agent", "\xff", true},
		{"GET", "/api/v1/me", "Authorization", "Bearer \xff", true},
		{"GET", "/w/%00/search?q=x", "Cookie", "troupe_session=abc", false},
		{"GET", "/w/abc/search?q=%00", "Accept-Language", "fr", false},
		{"POST", "/login?x=%C3", "", "", false},
	} {
		r := httptest.NewRequest(c.method, c.target, nil)
		if c.header != "" {
			r.Header.Set(c.header, c.value)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		body := w.Body.String()
		if w.Code != http.StatusBadRequest {
			t.Errorf("%s %s: %d\n%s", c.method, c.target, w.Code, body)
			continue
		}
		if c.api {
			var p problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Code != troupe.CodeInvalidInput || !utf8.ValidString(p.Instance) ||
				w.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s: %v %s", c.method, c.target, err, body)
			}
			continue
		}
		lang := "en"
		if c.value == "fr" {
			lang = "fr"
		}
		if !strings.Contains(body, template.HTMLEscapeString(s.cat.T(lang, "error.invalid_input"))) || !utf8.ValidString(body) {
			t.Errorf("%s %s: the page does not say why in %s\n%s", c.method, c.target, lang, body)
		}
	}
}
