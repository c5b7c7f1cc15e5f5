package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"troupe/internal/blob"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// backends are the kinds of bucket every test runs on.
var backends = []string{"file", "s3"}

// open opens an empty bucket of the backend: a folder of its own (fuzz
// inputs share the test's temporary folder, whose name holds a "#"), or
// a fresh bucket on the test S3 server.
func open(t testing.TB, backend string) *blob.Store {
	t.Helper()
	var rawURL string
	var creds blob.Credentials
	switch backend {
	case "file":
		dir, err := os.MkdirTemp(t.TempDir(), "bucket-*")
		if err != nil {
			t.Fatal(err)
		}
		rawURL = "file://" + dir
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

// each runs fn on every backend, in a subtest named after it.
func each(t *testing.T, fn func(t *testing.T, s *blob.Store)) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) { fn(t, open(t, b)) })
	}
}

var mp4 = append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 64)...)

func acceptVideo(ct string) error {
	if len(ct) >= 6 && ct[:6] == "video/" {
		return nil
	}
	return errors.New("not a video")
}

// An upload either lands whole under its key or leaves nothing at all.
func FuzzPut(f *testing.F) {
	f.Add(mp4, int64(1000), 0)
	f.Add(mp4, int64(10), 0)
	f.Add([]byte("<html>"), int64(1000), 0)
	f.Add(mp4, int64(1000), 40)
	f.Add([]byte{}, int64(5), 0)
	f.Fuzz(func(t *testing.T, content []byte, limit int64, failAt int) {
		if limit < 0 || limit > 1<<20 {
			return
		}
		each(t, func(t *testing.T, s *blob.Store) { putOrNothing(t, s, content, limit, failAt) })
	})
}

// putOrNothing stores content, through a reader failing after failAt
// bytes when failAt is within it, and checks that it is stored whole or
// not at all.
func putOrNothing(t *testing.T, s *blob.Store, content []byte, limit int64, failAt int) {
	var r io.Reader = bytes.NewReader(content)
	if failAt > 0 && failAt < len(content) {
		r = io.MultiReader(bytes.NewReader(content[:failAt]), errReader{})
	}
	got, err := s.Put(context.Background(), "media/x", r, limit, acceptVideo)
	keys, kerr := s.Keys(context.Background())
	if kerr != nil {
		t.Fatal(kerr)
	}
	if err != nil {
		if len(keys) != 0 {
			t.Fatalf("a refused upload (%v) left %v", err, keys)
		}
		return
	}
	if failAt > 0 && failAt < len(content) {
		t.Fatal("a broken upload was accepted")
	}
	if int64(len(content)) > limit || got.Size != int64(len(content)) || len(keys) != 1 {
		t.Fatalf("stored %+v, keys %v, for %d bytes under limit %d", got, keys, len(content), limit)
	}
	rd, err := s.Open(context.Background(), "media/x", blob.Whole)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	back, _ := io.ReadAll(rd)
	if !bytes.Equal(back, content) {
		t.Fatal("stored bytes differ")
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestPutRefusals(t *testing.T) {
	each(t, testPutRefusals)
}

func testPutRefusals(t *testing.T, s *blob.Store) {
	ctx := context.Background()
	if _, err := s.Put(ctx, "a", bytes.NewReader(mp4), 10, acceptVideo); !errors.Is(err, blob.ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
	if _, err := s.Put(ctx, "a", bytes.NewReader(nil), 10, acceptVideo); !errors.Is(err, blob.ErrEmpty) {
		t.Fatalf("empty: %v", err)
	}
	var re *blob.ReadError
	if _, err := s.Put(ctx, "a", io.MultiReader(bytes.NewReader(mp4), errReader{}), 1000, acceptVideo); !errors.As(err, &re) {
		t.Fatalf("broken: %v", err)
	}
	if keys, _ := s.Keys(ctx); len(keys) != 0 {
		t.Fatalf("left %v", keys)
	}
	if err := s.Delete(ctx, "missing"); err != nil {
		t.Fatalf("deleting a missing file: %v", err)
	}
}

// pattern is n bytes that differ from one offset to the next, made as
// they are read: no test holds a large upload in memory.
type pattern struct{ off, n int64 }

func (p *pattern) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.n-p.off)]
	for i := range b {
		b[i] = byteAt(p.off + int64(i))
	}
	p.off += int64(len(b))
	return len(b), nil
}

func byteAt(off int64) byte { return byte(off*7 + off>>11) }

func patternBytes(from, n int64) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byteAt(from + int64(i))
	}
	return b
}

// Files larger than a part go up in several parts (on S3, a multipart
// upload); a broken or oversized one leaves neither an object nor parts.
func TestLargeUploads(t *testing.T) {
	each(t, func(t *testing.T, s *blob.Store) {
		ctx := context.Background()
		const size = 12 << 20
		video := func(n int64) io.Reader {
			return io.MultiReader(bytes.NewReader(mp4), &pattern{off: int64(len(mp4)), n: n})
		}
		if _, err := s.Put(ctx, "media/big", video(size), 8<<20, acceptVideo); !errors.Is(err, blob.ErrTooLarge) {
			t.Fatalf("over the limit: %v", err)
		}
		var re *blob.ReadError
		if _, err := s.Put(ctx, "media/big", io.MultiReader(io.LimitReader(video(size), 11<<20), errReader{}), 1<<30, acceptVideo); !errors.As(err, &re) {
			t.Fatalf("broken: %v", err)
		}
		if keys, err := s.Keys(ctx); err != nil || len(keys) != 0 {
			t.Fatalf("refused uploads left %v (%v)", keys, err)
		}
		got, err := s.Put(ctx, "media/big", video(size), 1<<30, acceptVideo)
		if err != nil || got.Size != size || got.ContentType != "video/mp4" {
			t.Fatalf("put: %+v %v", got, err)
		}
		if keys, err := s.Keys(ctx); err != nil || len(keys) != 1 || keys[0] != "media/big" {
			t.Fatalf("keys %v (%v)", keys, err)
		}
		f, err := s.Open(ctx, "media/big", blob.Range{Offset: 9 << 20, Length: 1 << 20})
		if err != nil || f.Size() != size {
			t.Fatalf("open: %v", err)
		}
		defer f.Close()
		if _, err := f.Seek(9<<20, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		part := make([]byte, 1<<20)
		if _, err := io.ReadFull(f, part); err != nil || !bytes.Equal(part, patternBytes(9<<20, 1<<20)) {
			t.Fatalf("range across parts: %v", err)
		}
	})
}

// An upload holds a bounded buffer, not the file: 96 MiB go through with
// far less allocated.
func TestUploadMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 96 MiB")
	}
	each(t, func(t *testing.T, s *blob.Store) {
		const size = 96 << 20
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := s.Put(context.Background(), "media/huge", io.MultiReader(bytes.NewReader(mp4), &pattern{off: int64(len(mp4)), n: size}), 1<<30, acceptVideo)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		allocated := after.TotalAlloc - before.TotalAlloc
		t.Logf("allocated %d MiB to store %d MiB", allocated>>20, size>>20)
		if allocated > 48<<20 {
			t.Fatalf("allocated %d MiB to store %d MiB", allocated>>20, size>>20)
		}
	})
}

// Reads move by ranges: the range asked for first, then wherever a seek
// goes; a range past the end still gives the size; a missing file is
// ErrNotFound.
func TestRanges(t *testing.T) {
	each(t, func(t *testing.T, s *blob.Store) {
		ctx := context.Background()
		const size = 300 << 10
		content := append(slices.Clone(mp4), patternBytes(int64(len(mp4)), size-int64(len(mp4)))...)
		if _, err := s.Put(ctx, "media/r", bytes.NewReader(content), 1<<20, acceptVideo); err != nil {
			t.Fatal(err)
		}
		read := func(f *blob.File, off, n int64) {
			t.Helper()
			if _, err := f.Seek(off, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, n)
			if _, err := io.ReadFull(f, got); err != nil || !bytes.Equal(got, content[off:off+n]) {
				t.Fatalf("read %d bytes at %d: %v", n, off, err)
			}
		}
		for _, first := range []blob.Range{{Offset: 1000, Length: 500}, {Offset: 5000, Length: -1}, {}, blob.Whole, {Offset: size + 10, Length: 5}} {
			f, err := s.Open(ctx, "media/r", first)
			if err != nil {
				t.Fatalf("open %+v: %v", first, err)
			}
			if f.Size() != size {
				t.Fatalf("open %+v: size %d", first, f.Size())
			}
			if end, err := f.Seek(0, io.SeekEnd); err != nil || end != size {
				t.Fatalf("seek to end: %d %v", end, err)
			}
			read(f, 1000, 500)
			read(f, 1500, 100) // continues where the last read ended
			read(f, 10, 20)    // goes back
			read(f, size-100, 100)
			if n, err := f.Read(make([]byte, 10)); n != 0 || !errors.Is(err, io.EOF) {
				t.Fatalf("read at the end: %d %v", n, err)
			}
			f.Close()
		}
		if _, err := s.Open(ctx, "media/missing", blob.Whole); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		if _, err := s.Open(ctx, "media/missing", blob.Range{}); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("missing, size only: %v", err)
		}
		if err := s.Delete(ctx, "media/r"); err != nil {
			t.Fatal(err)
		}
		if keys, err := s.Keys(ctx); err != nil || len(keys) != 0 {
			t.Fatalf("after delete: %v %v", keys, err)
		}
	})
}

// Ready asks the bucket: one that does not exist is unavailable.
func TestReady(t *testing.T) {
	each(t, func(t *testing.T, s *blob.Store) {
		if err := s.Ready(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	b := testkit.NewS3Bucket(t)
	gone, err := blob.Open(context.Background(), strings.Replace(b.URL, b.Name, b.Name+"-gone", 1),
		blob.Credentials{AccessKeyID: b.AccessKeyID, SecretAccessKey: b.SecretAccessKey})
	if err != nil {
		t.Fatal(err)
	}
	defer gone.Close()
	if err := gone.Ready(context.Background()); troupe.ErrorCode(err) != troupe.CodeUnavailable {
		t.Fatalf("a missing bucket: %v", err)
	}
}

// On S3 a read asks for just the range wanted: opening with a range and
// reading it is one GET of that range, a size-only open one HEAD, and a
// seek elsewhere a GET from there.
func TestRangesOnS3AreAskedAsRanges(t *testing.T) {
	b := testkit.NewS3Bucket(t)
	target, err := url.Parse(b.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var asked []string
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.Host = r.In.Host // signed by the client
		if strings.Contains(r.In.URL.Path, "/media/") && r.In.Method != http.MethodPut {
			mu.Lock()
			asked = append(asked, r.In.Method+" "+r.In.Header.Get("Range"))
			mu.Unlock()
		}
	}})
	defer proxy.Close()
	s, err := blob.Open(context.Background(), strings.Replace(b.URL, url.QueryEscape(b.Endpoint), url.QueryEscape(proxy.URL), 1),
		blob.Credentials{AccessKeyID: b.AccessKeyID, SecretAccessKey: b.SecretAccessKey})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	content := append(slices.Clone(mp4), patternBytes(int64(len(mp4)), 10000)...)
	if _, err := s.Put(ctx, "media/r", bytes.NewReader(content), 1<<20, acceptVideo); err != nil {
		t.Fatal(err)
	}
	readAt := func(f *blob.File, off, n int64) {
		t.Helper()
		f.Seek(off, io.SeekStart)
		got := make([]byte, n)
		if _, err := io.ReadFull(f, got); err != nil || !bytes.Equal(got, content[off:off+n]) {
			t.Fatalf("read %d at %d: %v", n, off, err)
		}
	}
	expect := func(want ...string) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(asked, want) {
			t.Fatalf("asked %q, want %q", asked, want)
		}
		asked = nil
	}
	f, _ := s.Open(ctx, "media/r", blob.Range{Offset: 1000, Length: 500})
	readAt(f, 1000, 500)
	f.Close()
	expect("GET bytes=1000-1499")
	f, _ = s.Open(ctx, "media/r", blob.Range{})
	f.Seek(0, io.SeekEnd)
	readAt(f, 5000, 100)
	f.Close()
	expect("HEAD ", "GET bytes=5000-")
}
