package main

import (
	"net/url"
	"strings"
	"testing"
)

// Sharing state tells the truth on every page that sums it up (item and
// folder headers, the Share dialog, the rows of lists, the API), access
// from folders above included; what someone cannot do is not offered,
// and a refusal says whom to ask, in English and in French.
func TestSharingStateAndRefusals(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		base := admin.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).where()
		ws := strings.TrimPrefix(base, "/w/")
		alice, _ := s.member(t, admin, ws, "alice@acme.com", "creator")
		bob, bobID := s.member(t, admin, ws, "bob@acme.com", "creator")
		vera, _ := s.member(t, admin, ws, "vera@acme.com", "viewer")
		fr := []string{"Accept-Language", "fr-FR,fr;q=0.9"}

		folder := idOf(t, alice.do("POST", "/api/v1/workspaces/"+ws+"/folders", map[string]any{"name": "Q3 Launch"}).want(t, 201))
		draft := idOf(t, alice.do("POST", "/api/v1/workspaces/"+ws+"/drafts", map[string]any{"name": "Teaser", "parent_id": folder}).want(t, 201))
		folderPath, draftPath := base+"/folders/"+folder, base+"/items/"+draft
		share := draftPath + "/share"

		t.Run("only me, while nobody else can see it", func(t *testing.T) {
			contains(t, alice.page(draftPath, 200), `data-access-scope="only_me"`, "<span data-access-line>Only me</span>")
			contains(t, admin.page(draftPath, 200), "<span data-access-line>Only alice</span>")
			lacks(t, alice.page(folderPath, 200), `class="access-tag"`)
			bob.do("GET", draftPath, nil).want(t, 404)
		})

		alice.do("PUT", "/api/v1/items/"+folder+"/sharing", map[string]any{"general_access": "workspace", "workspace_level": "view"}).want(t, 200)
		const inherited = "Everyone in Acme Studio can view · from folder Q3 Launch"

		t.Run("access inherited from a folder is told everywhere", func(t *testing.T) {
			page := alice.page(draftPath, 200)
			contains(t, page, `data-access-scope="workspace"`, inherited)
			lacks(t, page, ">Only me<", `data-access-public`)
			dialog := alice.page(share, 200)
			contains(t, dialog, "Who can see it now", inherited, "Inherited access only", `data-label-only-me="Inherited access only"`,
				"Everyone in the workspace · View · from folder Q3 Launch")
			lacks(t, dialog, ">Only me<", "icon-globe")
			// The owner's rows carry the shared indicator; no globe, which
			// means the web.
			rows := alice.page(folderPath, 200)
			contains(t, rows, `class="access-tag" data-access-scope="workspace"`, `title="`+inherited+`"`)
			lacks(t, rows, "data-access-public")
			contains(t, alice.page(base, 200), `class="access-tag" data-access-scope="workspace" title="Everyone in Acme Studio can view"`)
			// Another member reads the same truth.
			contains(t, bob.page(draftPath, 200), inherited, "You can read this draft but not change it.", "<span data-ask>Ask alice for edit access.</span>")
			contains(t, bob.page(folderPath, 200), "Everyone in Acme Studio can view")
			contains(t, alice.page(draftPath+"/access", 200), inherited)
		})

		t.Run("the API says it in the item's access", func(t *testing.T) {
			it := bob.do("GET", "/api/v1/items/"+draft, nil).want(t, 200).json(t)
			acc := it["access"].(map[string]any)
			from, _ := acc["inherited_from"].(map[string]any)
			if acc["scope"] != "workspace" || acc["level"] != "view" || acc["inherited"] != true || from["id"] != folder || from["name"] != "Q3 Launch" || acc["public"] != false {
				t.Fatalf("access: %v", acc)
			}
			list := alice.do("GET", "/api/v1/workspaces/"+ws+"/items?parent="+folder, nil).want(t, 200).json(t)["items"].([]any)
			if acc := list[0].(map[string]any)["access"].(map[string]any); acc["scope"] != "workspace" || acc["inherited"] != true {
				t.Fatalf("listed access: %v", acc)
			}
			if acc := alice.do("GET", "/api/v1/items/"+draft+"/sharing", nil).want(t, 200).json(t)["access"].(map[string]any); acc["scope"] != "workspace" || acc["inherited"] != true {
				t.Fatalf("the sharing's access: %v", acc)
			}
			alice.do("PUT", "/api/v1/items/"+draft+"/sharing", map[string]any{"general_access": "restricted",
				"shares": []map[string]string{{"user_id": bobID, "level": "view"}}}).want(t, 200)
			if acc := alice.do("GET", "/api/v1/items/"+draft, nil).want(t, 200).json(t)["access"].(map[string]any); acc["scope"] != "workspace" || acc["people_count"] != 1.0 {
				t.Fatalf("the broadest scope wins: %v", acc)
			}
			p := bob.do("PATCH", "/api/v1/items/"+draft, map[string]any{"name": "Mine"}).want(t, 403).json(t)
			if p["code"] != "forbidden" || !strings.Contains(p["detail"].(string), "Ask alice for edit access.") {
				t.Fatalf("refusal: %v", p)
			}
		})

		t.Run("what bob cannot do is not offered", func(t *testing.T) {
			page := bob.page(draftPath, 200)
			lacks(t, page, `id="share-button"`, `name="script"`, "/rename?", "/move?", "Move to trash")
			dialog := bob.page(share, 200)
			contains(t, dialog, "Who can see it now", inherited, "Close")
			lacks(t, dialog, `action="`+share+`"`, `name="general"`, `name="share_level"`, "data-save", "Add people")
			for _, path := range []string{draftPath + "/rename", draftPath + "/move", base + "/new?kind=folder&parent=" + folder,
				base + "/upload?kind=video&parent=" + folder} {
				body := bob.page(path, 403)
				contains(t, body, "You can’t do this here", "Ask alice for edit access.")
				lacks(t, body, "Something went wrong", `name="name"`)
				if n := strings.Count(body, "Ask alice for edit access."); n != 1 {
					t.Fatalf("%s says whom to ask %d times", path, n)
				}
			}
			contains(t, bob.post(draftPath, url.Values{"name": {"Mine"}, "script": {"x"}, "document": {"{}"}}, 403).text(), "Ask alice for edit access.")
			contains(t, bob.post(draftPath+"/trash", nil, 403).text(), "Only its owner, alice, or a Super Admin can do this.")
			contains(t, vera.page(base+"/new?kind=folder", 403), "Your role lets you view and comment, not edit.")
			// A Viewer is not sent to the owner: no share would let them edit.
			lacks(t, vera.page(draftPath, 200), "data-ask")
		})

		t.Run("French", func(t *testing.T) {
			page := string(alice.do("GET", draftPath, nil, fr...).want(t, 200).body)
			contains(t, page, "Tout le monde dans Acme Studio peut consulter · depuis le dossier Q3 Launch")
			page = string(bob.do("GET", draftPath+"/rename", nil, fr...).want(t, 403).body)
			contains(t, page, "Action impossible ici", "Demandez à alice l’accès en modification.")
			lacks(t, page, "Un problème est survenu")
			page = string(vera.do("GET", base+"/new?kind=folder", nil, fr...).want(t, 403).body)
			contains(t, page, "Votre rôle permet de consulter et de commenter, pas de modifier.")
			page = string(alice.do("GET", share, nil, fr...).want(t, 200).body)
			contains(t, page, "Qui peut le voir maintenant", "Accès hérité uniquement")
		})

		t.Run("comment sits between view and edit", func(t *testing.T) {
			other := idOf(t, alice.do("POST", "/api/v1/workspaces/"+ws+"/drafts", map[string]any{"name": "Review me"}).want(t, 201))
			alice.do("PUT", "/api/v1/items/"+other+"/sharing", map[string]any{"general_access": "workspace", "workspace_level": "comment",
				"shares": []map[string]string{{"user_id": bobID, "level": "edit"}}}).want(t, 200)
			p := vera.do("GET", "/api/v1/items/"+other+"/permissions", nil).want(t, 200).json(t)
			if p["level"] != "comment" || p["can_comment"] != true || p["can_edit"] != false {
				t.Fatalf("a Viewer with workspace comment access: %v", p)
			}
			p = bob.do("GET", "/api/v1/items/"+other+"/permissions", nil).want(t, 200).json(t)
			if p["level"] != "edit" || p["can_comment"] != true || p["can_edit"] != true {
				t.Fatalf("a Creator with an edit share: %v", p)
			}
			otherPath := base + "/items/" + other
			contains(t, alice.page(otherPath, 200), "Everyone in Acme Studio can comment")
			contains(t, alice.page(otherPath+"/share", 200), `<option value="comment" selected>Comment</option>`)
			contains(t, vera.page(otherPath+"/access", 200), "Your access: Comment")
			page := string(vera.do("GET", otherPath+"/access", nil, fr...).want(t, 200).body)
			contains(t, page, "Votre accès : Commentaire")
			contains(t, string(alice.do("GET", otherPath, nil, fr...).want(t, 200).body), "Tout le monde dans Acme Studio peut commenter")
			// An edit share leaves a Viewer at comment.
			alice.do("PUT", "/api/v1/items/"+other+"/sharing", map[string]any{"general_access": "restricted",
				"shares": []map[string]string{{"user_id": idOf(t, vera.do("GET", "/api/v1/me", nil).want(t, 200)), "level": "edit"}}}).want(t, 200)
			if p := vera.do("GET", "/api/v1/items/"+other+"/permissions", nil).want(t, 200).json(t); p["level"] != "comment" {
				t.Fatalf("a Viewer with an edit share: %v", p)
			}
		})
	})
}
