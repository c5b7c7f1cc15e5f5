package main

import (
	"bufio"
	"bytes"
	"context"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"troupe/internal/i18n"
	"troupe/internal/testkit"
	"troupe/internal/transcode"
)

// makeHEVC writes a small HEVC Matroska clip with AC-3 sound, which
// browsers other than Safari do not play: it needs a web rendition.
func makeHEVC(t *testing.T, seconds string) []byte {
	t.Helper()
	ffmpeg := testkit.RequireTool(t, "ffmpeg")
	testkit.RequireEncoder(t, "libx265")
	path := filepath.Join(t.TempDir(), "phone.mkv")
	out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=duration="+seconds+":size=320x240:rate=10",
		"-f", "lavfi", "-i", "sine=duration="+seconds+":sample_rate=48000",
		"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p",
		"-c:a", "ac3", "-y", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitProcessed polls item id until its processing is ready or failed.
func waitProcessed(t *testing.T, c *apiClient, id string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		v := c.do("GET", "/api/v1/items/"+id, nil).want(t, 200).json(t)
		p, _ := v["processing"].(map[string]any)
		if p["state"] == "ready" || p["state"] == "failed" {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("processing never ended: %v", v)
		}
	}
}

// probeBytes writes b to a file and probes it.
func probeBytes(t *testing.T, b []byte) transcode.Info {
	t.Helper()
	tools := transcode.Find()
	if tools == nil {
		t.Skip("ffprobe is not installed")
	}
	path := filepath.Join(t.TempDir(), "probe")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := tools.Probe(context.Background(), path)
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	return info
}

// playlistURIs lists the URIs a playlist names.
func playlistURIs(body []byte) []string {
	var uris []string
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			uris = append(uris, line)
		}
	}
	return uris
}

// hlsFiles fetches an HLS ladder from its master playlist at master and
// returns every URL it leads to (playlists and segments), checking that
// every URI is relative and served, and that the first segment is video.
func hlsFiles(t *testing.T, c *apiClient, master string) []string {
	t.Helper()
	base, _ := url.Parse(master)
	m := c.do("GET", master, nil).want(t, 200)
	if ct := m.header.Get("Content-Type"); ct != "application/vnd.apple.mpegurl" {
		t.Fatalf("master playlist Content-Type %q", ct)
	}
	urls := []string{master}
	variants := playlistURIs(m.body)
	if len(variants) == 0 {
		t.Fatalf("master playlist without variants:\n%s", m.body)
	}
	for _, v := range variants {
		if strings.Contains(v, "/") || strings.Contains(v, ":") {
			t.Fatalf("variant URI %q is not relative to the master", v)
		}
		vu := base.ResolveReference(&url.URL{Path: v}).String()
		urls = append(urls, vu)
		segs := playlistURIs(c.do("GET", vu, nil).want(t, 200).body)
		if len(segs) == 0 {
			t.Fatalf("variant %s without segments", v)
		}
		for i, s := range segs {
			if strings.Contains(s, "/") || strings.Contains(s, ":") {
				t.Fatalf("segment URI %q is not relative", s)
			}
			su := base.ResolveReference(&url.URL{Path: s}).String()
			urls = append(urls, su)
			if i == 0 {
				seg := c.do("GET", su, nil).want(t, 200)
				if info := probeBytes(t, seg.body); info.VideoCodec != "h264" || seg.header.Get("Content-Type") != "video/mp2t" {
					t.Fatalf("segment %s: %+v, %q", s, info, seg.header.Get("Content-Type"))
				}
			}
		}
	}
	return urls
}

// mediaFiles lists the files of a media folder, relative to it.
func mediaFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

// An HEVC .mkv with AC-3 sound, made by ffmpeg in the test: processing
// probes it, makes a poster, a thumbnail and a sprite, an H.264/AAC MP4
// and (the clip being over the test's HLS threshold) an HLS ladder whose
// segments are served and are video. Every derived file is served as the
// video is, to those who may view it and on the published page only; a
// new poster time makes a new poster; trash and purge remove every file.
func TestProcessingHEVCToRenditionAndHLS(t *testing.T) {
	clip := makeHEVC(t, "2")
	for _, onS3 := range []bool{false, true} {
		name := "folder"
		if onS3 {
			name = "s3"
		}
		t.Run(name, func(t *testing.T) {
			for _, e := range testkit.Engines(t) {
				t.Run(e.Name, func(t *testing.T) { processingJourney(t, e, onS3, clip) })
			}
		})
	}
}

func processingJourney(t *testing.T, e testkit.Engine, onS3 bool, clip []byte) {
	dataDir := t.TempDir()
	opts := serverOptions{dataDir: dataDir, hlsMin: time.Second}
	storedKeys := func() []string { return mediaFiles(t, filepath.Join(dataDir, "media")) }
	if onS3 {
		bucket := testkit.NewS3Bucket(t)
		secret := filepath.Join(t.TempDir(), "secret")
		if err := os.WriteFile(secret, []byte(bucket.SecretAccessKey+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		opts.env = []string{"TROUPE_BLOB_URL", bucket.URL, "AWS_ACCESS_KEY_ID", bucket.AccessKeyID, "AWS_SECRET_ACCESS_KEY_FILE", secret}
		storedKeys = func() []string { return bucket.Keys(t) }
	}
	s := startServerWith(t, e, opts)
	admin, _ := s.signedIn(t, "admin@acme.com")
	ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
	created := admin.upload(ws, "videos", map[string]string{"name": "Phone"}, "phone.mkv", bytes.NewReader(clip)).want(t, 201).json(t)
	id := created["id"].(string)
	if p := created["processing"].(map[string]any); p["state"] != "queued" && p["state"] != "running" {
		t.Fatalf("processing right after the upload: %v", p)
	}
	v := waitProcessed(t, admin, id)
	if p := v["processing"].(map[string]any); p["state"] != "ready" || p["progress"] != 1.0 || p["error"] != nil {
		t.Fatalf("processing: %v", p)
	}
	if v["width"] != 320.0 || v["height"] != 240.0 || v["duration_ms"] == nil {
		t.Fatalf("facts: %v", v)
	}

	// The web rendition: H.264 and AAC in MP4, served with Range.
	rends := v["renditions"].([]any)
	if len(rends) != 1 {
		t.Fatalf("renditions: %v", rends)
	}
	web := rends[0].(map[string]any)
	if web["name"] != "web" || web["video_codec"] != "h264" || web["audio_codec"] != "aac" || web["width"] != 320.0 {
		t.Fatalf("web rendition: %v", web)
	}
	webURL := web["url"].(string)
	mp4 := admin.do("GET", webURL, nil).want(t, 200)
	if info := probeBytes(t, mp4.body); info.VideoCodec != "h264" || info.AudioCodec != "aac" || !info.WebReady() {
		t.Fatalf("web rendition probes as %+v", info)
	}
	if mp4.header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("web rendition Content-Type %q", mp4.header.Get("Content-Type"))
	}
	if part := admin.do("GET", webURL, nil, "Range", "bytes=4-11").want(t, 206); !bytes.Equal(part.body, mp4.body[4:12]) {
		t.Fatal("web rendition range differs")
	}

	// The HLS ladder, and the stills.
	hls := hlsFiles(t, admin, v["hls_url"].(string))
	for _, u := range []string{v["poster_url"].(string), v["thumbnail_url"].(string)} {
		still := admin.do("GET", u, nil).want(t, 200)
		if still.header.Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix(still.body, []byte{0xff, 0xd8}) {
			t.Fatalf("%s: %q", u, still.header.Get("Content-Type"))
		}
	}
	track := admin.do("GET", v["sprite_url"].(string), nil).want(t, 200)
	if !strings.HasPrefix(string(track.body), "WEBVTT") || !strings.Contains(string(track.body), "\nsprite.jpg#xywh=0,0,") {
		t.Fatalf("sprite track:\n%s", track.body)
	}
	admin.do("GET", "/api/v1/videos/"+id+"/sprite.jpg", nil).want(t, 200)
	// The item page plays the rendition first, the upload after.
	page := string(admin.do("GET", "/w/"+ws+"/items/"+id, nil).want(t, 200).body)
	if i, j := strings.Index(page, `<source src="`+webURL+`" type="video/mp4">`), strings.Index(page, `<source src="/api/v1/videos/`+id+`/media">`); i < 0 || j < i {
		t.Fatalf("item page's sources:\n%s", page)
	}

	// Someone who may not view the video gets 404 for every file.
	derived := append([]string{webURL, v["poster_url"].(string), v["thumbnail_url"].(string), v["sprite_url"].(string),
		"/api/v1/videos/" + id + "/sprite.jpg"}, hls...)
	stranger, _ := s.member(t, admin, ws, "stranger@acme.com", "viewer")
	for _, u := range derived {
		stranger.do("GET", u, nil).want(t, 404, "not_found")
	}
	admin.do("GET", "/api/v1/videos/"+id+"/hls/..%2Fweb.mp4", nil).want(t, 404)
	admin.do("GET", "/api/v1/videos/"+id+"/renditions/original", nil).want(t, 404)

	// The published page serves them too, locks them with its
	// password as it locks the video, and stops at unpublishing.
	admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]string{"publishing": "allowed"}).want(t, 200)
	slug := admin.do("POST", "/api/v1/videos/"+id+"/publish", nil).want(t, 200).json(t)["slug"].(string)
	anon := s.client(t)
	pub := "/v/" + slug
	publicFiles := []string{pub + "/renditions/web", pub + "/thumbnail", pub + "/sprite.jpg", pub + "/sprite.vtt"}
	publicFiles = append(publicFiles, hlsFiles(t, anon, pub+"/hls/master.m3u8")...)
	for _, u := range publicFiles {
		anon.do("GET", u, nil, "Range", "bytes=0-3").want(t, 206)
	}
	if b := string(anon.do("GET", pub, nil).want(t, 200).body); !strings.Contains(b, `<source src="`+pub+`/renditions/web" type="video/mp4">`) {
		t.Fatalf("public page's sources:\n%s", b)
	}
	admin.do("PUT", "/api/v1/videos/"+id+"/password", map[string]string{"password": "open sesame"}).want(t, 204)
	locked := anon.do("GET", pub+"/media", nil).status
	for _, u := range publicFiles {
		if got := anon.do("GET", u, nil).status; got != locked {
			t.Fatalf("%s while locked: %d, the media %d", u, got, locked)
		}
	}
	anon.do("POST", pub+"/unlock", url.Values{"password": {"open sesame"}}).want(t, 303)
	for _, u := range publicFiles {
		anon.do("GET", u, nil).want(t, 200)
	}
	admin.do("DELETE", "/api/v1/videos/"+id+"/publish", nil).want(t, 204)
	for _, u := range append(publicFiles, pub+"/poster", pub+"/media") {
		anon.do("GET", u, nil).want(t, 404)
	}

	// A poster chosen at 1.5 s: a new poster and thumbnail, the old
	// ones deleted.
	oldPoster := admin.do("GET", v["poster_url"].(string), nil).want(t, 200)
	stranger.do("PUT", "/api/v1/videos/"+id+"/poster", map[string]int{"at_ms": 1500}).want(t, 404)
	admin.do("PUT", "/api/v1/videos/"+id+"/poster", map[string]int{"at_ms": 60000}).want(t, 422)
	admin.do("PUT", "/api/v1/videos/"+id+"/poster", map[string]int{"at_ms": 1500}).want(t, 202)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		files := storedKeys()
		if slices.Contains(files, "posters/"+id+"-1500.jpg") && slices.Contains(files, "thumbs/"+id+"-1500.jpg") &&
			!slices.Contains(files, "posters/"+id+".jpg") && !slices.Contains(files, "thumbs/"+id+".jpg") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new poster: %v", files)
		}
	}
	newPoster := admin.do("GET", v["poster_url"].(string), nil).want(t, 200)
	if newPoster.header.Get("ETag") == oldPoster.header.Get("ETag") || bytes.Equal(newPoster.body, oldPoster.body) {
		t.Fatal("the new poster is the old one")
	}

	// Trashed, nothing is served; purged, nothing is left.
	admin.do("DELETE", "/api/v1/items/"+id, nil).want(t, 204)
	for _, u := range derived {
		admin.do("GET", u, nil).want(t, 404)
	}
	if files := storedKeys(); len(files) < 8 {
		t.Fatalf("media folder before the purge: %v", files)
	}
	if err := s.main.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	opts.now = func() time.Time { return time.Now().Add(31 * 24 * time.Hour) }
	startServerWith(t, e, opts)
	for deadline := time.Now().Add(20 * time.Second); len(storedKeys()) != 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the purge left %v", storedKeys())
		}
	}
}

// A file that passes sniffing as a video but is not one ends failed with
// the tool's words, not a path of the server's; Retry, for editors only,
// queues it again.
func TestProcessingFailsReadablyAndRetries(t *testing.T) {
	testkit.RequireTool(t, "ffprobe")
	head := testkit.VideoBytes(t, 1)[:64] // an MP4's first box, then noise
	corrupt := append(slices.Clone(head), bytes.Repeat([]byte("not a video "), 2000)...)
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		id := idOf(t, admin.upload(ws, "videos", nil, "broken.mp4", bytes.NewReader(corrupt)).want(t, 201))
		p := waitProcessed(t, admin, id)["processing"].(map[string]any)
		msg, _ := p["error"].(string)
		if p["state"] != "failed" || !strings.HasPrefix(msg, "The file could not be processed: ") || strings.Contains(msg, os.TempDir()) {
			t.Fatalf("processing: %v", p)
		}
		viewer, _ := s.member(t, admin, ws, "viewer@acme.com", "viewer")
		viewer.do("POST", "/api/v1/items/"+id+"/processing/retry", nil).want(t, 404)
		again := admin.do("POST", "/api/v1/items/"+id+"/processing/retry", nil).want(t, 202).json(t)
		if st := again["processing"].(map[string]any)["state"]; st != "queued" && st != "running" {
			t.Fatalf("after retry: %v", again["processing"])
		}
		if p := waitProcessed(t, admin, id)["processing"].(map[string]any); p["state"] != "failed" || p["error"] != msg {
			t.Fatalf("after retry: %v", p)
		}
		good := idOf(t, admin.upload(ws, "videos", nil, "good.mp4", bytes.NewReader(testkit.VideoBytes(t, 1))).want(t, 201))
		waitProcessed(t, admin, good)
		admin.do("POST", "/api/v1/items/"+good+"/processing/retry", nil).want(t, 409, "conflict")
	})
}

// Without the video tools an upload is ready as it is, and says so.
func TestProcessingWithoutMediaTools(t *testing.T) {
	video := testkit.VideoBytes(t, 1)
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			s := startServerWith(t, e, serverOptions{noTools: true})
			admin, _ := s.signedIn(t, "admin@acme.com")
			ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
			v := admin.upload(ws, "videos", nil, "clip.mp4", bytes.NewReader(video)).want(t, 201).json(t)
			p := v["processing"].(map[string]any)
			if p["state"] != "ready" || p["progress"] != 1.0 || !strings.Contains(p["note"].(string), "plays as it was uploaded") {
				t.Fatalf("processing: %v", p)
			}
			got := admin.do("GET", "/api/v1/items/"+v["id"].(string), nil).want(t, 200).json(t)
			if r := got["renditions"].([]any); len(r) != 0 || got["poster_url"] != nil || got["hls_url"] != nil {
				t.Fatalf("item: %v", got)
			}
			admin.do("GET", v["media_url"].(string), nil).want(t, 200)
		})
	}
}

// The item page shows a failed processing with its words and Retry, in
// English and French; Retry and the poster's time work as plain forms;
// the processing stream sends the state until it is ready, to those who
// may view the item only.
func TestProcessingPages(t *testing.T) {
	testkit.RequireTool(t, "ffprobe")
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	head := testkit.VideoBytes(t, 1)[:64]
	corrupt := append(slices.Clone(head), bytes.Repeat([]byte("not a video "), 2000)...)
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		base := admin.post("/workspaces", url.Values{"name": {"Acme"}}, 303).where()
		ws := strings.TrimPrefix(base, "/w/")
		broken := idOf(t, admin.upload(ws, "videos", nil, "broken.mp4", bytes.NewReader(corrupt)).want(t, 201))
		waitProcessed(t, admin, broken)
		page := base + "/items/" + broken
		for _, lang := range []string{"en", "fr"} {
			body := string(admin.do("GET", page, nil, "Accept-Language", lang).want(t, 200).body)
			contains(t, body, cat.T(lang, "processing.failed"), "The file could not be processed: ",
				`action="`+page+`/processing/retry"`, cat.T(lang, "processing.retry"))
		}
		if loc := admin.post(page+"/processing/retry", nil, 303).header.Get("Location"); loc != page+"#share" {
			t.Fatalf("retry went to %q", loc)
		}
		if st := admin.do("GET", "/api/v1/items/"+broken, nil).want(t, 200).json(t)["processing"].(map[string]any)["state"]; st == "failed" {
			t.Fatal("Retry from the page did not queue the processing again")
		}

		good := idOf(t, admin.upload(ws, "videos", nil, "good.mp4", bytes.NewReader(testkit.VideoBytes(t, 1))).want(t, 201))
		outsider, _ := s.signedIn(t, "outsider@example.com")
		outsider.do("GET", "/api/v1/items/"+good+"/processing/stream", nil).want(t, 404)
		stream := admin.do("GET", "/api/v1/items/"+good+"/processing/stream", nil).want(t, 200)
		if ct := stream.header.Get("Content-Type"); ct != "text/event-stream" {
			t.Fatalf("stream Content-Type %q", ct)
		}
		events := strings.Split(strings.TrimSpace(string(stream.body)), "\n\n")
		last := events[len(events)-1]
		if !strings.HasPrefix(last, "event: processing\ndata: ") || !strings.Contains(last, `"state":"ready"`) || !strings.Contains(last, `"poster_url":`) {
			t.Fatalf("stream ended with %q", last)
		}

		// Lists show the video's thumbnail with its duration.
		waitProcessed(t, admin, good)
		for _, list := range []string{base, base + "/recent", base + "/search?q=good", base + "/recent?view=grid"} {
			contains(t, admin.page(list, 200), `<img src="/api/v1/videos/`+good+`/thumbnail"`, `<span class="thumb-badge num">0:01</span>`)
		}
		admin.do("GET", "/api/v1/videos/"+good+"/thumbnail", nil).want(t, 200)

		gpage := base + "/items/" + good
		body := string(admin.do("POST", gpage+"/poster", url.Values{"at": {"soon"}}).want(t, 422).body)
		contains(t, body, cat.T("en", "fielderr.at.invalid"))
		admin.post(gpage+"/poster", url.Values{"at": {"0:00.5"}}, 303)
		v := waitProcessed(t, admin, good)
		if v["processing"].(map[string]any)["state"] != "ready" || v["poster_url"] == nil {
			t.Fatalf("after a new poster time: %v", v)
		}
	})
}
