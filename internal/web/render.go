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
	funcs["approvalBadge"] = approvalBadge
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

// render executes page id on data: the view itself for a page that has
// nothing of its own, else the page of its data.
func (p *pages) render(w http.ResponseWriter, status int, id string, data any) {
	t, ok := p.byID[id]
	if !ok {
		panic("unknown page template " + id)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "page", data); err != nil {
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

const flashCookie = "troupe_flash"

// flash leaves a one-time message (a catalog key) for the next page.
func (s *Server) flash(w http.ResponseWriter, r *http.Request, key string) {
	s.setCookie(w, r, &http.Cookie{Name: flashCookie, Value: key, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

// page is what the template of a page with data of its own receives: the
// view every page shares, whose fields and helpers templates reach as
// before (.T, .Workspace, …), and the page's data as .Data, typed so that
// no handler reads it back by assertion.
type page[T any] struct {
	*view
	Data T
}

// show renders page id with its data, consuming any flash message.
// Methods cannot be generic, hence a function taking the server.
func show[T any](s *Server, w http.ResponseWriter, r *http.Request, status int, id string, v *view, data T) {
	s.takeFlash(w, r, v)
	s.pages.render(w, status, id, page[T]{view: v, Data: data})
}

// showForm re-renders a form page and its data with err explained, or
// fails the request when err is not about the input.
func showForm[T any](s *Server, w http.ResponseWriter, r *http.Request, id string, v *view, data T, err error) error {
	status, err := explain(w, v, err)
	if err != nil {
		return err
	}
	show(s, w, r, status, id, v, data)
	return nil
}

// show renders page id from the view alone, for pages with no data of
// their own, consuming any flash message.
func (s *Server) show(w http.ResponseWriter, r *http.Request, status int, id string, v *view) {
	s.takeFlash(w, r, v)
	s.pages.render(w, status, id, v)
}

// showForm re-renders a form page made of the view alone with err
// explained, or fails the request when err is not about the input.
func (s *Server) showForm(w http.ResponseWriter, r *http.Request, id string, v *view, err error) error {
	status, err := explain(w, v, err)
	if err != nil {
		return err
	}
	s.show(w, r, status, id, v)
	return nil
}

// takeFlash moves the flash message left by the previous request, if
// any, into the view.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request, v *view) {
	if c, err := r.Cookie(flashCookie); err == nil {
		if strings.HasPrefix(c.Value, "flash.") && s.cat.Has(c.Value) {
			v.Flash = v.T(c.Value)
		}
		s.setCookie(w, r, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1})
	}
}

// explain puts err into the view of a form and returns the page's status,
// or returns err itself when it is not about the input.
func explain(w http.ResponseWriter, v *view, err error) (int, error) {
	switch troupe.ErrorCode(err) {
	case troupe.CodeInternal, troupe.CodeUnavailable:
		return 0, err
	}
	setRetryAfter(w, err)
	v.setError(err)
	return httpStatus(troupe.ErrorCode(err)), nil
}

// pageLevel reports whether err is about the page rather than the input
// of its form (a refusal, or a thing that does not exist): such errors get
// the error page, as nothing typed in the form can fix them.
func pageLevel(err error) bool {
	switch troupe.ErrorCode(err) {
	case troupe.CodeForbidden, troupe.CodeNotFound, troupe.CodeInvitationInvalid, troupe.CodeInvitationExpired:
		return true
	}
	return false
}

// backTo redirects to the page a form came from (its "back" field) or,
// failing that, to fallback.
func backTo(w http.ResponseWriter, r *http.Request, fallback string) {
	next := fallback
	if b := r.PostForm.Get("back"); b != "" {
		next = localPath(b)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// appliedJSON answers a form sent in place: what changed, in words for a
// toast, and whatever the page's script needs to show the new state.
type appliedJSON struct {
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// applied finishes a change made from a page. A form sent in place (see
// inPlace) gets the message naming the change; a plain form gets the
// flash key for the next page and goes to next, or to the form's own
// "back" field when it has one.
func (s *Server) applied(w http.ResponseWriter, r *http.Request, message, flashKey, next string, data any) {
	if inPlace(r) {
		writeJSON(w, http.StatusOK, appliedJSON{Message: message, Data: data})
		return
	}
	s.flash(w, r, flashKey)
	backTo(w, r, next)
}
