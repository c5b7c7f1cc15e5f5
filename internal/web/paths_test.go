package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"troupe/internal/paths"
)

// Every path of the paths package is served by a route of the page table,
// not by the catch-all that answers 404: a link built with it cannot
// point to a page that moved.
func TestEveryPathHasARoute(t *testing.T) {
	const ws, id, secret, slug = "0197a6f0-ws", "0197a6f0-item", "tok_EN-xyz", "slug-abc"
	cases := map[string]string{
		"Home":           paths.Home(),
		"Login":          paths.Login(),
		"LoginThen":      paths.LoginThen(paths.Members(ws)),
		"ForgotPassword": paths.ForgotPassword(),
		"ResetPassword":  paths.ResetPassword(secret),
		"VerifyEmail":    paths.VerifyEmail(secret, paths.Invitation(secret)),
		"Account":        paths.Account(),
		"LoginCode":      paths.LoginCode(paths.Members(ws)),
		"ChangeEmail":    paths.ChangeEmail(paths.Discover()),
		"Invitation":     paths.Invitation(secret),
		"JoinLink":       paths.JoinLink(secret),
		"Discover":       paths.Discover(),
		"Notifications":  paths.Notifications(),
		"Workspaces":     paths.Workspaces(),
		"Workspace":      paths.Workspace(ws),
		"Members":        paths.Members(ws),
		"JoinRequests":   paths.JoinRequests(ws),
		"Settings":       paths.Settings(ws),
		"Seats":          paths.Seats(ws),
		"APITokens":      paths.APITokens(ws),
		"Webhooks":       paths.Webhooks(ws),
		"Audit":          paths.Audit(ws),
		"Trash":          paths.Trash(ws),
		"Folder":         paths.Folder(ws, id),
		"Item":           paths.Item(ws, id),
		"ItemAt":         paths.ItemAt(ws, id, 83, id),
		"PublicVideo":    paths.PublicVideo(slug),
		"Embed":          paths.Embed(slug),
	}
	// The cases cover every function of the package.
	f, err := parser.ParseFile(token.NewFileSet(), "../paths/paths.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.IsExported() {
			if _, ok := cases[fn.Name.Name]; !ok {
				t.Errorf("paths.%s has no case here", fn.Name.Name)
			}
		}
	}

	s := bareServer(t)
	mux := http.NewServeMux()
	s.routePages(mux)
	for name, p := range cases {
		u, err := url.Parse(p)
		if err != nil || u.Host != "" || localPath(p) != p {
			t.Errorf("paths.%s = %q is not a local path", name, p)
			continue
		}
		_, pattern := mux.Handler(httptest.NewRequest("GET", p, nil))
		if pattern == "" || pattern == "/" {
			t.Errorf("paths.%s = %q is served by no page (pattern %q)", name, p, pattern)
		}
	}
}
