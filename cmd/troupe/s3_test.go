package main

import (
	"bytes"
	"fmt"
	"maps"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"troupe/internal/testkit"
)

// A server whose media is on S3: uploads land in the bucket (nothing in
// the data folder), processing reads them back for duration and stills,
// Range requests are answered 206 from it, downloads and the public page
// work, a refused upload leaves nothing, /readyz asks the bucket, and the
// purge of the trash removes the objects.
func TestMediaOnS3(t *testing.T) {
	video := testkit.VideoBytes(t, 3)
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			bucket := testkit.NewS3Bucket(t)
			secret := filepath.Join(t.TempDir(), "secret")
			if err := os.WriteFile(secret, []byte(bucket.SecretAccessKey+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			dataDir := t.TempDir()
			opts := serverOptions{dataDir: dataDir, env: []string{"TROUPE_BLOB_URL", bucket.URL,
				"AWS_ACCESS_KEY_ID", bucket.AccessKeyID, "AWS_SECRET_ACCESS_KEY_FILE", secret}}
			s := startServerWith(t, e, opts)
			admin, _ := s.signedIn(t, "admin@acme.com")
			ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
			id := idOf(t, admin.upload(ws, "videos", map[string]string{"name": "Launch"}, "clip.mp4", bytes.NewReader(video)).want(t, 201))
			if keys := bucket.Keys(t); !slices.Equal(keys, []string{"media/" + id}) {
				t.Fatalf("bucket after the upload: %v", keys)
			}
			if exists(filepath.Join(dataDir, "media")) {
				t.Fatal("a media folder was made beside the database")
			}

			// The probe reads the video back from the bucket.
			var v map[string]any
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				v = admin.do("GET", "/api/v1/items/"+id, nil).want(t, 200).json(t)
				if v["duration_ms"] != nil && v["poster_url"] != nil && v["processing"].(map[string]any)["state"] == "ready" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no duration or poster: %v", v)
				}
			}
			poster := admin.do("GET", v["poster_url"].(string), nil).want(t, 200)
			if !bytes.HasPrefix(poster.body, []byte{0xff, 0xd8}) || poster.header.Get("Content-Length") != fmt.Sprint(len(poster.body)) {
				t.Fatalf("poster: %v %x", poster.header, poster.body[:4])
			}
			// The upload plays in every browser as it is: stills, no rendition.
			stored := []string{"media/" + id, "posters/" + id + ".jpg", "sprites/" + id + ".jpg", "sprites/" + id + ".vtt", "thumbs/" + id + ".jpg"}
			if keys := bucket.Keys(t); !slices.Equal(keys, stored) {
				t.Fatalf("bucket after the probe: %v", keys)
			}

			media := "/api/v1/items/" + id + "/media"
			size := len(video)
			for _, c := range []struct {
				rg       string
				from, to int // inclusive
			}{{"bytes=10-19", 10, 19}, {"bytes=100-", 100, size - 1}, {"bytes=-50", size - 50, size - 1}, {fmt.Sprintf("bytes=%d-%d", size-5, size+100), size - 5, size - 1}} {
				part := admin.do("GET", media, nil, "Range", c.rg).want(t, 206)
				if !bytes.Equal(part.body, video[c.from:c.to+1]) || part.header.Get("Content-Range") != fmt.Sprintf("bytes %d-%d/%d", c.from, c.to, size) {
					t.Fatalf("%s: %q, %d bytes", c.rg, part.header.Get("Content-Range"), len(part.body))
				}
			}
			admin.do("GET", media, nil, "Range", fmt.Sprintf("bytes=%d-", size+10)).want(t, 416)
			sameHeadersOnBothPaths(t, admin, media, video)
			whole := admin.do("GET", media, nil).want(t, 200)
			if !bytes.Equal(whole.body, video) {
				t.Fatal("the whole file differs")
			}
			etag := whole.header.Get("ETag")
			admin.do("GET", media, nil, "If-None-Match", etag).want(t, 304)
			if stale := admin.do("GET", media, nil, "Range", "bytes=50-59", "If-Range", `"stale"`).want(t, 200); !bytes.Equal(stale.body, video) {
				t.Fatal("If-Range with a stale validator: not the whole file")
			}
			head := admin.do("HEAD", media, nil).want(t, 200)
			if head.header.Get("Content-Length") != fmt.Sprint(size) || len(head.body) != 0 {
				t.Fatalf("HEAD: %v", head.header)
			}
			// Two ranges in one request: a multipart answer, each part read
			// where it is.
			multi := admin.do("GET", media, nil, "Range", "bytes=0-3,200-209").want(t, 206)
			_, params, _ := mime.ParseMediaType(multi.header.Get("Content-Type"))
			mr := multipart.NewReader(bytes.NewReader(multi.body), params["boundary"])
			for _, want := range [][]byte{video[0:4], video[200:210]} {
				p, err := mr.NextPart()
				if err != nil {
					t.Fatal(err)
				}
				var got bytes.Buffer
				got.ReadFrom(p)
				if !bytes.Equal(got.Bytes(), want) {
					t.Fatalf("part %q: %x", p.Header.Get("Content-Range"), got.Bytes())
				}
			}

			// Download, and the public page.
			dl := admin.do("GET", "/api/v1/videos/"+id+"/media?download=1", nil).want(t, 200)
			if !bytes.Equal(dl.body, video) || !strings.HasPrefix(dl.header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("download: %v", dl.header)
			}
			admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]string{"publishing": "allowed"}).want(t, 200)
			slug := admin.do("POST", "/api/v1/videos/"+id+"/publish", nil).want(t, 200).json(t)["slug"].(string)
			anon := s.client(t)
			if part := anon.do("GET", "/v/"+slug+"/media", nil, "Range", "bytes=1000-1999").want(t, 206); !bytes.Equal(part.body, video[1000:2000]) {
				t.Fatal("public range differs")
			}
			anon.do("GET", "/v/"+slug+"/poster", nil).want(t, 200)

			// Someone without access gets nothing; a refused upload leaves
			// nothing in the bucket.
			stranger, _ := s.member(t, admin, ws, "stranger@acme.com", "creator")
			stranger.do("GET", media, nil, "Range", "bytes=0-9").want(t, 404, "not_found")
			admin.upload(ws, "videos", nil, "big.mp4", bytes.NewReader(append(slices.Clone(video), make([]byte, 5<<20)...))).want(t, 413)
			admin.upload(ws, "videos", nil, "page.mp4", strings.NewReader("<html><body>not a video</body></html>")).want(t, 415)
			if keys := bucket.Keys(t); !slices.Equal(keys, stored) {
				t.Fatalf("refused uploads left objects: %v", keys)
			}
			admin.do("GET", "/readyz", nil).want(t, 200)

			// Trashed, the files are gone at once; purged 30 days later,
			// the objects too.
			admin.do("DELETE", "/api/v1/items/"+id, nil).want(t, 204)
			admin.do("GET", media, nil, "Range", "bytes=0-9").want(t, 404)
			if err := s.main.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			opts.now = func() time.Time { return time.Now().Add(31 * 24 * time.Hour) }
			startServerWith(t, e, opts)
			for deadline := time.Now().Add(20 * time.Second); len(bucket.Keys(t)) != 0; time.Sleep(100 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("the purge left %v", bucket.Keys(t))
				}
			}
		})
	}
}

// A bucket that cannot be reached stops the start with a message naming
// the setting.
func TestMediaOnS3Unreachable(t *testing.T) {
	bucket := testkit.NewS3Bucket(t)
	cfg, err := LoadConfig(nil, func(k string) string {
		return map[string]string{"TROUPE_ADDR": "127.0.0.1:0", "TROUPE_DATA_DIR": t.TempDir(),
			"TROUPE_BLOB_URL":   strings.Replace(bucket.URL, bucket.Name, bucket.Name+"-missing", 1),
			"AWS_ACCESS_KEY_ID": bucket.AccessKeyID, "AWS_SECRET_ACCESS_KEY": bucket.SecretAccessKey}[k]
	}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, cfg.newLogger(&bytes.Buffer{}))
	defer m.Close(t.Context())
	if err := m.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "TROUPE_BLOB_URL") {
		t.Fatalf("started on a missing bucket: %v", err)
	}
}

// /readyz asks the bucket: gone, the instance is not ready and says why;
// an upload meanwhile answers 503 and leaves nothing.
func TestReadyzAsksTheBucket(t *testing.T) {
	bucket := testkit.NewS3Bucket(t)
	s := startServer(t, testkit.Engines(t)[0], "TROUPE_BLOB_URL", bucket.URL,
		"AWS_ACCESS_KEY_ID", bucket.AccessKeyID, "AWS_SECRET_ACCESS_KEY", bucket.SecretAccessKey)
	admin, _ := s.signedIn(t, "admin@acme.com")
	ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
	admin.do("GET", "/readyz", nil).want(t, 200)
	if _, err := bucket.Client.DeleteBucket(t.Context(), &s3.DeleteBucketInput{Bucket: aws.String(bucket.Name)}); err != nil {
		t.Fatal(err)
	}
	if r := admin.do("GET", "/readyz", nil).want(t, 503); !strings.Contains(string(r.body), "media store") || r.header.Get("Retry-After") == "" {
		t.Fatalf("readyz: %v %s", r.header, r.body)
	}
	admin.upload(ws, "videos", nil, "clip.mp4", bytes.NewReader(testkit.VideoBytes(t, 1))).want(t, 503, "unavailable")
	if _, err := bucket.Client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(bucket.Name)}); err != nil {
		t.Fatal(err)
	}
	admin.do("GET", "/readyz", nil).want(t, 200)
	if keys := bucket.Keys(t); len(keys) != 0 {
		t.Fatalf("the failed upload left %v", keys)
	}
}

// sameHeadersOnBothPaths checks that the plain GETs a player sends (no
// Range, one range, an open range), which are answered without
// http.ServeContent, carry the same headers and bytes as the same answers
// given by it (reached by a condition that holds).
func sameHeadersOnBothPaths(t *testing.T, c *apiClient, media string, video []byte) {
	t.Helper()
	size := len(video)
	etag := c.do("GET", media, nil, "Range", "bytes=0-0").want(t, 206).header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	for _, rc := range []struct {
		rg       string
		status   int
		from, to int // inclusive
	}{{"", 200, 0, size - 1}, {"bytes=0-99", 206, 0, 99}, {"bytes=1000-", 206, 1000, size - 1},
		{fmt.Sprintf("bytes=%d-%d", size-1, size+50), 206, size - 1, size - 1}} {
		var plain, served response
		if rc.rg == "" {
			plain = c.do("GET", media, nil).want(t, rc.status)
			served = c.do("GET", media, nil, "If-None-Match", `"other"`).want(t, rc.status)
		} else {
			plain = c.do("GET", media, nil, "Range", rc.rg).want(t, rc.status)
			served = c.do("GET", media, nil, "Range", rc.rg, "If-Range", etag).want(t, rc.status)
		}
		for _, r := range []response{plain, served} {
			if !bytes.Equal(r.body, video[rc.from:rc.to+1]) {
				t.Fatalf("%q: %d bytes differ", rc.rg, len(r.body))
			}
			r.header.Del("Date")
			r.header.Del("X-Request-Id")
		}
		if !maps.EqualFunc(plain.header, served.header, slices.Equal) {
			t.Fatalf("%q: headers differ:\nplain  %v\nserved %v", rc.rg, plain.header, served.header)
		}
		for _, h := range []string{"Content-Type", "Cache-Control", "Content-Security-Policy", "Content-Disposition", "ETag", "Last-Modified", "Accept-Ranges", "Content-Length"} {
			if plain.header.Get(h) == "" {
				t.Fatalf("%q: no %s: %v", rc.rg, h, plain.header)
			}
		}
	}
}
