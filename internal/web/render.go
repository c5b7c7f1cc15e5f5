package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"troupe/internal/app"
	"troupe/internal/i18n"
	"troupe/internal/troupe"
)

//go:embed templates
var templateFS embed.FS

// pages holds every page template, parsed once at start.
type pages struct {
	cat  *i18n.Catalog
	byID map[string]*template.Template
}

func newPages(cat *i18n.Catalog, st *static) (*pages, error) {
	funcs := template.FuncMap{
		"asset": st.url,
		"initial": func(s string) string {
			for _, r := range strings.TrimSpace(s) {
				return strings.ToUpper(string(r))
			}
			return "?"
		},
	}
	funcs["field"] = makeField
	funcs["hasPrefix"] = strings.HasPrefix
	funcs["join"] = strings.Join
	base, err := template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/layout/*.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{cat: cat, byID: map[string]*template.Template{}}
	for _, f := range files {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		p.byID[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return p, nil
}

// view is what every page template receives.
type view struct {
	cat    *i18n.Catalog
	Lang   string
	User   *troupe.User
	Path   string
	Flash  string
	Error  string
	Fields map[string]string
	Form   map[string]string
	Data   any
	Status int
	// Workspaces are the user's workspaces, for the sidebar's switcher;
	// Workspace is the one the page is about, else the current one.
	Workspaces []app.WorkspaceView
	Workspace  *app.WorkspaceView
	// Notes feed the notifications bell of signed-in pages.
	Notes *notesView
}

// T translates key into the page's language.
func (v *view) T(key string, args ...any) string { return v.cat.T(v.Lang, key, args...) }

// Err returns the message for a field, if it has one.
func (v *view) Err(field string) string { return v.Fields[field] }

// Val returns the submitted value of a field, to refill the form.
func (v *view) Val(field string) string { return v.Form[field] }

// localeChoice is one entry of a language menu.
type localeChoice struct{ Tag, Name string }

// localeChoices are the product's locales, each named in itself and
// capitalised as a menu entry ("Français", not "français").
var localeChoices = func() []localeChoice {
	out := make([]localeChoice, 0, len(troupe.Locales))
	for _, tag := range troupe.Locales {
		name := []rune(display.Self.Name(language.MustParse(tag)))
		name[0] = unicode.ToUpper(name[0])
		out = append(out, localeChoice{Tag: tag, Name: string(name)})
	}
	return out
}()

// Locales are the languages a user may choose.
func (v *view) Locales() []localeChoice { return localeChoices }

// newView starts the view of a page for r.
func (s *Server) newView(r *http.Request) *view {
	u, _ := s.currentUser(r)
	v := &view{cat: s.cat, Lang: s.lang(r), User: u, Path: r.URL.Path, Fields: map[string]string{}, Form: map[string]string{}}
	if u != nil {
		s.fillWorkspaces(r, *u, v)
		s.fillNotifications(r, *u, v)
	}
	return v
}

// bareView starts a page from the request alone, for when the database
// may be what failed: no sidebar, no notifications, and the language of a
// user only when the request already knows them.
func (s *Server) bareView(r *http.Request) *view {
	setting := ""
	if u := state(r).user; u != nil {
		setting = u.Locale
	} else if c, err := r.Cookie(langCookie); err == nil {
		setting = c.Value
	}
	return &view{cat: s.cat, Lang: s.cat.Match(setting, r.Header.Get("Accept-Language")), Path: r.URL.Path,
		Fields: map[string]string{}, Form: map[string]string{}}
}

// setError turns err into a banner and field messages in the page's
// language, falling back to the error's own message. A field's message is
// looked up for that field first ("fielderr.seats.out_of_range"), then
// for its code alone.
func (v *view) setError(err error) {
	code := troupe.ErrorCode(err)
	if key := "error." + string(code); v.cat.Has(key) {
		v.Error = v.T(key)
	} else {
		v.Error = troupe.ErrorMessage(err)
	}
	if e, ok := troupe.AsError(err); ok {
		for _, f := range e.Fields {
			if key := "fielderr." + f.Field + "." + f.Code; v.cat.Has(key) {
				v.Fields[f.Field] = v.T(key)
			} else if key := "fielderr." + f.Code; v.cat.Has(key) {
				v.Fields[f.Field] = v.T(key)
			} else {
				v.Fields[f.Field] = f.Message
			}
		}
		if len(e.Fields) > 0 {
			v.Error = v.T("error.validation_failed")
		}
	}
}

func (p *pages) render(w http.ResponseWriter, status int, id string, v *view) {
	t, ok := p.byID[id]
	if !ok {
		panic("unknown page template " + id)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "page", v); err != nil {
		panic(fmt.Sprintf("render page %s: %v", id, err))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderError shows a friendly page for an error outside a form.
func (p *pages) renderError(w http.ResponseWriter, r *http.Request, s *Server, status int, err error) {
	var v *view
	if troupe.ErrorCode(err) == troupe.CodeUnavailable {
		v = s.bareView(r)
	} else {
		v = s.newView(r)
	}
	v.Status = status
	v.setError(err)
	p.render(w, status, "error", v)
}

// fieldView is one labelled input of a form.
type fieldView struct {
	Name, Type, Label, Hint, Value, Error, Autocomplete string
}

// makeField builds the view of an input: name, type, catalog key of its
// label, autocomplete token and optionally the catalog key of a hint.
// Passwords are never sent back to the browser.
func makeField(v *view, name, typ, labelKey, autocomplete string, hintKey ...string) fieldView {
	f := fieldView{Name: name, Type: typ, Label: v.T(labelKey), Error: v.Err(name), Autocomplete: autocomplete}
	if typ != "password" {
		f.Value = v.Val(name)
	}
	if len(hintKey) > 0 {
		f.Hint = v.T(hintKey[0])
	}
	return f
}
