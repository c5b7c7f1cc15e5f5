package main

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// postFile sends a plain multipart form as a browser does: the fields in
// order, then the file.
func (c *apiClient) postFile(path string, fields [][2]string, filename string, content []byte, status int) response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		c.t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	req, err := http.NewRequest("POST", c.base+path, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}.want(c.t, status)
}

// Content works through plain forms, without JavaScript, on both engines:
// folders and drafts are made, opened, saved, shared, moved, trashed and
// restored; each role sees only the controls it may use.
func TestContentPagesAsPlainForms(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		base := admin.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).where()
		ws := strings.TrimPrefix(base, "/w/")
		carla, _ := s.member(t, admin, ws, "carla@acme.com", "creator")
		vera, _ := s.member(t, admin, ws, "vera@acme.com", "viewer")

		home := carla.page(base, 200)
		contains(t, home, "No items yet", "you are Creator", `href="`+base+`/new?`, "kind=folder", base+"/shared", base+"/recent", base+"/trash", `action="`+base+`/search"`)

		// A folder, then a draft inside it.
		if got := carla.post(base+"/new", url.Values{"kind": {"folder"}, "name": {"Q3 Launch"}, "back": {base}}, 303).where(); got != base {
			t.Fatalf("after creating a folder: %q", got)
		}
		home = carla.page(base, 200)
		contains(t, home, "Folder created.", "Q3 Launch", "Actions for Q3 Launch", "Move to trash")
		folder := find(t, home, `href="/w/[^/]+/folders/([^"]+)"`)
		folderPath := base + "/folders/" + folder
		contains(t, carla.post(base+"/new", url.Values{"kind": {"folder"}, "name": {" "}}, 422).text(), "This field is required.")

		draftPath := carla.post(base+"/new", url.Values{"kind": {"draft"}, "name": {"Intro"}, "parent_id": {folder}}, 303).where()
		if !strings.HasPrefix(draftPath, base+"/items/") {
			t.Fatalf("a new draft opens %q", draftPath)
		}
		draft := strings.TrimPrefix(draftPath, base+"/items/")
		editor := carla.page(draftPath, 200)
		contains(t, editor, "Draft created.", `name="script"`, `name="document"`, `data-json`, `aria-label="Folder path"`, ">Q3 Launch</a>")
		if got := carla.do("GET", base+"/items/"+folder, nil).want(t, 303).where(); got != folderPath {
			t.Fatalf("a folder's item page opens %q", got)
		}
		contains(t, carla.page(folderPath, 200), "Intro", `aria-label="Folder path"`)

		t.Run("saving a draft checks its document", func(t *testing.T) {
			form := url.Values{"name": {"Intro"}, "script": {"Hello, team.\r\nScene two."}, "document": {`{"scenes": [1, 2]}`}}
			carla.post(draftPath, form, 303)
			page := carla.page(draftPath, 200)
			contains(t, page, "Saved.", "Hello, team.\nScene two.", "[1, 2]")
			form.Set("document", "{oops")
			contains(t, carla.post(draftPath, form, 422).text(), "The document must be valid JSON", `aria-invalid="true"`, "{oops")
		})

		t.Run("viewer sees nothing before it is shared", func(t *testing.T) {
			vera.do("GET", draftPath, nil).want(t, 404)
			v := vera.page(base, 200)
			contains(t, v, "Items shared with you will appear here.")
			lacks(t, v, "Q3 Launch", "kind=folder", "Upload video")
		})

		t.Run("sharing through the plain form", func(t *testing.T) {
			share := folderPath[:len(base)] + "/items/" + folder + "/share"
			page := carla.page(share, 200)
			contains(t, page, "Add people", "General access", "Only me", "Everyone in the workspace", `id="f-share-link"`, "/w/"+ws+"/folders/"+folder)
			contains(t, carla.post(share, url.Values{"general": {"restricted"}, "add": {"nobody@else.org"}}, 422).text(), "No active member of the workspace matches this.")
			contains(t, carla.post(share, url.Values{"general": {"restricted"}, "share_user": {"no-such-user"}, "share_level": {"view"}}, 422).text(),
				"Items can only be shared with active members of the workspace.")
			if got := carla.post(share, url.Values{"general": {"restricted"}, "add": {"vera@acme.com"}, "add_level": {"edit"}}, 303).where(); !strings.HasPrefix(got, share) {
				t.Fatalf("after sharing: %q", got)
			}
			page = carla.page(share, 200)
			contains(t, page, "Sharing saved.", `data-email="vera@acme.com"`, "Selected users", `name="share_user"`)
			// The draft inside shows the share as inherited.
			contains(t, carla.page(base+"/items/"+draft+"/share", 200), "from folder Q3 Launch")
		})

		t.Run("a viewer with an edit share stays read-only", func(t *testing.T) {
			page := vera.page(draftPath, 200)
			contains(t, page, "You can read this draft but not change it.", "Hello, team.")
			lacks(t, page, `name="script"`, `name="document"`, `action="`+draftPath+`"`, "Move to trash", ">Rename<", ">Share<")
			vera.do("POST", draftPath, url.Values{"name": {"Mine"}, "script": {"x"}, "document": {"{}"}}).want(t, 403)
			vera.do("POST", base+"/items/"+draft+"/rename", url.Values{"name": {"Mine"}}).want(t, 403)
			contains(t, vera.page(base+"/shared", 200), "Q3 Launch")
			lacks(t, vera.page(folderPath, 200), "kind=folder")
			access := vera.page(base+"/items/"+draft+"/access", 200)
			contains(t, access, "Your access: Comment", "Shared on the folder Q3 Launch")
			// The notification opens the shared item.
			contains(t, vera.page("/notifications", 200), `value="/w/`+ws+`/items/`+folder+`"`, "shared “Q3 Launch” with you")
		})

		t.Run("everyone in the workspace", func(t *testing.T) {
			dan, _ := s.member(t, admin, ws, "dan@acme.com", "creator")
			dan.do("GET", folderPath, nil).want(t, 404)
			share := base + "/items/" + folder + "/share"
			carla.post(share, url.Values{"general": {"workspace"}, "workspace_level": {"view"}, "share_user": {find(t, carla.page(share, 200), `name="share_user" value="([^"]+)"`)}, "share_level": {"edit"}}, 303)
			contains(t, dan.page(base, 200), "Q3 Launch")
			contains(t, dan.page(draftPath, 200), "You can read this draft but not change it.")
		})

		t.Run("rename, move, trash and restore", func(t *testing.T) {
			carla.post(base+"/items/"+draft+"/rename", url.Values{"name": {"Intro v2"}, "back": {folderPath}}, 303)
			contains(t, carla.page(folderPath, 200), "Renamed.", "Intro v2")
			carla.post(base+"/new", url.Values{"kind": {"folder"}, "name": {"Archive"}}, 303)
			archive := find(t, carla.page(base, 200), `href="/w/[^/]+/folders/([^"]+)">Archive<`)
			move := carla.page(base+"/items/"+draft+"/move", 200)
			contains(t, move, "Folders you can edit", "Archive", "Move to Q3 Launch")
			carla.post(base+"/items/"+draft+"/move", url.Values{"parent_id": {archive}}, 303)
			contains(t, carla.page(base+"/folders/"+archive, 200), "Moved.", "Intro v2")
			lacks(t, carla.page(folderPath, 200), "Intro v2")
			contains(t, carla.post(base+"/items/"+archive+"/move", url.Values{"parent_id": {archive}}, 422).text(), "can&#39;t be moved into itself")
			// A folder Carla may only view is no destination: said in the form.
			board := idOf(t, admin.do("POST", "/api/v1/workspaces/"+ws+"/folders", map[string]any{"name": "Board"}).want(t, 201))
			admin.do("PUT", "/api/v1/items/"+board+"/sharing", map[string]any{"general_access": "workspace", "workspace_level": "view"}).want(t, 200)
			contains(t, carla.post(base+"/items/"+draft+"/move", url.Values{"parent_id": {board}}, 403).text(), "for edit access.", "Folders you can edit")

			carla.post(base+"/items/"+draft+"/trash", url.Values{"back": {base + "/folders/" + archive}}, 303)
			trash := carla.page(base+"/trash", 200)
			contains(t, trash, "Intro v2", "Restore", "Deleted for good on", "30 days")
			lacks(t, carla.page(base+"/folders/"+archive, 200), "Intro v2")
			vera.do("POST", base+"/items/"+draft+"/restore", nil).want(t, 404)
			carla.post(base+"/items/"+draft+"/restore", nil, 303)
			contains(t, carla.page(base+"/trash", 200), "Restored.", "The trash is empty")
			carla.page(draftPath, 200)
		})

		t.Run("uploads through the plain form", func(t *testing.T) {
			res := carla.postFile(base+"/upload", [][2]string{{"kind", "video"}, {"name", "Teaser"}, {"parent_id", ""}, {"description", "First cut"}}, "teaser.mp4", mp4Head, 303)
			page := carla.page(res.where(), 200)
			contains(t, page, "Upload complete.", "<video", "/media", "Teaser", "First cut")
			bad := carla.postFile(base+"/upload", [][2]string{{"kind", "avatar"}, {"name", "Face"}}, "face.mp4", mp4Head, 415).text()
			contains(t, bad, "This kind of file can&#39;t be uploaded here.", `enctype="multipart/form-data"`)
			contains(t, carla.page(base+"/search?q=teaser", 200), "Teaser", "Results for “teaser”")
			vera.postFile(base+"/upload", [][2]string{{"kind", "video"}}, "a.mp4", mp4Head, 403)
		})

		t.Run("French", func(t *testing.T) {
			fr := []string{"Accept-Language", "fr-FR,fr;q=0.9"}
			for _, path := range []string{base, folderPath, draftPath, base + "/shared", base + "/recent", base + "/trash",
				base + "/search?q=intro", base + "/items/" + folder + "/share", base + "/items/" + draft + "/move", base + "/new?kind=draft", base + "/upload"} {
				page := string(carla.do("GET", path, nil, fr...).want(t, 200).body)
				if !strings.Contains(page, `<html lang="fr">`) {
					t.Errorf("%s is not in French", path)
				}
				for _, leak := range []string{"content.", "share.", "nav.", "new.", "kind.", "level.", "trash.", "move.", "upload.", "draft.", "item."} {
					if strings.Contains(page, ">"+leak) || strings.Contains(page, `"`+leak) {
						t.Errorf("%s shows a raw catalog key starting %q", path, leak)
					}
				}
			}
			contains(t, string(carla.do("GET", base, nil, fr...).body), "Partagés avec moi", "Corbeille", "Nouveau dossier", "Mettre à la corbeille")
		})
	})
}
