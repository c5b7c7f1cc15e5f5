package main

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"troupe/internal/testkit"
)

// badSRT has its first cue's times reversed (line 2) and an arrow that is
// not one (line 6).
const badSRT = "1\n00:00:05,000 --> 00:00:01,000\nÀ l'envers\n\n2\n00:00:06,000 -> 00:00:07,000\nFlèche cassée\n"

// cueRows counts the rows of the cue editor, not its template of new rows.
func cueRows(page string) int {
	rows, _, _ := strings.Cut(page, "<template data-cue-template>")
	return strings.Count(rows, `<fieldset class="cue-row`)
}

// A video's page works through plain forms, without JavaScript, on both
// engines: its editors publish it, set and remove its password, allow
// downloads, upload captions and edit their cues; everyone else sees the
// player and no controls, and the forms refuse them.
func TestVideoPagesAsPlainForms(t *testing.T) {
	video := testkit.VideoBytes(t, 2)
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		base := admin.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).where()
		ws := strings.TrimPrefix(base, "/w/")
		carla, _ := s.member(t, admin, ws, "carla@acme.com", "creator")
		vera, veraID := s.member(t, admin, ws, "vera@acme.com", "viewer")
		page := carla.postFile(base+"/upload", [][2]string{{"kind", "video"}, {"name", "Launch teaser"}, {"parent_id", ""}, {"description", "First cut"}},
			"clip.mp4", video, 303).where()
		id := strings.TrimPrefix(page, base+"/items/")
		api := "/api/v1/videos/" + id
		carla.do("PUT", "/api/v1/items/"+id+"/sharing", map[string]any{"general_access": "restricted",
			"shares": []map[string]string{{"user_id": veraID, "level": "edit"}}}).want(t, 200)
		anon := s.client(t)

		t.Run("an editor gets the Share and Captions tabs", func(t *testing.T) {
			p := carla.page(page, 200)
			contains(t, p, `role="tablist"`, `role="tab" id="tab-share" aria-controls="share" aria-selected="true"`, `aria-controls="captions"`,
				`id="share" role="tabpanel"`, `id="captions" role="tabpanel"`, ">Share</h2>", ">Captions</h2>",
				"General access", "Shared with 1 person", "Manage access", `href="`+page+`/share?back=`,
				"Public on the web", "Not published", "Only Super Admins can publish to the web in this workspace.",
				`action="`+page+`/password"`, `autocomplete="new-password"`, "No password", `action="`+page+`/download"`, `name="allowed" value="on" checked`,
				`action="`+page+`/captions" enctype="multipart/form-data"`, `list="caption-langs"`, `<option value="pt-BR">`, `accept=".srt,.vtt`,
				"No captions yet.", `href="`+api+`/media?download=1" download`, `src="`+api+`/media"`, "Owner: You", "First cut")
			lacks(t, p, `action="`+page+`/publish"`, `action="`+page+`/unpublish"`, "<track")
		})

		t.Run("publishing, once the workspace allows it", func(t *testing.T) {
			carla.post(page+"/publish", nil, 403)
			admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]string{"publishing": "allowed"}).want(t, 200)
			contains(t, carla.page(page, 200), `action="`+page+`/publish"`, "Publish to the web")
			if got := carla.post(page+"/publish", nil, 303).where(); got != page+"#share" {
				t.Fatalf("after publishing: %q", got)
			}
			p := carla.page(page, 200)
			contains(t, p, "Published with no password: anyone with the link can watch it.", `id="f-public-url"`, "Public link", `data-copy="f-public-url"`,
				`action="`+page+`/unpublish"`, "data-published")
			slug := find(t, p, `id="f-public-url" type="text" value="`+regexp.QuoteMeta(s.url)+`/v/([A-Za-z0-9_-]{24})"`)
			contains(t, anon.page("/v/"+slug, 200), "Launch teaser")
			carla.post(page+"/unpublish", nil, 303)
			contains(t, carla.page(page, 200), "Unpublished. The public link no longer works.", "Not published")
			anon.do("GET", "/v/"+slug, nil).want(t, 404)
			carla.post(page+"/publish", nil, 303)
		})

		t.Run("the password: checked, set, never shown, removed", func(t *testing.T) {
			slug := find(t, carla.page(page, 200), `/v/([A-Za-z0-9_-]{24})"`)
			res := carla.post(page+"/password", url.Values{"password": {"short"}}, 422).text()
			contains(t, res, "Please fix the fields marked below.", `id="f-video-password-error">Use 8 to 128 characters.`, `aria-invalid="true"`, "No password")
			lacks(t, res, `value="short"`)
			contains(t, carla.post(page+"/password", url.Values{"password": {""}}, 422).text(), "This field is required.")
			contains(t, anon.page("/v/"+slug, 200), "<video")

			if got := carla.post(page+"/password", url.Values{"password": {"open sesame"}}, 303).where(); got != page+"#share" {
				t.Fatalf("after setting the password: %q", got)
			}
			p := carla.page(page, 200)
			contains(t, p, "Password saved.", "Password set", "New password", "Change password", `action="`+page+`/password/remove"`)
			lacks(t, p, "open sesame")
			contains(t, anon.page("/v/"+slug, 200), `name="password"`)

			carla.post(page+"/password/remove", nil, 303)
			contains(t, carla.page(page, 200), "Password removed.", "No password", "Set password")
			contains(t, anon.page("/v/"+slug, 200), "<video")
		})

		t.Run("downloads are switched by a checkbox", func(t *testing.T) {
			carla.post(page+"/download", url.Values{}, 303)
			p := carla.page(page, 200)
			contains(t, p, "Downloads turned off.")
			lacks(t, p, "media?download=1", `value="on" checked`)
			carla.do("GET", api+"/media?download=1", nil).want(t, 403)
			carla.post(page+"/download", url.Values{"allowed": {"on"}}, 303)
			contains(t, carla.page(page, 200), "Downloads allowed.", "media?download=1", `value="on" checked`)
		})

		t.Run("caption files: stored when good, explained line by line when not", func(t *testing.T) {
			got := carla.postFile(page+"/captions", [][2]string{{"lang", "fr"}, {"label", "Français"}}, "fr.srt", []byte(frenchSRT), 303).where()
			if got != page+"#captions" {
				t.Fatalf("after uploading captions: %q", got)
			}
			p := carla.page(page, 200)
			contains(t, p, "Captions saved.", `<track kind="captions" srclang="fr" label="Français" src="`+api+`/captions/fr.vtt" default>`,
				`data-lang="fr"`, "2 cues", `href="`+page+`/captions/fr"`, `href="`+api+`/captions/fr.srt" download="fr.srt"`, `action="`+page+`/captions/fr/delete"`,
				`<span class="tab-count">1</span>`)
			lacks(t, p, "No captions yet.")

			bad := carla.postFile(page+"/captions", [][2]string{{"lang", "de"}, {"label", "Deutsch"}}, "de.srt", []byte(badSRT), 422).text()
			contains(t, bad, `data-active="captions"`, "This file can&#39;t be used:", "Line 2: the end time is not after the start time.",
				"Line 6: the timing is not valid.", `value="de"`, `value="Deutsch"`)
			if list := carla.do("GET", api+"/captions", nil).want(t, 200).json(t)["items"].([]any); len(list) != 1 {
				t.Fatalf("a refused file was stored: %v", list)
			}
			contains(t, carla.postFile(page+"/captions", [][2]string{{"lang", "de"}}, "", nil, 422).text(), "Choose a file to upload.")
			contains(t, carla.postFile(page+"/captions", [][2]string{{"lang", "not a tag!"}}, "x.srt", []byte(frenchSRT), 422).text(),
				`id="f-cap-lang-error">Use a language tag such as en, fr or pt-BR.`)
		})

		t.Run("the cue editor keeps what was typed and marks the row at fault", func(t *testing.T) {
			editor := page + "/captions/fr"
			p := carla.page(editor, 200)
			contains(t, p, "Captions · Français", `value="Français"`, `value="00:00.500"`, `value="00:01.800"`, `value="00:02.000"`, "Bonjour à tous",
				`name="add"`, `name="remove" value="1"`, "Save captions", "2 cues", `action="`+editor+`"`)
			if n := cueRows(p); n != 2+3 {
				t.Fatalf("the editor shows %d rows, want the 2 cues and 3 empty rows", n)
			}

			form := url.Values{"label": {"Français"}, "start": {"00:00.500", "00:03.000", ""}, "end": {"00:01.800", "00:02.000", ""},
				"text": {"Bonjour à tous", "<b>Deux</b> & trois", ""}}
			res := carla.post(editor, form, 422).text()
			contains(t, res, "Nothing was saved.", "Cue 2: The end must come after the start.", `value="00:03.000"`, `value="00:02.000"`,
				"&lt;b&gt;Deux&lt;/b&gt; &amp; trois", `aria-describedby="cue-error-1"`)
			lacks(t, res, "<b>Deux</b>")
			rows := strings.Split(res, `<fieldset class="cue-row`)[1:]
			if len(rows) < 2 || strings.HasPrefix(rows[0], " row-error") || !strings.HasPrefix(rows[1], " row-error") ||
				!strings.Contains(rows[1], "The end must come after the start.") {
				t.Fatal("the error is not on the second row")
			}
			if c := carla.do("GET", api+"/captions/fr", nil).want(t, 200).json(t)["cues"].([]any); len(c) != 2 || c[1].(map[string]any)["end_ms"] != 2900.0 {
				t.Fatalf("a refused save changed the captions: %v", c)
			}

			form.Set("start", "1:2")
			contains(t, carla.post(editor, form, 422).text(), "Cue 1: Type times like 01:02.500")
			form["start"] = []string{"00:00.500", "00:03.000", ""}

			// Without JavaScript, Add cue and Remove come back with a row more
			// or less, saving nothing.
			added := url.Values{"add": {"1"}}
			for k, v := range form {
				added[k] = v
			}
			res = carla.post(editor, added, 200).text()
			contains(t, res, "Not saved yet", "&lt;b&gt;Deux&lt;/b&gt;")
			if n := cueRows(res); n != 2+3 {
				t.Fatalf("after Add cue: %d rows", n)
			}
			removed := url.Values{"remove": {"0"}}
			for k, v := range form {
				removed[k] = v
			}
			res = carla.post(editor, removed, 200).text()
			contains(t, res, "Not saved yet", `value="00:03.000"`)
			lacks(t, res, "Bonjour à tous")

			form["end"] = []string{"00:01.800", "01:02:03.250", ""}
			if got := carla.post(editor, form, 303).where(); got != page+"#captions" {
				t.Fatalf("after saving cues: %q", got)
			}
			contains(t, carla.page(page, 200), "Captions saved.", "2 cues")
			c := carla.do("GET", api+"/captions/fr", nil).want(t, 200).json(t)["cues"].([]any)
			if second := c[1].(map[string]any); len(c) != 2 || second["end_ms"] != 3723250.0 || second["text"] != "<b>Deux</b> & trois" {
				t.Fatalf("saved cues: %v", c)
			}
			contains(t, carla.page(editor, 200), `value="01:02:03.250"`, "&lt;b&gt;Deux&lt;/b&gt; &amp; trois")
		})

		t.Run("a viewer with an edit share sees the player and no controls", func(t *testing.T) {
			p := vera.page(page, 200)
			// The header tells the truth of the published video; the
			// controls of the web page stay with its editors.
			contains(t, p, "You can watch this video but not change it.", "<video", `srclang="fr"`, "media?download=1",
				`data-access-public`, "Shared with 1 person")
			lacks(t, p, `role="tab"`, `id="h-video-public"`, `/publish"`, `/password"`, `/download"`, `/captions"`, "Upload captions", "Manage access")
			for _, post := range []struct {
				path string
				form url.Values
			}{
				{"/publish", nil}, {"/unpublish", nil}, {"/password", url.Values{"password": {"open sesame"}}},
				{"/password", url.Values{"password": {"short"}}}, {"/password/remove", nil}, {"/download", url.Values{"allowed": {"on"}}},
				{"/captions/fr", url.Values{"start": {"00:00.000"}, "end": {"00:01.000"}, "text": {"Mine"}}},
				{"/captions/fr", url.Values{"add": {"1"}}}, {"/captions/fr/delete", nil},
			} {
				contains(t, vera.post(page+post.path, post.form, 403).text(), "Your role lets you view and comment, not edit. Ask a Super Admin of the workspace for another role.")
			}
			vera.postFile(page+"/captions", [][2]string{{"lang", "de"}}, "de.srt", []byte(frenchSRT), 403)
			vera.page(page+"/captions/fr", 403)
			if list := carla.do("GET", api+"/captions", nil).want(t, 200).json(t)["items"].([]any); len(list) != 1 {
				t.Fatalf("the viewer changed the captions: %v", list)
			}
		})

		t.Run("French", func(t *testing.T) {
			fr := []string{"Accept-Language", "fr-FR,fr;q=0.9"}
			for _, path := range []string{page, page + "/captions/fr"} {
				p := string(carla.do("GET", path, nil, fr...).want(t, 200).body)
				if !strings.Contains(p, `<html lang="fr">`) {
					t.Errorf("%s is not in French", path)
				}
				for _, leak := range []string{"video.", "captions.", "share.", "flash.", "fielderr."} {
					if strings.Contains(p, ">"+leak) || strings.Contains(p, `"`+leak) {
						t.Errorf("%s shows a raw catalog key starting %q", path, leak)
					}
				}
			}
			contains(t, string(carla.do("GET", page, nil, fr...).body), "Partage", "Sous-titres", "Public sur le web", "Gérer l&#39;accès",
				"Définir le mot de passe", "Autoriser le téléchargement", "Importer les sous-titres", "2 répliques")
			contains(t, string(carla.do("GET", page+"/captions/fr", nil, fr...).body), "Enregistrer les sous-titres", "Ajouter une réplique", "Début", "Fin")
			bad := carla.do("POST", page+"/password", url.Values{"password": {"court"}}, fr...).want(t, 422).text()
			contains(t, bad, "Utilisez de 8 à 128 caractères.")
		})

		t.Run("deleting a language", func(t *testing.T) {
			carla.post(page+"/captions/fr/delete", nil, 303)
			p := carla.page(page, 200)
			contains(t, p, "Captions deleted.", "No captions yet.")
			lacks(t, p, "<track")
			carla.do("GET", api+"/captions/fr", nil).want(t, 404, "not_found")
			carla.page(page+"/captions/fr", 404)
		})
	})
}
