package main

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"troupe/internal/testkit"
)

// Every action a page shows is one its viewer may take. For each role, in
// a workspace of its own filled with members, invitations, a join request,
// an invite link, tokens and content, every page reachable from the
// workspace's home is rendered and every link and form on it collected;
// then each is followed or submitted as that member, the gentle ones
// first and those that remove something last. None may be refused.
func TestCapabilityPagesOfferOnlyAllowedActions(t *testing.T) {
	video := testkit.VideoBytes(t, 1)
	settings := []struct {
		name string
		set  map[string]any
	}{
		{"default settings", nil},
		{"open settings", map[string]any{"who_can_invite": "everyone", "invite_link_policy": "everyone",
			"publishing": "allowed", "downloads": "allowed", "join_policy": "request"}},
	}
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		users := map[string]*apiClient{"super_admin": admin}
		for _, role := range []string{"developer", "creator", "viewer"} {
			users[role], _ = s.signedIn(t, role+"@acme.com")
		}
		for i, set := range settings {
			for _, role := range []string{"super_admin", "developer", "creator", "viewer"} {
				t.Run(role+" under "+set.name, func(t *testing.T) {
					ws := capabilityFixture(t, s, users, role, fmt.Sprintf("%s-%d", role, i), set.set, video)
					c := users[role]
					actions := crawlWorkspace(t, c, ws)
					if len(actions) == 0 {
						t.Fatal("no action found on any page")
					}
					for _, a := range actions {
						res := a.send(t, c, video)
						if res.status == 401 || res.status == 403 || res.status == 404 || res.status >= 500 {
							t.Errorf("%s shows %s %s, which answers %d:\n%.400s", a.page, a.method, a.action, res.status, res.body)
						}
					}
				})
			}
		}
	})
}

// capabilityFixture makes a workspace where admin is Super Admin and the
// developer, creator and viewer are members, with something for every
// button to act on; tag keeps its addresses apart from other fixtures'.
func capabilityFixture(t *testing.T, s *testServer, users map[string]*apiClient, role, tag string, set map[string]any, video []byte) string {
	t.Helper()
	admin := users["super_admin"]
	ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme " + tag}).want(t, 201).json(t)["id"].(string)
	base := "/api/v1/workspaces/" + ws
	if set != nil {
		admin.do("PATCH", base, set).want(t, 200)
	}
	join := func(c *apiClient, email, as string) {
		admin.do("POST", base+"/invitations", map[string]any{"emails": []string{email}, "role": as}).want(t, 200)
		for _, it := range c.do("GET", "/api/v1/invitations", nil).want(t, 200).json(t)["items"].([]any) {
			if inv := it.(map[string]any); inv["workspace_id"] == ws {
				c.post("/my-invitations/"+inv["id"].(string)+"/accept", nil, 303)
				return
			}
		}
		t.Fatalf("%s has no invitation to %s", email, ws)
	}
	for _, r := range []string{"developer", "creator", "viewer"} {
		join(users[r], r+"@acme.com", r)
	}
	target, _ := s.signedIn(t, "target-"+tag+"@acme.com")
	join(target, "target-"+tag+"@acme.com", "viewer")
	admin.do("POST", base+"/invitations", map[string]any{"emails": []string{"pending-" + tag + "@acme.com"}, "role": "viewer"}).want(t, 200)
	c := users[role]
	// An invitation of their own, when they may send one.
	c.do("POST", base+"/invitations", map[string]any{"emails": []string{"mine-" + tag + "@acme.com"}, "role": "viewer"})
	link := admin.do("PUT", base+"/invite-link", map[string]any{"role": "viewer"}).want(t, 200).json(t)
	if set != nil && set["join_policy"] == "request" {
		asker, _ := s.signedIn(t, "asker-"+tag+"@other.org")
		if got := asker.do("POST", "/api/v1/join/"+link["token"].(string), nil).want(t, 200).json(t)["result"]; got != "requested" {
			t.Fatalf("joining by the link: %v", got)
		}
	}
	admin.do("POST", base+"/api-tokens", map[string]string{"name": "admin's"}).want(t, 201)
	c.do("POST", base+"/api-tokens", map[string]string{"name": "mine"})

	folder := idOf(t, admin.do("POST", base+"/folders", map[string]any{"name": "Team"}).want(t, 201))
	admin.do("PUT", "/api/v1/items/"+folder+"/sharing", map[string]any{"general_access": "workspace", "workspace_level": "edit"}).want(t, 200)
	admin.do("POST", base+"/drafts", map[string]any{"name": "Plan", "parent_id": folder, "document": map[string]any{"a": 1}}).want(t, 201)
	owner := admin
	if role != "viewer" {
		owner = c
	}
	owner.do("POST", base+"/drafts", map[string]any{"name": "Own", "document": map[string]any{"a": 1}}).want(t, 201)
	trashed := idOf(t, owner.do("POST", base+"/drafts", map[string]any{"name": "Old"}).want(t, 201))
	owner.do("DELETE", "/api/v1/items/"+trashed, nil).want(t, 204)
	page := owner.postFile("/w/"+ws+"/upload", [][2]string{{"kind", "video"}, {"name", "Teaser"}, {"parent_id", folder}}, "clip.mp4", video, 303).where()
	id := page[strings.LastIndex(page, "/")+1:]
	owner.do("PUT", "/api/v1/videos/"+id+"/captions/en", map[string]any{"label": "English",
		"cues": []map[string]any{{"start_ms": 0, "end_ms": 500, "text": "Hello"}}}).want(t, 200)
	return ws
}

// pageAction is a link or a form found on a page.
type pageAction struct {
	page, method, action string
	fields               url.Values
	files                []string // names of file inputs
}

// send follows the link or submits the form as c would with its values
// filled in, so that the app decides on a request that could succeed.
func (a pageAction) send(t *testing.T, c *apiClient, video []byte) response {
	t.Helper()
	if a.method == "GET" {
		target := a.action
		if len(a.fields) > 0 {
			target += "?" + a.fields.Encode()
		}
		return c.do("GET", target, nil)
	}
	if len(a.files) == 0 {
		return c.do("POST", a.action, a.fields)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, vs := range a.fields {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	for _, name := range a.files {
		content, filename := video, "clip.mp4"
		if strings.HasSuffix(a.action, "/captions") {
			content, filename = []byte("WEBVTT\n\n00:00.000 --> 00:00.500\nHi\n"), "en.vtt"
		}
		fw, _ := w.CreateFormFile(name, filename)
		fw.Write(content)
	}
	w.Close()
	return c.do("POST", a.action, body.String(), "Content-Type", w.FormDataContentType())
}

// crawlWorkspace renders every page of workspace ws that c reaches from
// its home by links, and returns the actions the pages show, in the order
// to take them: those that remove something (a member, an invitation, a
// link, a token, a request, an item) come after the rest, and leaving the
// workspace last. Links and forms about other workspaces are left out,
// and so is signing out.
func crawlWorkspace(t *testing.T, c *apiClient, ws string) []pageAction {
	t.Helper()
	home := "/w/" + ws
	inScope := func(p string) bool {
		if strings.HasPrefix(p, "/w/") || strings.HasPrefix(p, "/workspaces/") || strings.HasPrefix(p, "/discover/") {
			rest := p[strings.Index(p[1:], "/")+2:]
			return rest == ws || strings.HasPrefix(rest, ws+"/") || strings.HasPrefix(rest, ws+"?")
		}
		return p != "/logout" && !strings.HasPrefix(p, "/static/") && !strings.HasPrefix(p, "/v/")
	}
	seen := map[string]bool{}
	var queue []pageAction
	var actions []pageAction
	visit := func(a pageAction) {
		key := a.method + " " + strings.SplitN(a.action, "?", 2)[0]
		if a.method == "GET" {
			// Pages differ by their query, but not by where they go back to.
			q := a.fields
			if u, err := url.Parse(a.action); err == nil {
				q = u.Query()
				for k, vs := range a.fields {
					q[k] = vs
				}
			}
			q.Del("back")
			key += "?" + q.Encode()
		}
		if seen[key] || !inScope(a.action) {
			return
		}
		seen[key] = true
		actions = append(actions, a)
		if a.method == "GET" {
			queue = append(queue, a)
		}
	}
	visit(pageAction{page: "(start)", method: "GET", action: home})
	for len(queue) > 0 && len(seen) < 400 {
		a := queue[0]
		queue = queue[1:]
		target := a.action
		if len(a.fields) > 0 {
			target += "?" + a.fields.Encode()
		}
		res := c.do("GET", target, nil)
		if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
			continue
		}
		for _, found := range pageActions(t, target, res.body) {
			visit(found)
		}
	}
	rank := func(a pageAction) int {
		p := strings.SplitN(a.action, "?", 2)[0]
		switch {
		case a.method == "GET":
			return 0
		case strings.HasSuffix(p, "/leave"):
			return 3
		case strings.HasSuffix(p, "/reset"):
			return 1
		}
		for _, end := range []string{"/remove", "/revoke", "/delete", "/deny", "/approve", "/trash", "/unpublish", "/decline", "/accept"} {
			if strings.HasSuffix(p, end) {
				return 2
			}
		}
		return 0
	}
	sort.SliceStable(actions, func(i, j int) bool { return rank(actions[i]) < rank(actions[j]) })
	return actions
}

// pageActions lists the links and forms of an HTML page, forms with the
// values they would send: hidden and filled fields as they are, the
// selected (or first) option, the first submit button's own value, and a
// plausible value in empty required fields and passwords.
func pageActions(t *testing.T, page string, body []byte) []pageAction {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", page, err)
	}
	attr := func(n *html.Node, name string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == name {
				return a.Val, true
			}
		}
		return "", false
	}
	resolve := func(ref string) (string, bool) {
		base, _ := url.Parse(page)
		u, err := base.Parse(ref)
		if err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
			return "", false
		}
		u.Fragment = ""
		return u.String(), true
	}
	var out []pageAction
	form := func(f *html.Node) pageAction {
		a := pageAction{page: page, method: "GET", fields: url.Values{}}
		if m, _ := attr(f, "method"); strings.EqualFold(m, "post") {
			a.method = "POST"
		}
		action, _ := attr(f, "action")
		if action == "" {
			action = page
		}
		a.action, _ = resolve(action)
		submitted := false
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				name, named := attr(n, "name")
				typ, _ := attr(n, "type")
				_, disabled := attr(n, "disabled")
				switch {
				case !named || disabled:
				case n.Data == "input" && typ == "file":
					a.files = append(a.files, name)
				case n.Data == "input" && (typ == "checkbox" || typ == "radio"):
					if _, on := attr(n, "checked"); on {
						v, ok := attr(n, "value")
						if !ok {
							v = "on"
						}
						a.fields.Add(name, v)
					}
				case n.Data == "input" && typ == "submit", n.Data == "button":
					if v, _ := attr(n, "value"); !submitted {
						a.fields.Add(name, v)
						submitted = true
					}
				case n.Data == "input":
					v, _ := attr(n, "value")
					if _, required := attr(n, "required"); v == "" && (required || typ == "password") {
						v = plausible(name, typ)
					}
					a.fields.Add(name, v)
				case n.Data == "textarea":
					v := ""
					if n.FirstChild != nil {
						v = n.FirstChild.Data
					}
					if _, required := attr(n, "required"); v == "" && required {
						v = plausible(name, "textarea")
					}
					a.fields.Add(name, v)
				case n.Data == "select":
					var first, chosen string
					hasFirst := false
					for o := range n.Descendants() {
						if o.Type != html.ElementNode || o.Data != "option" {
							continue
						}
						v, ok := attr(o, "value")
						if !ok && o.FirstChild != nil {
							v = o.FirstChild.Data
						}
						if !hasFirst {
							first, hasFirst = v, true
						}
						if _, sel := attr(o, "selected"); sel {
							chosen = v
						}
					}
					if chosen == "" {
						chosen = first
					}
					a.fields.Add(name, chosen)
				}
			}
			for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
				walk(ch)
			}
		}
		walk(f)
		return a
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "a":
			if href, ok := attr(n, "href"); ok && !strings.HasPrefix(href, "#") {
				if target, ok := resolve(href); ok {
					out = append(out, pageAction{page: page, method: "GET", action: target})
				}
			}
		case "form":
			if a := form(n); a.action != "" {
				out = append(out, a)
			}
		}
	}
	return out
}

var plausibleN int

// plausible is a value for an empty field that the app would accept, so
// that a refusal cannot hide behind a validation error.
func plausible(name, typ string) string {
	plausibleN++
	switch {
	case typ == "password":
		return "correct horse 1" // every account's in these tests
	case name == "lang":
		return "de"
	case name == "emails" || typ == "email":
		return fmt.Sprintf("probe-%d-%d@acme.com", time.Now().UnixNano(), plausibleN)
	case typ == "date":
		return time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	case typ == "number":
		return "5"
	}
	return fmt.Sprintf("Probe %d", plausibleN)
}
