package main

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"troupe/internal/testkit"
)

// upload posts a multipart upload of content as kind ("videos", "avatars",
// "voices") with the given fields, sent before the file.
func (c *apiClient) upload(ws, kind string, fields map[string]string, filename string, content io.Reader) response {
	c.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		fw, err := mw.CreateFormFile("file", filename)
		if err == nil {
			_, err = io.Copy(fw, content)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest("POST", c.base+"/api/v1/workspaces/"+ws+"/"+kind, pr)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func idOf(t *testing.T, r response) string {
	t.Helper()
	return r.json(t)["id"].(string)
}

// Every content route, as every kind of caller.
func TestContentAuthorization(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		callers := map[string]*apiClient{"super_admin": admin, "anonymous": s.client(t)}
		ids := map[string]string{}
		for _, role := range []string{"developer", "creator", "viewer"} {
			callers[role], ids[role] = s.member(t, admin, ws, role+"@acme.com", role)
		}
		callers["non_member"], _ = s.signedIn(t, "outsider@other.org")
		revoked := admin.do("POST", "/api/v1/workspaces/"+ws+"/api-tokens", map[string]string{"name": "old"}).want(t, 201).json(t)
		admin.do("DELETE", "/api/v1/workspaces/"+ws+"/api-tokens/"+revoked["id"].(string), nil).want(t, 204)
		callers["revoked_token"] = s.withToken(t, revoked["token"].(string))

		creator := callers["creator"]
		base := "/api/v1/workspaces/" + ws
		folder := idOf(t, creator.do("POST", base+"/folders", map[string]any{"name": "Q3 Launch"}).want(t, 201))
		draft := idOf(t, creator.do("POST", base+"/drafts", map[string]any{"name": "Intro", "parent_id": folder, "document": map[string]any{"a": 1}}).want(t, 201))
		creator.do("PUT", "/api/v1/items/"+folder+"/sharing", map[string]any{"general_access": "workspace", "workspace_level": "view"}).want(t, 200)
		trashable := idOf(t, creator.do("POST", base+"/drafts", map[string]any{"name": "Old"}).want(t, 201))
		creator.do("PUT", "/api/v1/items/"+trashable+"/sharing", map[string]any{"general_access": "workspace", "workspace_level": "edit"}).want(t, 200)

		everyMember := func(status int) map[string]int {
			return map[string]int{"super_admin": status, "developer": status, "creator": status, "viewer": status}
		}
		creators := func(status int) map[string]int {
			return map[string]int{"super_admin": status, "developer": status, "creator": status}
		}
		item := "/api/v1/items/" + draft
		routes := []struct {
			method, path string
			body         any
			allowed      map[string]int
		}{
			{"GET", base + "/items", nil, everyMember(200)},
			{"GET", base + "/items?parent=" + folder, nil, everyMember(200)},
			{"GET", base + "/items?q=intro", nil, everyMember(200)},
			{"GET", base + "/shared-with-me", nil, everyMember(200)},
			{"GET", base + "/recent", nil, everyMember(200)},
			{"GET", base + "/items/visible", nil, everyMember(200)},
			{"GET", base + "/items/visible?kind=draft&since=2020-01-01T00:00:00Z", nil, everyMember(200)},
			{"GET", base + "/trash", nil, everyMember(200)},
			{"POST", base + "/folders", map[string]any{"name": "Mine"}, creators(201)},
			{"POST", base + "/drafts", map[string]any{"name": "Mine"}, creators(201)},
			{"GET", item, nil, everyMember(200)},
			{"GET", item + "/sharing", nil, everyMember(200)},
			{"GET", item + "/permissions", nil, everyMember(200)},
			{"GET", item + "/permissions?user=" + ids["developer"], nil, map[string]int{"super_admin": 200, "developer": 200}},
			// The folder gives the workspace view: only the owner and Super Admins edit.
			{"PATCH", item, map[string]any{"name": "Intro"}, map[string]int{"super_admin": 200, "creator": 200}},
			{"PUT", item + "/sharing", map[string]any{"general_access": "restricted"}, map[string]int{"super_admin": 200, "creator": 200}},
			{"POST", base + "/folders", map[string]any{"name": "Inside", "parent_id": folder}, map[string]int{"super_admin": 201, "creator": 201}},
			// Edit for everyone, but only the owner and Super Admins trash.
			{"PATCH", "/api/v1/items/" + trashable, map[string]any{"name": "Old"}, creators(200)},
		}
		order := []string{"anonymous", "revoked_token", "non_member", "viewer", "developer", "super_admin", "creator"}
		for _, rt := range routes {
			for _, who := range order {
				t.Run(fmt.Sprintf("%s %s as %s", rt.method, rt.path, who), func(t *testing.T) {
					wantAccess(t, callers[who].do(rt.method, rt.path, rt.body), who, rt.allowed)
				})
			}
		}
		t.Run("trash and restore: owners and Super Admins", func(t *testing.T) {
			del, restore := "/api/v1/items/"+trashable, "/api/v1/items/"+trashable+"/restore"
			callers["anonymous"].do("DELETE", del, nil).want(t, 401, "unauthenticated")
			callers["revoked_token"].do("DELETE", del, nil).want(t, 401, "unauthenticated")
			callers["non_member"].do("DELETE", del, nil).want(t, 404, "not_found")
			callers["viewer"].do("DELETE", del, nil).want(t, 403, "forbidden")
			callers["developer"].do("DELETE", del, nil).want(t, 403, "forbidden") // edit access, not the owner
			creator.do("POST", restore, nil).want(t, 409, "conflict")
			creator.do("DELETE", del, nil).want(t, 204)
			creator.do("DELETE", del, nil).want(t, 409, "item_trashed")
			// In the trash, the item is gone for everyone but those who may restore it.
			callers["developer"].do("GET", del, nil).want(t, 404, "not_found")
			callers["developer"].do("POST", restore, nil).want(t, 404, "not_found")
			callers["viewer"].do("POST", restore, nil).want(t, 404, "not_found")
			creator.do("POST", restore, nil).want(t, 200)
			admin.do("DELETE", del, nil).want(t, 204)
			admin.do("POST", restore, nil).want(t, 200)
		})
		t.Run("viewers cannot upload", func(t *testing.T) {
			callers["viewer"].upload(ws, "videos", nil, "a.mp4", bytes.NewReader(mp4Head)).want(t, 403, "forbidden")
			callers["non_member"].upload(ws, "videos", nil, "a.mp4", bytes.NewReader(mp4Head)).want(t, 404, "not_found")
		})
	})
}

// mp4Head is the start of an MP4 file: enough for content sniffing.
var mp4Head = append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 64)...)

func TestContentBadInput(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		other := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Other"}).want(t, 201).json(t)["id"].(string)
		base := "/api/v1/workspaces/" + ws
		a := idOf(t, admin.do("POST", base+"/folders", map[string]any{"name": "A"}).want(t, 201))
		b := idOf(t, admin.do("POST", base+"/folders", map[string]any{"name": "B", "parent_id": a}).want(t, 201))
		away := idOf(t, admin.do("POST", "/api/v1/workspaces/"+other+"/folders", map[string]any{"name": "Away"}).want(t, 201))
		_, outsider := s.signedIn(t, "outsider@other.org")

		for _, name := range []string{"", "  ", strings.Repeat("n", 201), "tab\there", "esc\x1b[31m"} {
			admin.do("POST", base+"/folders", map[string]any{"name": name}).want(t, 422, "validation_failed")
		}
		// A NUL is not text at all: refused before any rule on names.
		admin.do("POST", base+"/folders", map[string]any{"name": "nul\x00"}).want(t, 400, "invalid_input")
		admin.do("POST", base+"/drafts", map[string]any{"name": "x", "document": "not an object"}).want(t, 201)
		admin.do("POST", base+"/drafts", `{"name": "x", "document": {bad}}`).want(t, 400, "malformed_request")
		admin.do("POST", base+"/folders", map[string]any{"name": "x", "kind": "video"}).want(t, 400, "malformed_request")
		admin.do("PATCH", "/api/v1/items/"+a, map[string]any{"parent_id": b}).want(t, 422, "validation_failed")
		admin.do("PATCH", "/api/v1/items/"+a, map[string]any{"parent_id": a}).want(t, 422, "validation_failed")
		admin.do("PATCH", "/api/v1/items/"+b, map[string]any{"parent_id": away}).want(t, 422, "validation_failed")
		admin.do("PATCH", "/api/v1/items/"+b, map[string]any{"parent_id": 42}).want(t, 400, "malformed_request")
		admin.do("PUT", "/api/v1/items/"+a+"/sharing", map[string]any{"general_access": "restricted",
			"shares": []map[string]string{{"user_id": outsider, "level": "edit"}}}).want(t, 422, "validation_failed")
		admin.do("PUT", "/api/v1/items/"+a+"/sharing", map[string]any{"general_access": "workspace", "workspace_level": "admin"}).want(t, 422, "validation_failed")
		admin.do("PUT", "/api/v1/items/"+a+"/sharing", map[string]any{"general_access": "everyone"}).want(t, 422, "validation_failed")
		admin.do("GET", base+"/items?kind=movie", nil).want(t, 422, "validation_failed")
		admin.do("GET", base+"/items?cursor=!!!", nil).want(t, 422, "validation_failed")
		admin.do("GET", base+"/items/visible?kind=movie", nil).want(t, 422, "validation_failed")
		admin.do("GET", base+"/items/visible?since=yesterday", nil).want(t, 422, "validation_failed")
		// since keeps what changed after it: b is renamed later than a.
		time.Sleep(5 * time.Millisecond)
		mark := time.Now().UTC()
		time.Sleep(5 * time.Millisecond)
		admin.do("PATCH", "/api/v1/items/"+b, map[string]any{"name": "B2"}).want(t, 200)
		changed := visibleSet(t, admin, base+"/items/visible?since="+mark.Format(time.RFC3339Nano))
		if len(changed) != 1 || changed[b] != "edit" {
			t.Fatalf("visible since %s: %v", mark, changed)
		}
		admin.do("PATCH", "/api/v1/items/"+b, map[string]any{"name": "B"}).want(t, 200)
		if folders := visibleSet(t, admin, base+"/items/visible?kind=folder"); len(folders) != 2 {
			t.Fatalf("visible folders: %v", folders)
		}
		// Each line is an item as lists give it, its owner's name included.
		me := admin.do("GET", "/api/v1/me", nil).want(t, 200).json(t)["name"].(string)
		line := strings.SplitN(string(admin.do("GET", base+"/items/visible?kind=folder", nil).want(t, 200).body), "\n", 2)[0]
		if !strings.Contains(line, `"owner_name":"`+me+`"`) || !strings.Contains(line, `"level":"edit"`) || strings.Contains(line, `"access"`) {
			t.Fatalf("a line of the visible set: %s", line)
		}
		admin.do("GET", base+"/items?parent="+away, nil).want(t, 404, "not_found")
		admin.do("GET", "/api/v1/items/nope", nil).want(t, 404, "not_found")
		got := admin.do("GET", "/api/v1/items/"+b, nil).want(t, 200).json(t)
		if got["parent_id"] != a || got["name"] != "B" {
			t.Fatalf("refused changes changed the item: %v", got)
		}
		sh := admin.do("GET", "/api/v1/items/"+a+"/sharing", nil).want(t, 200).json(t)
		if sh["general_access"] != "restricted" || len(sh["shares"].([]any)) != 0 {
			t.Fatalf("refused sharing changed it: %v", sh)
		}

		// Uploads: wrong type, over the limit, interrupted, not multipart —
		// nothing stays in the media store.
		admin.upload(ws, "videos", map[string]string{"name": "Page"}, "x.mp4", strings.NewReader("<!doctype html><script>alert(1)</script>")).want(t, 415, "unsupported_media_type")
		admin.upload(ws, "avatars", map[string]string{"name": "Clip"}, "x.png", bytes.NewReader(mp4Head)).want(t, 415, "unsupported_media_type")
		admin.upload(ws, "voices", map[string]string{"name": "Clip"}, "x.mp3", bytes.NewReader(mp4Head)).want(t, 415, "unsupported_media_type")
		big := io.MultiReader(bytes.NewReader(mp4Head), io.LimitReader(zeros{}, testUploadLimits["video"]))
		admin.upload(ws, "videos", map[string]string{"name": "Big"}, "big.mp4", big).want(t, 413, "file_too_large")
		admin.upload(ws, "videos", map[string]string{"name": "tab\tname"}, "x.mp4", bytes.NewReader(mp4Head)).want(t, 422, "validation_failed")
		admin.upload(ws, "videos", map[string]string{"name": "Lost", "parent_id": away}, "x.mp4", bytes.NewReader(mp4Head)).want(t, 422, "validation_failed")
		admin.upload(ws, "videos", map[string]string{"name": "No file"}, "", strings.NewReader("")).want(t, 422, "validation_failed")
		admin.do("POST", base+"/videos", map[string]any{"name": "json"}).want(t, 400, "malformed_request")
		truncated := "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.mp4\"\r\n\r\n" + string(mp4Head)
		admin.do("POST", base+"/videos", truncated, "Content-Type", "multipart/form-data; boundary=b").want(t, 400)
		media := filepath.Join(s.main.Config.DataDir, "media")
		var left []string
		filepath.WalkDir(media, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				left = append(left, path)
			}
			return nil
		})
		if len(left) != 0 {
			t.Fatalf("refused uploads left files: %v", left)
		}
		items := admin.do("GET", base+"/recent?kind=video", nil).want(t, 200).json(t)["items"].([]any)
		if len(items) != 0 {
			t.Fatalf("refused uploads left items: %v", items)
		}
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// A real video: uploaded, probed for duration and poster, streamed with
// Range; an image and a sound too.
func TestMediaUploadAndStreaming(t *testing.T) {
	video := testkit.VideoBytes(t, 3)
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		v := admin.upload(ws, "videos", map[string]string{"name": "Launch teaser", "description": "First cut"}, "clip.mp4", bytes.NewReader(video)).want(t, 201).json(t)
		if v["media_type"] != "video/mp4" || int(v["size_bytes"].(float64)) != len(video) || v["description"] != "First cut" {
			t.Fatalf("video: %v", v)
		}
		id := v["id"].(string)
		deadline := time.Now().Add(20 * time.Second)
		for {
			v = admin.do("GET", "/api/v1/items/"+id, nil).want(t, 200).json(t)
			if v["duration_ms"] != nil && v["poster_url"] != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no duration or poster: %v", v)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if d := v["duration_ms"].(float64); d < 2900 || d > 3200 {
			t.Fatalf("duration %v ms, want about 3000", d)
		}
		poster := admin.do("GET", v["poster_url"].(string), nil).want(t, 200)
		if poster.header.Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix(poster.body, []byte{0xff, 0xd8}) {
			t.Fatalf("poster: %s %x", poster.header.Get("Content-Type"), poster.body[:4])
		}
		part := admin.do("GET", "/api/v1/items/"+id+"/media", nil, "Range", "bytes=10-19").want(t, 206)
		if !bytes.Equal(part.body, video[10:20]) || part.header.Get("Content-Range") != fmt.Sprintf("bytes 10-19/%d", len(video)) {
			t.Fatalf("range: %q %x", part.header.Get("Content-Range"), part.body)
		}
		if cc := part.header.Get("Cache-Control"); cc != "private, no-store" {
			t.Fatalf("Cache-Control %q", cc)
		}
		admin.do("GET", "/api/v1/items/"+id+"/media", nil, "Range", fmt.Sprintf("bytes=%d-", len(video)+10)).want(t, 416)
		sameHeadersOnBothPaths(t, admin, "/api/v1/items/"+id+"/media", video)

		png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
		admin.upload(ws, "avatars", map[string]string{"name": "Ada"}, "ada.png", bytes.NewReader(png)).want(t, 201)
		wav := append([]byte("RIFF\x24\x00\x00\x00WAVEfmt "), make([]byte, 40)...)
		voice := admin.upload(ws, "voices", nil, "Narrator.wav", bytes.NewReader(wav)).want(t, 201).json(t)
		if voice["name"] != "Narrator" || !strings.HasPrefix(voice["media_type"].(string), "audio/") {
			t.Fatalf("voice: %v", voice)
		}

		// Someone who may not view the video cannot fetch its bytes.
		stranger, _ := s.member(t, admin, ws, "stranger@acme.com", "creator")
		stranger.do("GET", "/api/v1/items/"+id+"/media", nil).want(t, 404, "not_found")
	})
}
