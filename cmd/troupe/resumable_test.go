package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"troupe/internal/testkit"
)

// tusMetadata encodes Upload-Metadata from key and value pairs.
func tusMetadata(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+" "+base64.StdEncoding.EncodeToString([]byte(kv[i+1])))
	}
	return strings.Join(parts, ",")
}

// tusCreate starts an upload of size bytes in ws and returns the answer;
// its Location is the upload's path.
func (c *apiClient) tusCreate(ws string, size int, meta string) response {
	c.t.Helper()
	return c.do("POST", "/api/v1/workspaces/"+ws+"/uploads", nil,
		"Tus-Resumable", "1.0.0", "Upload-Length", strconv.Itoa(size), "Upload-Metadata", meta)
}

// tusPatch sends chunk at offset of the upload at path.
func (c *apiClient) tusPatch(path string, offset int, chunk []byte) response {
	c.t.Helper()
	return c.do("PATCH", path, string(chunk), "Tus-Resumable", "1.0.0",
		"Upload-Offset", strconv.Itoa(offset), "Content-Type", "application/offset+octet-stream")
}

// tusOffset asks how much of the upload at path the server holds.
func (c *apiClient) tusOffset(path string) int {
	c.t.Helper()
	res := c.do("HEAD", path, nil, "Tus-Resumable", "1.0.0").want(c.t, 200)
	n, err := strconv.Atoi(res.header.Get("Upload-Offset"))
	if err != nil {
		c.t.Fatalf("Upload-Offset %q", res.header.Get("Upload-Offset"))
	}
	return n
}

// tusCut sends chunk at offset but breaks the connection after cut bytes,
// as a dropped network would.
func (c *apiClient) tusCut(path string, offset int, chunk []byte, cut int) {
	c.t.Helper()
	body := io.MultiReader(bytes.NewReader(chunk[:cut]), slowFailure{})
	req, err := http.NewRequest("PATCH", c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.ContentLength = int64(len(chunk))
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Offset", strconv.Itoa(offset))
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	if res, err := c.http.Do(req); err == nil {
		res.Body.Close()
		c.t.Fatalf("a cut PATCH was answered %s", res.Status)
	}
}

// slowFailure fails a body once what came before it had time to leave.
type slowFailure struct{}

func (slowFailure) Read([]byte) (int, error) {
	time.Sleep(300 * time.Millisecond)
	return 0, errors.New("network dropped")
}

// tusUpload sends content in PATCHes of the given sizes and returns the
// last answer.
func (c *apiClient) tusUpload(ws string, content []byte, meta string, chunks ...int) (path string, last response) {
	c.t.Helper()
	path = c.tusCreate(ws, len(content), meta).want(c.t, 201).header.Get("Location")
	at := 0
	for i, n := range chunks {
		if i == len(chunks)-1 {
			n = len(content) - at
		}
		last = c.tusPatch(path, at, content[at:at+n])
		if i < len(chunks)-1 {
			last.want(c.t, 204)
			if last.header.Get("Troupe-Item-Id") != "" || last.header.Get("Upload-Expires") == "" {
				c.t.Fatalf("PATCH %d of %d: %v", i+1, len(chunks), last.header)
			}
		}
		at += n
	}
	return path, last
}

// uploadKeys lists what the media store holds under uploads/.
type uploadKeys func(t *testing.T) []string

func fileUploadKeys(dir string) uploadKeys {
	return func(t *testing.T) []string {
		var keys []string
		root := filepath.Join(dir, "uploads")
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			keys = append(keys, filepath.ToSlash(rel))
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		return keys
	}
}

func bucketUploadKeys(b testkit.S3Bucket) uploadKeys {
	return func(t *testing.T) []string {
		var keys []string
		for _, k := range b.Keys(t) {
			if strings.HasPrefix(k, "uploads/") {
				keys = append(keys, k)
			}
		}
		return keys
	}
}

// A video sent by tus in several PATCHes becomes an item at the last byte,
// kept where it was uploaded; a cut PATCH resumes where the server
// stopped, also after a restart; creation checks rights and the size
// limit before a byte is stored; an upload is its creator's alone; and the
// purge removes its bytes. On both engines, with media in a folder and in
// an S3 bucket.
func TestResumableUpload(t *testing.T) {
	video := testkit.VideoBytes(t, 3)
	for _, backend := range []string{"file", "s3"} {
		for _, e := range testkit.Engines(t) {
			t.Run(backend+"/"+e.Name, func(t *testing.T) {
				opts := serverOptions{dataDir: t.TempDir()}
				keys := fileUploadKeys(filepath.Join(opts.dataDir, "media"))
				if backend == "s3" {
					bucket := testkit.NewS3Bucket(t)
					opts.env = []string{"TROUPE_BLOB_URL", bucket.URL, "AWS_ACCESS_KEY_ID", bucket.AccessKeyID,
						"AWS_SECRET_ACCESS_KEY", bucket.SecretAccessKey}
					keys = bucketUploadKeys(bucket)
				}
				testResumableUpload(t, e, opts, keys, video)
			})
		}
	}
}

func testResumableUpload(t *testing.T, e testkit.Engine, opts serverOptions, keys uploadKeys, video []byte) {
	s := startServerWith(t, e, opts)
	admin, _ := s.signedIn(t, "admin@acme.com")
	ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
	meta := tusMetadata("kind", "video", "filename", "launch.mp4", "name", "Launch", "description", "Take one")

	// Three PATCHes; the last answers with the item, which is listed at
	// once and serves the very bytes sent.
	path, last := admin.tusUpload(ws, video, meta, len(video)/3, len(video)/3, 0)
	id := last.want(t, 204).header.Get("Troupe-Item-Id")
	if id == "" || last.header.Get("Upload-Expires") != "" {
		t.Fatalf("the last PATCH: %v", last.header)
	}
	items := admin.do("GET", "/api/v1/workspaces/"+ws+"/items", nil).want(t, 200).json(t)["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["id"] != id || items[0].(map[string]any)["name"] != "Launch" {
		t.Fatalf("items after the upload: %v", items)
	}
	item := admin.do("GET", "/api/v1/items/"+id, nil).want(t, 200).json(t)
	if item["kind"] != "video" || item["description"] != "Take one" || item["media_type"] != "video/mp4" {
		t.Fatalf("item: %v", item)
	}
	if got := admin.do("GET", "/api/v1/videos/"+id+"/media", nil).want(t, 200); !bytes.Equal(got.body, video) {
		t.Fatalf("media differs: %d bytes, want %d", len(got.body), len(video))
	}
	// The item owns the upload's bytes, not copied; what tus kept beside
	// them is gone, and the upload with it.
	uploadID := path[strings.LastIndex(path, "/")+1:]
	objectKey := "uploads/" + strings.SplitN(uploadID, "+", 2)[0]
	if k := keys(t); !slices.Equal(k, []string{objectKey}) {
		t.Fatalf("upload keys after completion: %v, want [%s]", k, objectKey)
	}
	admin.do("HEAD", path, nil, "Tus-Resumable", "1.0.0").want(t, 404)

	// A cut PATCH, then HEAD and the rest.
	path = admin.tusCreate(ws, len(video), tusMetadata("kind", "video", "filename", "cut.mp4")).want(t, 201).header.Get("Location")
	admin.tusCut(path, 0, video, len(video)/2)
	at := admin.tusOffset(path)
	if at <= 0 || at > len(video)/2 {
		t.Fatalf("offset after the cut: %d of %d sent", at, len(video)/2)
	}
	cutID := admin.tusPatch(path, at, video[at:]).want(t, 204).header.Get("Troupe-Item-Id")
	if got := admin.do("GET", "/api/v1/videos/"+cutID+"/media", nil).want(t, 200); !bytes.Equal(got.body, video) {
		t.Fatal("the resumed upload differs")
	}

	// Refusals at creation store nothing.
	before := keys(t)
	viewer, _ := s.member(t, admin, ws, "viewer@acme.com", "viewer")
	viewer.tusCreate(ws, len(video), meta).want(t, 403, "forbidden")
	admin.tusCreate(ws, int(testUploadLimits["video"])+1, meta).want(t, 413, "file_too_large")
	admin.tusCreate(ws, 10, tusMetadata("kind", "video", "filename", "bad\xffname.mp4")).want(t, 400, "invalid_input")
	admin.tusCreate(ws, 10, tusMetadata("kind", "pdf", "filename", "a.pdf")).want(t, 422, "validation_failed")
	s.client(t).tusCreate(ws, 10, meta).want(t, 401, "unauthenticated")
	if k := keys(t); !slices.Equal(k, before) {
		t.Fatalf("refused creations stored %v", k)
	}
	// Bytes that are not a video are refused at the end, and removed.
	page := []byte("<html><body>not a video</body></html>")
	_, last = admin.tusUpload(ws, page, tusMetadata("kind", "video", "filename", "page.mp4"), len(page))
	last.want(t, 415, "unsupported_media_type")
	if k := keys(t); !slices.Equal(k, before) {
		t.Fatalf("a refused completion left %v", k)
	}

	// Another member cannot reach the admin's upload, nor can the admin
	// through another workspace.
	path = admin.tusCreate(ws, len(video), meta).want(t, 201).header.Get("Location")
	admin.tusPatch(path, 0, video[:1000]).want(t, 204)
	creator, _ := s.member(t, admin, ws, "creator@acme.com", "creator")
	creator.do("HEAD", path, nil, "Tus-Resumable", "1.0.0").want(t, 404)
	creator.tusPatch(path, 1000, video[1000:]).want(t, 404, "not_found")
	creator.do("DELETE", path, nil, "Tus-Resumable", "1.0.0").want(t, 404, "not_found")
	other := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Other"}).want(t, 201).json(t)["id"].(string)
	admin.do("HEAD", strings.Replace(path, "/"+ws+"/", "/"+other+"/", 1), nil, "Tus-Resumable", "1.0.0").want(t, 404)
	// A browser's PATCH from another site is refused like any cookie
	// write from there.
	admin.do("PATCH", path, string(video[1000:]), "Tus-Resumable", "1.0.0", "Upload-Offset", "1000",
		"Content-Type", "application/offset+octet-stream", "Sec-Fetch-Site", "cross-site").want(t, 403, "forbidden")
	if got := admin.tusOffset(path); got != 1000 {
		t.Fatalf("offset %d after the refused PATCHes, want 1000", got)
	}

	// An API token uploads as its owner.
	token := admin.do("POST", "/api/v1/workspaces/"+ws+"/api-tokens", map[string]string{"name": "ci"}).want(t, 201).json(t)["token"].(string)
	bot := s.withToken(t, token)
	_, last = bot.tusUpload(ws, video, tusMetadata("kind", "video", "filename", "ci.mp4"), len(video)/2, 0)
	if last.want(t, 204).header.Get("Troupe-Item-Id") == "" {
		t.Fatal("no item for the token's upload")
	}

	// The unfinished upload survives a restart and resumes where it was.
	if err := s.main.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	s = startServerWith(t, e, opts)
	admin.base = s.url
	if got := admin.tusOffset(path); got != 1000 {
		t.Fatalf("offset after the restart: %d, want 1000", got)
	}
	restartedID := admin.tusPatch(path, 1000, video[1000:]).want(t, 204).header.Get("Troupe-Item-Id")
	if got := admin.do("GET", "/api/v1/videos/"+restartedID+"/media", nil).want(t, 200); !bytes.Equal(got.body, video) {
		t.Fatal("the upload resumed after the restart differs")
	}

	// Trashed and purged 30 days later, the item's upload goes too.
	admin.do("DELETE", "/api/v1/items/"+id, nil).want(t, 204)
	if err := s.main.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	opts.now = func() time.Time { return time.Now().Add(31 * 24 * time.Hour) }
	startServerWith(t, e, opts)
	for deadline := time.Now().Add(20 * time.Second); slices.Contains(keys(t), objectKey); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the purge left %s", objectKey)
		}
	}
}
