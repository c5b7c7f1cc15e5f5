package web

import (
	"encoding/json"
	"io/fs"
	"log/slog"
	"mime"
	"regexp"
	"slices"
	"strings"
	"testing"

	"troupe/internal/i18n"
	"troupe/internal/troupe"
)

// Every message a template asks for exists in the catalogs (which Load
// checks to have the same keys in every language).
func TestTemplatesUseKnownMessages(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`\.T "([a-z_.]+)"|\(field \. "[a-z_]+" "[a-z]+" "([a-z_.]+)" "[a-z-]+"(?: "([a-z_.]+)")?\)`)
	n := 0
	err = fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, _ := fs.ReadFile(templateFS, p)
		for _, m := range key.FindAllStringSubmatch(string(raw), -1) {
			for _, k := range m[1:] {
				if k == "" {
					continue
				}
				n++
				if !cat.Has(k) {
					t.Errorf("%s uses unknown message %q", p, k)
				}
			}
		}
		return nil
	})
	if err != nil || n < 50 {
		t.Fatalf("checked %d keys: %v", n, err)
	}
}

func TestEveryCodeHasAStatus(t *testing.T) {
	for _, c := range troupe.Codes {
		if _, ok := statusOf[c]; !ok {
			t.Errorf("%s has no HTTP status", c)
		}
	}
	for c := range statusOf {
		if !slices.Contains(troupe.Codes, c) {
			t.Errorf("%s has a status but is not in troupe.Codes", c)
		}
	}
}

// The OpenAPI document names the token scope of every signed-in route,
// as the route table decides it, and every administration route exists.
func TestOpenAPINamesTokenScopes(t *testing.T) {
	s := bareServer(t)
	s.Handler()
	var doc struct {
		Paths map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	for route, scope := range s.apiScopes {
		method, path, _ := strings.Cut(route, " ")
		op := doc.Paths[path][strings.ToLower(method)]
		var named []string
		for _, req := range op.Security {
			if scopes, ok := req["bearer"]; ok {
				named = scopes
			}
		}
		if len(named) != 1 || named[0] != string(scope) {
			t.Errorf("%s needs the %s scope; the OpenAPI document says %v", route, scope, named)
		}
	}
	for route := range adminRoutes {
		if _, ok := s.apiScopes[route]; !ok {
			t.Errorf("the administration route %s is not a signed-in route", route)
		}
	}
	if len(s.apiScopes) < 40 {
		t.Fatalf("only %d signed-in routes seen", len(s.apiScopes))
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{"/account": "/account", "/w/1/members?status=active": "/w/1/members?status=active",
		"": "/", "https://x": "/", "//x": "/", "/\\x": "/", "account": "/", "/\t/evil.example": "/", "/\n/evil.example": "/",
		"/%09/evil.example": "/%09/evil.example", "javascript:alert(1)": "/", "/ok\x7f": "/"} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// The OpenAPI document lists exactly the API's routes.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := bareServer(t)
	s.Handler()
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("not an OpenAPI 3 document: %v", err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	for _, route := range s.apiRoutes {
		if !documented[route] {
			t.Errorf("route %s is not in the OpenAPI document", route)
		}
		delete(documented, route)
	}
	for op := range documented {
		t.Errorf("the OpenAPI document lists %s, which is no route", op)
	}
	if len(s.apiRoutes) < 40 {
		t.Fatalf("only %d routes seen", len(s.apiRoutes))
	}
}

func TestContentDisposition(t *testing.T) {
	for _, c := range []struct{ kind, name, want string }{
		{"inline", "Launch 0", `inline; filename="Launch 0"`},
		{"attachment", "fr.vtt", `attachment; filename="fr.vtt"`},
		{"inline", `say "hi"`, `inline; filename="say \"hi\""`},
		{"inline", "Été", `inline; filename*=utf-8''%C3%89t%C3%A9`},
		{"inline", "a\r\nX-Evil: 1", `inline; filename*=utf-8''a%0D%0AX-Evil%3A%201`},
	} {
		if got := contentDisposition(c.kind, c.name); got != c.want {
			t.Errorf("contentDisposition(%q, %q) = %q, want %q", c.kind, c.name, got, c.want)
		}
		if _, params, err := mime.ParseMediaType(contentDisposition(c.kind, c.name)); err != nil || params["filename"] != c.name {
			t.Errorf("%q does not read back: %v %q", c.name, err, params["filename"])
		}
	}
}

// bareServer is a Server with no app behind it: enough for its routes,
// templates and the checks made before any use case is called.
func bareServer(t *testing.T) *Server {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(nil, cat, slog.New(slog.DiscardHandler), Config{BaseURL: "http://troupe.test"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
