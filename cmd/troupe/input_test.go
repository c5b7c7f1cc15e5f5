package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/html"

	"troupe/internal/i18n"
	"troupe/internal/testkit"
	"troupe/internal/web"
)

// badText is one way a string can fail to be text.
type badText struct {
	name string
	raw  string // the string itself
	json string // the string as a JSON text, raw bytes and all
}

var badTexts = []badText{
	{"NUL", "a\x00b", `"a\u0000b"`},
	{"not UTF-8", "a\xffb", "\"a\xffb\""},
}

// badMark stands for the bad string in JSON bodies while they are built:
// encoding/json would turn invalid UTF-8 into U+FFFD.
const badMark = "@@bad@@"

// inputFixture is a workspace with one of everything a route can name.
type inputFixture struct {
	s                                   *testServer
	admin, guest, colleague, unverified *apiClient
	// Two-factor: an account setting it up, one with it on, and a browser
	// half-way through signing in with it.
	enrolling, enrolled, halfSignedIn   *apiClient
	ws, memberID, folder, draft, video  string
	slug, invitationID, invitationToken string
	tokenID, linkToken                  string
	// comment is on a draft only its author sees and mentions a member,
	// so that its page (offerPage) offers to share it at comment level.
	comment, offerPage string
}

func newInputFixture(t *testing.T, s *testServer, video []byte) *inputFixture {
	f := &inputFixture{s: s}
	f.admin, _ = s.signedIn(t, "admin@acme.com")
	a := f.admin
	f.ws = idOf(t, a.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201))
	w := "/api/v1/workspaces/" + f.ws
	a.do("PATCH", w, map[string]string{"publishing": "allowed"}).want(t, 200)
	carla, memberID := s.member(t, a, f.ws, "carla@acme.com", "creator")
	f.memberID = memberID
	f.folder = idOf(t, a.do("POST", w+"/folders", map[string]string{"name": "Plans"}).want(t, 201))
	f.draft = idOf(t, a.do("POST", w+"/drafts", map[string]any{"name": "Script", "parent_id": f.folder,
		"document": map[string]any{"scenes": []string{"one"}}}).want(t, 201))
	f.video = idOf(t, a.upload(f.ws, "videos", map[string]string{"name": "Teaser"}, "clip.mp4", bytes.NewReader(video)).want(t, 201))
	v := "/api/v1/videos/" + f.video
	a.do("PUT", v+"/captions/fr", frenchSRT, "Content-Type", "application/x-subrip").want(t, 200)
	f.slug = a.do("POST", v+"/publish", nil).want(t, 200).json(t)["slug"].(string)
	a.do("PUT", v+"/password", map[string]string{"password": "open sesame"}).want(t, 204)
	inv := a.do("POST", w+"/invitations", map[string]any{"emails": []string{"guest@acme.com"}, "role": "viewer"}).want(t, 200).json(t)
	f.invitationID = inv["results"].([]any)[0].(map[string]any)["invitation_id"].(string)
	f.invitationToken = s.invitationToken(t, "guest@acme.com")
	f.linkToken = a.do("PUT", w+"/invite-link", map[string]any{"role": "viewer"}).want(t, 200).json(t)["token"].(string)
	f.tokenID = idOf(t, a.do("POST", w+"/api-tokens", map[string]string{"name": "ci"}).want(t, 201))
	f.guest, _ = s.signedIn(t, "guest@acme.com")

	// What makes the remaining forms appear: a second workspace (the
	// switcher), a trashed draft, a video not yet published, a pending
	// join request, a colleague who may ask to join, an account still to
	// verify.
	a.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme Two"}).want(t, 201)
	trashed := idOf(t, a.do("POST", w+"/drafts", map[string]any{"name": "Old"}).want(t, 201))
	a.do("DELETE", "/api/v1/items/"+trashed, nil).want(t, 204)
	rough := idOf(t, a.upload(f.ws, "videos", map[string]string{"name": "Rough cut"}, "cut.mp4", bytes.NewReader(video)).want(t, 201))
	a.do("PATCH", w, map[string]any{"domains": []string{"acme.com"}, "join_policy": "request"}).want(t, 200)
	s.verifyDomain(t, a, f.ws, "acme.com")
	bob, _ := s.signedIn(t, "bob@acme.com")
	bob.do("POST", w+"/join", nil).want(t, 200)
	f.colleague, _ = s.signedIn(t, "dana@acme.com")
	f.unverified = s.client(t)
	f.unverified.do("POST", "/api/v1/auth/signup", map[string]string{"email": "new@acme.com", "password": "correct horse 1", "name": "New"}).want(t, 201)
	f.unverified.do("POST", "/api/v1/auth/login", map[string]string{"email": "new@acme.com", "password": "correct horse 1"}).want(t, 200)
	f.enrolling, _ = s.signedIn(t, "erin@acme.com")
	f.enrolling.do("POST", "/api/v1/me/two-factor", nil).want(t, 200)
	f.enrolled, _ = s.signedIn(t, "finn@acme.com")
	var clock atomic.Int64
	enableTwoFactor(t, f.enrolled, &clock)
	f.halfSignedIn = s.client(t)
	f.halfSignedIn.do("POST", "/api/v1/auth/login", map[string]string{"email": "finn@acme.com", "password": "correct horse 1"}).want(t, 200)
	// A webhook endpoint with a delivery shows the webhook forms.
	hook := idOf(t, a.do("POST", w+"/webhooks", map[string]any{"url": "https://hooks.example.com/troupe", "events": []string{"item.created"}}).want(t, 201))
	a.do("POST", w+"/webhooks/"+hook+"/test", nil).want(t, 202)

	// A draft waiting for the admin's review shows the approval forms.
	review := idOf(t, carla.do("POST", w+"/drafts", map[string]any{"name": "Review me"}).want(t, 201))
	carla.do("POST", "/api/v1/items/"+review+"/approval", map[string]any{"reviewers": []string{idOf(t, a.do("GET", "/api/v1/me", nil).want(t, 200))}}).want(t, 201)
	// A comment that mentions a member who cannot see its draft: its
	// page offers to share, and shows the comment's own forms, a resolved
	// thread's among them.
	private := idOf(t, a.do("POST", w+"/drafts", map[string]any{"name": "Private"}).want(t, 201))
	a.do("PUT", "/api/v1/items/"+private+"/sharing", map[string]any{"general_access": "restricted"}).want(t, 200)
	f.comment = idOf(t, a.do("POST", "/api/v1/items/"+private+"/comments", map[string]any{"body": "@carla@acme.com have a look"}).want(t, 201))
	done := idOf(t, a.do("POST", "/api/v1/items/"+private+"/comments", map[string]any{"body": "Done"}).want(t, 201))
	a.do("PATCH", "/api/v1/comments/"+done, map[string]any{"resolved": true}).want(t, 200)
	f.offerPage = "/w/" + f.ws + "/items/" + private + "?resolved=1&offer=" + f.comment

	// A video whose processing failed shows Retry.
	broken := append(slices.Clone(video[:64]), bytes.Repeat([]byte("not a video "), 2000)...)
	waitProcessed(t, a, idOf(t, a.upload(f.ws, "videos", map[string]string{"name": "Broken"}, "broken.mp4", bytes.NewReader(broken)).want(t, 201)))

	// A video's duration and poster are written by a job: wait for them,
	// so that nothing changes later on its own.
	for _, id := range []string{f.video, rough} {
		deadline := time.Now().Add(20 * time.Second)
		for v := a.do("GET", "/api/v1/items/"+id, nil).want(t, 200).json(t); v["duration_ms"] == nil || v["poster_url"] == nil; {
			if time.Now().After(deadline) {
				t.Fatalf("no duration or poster: %v", v)
			}
			time.Sleep(100 * time.Millisecond)
			v = a.do("GET", "/api/v1/items/"+id, nil).want(t, 200).json(t)
		}
	}
	return f
}

// param is a real value for a route's path parameter, so that what else
// a request carries is what gets read.
func (f *inputFixture) param(path, name string) string {
	switch name {
	case "ws":
		return f.ws
	case "user":
		return f.memberID
	case "lang":
		return "fr"
	case "slug":
		return f.slug
	case "file":
		return "fr.vtt"
	case "cid":
		return f.comment
	case "token":
		if strings.Contains(path, "/join/") {
			return f.linkToken
		}
		return f.invitationToken
	}
	switch {
	case strings.Contains(path, "invitations/{id}"):
		return f.invitationID
	case strings.Contains(path, "/api-tokens/"):
		return f.tokenID
	case strings.Contains(path, "/videos/"), strings.Contains(path, "/publish"), strings.Contains(path, "/unpublish"),
		strings.Contains(path, "/password"), strings.Contains(path, "/download"), strings.Contains(path, "/captions"):
		return f.video
	case strings.Contains(path, "/folders/"):
		return f.folder
	case strings.Contains(path, "/items/"):
		return f.draft
	}
	return "0"
}

// fill writes path with its parameters: bad's value for the one named
// badParam, real ones for the others.
func (f *inputFixture) fill(path, badParam, bad string) string {
	var b strings.Builder
	for rest := path; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		j := strings.IndexByte(rest, '}')
		name := rest[i+1 : j]
		b.WriteString(rest[:i])
		switch {
		case name == "$":
		case name == badParam:
			b.WriteString(url.PathEscape(bad))
		default:
			b.WriteString(url.PathEscape(f.param(path, name)))
		}
		rest = rest[j+1:]
	}
}

func pathParams(path string) []string {
	var names []string
	for _, part := range strings.Split(path, "/") {
		if strings.HasPrefix(part, "{") && part != "{$}" {
			names = append(names, strings.Trim(part, "{}"))
		}
	}
	return names
}

// refusals counts the requests sent with bad text and what came back.
type refusals struct {
	t    *testing.T
	sent int
}

// check wants res refused as invalid_input: a problem on the API, the
// error page's message on the pages.
func (rf *refusals) check(res response, what string, api bool) {
	rf.t.Helper()
	rf.sent++
	switch {
	case res.status >= 500:
		rf.t.Errorf("%s: %d\n%.300s", what, res.status, res.body)
	case res.status != http.StatusBadRequest:
		rf.t.Errorf("%s: %d, want 400\n%.300s", what, res.status, res.body)
	case api:
		var p struct{ Code string }
		if json.Unmarshal(res.body, &p); p.Code != "invalid_input" || res.header.Get("Content-Type") != "application/problem+json" {
			rf.t.Errorf("%s: %s %q, want invalid_input", what, res.header.Get("Content-Type"), res.body)
		}
	default:
		if !strings.Contains(string(res.body), "is not valid text") {
			rf.t.Errorf("%s: the page does not say what is wrong\n%.500s", what, res.body)
		}
	}
}

// checkHead is check for an API HEAD request, whose answer has no body to
// carry the problem's code.
func (rf *refusals) checkHead(res response, what string, _ bool) {
	rf.t.Helper()
	rf.sent++
	if res.status != http.StatusBadRequest || res.header.Get("Content-Type") != "application/problem+json" {
		rf.t.Errorf("%s: %d %s, want 400 problem+json", what, res.status, res.header.Get("Content-Type"))
	}
}

// The defect this guards against: a NUL in the sign-in address, sent by
// anyone, reached PostgreSQL and was a 500.
func TestSignInWithBadBytes(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		s.signupVerified(t, "known@example.com", "K", "correct horse 1")
		c := s.client(t)
		rf := &refusals{t: t}
		for _, b := range badTexts {
			body := `{"email":` + strings.Replace(b.json, "a", "known@example.com", 1) + `,"password":"correct horse 1"}`
			rf.check(c.do("POST", "/api/v1/auth/login", body), "API sign-in, "+b.name, true)
			form := "email=" + url.QueryEscape("known@example.com"+b.raw) + "&password=correct+horse+1"
			rf.check(c.do("POST", "/login", form, "Content-Type", "application/x-www-form-urlencoded"), "page sign-in, "+b.name, false)
		}
		c.do("POST", "/api/v1/auth/login", map[string]string{"email": "known@example.com", "password": "correct horse 1"}).want(t, 200)
	})
}

// Every API route of the OpenAPI document and every page route and form,
// with a NUL byte or invalid UTF-8 in each string a client sends: path
// parameters, query parameters, each JSON property (nested ones and
// object keys included), upload fields and file names, form fields and
// the headers the server reads. None is a 5xx; each is a 400
// invalid_input; nothing is written.
func TestBadTextIsRefusedEverywhere(t *testing.T) {
	video := testkit.VideoBytes(t, 1)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	routes, err := web.NewServer(nil, cat, slog.New(slog.DiscardHandler), web.Config{BaseURL: "http://troupe.test"})
	if err != nil {
		t.Fatal(err)
	}
	routes.Handler()
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { badTextEverywhere(t, e, routes, video) })
	}
}

// badTextEverywhere is TestBadTextIsRefusedEverywhere on one engine, with
// a single sign-on provider whose identity shows the account's unlink
// form.
func badTextEverywhere(t *testing.T, e testkit.Engine, routes *web.Server, video []byte) {
	port := testkit.OIDCPort(t)
	cfg, _ := json.Marshal([]map[string]any{{"id": "acme-id", "name": "Acme ID", "issuer": "http://127.0.0.1:" + strconv.Itoa(port) + "/",
		"client_id": "troupe", "client_secret": "troupe-secret"}})
	s := startServerWith(t, e, serverOptions{env: []string{"TROUPE_OIDC_PROVIDERS", string(cfg)}})
	op := testkit.StartOIDCProvider(t, port, []testkit.OIDCUser{{ID: "u-ivy", Username: "ivy", Password: "ivy-password",
		Email: "ivy@acme.com", EmailVerified: true}}, s.url+"/auth/sso/acme-id/callback")
	{
		f := newInputFixture(t, s, video)
		browser, res := op.SignInAt(t, s.url+"/auth/sso/acme-id", "ivy", "ivy-password")
		res.Body.Close()
		ivy := &apiClient{t: t, base: s.url, http: &http.Client{Jar: browser.Jar, Timeout: 20 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		// The crawl is made of good requests, which may write (a visit
		// is recent); what is compared is what comes after.
		var forms []pageForm
		for c, seeds := range map[*apiClient][]string{
			ivy:            {"/account"},
			f.admin:        {"/", "/w/" + f.ws, "/account", "/workspaces", "/discover", "/notifications", "/invitations/" + f.invitationToken, f.offerPage, "/w/" + f.ws + "/settings/webhooks"},
			f.guest:        {"/", "/invitations/" + f.invitationToken, "/join/" + f.linkToken, "/discover"},
			f.colleague:    {"/discover"},
			f.unverified:   {"/account"},
			f.enrolling:    {"/account"},
			f.enrolled:     {"/account"},
			f.halfSignedIn: {"/login/two-factor"},
			s.client(t): {"/login", "/signup", "/forgot-password", "/reset-password?token=x", "/verify-email?token=x",
				"/invitations/" + f.invitationToken, "/join/" + f.linkToken, "/v/" + f.slug, "/e/" + f.slug},
		} {
			forms = append(forms, crawl(t, c, seeds, 400)...)
		}
		forms = append(forms, formsAnswered(t, f.enrolling, "/account",
			f.enrolling.do("POST", "/account/two-factor", url.Values{}).want(t, 200))...)
		before := f.snapshot(t)

		t.Run("API", func(t *testing.T) {
			rf := &refusals{t: t}
			f.sweepAPI(t, rf)
			t.Logf("%d API requests refused", rf.sent)
		})
		t.Run("page routes", func(t *testing.T) {
			rf := &refusals{t: t}
			for _, pattern := range routes.PageRoutes() {
				f.sweepPageRoute(rf, pattern)
			}
			t.Logf("%d page requests refused", rf.sent)
		})
		t.Run("page forms", func(t *testing.T) {
			rf := &refusals{t: t}
			covered := map[string]bool{}
			mux := http.NewServeMux()
			for _, p := range routes.PageRoutes() {
				mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
			}
			for _, form := range forms {
				req, _ := http.NewRequest(form.method, "http://troupe.test"+form.action, nil)
				_, pattern := mux.Handler(req)
				covered[pattern] = true
				f.sweepForm(rf, form)
			}
			// A script, not a form, posts to these; they refuse bad text
			// all the same.
			scripted := map[string]func() response{
				"POST /v/{slug}/events": func() response {
					return s.client(t).do("POST", "/v/"+f.slug+"/events", `{"session":"\u0000abcdefghijklmnopq","watched":[]}`,
						"Content-Type", "text/plain")
				},
			}
			for pattern, send := range scripted {
				covered[pattern] = true
				rf.check(send(), pattern, false)
			}
			var missing []string
			for _, p := range routes.PageRoutes() {
				if strings.HasPrefix(p, "POST ") && !covered[p] {
					missing = append(missing, p)
				}
			}
			t.Logf("%d forms, %d requests refused", len(forms), rf.sent)
			if len(missing) > 0 {
				t.Errorf("no form was found for %v: make the fixture show it", missing)
			}
		})
		t.Run("draft document", func(t *testing.T) {
			// A draft's document is JSON in the API and JSON typed as text
			// in the page's form: a NUL escaped in it is refused by both.
			doc := `{"scenes":[{"title":"\u0000"}]}`
			rf := &refusals{t: t}
			rf.check(f.admin.do("PATCH", "/api/v1/items/"+f.draft, `{"document":`+doc+`}`), "API document", true)
			form := url.Values{"name": {"Script"}, "script": {"Hello"}, "document": {doc}}.Encode()
			res := f.admin.do("POST", "/w/"+f.ws+"/items/"+f.draft, form, "Content-Type", "application/x-www-form-urlencoded")
			rf.check(res, "page document", false)
			// The form comes back with what was typed.
			contains(t, res.text(), `name="document"`, "Hello")
		})
		t.Run("captions files", func(t *testing.T) {
			// Caption files are not form fields: their bytes are read by
			// the captions parser, which names the line.
			v := "/api/v1/videos/" + f.video + "/captions/de"
			for _, b := range badTexts {
				for _, ct := range []string{"text/vtt", "application/x-subrip"} {
					body := "WEBVTT\n\n00:00.000 --> 00:01.000\n" + b.raw + "\n"
					if ct != "text/vtt" {
						body = "1\n00:00:00,000 --> 00:00:01,000\n" + b.raw + "\n"
					}
					p := f.admin.do("PUT", v, body, "Content-Type", ct).want(t, 422, "invalid_captions").json(t)
					if e := p["errors"].([]any)[0].(map[string]any); e["code"] != "not_utf8" || e["line"] != 4.0 && e["line"] != 3.0 {
						t.Errorf("%s %s: %v", ct, b.name, p)
					}
				}
				page := "/w/" + f.ws + "/items/" + f.video + "/captions"
				res := f.admin.postMultipart(page, [][2]string{{"lang", "de"}, {"label", "Deutsch"}}, "de.vtt",
					"WEBVTT\n\n00:00.000 --> 00:01.000\n"+b.raw+"\n")
				if res.status != 422 {
					t.Errorf("captions page %s: %d\n%.300s", b.name, res.status, res.body)
				}
			}
		})
		if t.Failed() {
			return
		}
		if after := f.snapshot(t); !maps.Equal(before, after) {
			for k := range before {
				if before[k] != after[k] {
					t.Errorf("%s changed:\n%s\n%s", k, before[k], after[k])
				}
			}
		}
	}
}

// snapshot reads back what the admin can see of the workspace and of
// themselves, to show that refused requests wrote nothing.
func (f *inputFixture) snapshot(t *testing.T) map[string]string {
	t.Helper()
	w := "/api/v1/workspaces/" + f.ws
	out := map[string]string{}
	for _, p := range []string{"/api/v1/me", w, w + "/subscription", w + "/members", w + "/invitations", w + "/invite-link",
		w + "/api-tokens", w + "/audit-log", w + "/items?limit=100", w + "/items?parent=" + f.folder, w + "/trash",
		"/api/v1/items/" + f.draft, "/api/v1/items/" + f.video, "/api/v1/items/" + f.video + "/sharing",
		"/api/v1/videos/" + f.video + "/captions", "/api/v1/videos/" + f.video + "/captions/fr"} {
		out[p] = string(f.admin.do("GET", p, nil).want(t, 200).body)
	}
	out["guest invitations"] = string(f.guest.do("GET", "/api/v1/invitations", nil).want(t, 200).body)
	return out
}

// --- The API ----------------------------------------------------------------

type openAPIDoc struct {
	Paths map[string]map[string]struct {
		Parameters []struct {
			Name string `json:"name"`
			In   string `json:"in"`
		} `json:"parameters"`
		RequestBody *struct {
			Content map[string]struct {
				Schema map[string]any `json:"schema"`
			} `json:"content"`
		} `json:"requestBody"`
	} `json:"paths"`
	Components struct {
		Schemas map[string]map[string]any `json:"schemas"`
	} `json:"components"`
}

func (f *inputFixture) sweepAPI(t *testing.T, rf *refusals) {
	var doc openAPIDoc
	if err := json.Unmarshal(f.admin.do("GET", "/api/v1/openapi.json", nil).want(t, 200).body, &doc); err != nil {
		t.Fatal(err)
	}
	ops := 0
	for path, methods := range doc.Paths {
		for method, op := range methods {
			ops++
			method = strings.ToUpper(method)
			route := method + " " + path
			good := f.fill(path, "", "")
			check := rf.check
			if method == http.MethodHead {
				check = rf.checkHead
			}
			for _, b := range badTexts {
				for _, name := range pathParams(path) {
					check(f.admin.do(method, f.fill(path, name, b.raw), nil), fmt.Sprintf("%s: path {%s} %s", route, name, b.name), true)
				}
				query := []string{"x"}
				for _, p := range op.Parameters {
					if p.In == "query" {
						query = append(query, p.Name)
					}
				}
				for _, q := range query {
					check(f.admin.do(method, good+"?"+q+"="+url.QueryEscape(b.raw), nil), fmt.Sprintf("%s: ?%s %s", route, q, b.name), true)
				}
				check(f.admin.do(method, good+"?"+url.QueryEscape(b.raw)+"=1", nil), route+": a query name "+b.name, true)
				if b.name != "NUL" { // a NUL cannot be in a header: net/http refuses it
					for _, h := range []string{"User-Agent", "Accept-Language"} {
						check(f.admin.do(method, good, nil, h, b.raw), route+": "+h+" "+b.name, true)
					}
					check(f.s.withToken(t, b.raw).do(method, good, nil), route+": Authorization "+b.name, true)
				}
				if op.RequestBody == nil {
					continue
				}
				for ct, content := range op.RequestBody.Content {
					switch ct {
					case "application/json":
						_, variants := doc.variants(content.Schema, "")
						for _, v := range variants {
							raw := bytes.Replace(mustJSON(v.body), []byte(`"`+badMark+`"`), []byte(b.json), 1)
							check(f.admin.do(method, good, string(raw)), fmt.Sprintf("%s: JSON %s %s", route, v.where, b.name), true)
						}
					case "multipart/form-data":
						schema := doc.resolve(content.Schema)
						fields := slices.Sorted(maps.Keys(schema["properties"].(map[string]any)))
						for _, name := range fields {
							if name == "file" {
								continue
							}
							var form [][2]string
							for _, other := range fields {
								if other != "file" {
									form = append(form, [2]string{other, cond(other == name, b.raw, "x")})
								}
							}
							check(f.admin.postMultipart(good, form, "clip.mp4", "bytes"), fmt.Sprintf("%s: field %s %s", route, name, b.name), true)
						}
						check(f.admin.postMultipart(good, [][2]string{{"name", "x"}}, "clip"+b.raw+".mp4", "bytes"), route+": file name "+b.name, true)
					}
				}
			}
		}
	}
	if ops < 70 {
		t.Fatalf("only %d operations in the OpenAPI document", ops)
	}
}

func cond(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}

func (d *openAPIDoc) resolve(s map[string]any) map[string]any {
	if ref, ok := s["$ref"].(string); ok {
		return d.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
	}
	return s
}

// jsonVariant is a body with badMark at one place.
type jsonVariant struct {
	where string
	body  any
}

// variants returns a good value of schema s and the values that have
// badMark in exactly one string, object key or other value.
func (d *openAPIDoc) variants(s map[string]any, where string) (any, []jsonVariant) {
	s = d.resolve(s)
	bad := []jsonVariant{{where, badMark}}
	types := fmt.Sprint(s["type"])
	switch {
	case strings.Contains(types, "object") && s["properties"] != nil:
		props := s["properties"].(map[string]any)
		good := map[string]any{}
		subs := map[string][]jsonVariant{}
		for name, p := range props {
			good[name], subs[name] = d.variants(p.(map[string]any), strings.TrimPrefix(where+"."+name, "."))
		}
		bad = []jsonVariant{{where + " (a key)", map[string]any{badMark: 1}}}
		for _, name := range slices.Sorted(maps.Keys(subs)) {
			for _, v := range subs[name] {
				body := maps.Clone(good)
				body[name] = v.body
				bad = append(bad, jsonVariant{v.where, body})
			}
		}
		return good, bad
	case strings.Contains(types, "array"):
		_, items := d.variants(s["items"].(map[string]any), where+"[0]")
		for _, v := range items {
			bad = append(bad, jsonVariant{v.where, []any{v.body}})
		}
		return []any{}, bad
	case strings.Contains(types, "string"):
		if enum, ok := s["enum"].([]any); ok {
			return enum[0], bad
		}
		return "x", bad
	case strings.Contains(types, "boolean"):
		return true, bad
	case strings.Contains(types, "integer"), strings.Contains(types, "number"):
		return 1, bad
	}
	// Free JSON (a draft's document): bad text at any depth, in keys too.
	return map[string]any{"k": "v"}, append(bad,
		jsonVariant{where + ".k", map[string]any{"k": badMark}},
		jsonVariant{where + " (a key)", map[string]any{badMark: "v"}},
		jsonVariant{where + ".a[1].b", map[string]any{"a": []any{1, map[string]any{"b": badMark}}}},
		jsonVariant{where + ".a[0] (a key)", map[string]any{"a": []any{map[string]any{badMark: true}}}})
}

// postMultipart sends fields, then a file part named filename (written
// as RFC 2231 does, so that any byte can be in it) unless it is empty.
func (c *apiClient) postMultipart(path string, fields [][2]string, filename, content string) response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range fields {
		// A name that is not plain ASCII is written as RFC 2231 does, so
		// that it reaches the server as sent.
		disposition := fmt.Sprintf("form-data; name=%q", f[0])
		if strings.ContainsFunc(f[0], func(r rune) bool { return r < 0x20 || r > 0x7e }) {
			disposition = `form-data; name*=utf-8''` + url.PathEscape(f[0])
		}
		fw, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Disposition": {disposition}})
		io.WriteString(fw, f[1])
	}
	if filename != "" {
		fw, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Disposition": {
			`form-data; name="file"; filename*=utf-8''` + url.PathEscape(filename)}})
		io.WriteString(fw, content)
	}
	mw.Close()
	return c.do("POST", path, body.String(), "Content-Type", mw.FormDataContentType())
}

// --- The pages --------------------------------------------------------------

// sweepPageRoute sends a page route bad text in each path parameter, in
// the query, and for a form post in a field and a field's name.
func (f *inputFixture) sweepPageRoute(rf *refusals, pattern string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", "/nothing/"+pattern
	}
	good := f.fill(path, "", "")
	for _, b := range badTexts {
		for _, name := range pathParams(path) {
			rf.check(f.admin.do(method, f.fill(path, name, b.raw), nil), fmt.Sprintf("%s: {%s} %s", pattern, name, b.name), false)
		}
		rf.check(f.admin.do(method, good+"?x="+url.QueryEscape(b.raw), nil), pattern+": query "+b.name, false)
		if b.name != "NUL" {
			rf.check(f.admin.do(method, good, nil, "Accept-Language", b.raw), pattern+": Accept-Language "+b.name, false)
		}
		if method == "POST" {
			form := "back=%2F&x=" + url.QueryEscape(b.raw)
			rf.check(f.admin.do(method, good, form, "Content-Type", "application/x-www-form-urlencoded"), pattern+": form field "+b.name, false)
			form = url.QueryEscape(b.raw) + "=1"
			rf.check(f.admin.do(method, good, form, "Content-Type", "application/x-www-form-urlencoded"), pattern+": form field name "+b.name, false)
		}
	}
}

// pageForm is a form as a page shows it.
type pageForm struct {
	client     *apiClient
	page       string
	method     string
	action     string
	multipart  bool
	fields     [][2]string // name and value, in order
	fileFields []string
}

// sweepForm sends form with bad text in each of its fields in turn (the
// others keep their values), in a field name, and in the file's name.
func (f *inputFixture) sweepForm(rf *refusals, form pageForm) {
	what := fmt.Sprintf("%s %s (on %s)", form.method, form.action, form.page)
	send := func(fields [][2]string, filename string) response {
		switch {
		case form.multipart:
			return form.client.postMultipart(form.action, fields, filename, "WEBVTT\n")
		case form.method == "GET":
			q := url.Values{}
			for _, fl := range fields {
				q.Add(fl[0], fl[1])
			}
			sep := cond(strings.Contains(form.action, "?"), "&", "?")
			return form.client.do("GET", form.action+sep+q.Encode(), nil)
		}
		var q []string
		for _, fl := range fields {
			q = append(q, url.QueryEscape(fl[0])+"="+url.QueryEscape(fl[1]))
		}
		return form.client.do("POST", form.action, strings.Join(q, "&"), "Content-Type", "application/x-www-form-urlencoded")
	}
	filename := ""
	if len(form.fileFields) > 0 {
		filename = "clip.vtt"
	}
	for _, b := range badTexts {
		for i, fl := range form.fields {
			fields := slices.Clone(form.fields)
			fields[i][1] = b.raw
			rf.check(send(fields, filename), fmt.Sprintf("%s: field %s %s", what, fl[0], b.name), false)
		}
		rf.check(send(append(slices.Clone(form.fields), [2]string{b.raw, "1"}), filename), what+": a field name "+b.name, false)
		if form.multipart {
			rf.check(send(form.fields, "clip"+b.raw+".vtt"), what+": file name "+b.name, false)
		}
	}
}

// crawl visits the site as c from seeds, following its links and
// redirects within the site, and returns the forms it met.
func crawl(t *testing.T, c *apiClient, seeds []string, limit int) []pageForm {
	t.Helper()
	seen := map[string]bool{}
	queue := slices.Clone(seeds)
	var forms []pageForm
	formSeen := map[string]bool{}
	for len(queue) > 0 && len(seen) < limit {
		page := queue[0]
		queue = queue[1:]
		if seen[page] {
			continue
		}
		seen[page] = true
		res := c.do("GET", page, nil)
		if res.status >= 500 {
			t.Errorf("GET %s: %d", page, res.status)
		}
		if loc := localLink(res.where()); loc != "" {
			queue = append(queue, loc)
		}
		if !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
			continue
		}
		doc, err := html.Parse(bytes.NewReader(res.body))
		if err != nil {
			t.Fatal(err)
		}
		for n := range doc.Descendants() {
			if n.Type != html.ElementNode {
				continue
			}
			switch n.Data {
			case "a":
				if l := localLink(attr(n, "href")); l != "" {
					queue = append(queue, l)
				}
			case "form":
				for _, form := range pageFormsOf(c, page, n) {
					key := form.method + " " + form.action
					for _, fl := range form.fields {
						key += " " + fl[0]
					}
					if !formSeen[key] {
						formSeen[key] = true
						forms = append(forms, form)
					}
				}
			}
		}
	}
	return forms
}

// pageFormsOf is the form n of page, and the same form once more for
// each of its buttons that posts it elsewhere (formaction).
func pageFormsOf(c *apiClient, page string, n *html.Node) []pageForm {
	form := readPageForm(c, page, n)
	out := []pageForm{form}
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && (d.Data == "button" || d.Data == "input") && attr(d, "formaction") != "" {
			other := form
			other.action = attr(d, "formaction")
			out = append(out, other)
		}
	}
	return out
}

// formsAnswered are the forms of a page that answers a form (such as the
// setup of two-factor sign-in, shown once in answer to its start).
func formsAnswered(t *testing.T, c *apiClient, page string, res response) []pageForm {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(res.body))
	if err != nil {
		t.Fatal(err)
	}
	var forms []pageForm
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "form" {
			forms = append(forms, pageFormsOf(c, page, n)...)
		}
	}
	return forms
}

// localLink is href when it is a page of this site worth visiting.
func localLink(href string) string {
	href, _, _ = strings.Cut(href, "#")
	if !strings.HasPrefix(href, "/") || strings.HasPrefix(href, "//") {
		return ""
	}
	for _, skip := range []string{"/static/", "/api/", "/metrics"} {
		if strings.HasPrefix(href, skip) {
			return ""
		}
	}
	for _, skip := range []string{"/media", "/poster", "/download", ".vtt", ".srt"} {
		if strings.Contains(href, skip) {
			return ""
		}
	}
	return href
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	return slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == key })
}

// readPageForm reads a form element: where it goes and its named fields
// with the values a browser would send (a radio group's checked one).
func readPageForm(c *apiClient, page string, n *html.Node) pageForm {
	form := pageForm{client: c, page: page, method: strings.ToUpper(cond(attr(n, "method") != "", attr(n, "method"), "GET")),
		action: cond(attr(n, "action") != "", attr(n, "action"), page), multipart: attr(n, "enctype") == "multipart/form-data"}
	index := map[string]int{}
	add := func(name, value string, override bool) {
		if name == "" {
			return
		}
		if i, ok := index[name]; ok {
			if override {
				form.fields[i][1] = value
			}
			return
		}
		index[name] = len(form.fields)
		form.fields = append(form.fields, [2]string{name, value})
	}
	for e := range n.Descendants() {
		if e.Type != html.ElementNode {
			continue
		}
		name := attr(e, "name")
		switch e.Data {
		case "input":
			switch attr(e, "type") {
			case "file":
				form.fileFields = append(form.fileFields, name)
			case "checkbox", "radio":
				add(name, cond(attr(e, "value") != "", attr(e, "value"), "on"), hasAttr(e, "checked"))
			default:
				add(name, attr(e, "value"), false)
			}
		case "textarea":
			var text strings.Builder
			for c := range e.ChildNodes() {
				text.WriteString(c.Data)
			}
			add(name, text.String(), false)
		case "select":
			value := ""
			for o := range e.Descendants() {
				if o.Type == html.ElementNode && o.Data == "option" && (value == "" || hasAttr(o, "selected")) {
					value = attr(o, "value")
				}
			}
			add(name, value, false)
		case "button":
			add(name, attr(e, "value"), false)
		}
	}
	return form
}
