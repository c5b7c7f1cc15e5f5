package upload_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"troupe/internal/blob"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
	"troupe/internal/upload"
)

// backends are the media stores every test runs on.
var backends = []string{"file", "s3"}

// limit is the largest video the tests' Authorize accepts.
const limit = 64 << 20

// clock is a clock the tests move.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is a tus handler mounted as the API will mount it, on a test
// server, with hooks that record what they see.
type harness struct {
	h          *upload.Handler
	media      *blob.Store
	collection string // the URL uploads are created at
	tempDir    string // where parts on their way to S3 wait
	clock      *clock

	// skipRead makes Complete take the upload without reading it.
	skipRead bool
	limit    int64 // the largest video Authorize accepts

	mu        sync.Mutex
	completed []upload.Upload
	content   map[string][]byte // read through Upload.Open during Complete
}

func statusOf(c troupe.Code) int {
	switch c {
	case troupe.CodeForbidden:
		return http.StatusForbidden
	case troupe.CodeValidation:
		return http.StatusUnprocessableEntity
	case troupe.CodeFileTooLarge:
		return http.StatusRequestEntityTooLarge
	case troupe.CodeConflict:
		return http.StatusConflict
	case troupe.CodeNotFound:
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

func openMedia(t testing.TB, backend string) *blob.Store {
	t.Helper()
	var rawURL string
	var creds blob.Credentials
	switch backend {
	case "file":
		rawURL = "file://" + t.TempDir()
	case "s3":
		b := testkit.NewS3Bucket(t)
		rawURL, creds = b.URL, blob.Credentials{AccessKeyID: b.AccessKeyID, SecretAccessKey: b.SecretAccessKey}
	}
	s, err := blob.Open(context.Background(), rawURL, creds)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newHarness(t testing.TB, backend string) *harness {
	t.Helper()
	x := &harness{media: openMedia(t, backend), clock: &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)},
		tempDir: t.TempDir(), content: map[string][]byte{}, limit: limit}
	h, err := upload.New(upload.Config{
		Media:   x.media,
		TempDir: x.tempDir,
		Now:     x.clock.Now,
		Authorize: func(r *http.Request, meta upload.Metadata, size int64) error {
			switch {
			case r.PathValue("ws") != "w1":
				return troupe.Errorf(troupe.CodeForbidden, "You cannot upload here.")
			case meta.Kind != "video":
				return troupe.Errorf(troupe.CodeValidation, "Unknown kind %q.", meta.Kind)
			case size > x.limit:
				return troupe.Errorf(troupe.CodeFileTooLarge, "Videos can be at most %d bytes.", x.limit)
			}
			return nil
		},
		Complete: func(ctx context.Context, up upload.Upload) (http.Header, error) {
			if up.Meta.Name == "refuse me" {
				return nil, troupe.Errorf(troupe.CodeForbidden, "You can no longer upload here.")
			}
			var b []byte
			if !x.skipRead {
				rc, err := up.Open(ctx)
				if err != nil {
					return nil, err
				}
				defer rc.Close()
				if b, err = io.ReadAll(rc); err != nil {
					return nil, err
				}
			}
			x.mu.Lock()
			defer x.mu.Unlock()
			x.completed = append(x.completed, up)
			x.content[up.ID] = b
			return http.Header{"Troupe-Item-Id": {"item-" + strconv.Itoa(len(x.completed))}}, nil
		},
		StatusOf: statusOf,
		Owner:    func(r *http.Request) string { return r.Header.Get("X-Owner") },
	})
	if err != nil {
		t.Fatal(err)
	}
	x.h = h
	mux := http.NewServeMux()
	mux.Handle("POST /api/v1/workspaces/{ws}/uploads", h)
	mux.Handle("/api/v1/workspaces/{ws}/uploads/{id...}", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	x.collection = srv.URL + "/api/v1/workspaces/w1/uploads"
	return x
}

func (x *harness) completions() []upload.Upload {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]upload.Upload(nil), x.completed...)
}

// keys lists what the media store holds, unfinished multipart uploads
// included.
func (x *harness) keys(t testing.TB) []string {
	t.Helper()
	keys, err := x.media.Keys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func metadata(kv ...string) string {
	var parts []string
	for i := 0; i < len(kv); i += 2 {
		parts = append(parts, kv[i]+" "+base64.StdEncoding.EncodeToString([]byte(kv[i+1])))
	}
	return strings.Join(parts, ",")
}

func do(t testing.TB, method, u string, header map[string]string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// create starts an upload of size bytes and returns its URL.
func (x *harness) create(t testing.TB, size int64, meta string) string {
	t.Helper()
	res := do(t, http.MethodPost, x.collection, map[string]string{"Upload-Length": strconv.FormatInt(size, 10), "Upload-Metadata": meta}, nil)
	if res.StatusCode != http.StatusCreated {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("create: %s %s", res.Status, body)
	}
	if res.Header.Get("Upload-Expires") == "" {
		t.Error("creation answered without Upload-Expires")
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(x.collection)
	u := base.ResolveReference(loc)
	if !strings.HasPrefix(u.Path, "/api/v1/workspaces/w1/uploads/") {
		t.Fatalf("Location %s is not under the collection", u)
	}
	return u.String()
}

func patch(t testing.TB, u string, offset int64, chunk []byte) *http.Response {
	t.Helper()
	return do(t, http.MethodPatch, u, map[string]string{
		"Upload-Offset": strconv.FormatInt(offset, 10), "Content-Type": "application/offset+octet-stream"}, chunk)
}

// offset asks the server how much of upload u it has, -1 for no upload.
func offset(t testing.TB, u string) int64 {
	t.Helper()
	res := do(t, http.MethodHead, u, nil, nil)
	if res.StatusCode == http.StatusNotFound {
		return -1
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("HEAD %s: %s", u, res.Status)
	}
	n, err := strconv.ParseInt(res.Header.Get("Upload-Offset"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func random(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func readKey(t testing.TB, media *blob.Store, key string) []byte {
	t.Helper()
	f, err := media.Open(context.Background(), key, blob.Whole)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func each(t *testing.T, fn func(t *testing.T, x *harness)) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) { fn(t, newHarness(t, b)) })
	}
}

func TestUploadInChunks(t *testing.T) {
	// Longer than S3 allows as object metadata, and not ASCII.
	description := strings.Repeat("Répétition générale. ", 150)
	each(t, func(t *testing.T, x *harness) {
		content := random(t, 7<<20+123)
		u := x.create(t, int64(len(content)), metadata("kind", "video", "filename", "rehearsal.mov",
			"name", "Rehearsal", "parent_id", "folder-1", "description", description, "filetype", "text/html"))

		chunks := []int{3 << 20, 6<<20 + 7, len(content)}
		var at int64
		for i, end := range chunks {
			res := patch(t, u, at, content[at:end])
			if res.StatusCode != http.StatusNoContent {
				body, _ := io.ReadAll(res.Body)
				t.Fatalf("PATCH %d: %s %s", i, res.Status, body)
			}
			at = int64(end)
			last := i == len(chunks)-1
			if got := res.Header.Get("Troupe-Item-Id"); (got != "") != last {
				t.Errorf("PATCH %d: Troupe-Item-Id %q", i, got)
			}
			if got := res.Header.Get("Upload-Expires"); (got == "") != last {
				t.Errorf("PATCH %d: Upload-Expires %q", i, got)
			}
			if !last {
				if got := offset(t, u); got != at {
					t.Errorf("HEAD after PATCH %d: offset %d, want %d", i, got, at)
				}
			}
		}
		if got := patch(t, u, at, nil).Header.Get("Troupe-Item-Id"); got != "" {
			t.Errorf("a PATCH after the end completed again (%q)", got)
		}

		done := x.completions()
		if len(done) != 1 {
			t.Fatalf("Complete called %d times, want once", len(done))
		}
		up := done[0]
		want := upload.Metadata{Kind: "video", Filename: "rehearsal.mov", Name: "Rehearsal", ParentID: "folder-1", Description: description}
		if up.Meta != want || up.Size != int64(len(content)) || !strings.HasSuffix(u, "/"+url.PathEscape(up.ID)) {
			t.Errorf("Complete got %+v (size %d), want %+v for %s", up.Meta, up.Size, want, u)
		}
		if !bytes.Equal(x.content[up.ID], content) {
			t.Error("the bytes read through Open differ from those sent")
		}
		if !bytes.Equal(readKey(t, x.media, up.Key), content) {
			t.Error("the bytes under the upload's Key differ from those sent")
		}

		if res := do(t, http.MethodDelete, u, nil, nil); res.StatusCode != http.StatusConflict {
			t.Errorf("DELETE of a finished upload: %s, want 409", res.Status)
		}
		if err := x.h.Release(context.Background(), up.ID); err != nil {
			t.Fatal(err)
		}
		if got := offset(t, u); got != -1 {
			t.Errorf("HEAD after Release: offset %d, want 404", got)
		}
		if keys := x.keys(t); len(keys) != 1 || keys[0] != up.Key {
			t.Errorf("after Release the media store holds %q, want only %q", keys, up.Key)
		}
		if !bytes.Equal(readKey(t, x.media, up.Key), content) {
			t.Error("Release lost the bytes")
		}
	})
}

// cutReader gives n bytes, then fails as a dropped connection would.
type cutReader struct {
	r io.Reader
	n int
}

func (c *cutReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, errors.New("connection dropped")
	}
	if len(p) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= n
	return n, err
}

func TestResumeAfterCut(t *testing.T) {
	each(t, func(t *testing.T, x *harness) {
		content := random(t, 40<<20+5)
		u := x.create(t, int64(len(content)), metadata("kind", "video", "filename", "long.mp4"))

		// On S3 the first 16 MiB become a part and the rest waits in the
		// bucket, shorter than a part may be, for the next PATCH.
		sent := 19<<20 + 3
		req, err := http.NewRequest(http.MethodPatch, u, &cutReader{r: bytes.NewReader(content), n: sent})
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = int64(len(content))
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Upload-Offset", "0")
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			t.Fatalf("the cut PATCH answered %s", res.Status)
		}

		at := offset(t, u)
		if at <= 0 || at > int64(sent) {
			t.Fatalf("after a cut at %d the server has %d bytes", sent, at)
		}
		t.Logf("cut at %d, resumed at %d", sent, at)
		res := patch(t, u, at, content[at:])
		if res.StatusCode != http.StatusNoContent || res.Header.Get("Troupe-Item-Id") == "" {
			t.Fatalf("resumed PATCH: %s, Troupe-Item-Id %q", res.Status, res.Header.Get("Troupe-Item-Id"))
		}
		done := x.completions()
		if len(done) != 1 {
			t.Fatalf("Complete called %d times, want once", len(done))
		}
		if !bytes.Equal(readKey(t, x.media, done[0].Key), content) {
			t.Error("the resumed upload's bytes differ from those sent")
		}
		if left, _ := os.ReadDir(x.tempDir); len(left) != 0 {
			t.Errorf("temporary files left: %v", left)
		}
	})
}

func TestCreationWithUpload(t *testing.T) {
	each(t, func(t *testing.T, x *harness) {
		content := random(t, 1000)
		res := do(t, http.MethodPost, x.collection, map[string]string{
			"Upload-Length": "1000", "Upload-Metadata": metadata("kind", "video", "filename", "a.mp4"),
			"Content-Type": "application/offset+octet-stream"}, content)
		if res.StatusCode != http.StatusCreated || res.Header.Get("Troupe-Item-Id") == "" {
			t.Fatalf("POST with the whole file: %s, Troupe-Item-Id %q", res.Status, res.Header.Get("Troupe-Item-Id"))
		}
		if res.Header.Get("Upload-Expires") != "" {
			t.Error("a finished upload was said to expire")
		}
		if done := x.completions(); len(done) != 1 || !bytes.Equal(x.content[done[0].ID], content) {
			t.Errorf("Complete calls: %d", len(done))
		}
	})
}

func TestRefusedUploadStoresNothing(t *testing.T) {
	each(t, func(t *testing.T, x *harness) {
		video := metadata("kind", "video", "filename", "a.mp4")
		for _, c := range []struct {
			name       string
			collection string
			header     map[string]string
			status     int
			code       troupe.Code
		}{
			{"not allowed in the workspace", strings.Replace(x.collection, "/w1/", "/w2/", 1),
				map[string]string{"Upload-Length": "10", "Upload-Metadata": video}, 403, troupe.CodeForbidden},
			{"larger than the kind's limit", x.collection,
				map[string]string{"Upload-Length": strconv.Itoa(limit + 1), "Upload-Metadata": video}, 413, troupe.CodeFileTooLarge},
			{"unknown kind", x.collection,
				map[string]string{"Upload-Length": "10", "Upload-Metadata": metadata("kind", "pdf", "filename", "a.pdf")}, 422, troupe.CodeValidation},
			{"no kind", x.collection,
				map[string]string{"Upload-Length": "10", "Upload-Metadata": metadata("filename", "a.mp4")}, 422, troupe.CodeValidation},
		} {
			t.Run(c.name, func(t *testing.T) {
				res := do(t, http.MethodPost, c.collection, c.header, []byte("0123456789"))
				if res.StatusCode != c.status {
					t.Errorf("status %s, want %d", res.Status, c.status)
				}
				var p struct {
					Code   troupe.Code `json:"code"`
					Detail string      `json:"detail"`
					Status int         `json:"status"`
				}
				if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type %q", ct)
				}
				if err := json.NewDecoder(res.Body).Decode(&p); err != nil || p.Code != c.code || p.Status != c.status || p.Detail == "" {
					t.Errorf("problem %+v (%v), want code %s", p, err, c.code)
				}
			})
		}
		t.Run("length deferred", func(t *testing.T) {
			res := do(t, http.MethodPost, x.collection, map[string]string{"Upload-Defer-Length": "1", "Upload-Metadata": video}, nil)
			if res.StatusCode < 400 {
				t.Errorf("status %s, want a refusal", res.Status)
			}
		})
		if keys := x.keys(t); len(keys) != 0 {
			t.Errorf("refused uploads left %q", keys)
		}
	})
}

func TestCompleteRefusedRemovesUpload(t *testing.T) {
	each(t, func(t *testing.T, x *harness) {
		u := x.create(t, 10, metadata("kind", "video", "filename", "a.mp4", "name", "refuse me"))
		res := patch(t, u, 0, []byte("0123456789"))
		if res.StatusCode != http.StatusForbidden || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("final PATCH refused by Complete: %s %s", res.Status, res.Header.Get("Content-Type"))
		}
		if got := offset(t, u); got != -1 {
			t.Errorf("the refused upload is still there (offset %d)", got)
		}
		if keys := x.keys(t); len(keys) != 0 {
			t.Errorf("a refused upload left %q", keys)
		}
	})
}

func TestOnlyTheOwnerReachesAnUpload(t *testing.T) {
	each(t, func(t *testing.T, x *harness) {
		res := do(t, http.MethodPost, x.collection, map[string]string{"Upload-Length": "10", "X-Owner": "ann",
			"Upload-Metadata": metadata("kind", "video", "filename", "a.mp4", "owner", "bob")}, nil)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create: %s", res.Status)
		}
		u := res.Header.Get("Location")
		if !strings.HasPrefix(u, "/") {
			t.Fatalf("Location %q", u)
		}
		base, _ := url.Parse(x.collection)
		u = base.Scheme + "://" + base.Host + u
		for _, who := range []string{"bob", ""} {
			for _, method := range []string{http.MethodHead, http.MethodPatch, http.MethodDelete} {
				res := do(t, method, u, map[string]string{"X-Owner": who, "Upload-Offset": "0",
					"Content-Type": "application/offset+octet-stream"}, []byte("01234"))
				if res.StatusCode != http.StatusNotFound {
					t.Errorf("%s by %q: %s, want 404", method, who, res.Status)
				}
			}
		}
		if res := do(t, http.MethodHead, u, map[string]string{"X-Owner": "ann"}, nil); res.StatusCode != http.StatusOK || res.Header.Get("Upload-Offset") != "0" {
			t.Errorf("HEAD by the owner: %s, offset %q", res.Status, res.Header.Get("Upload-Offset"))
		}
		// Ids not made here never reach the store.
		for _, id := range []string{"..%2F..%2Fsecret", "not-an-id", url.PathEscape(strings.TrimPrefix(u[strings.LastIndex(u, "/"):], "/") + "/../x")} {
			if res := do(t, http.MethodHead, x.collection+"/"+id, nil, nil); res.StatusCode != http.StatusNotFound {
				t.Errorf("HEAD %s: %s, want 404", id, res.Status)
			}
		}
	})
}

func TestTermination(t *testing.T) {
	each(t, func(t *testing.T, x *harness) {
		u := x.create(t, 6<<20, metadata("kind", "video", "filename", "a.mp4"))
		if res := patch(t, u, 0, random(t, 1<<20)); res.StatusCode != http.StatusNoContent {
			t.Fatalf("PATCH: %s", res.Status)
		}
		if res := do(t, http.MethodDelete, u, nil, nil); res.StatusCode != http.StatusNoContent {
			t.Fatalf("DELETE: %s", res.Status)
		}
		if got := offset(t, u); got != -1 {
			t.Errorf("HEAD after DELETE: offset %d, want 404", got)
		}
		if keys := x.keys(t); len(keys) != 0 {
			t.Errorf("a terminated upload left %q", keys)
		}
		if n := len(x.completions()); n != 0 {
			t.Errorf("Complete called %d times", n)
		}
	})
}

func TestOptionsAdvertiseExtensions(t *testing.T) {
	x := newHarness(t, "file")
	res := do(t, http.MethodOptions, x.collection+"/", nil, nil)
	ext := "," + res.Header.Get("Tus-Extension") + ","
	for _, want := range []string{"creation", "creation-with-upload", "termination", "expiration"} {
		if !strings.Contains(ext, ","+want+",") {
			t.Errorf("Tus-Extension %s lacks %s", ext, want)
		}
	}
	if strings.Contains(ext, "creation-defer-length") || strings.Contains(ext, "concatenation") {
		t.Errorf("Tus-Extension %s offers what is refused", ext)
	}
}

func TestCleanupRemovesExpiredUnfinishedUploads(t *testing.T) {
	each(t, func(t *testing.T, x *harness) {
		ctx := context.Background()
		video := metadata("kind", "video", "filename", "a.mp4")
		old := x.create(t, 6<<20, video)
		patch(t, old, 0, random(t, 1<<20))
		finished := x.create(t, 10, video)
		patch(t, finished, 0, []byte("0123456789"))

		x.clock.Add(25 * time.Hour)
		fresh := x.create(t, 6<<20, video)
		patch(t, fresh, 0, random(t, 1<<20))

		removed, err := x.h.Cleanup(ctx, upload.DefaultExpiry)
		if err != nil {
			t.Fatal(err)
		}
		if removed != 1 {
			t.Errorf("Cleanup removed %d uploads, want 1", removed)
		}
		if got := offset(t, old); got != -1 {
			t.Errorf("the expired upload is still there (offset %d)", got)
		}
		if got := offset(t, fresh); got != 1<<20 {
			t.Errorf("the fresh upload has %d bytes, want %d", got, 1<<20)
		}
		done := x.completions()
		if len(done) != 1 || string(readKey(t, x.media, done[0].Key)) != "0123456789" {
			t.Fatal("Cleanup removed a finished upload")
		}

		// What is left: the finished upload and the fresh one.
		if err := x.h.Remove(ctx, done[0].ID); err != nil {
			t.Fatal(err)
		}
		do(t, http.MethodDelete, fresh, nil, nil)
		if keys := x.keys(t); len(keys) != 0 {
			t.Errorf("after Cleanup, Remove and DELETE the media store holds %q", keys)
		}
	})
}

// syncFile flushes the file at path to the disk.
func syncFile(t testing.TB, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkTusUpload sends 1 GiB through tus over localhost in PATCHes of
// 16 and 64 MiB to a file:// store, and writes the same bytes in the same
// pieces to a file, reporting both speeds and their ratio. Both end with
// an fsync, so that each pays for its own bytes reaching the disk rather
// than the other's write-back. Run with -benchtime 1x.
func BenchmarkTusUpload(b *testing.B) {
	const size = 1 << 30
	block := random(b, 1<<20)
	for _, chunk := range []int{16 << 20, 64 << 20} {
		b.Run(fmt.Sprintf("patch=%dMiB", chunk>>20), func(b *testing.B) {
			x := newHarness(b, "file")
			x.skipRead, x.limit = true, size
			piece := bytes.Repeat(block, chunk>>20)
			var tusTime, fileTime time.Duration
			for range b.N {
				start := time.Now()
				u := x.create(b, size, metadata("kind", "video", "filename", "big.mp4"))
				for at := 0; at < size; at += chunk {
					res := patch(b, u, int64(at), piece)
					if res.StatusCode != http.StatusNoContent {
						b.Fatalf("PATCH at %d: %s", at, res.Status)
					}
					res.Body.Close()
				}
				done := x.completions()
				syncFile(b, filepath.Join(x.media.Local(), done[len(done)-1].Key))
				tusTime += time.Since(start)

				start = time.Now()
				f, err := os.Create(x.media.Local() + "/plain")
				if err != nil {
					b.Fatal(err)
				}
				for at := 0; at < size; at += chunk {
					if _, err := f.Write(piece); err != nil {
						b.Fatal(err)
					}
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
				if err := f.Close(); err != nil {
					b.Fatal(err)
				}
				fileTime += time.Since(start)

				for _, up := range x.completions() {
					x.h.Remove(context.Background(), up.ID)
				}
				os.Remove(x.media.Local() + "/plain")
			}
			mib := float64(b.N) * size / (1 << 20)
			b.ReportMetric(mib/tusTime.Seconds(), "tus-MiB/s")
			b.ReportMetric(mib/fileTime.Seconds(), "file-MiB/s")
			b.ReportMetric(fileTime.Seconds()/tusTime.Seconds(), "tus/file")
		})
	}
}

// BenchmarkTusResume sends 1 GiB in one PATCH cut at half way, asks the
// server its offset as a client resuming does, and sends the rest: it
// reports the share of the file sent twice (what the client had sent
// beyond the offset the server kept). Run with -benchtime 1x.
func BenchmarkTusResume(b *testing.B) {
	const size = 1 << 30
	data := bytes.Repeat(random(b, 1<<20), size>>20)
	x := newHarness(b, "file")
	x.skipRead, x.limit = true, size
	var resent int64
	for range b.N {
		u := x.create(b, size, metadata("kind", "video", "filename", "big.mp4"))
		const sent = size / 2
		req, err := http.NewRequest(http.MethodPatch, u, &cutReader{r: bytes.NewReader(data), n: sent})
		if err != nil {
			b.Fatal(err)
		}
		req.ContentLength = size
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Upload-Offset", "0")
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			b.Fatalf("the cut PATCH answered %s", res.Status)
		}
		// The server notices the cut a moment later; a client asks until
		// the upload is no longer locked by the broken request.
		var at int64
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if at = offset(b, u); at > 0 || time.Now().After(deadline) {
				break
			}
		}
		resent += sent - at
		res := patch(b, u, at, data[at:])
		if res.StatusCode != http.StatusNoContent {
			b.Fatalf("resume at %d: %s", at, res.Status)
		}
		res.Body.Close()
		for _, up := range x.completions() {
			x.h.Remove(context.Background(), up.ID)
		}
	}
	b.ReportMetric(float64(resent)/float64(b.N)/size*100, "%resent")
}
