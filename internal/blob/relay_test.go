package blob_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"troupe/internal/blob"
	"troupe/internal/testkit"
)

// putPattern stores size bytes (a video's header, then a pattern) under
// key and returns them.
func putPattern(t *testing.T, s *blob.Store, key string, size int64) []byte {
	t.Helper()
	content := append(slices.Clone(mp4), patternBytes(int64(len(mp4)), size-int64(len(mp4)))...)
	if _, err := s.Put(context.Background(), key, bytes.NewReader(content), 1<<30, acceptVideo); err != nil {
		t.Fatal(err)
	}
	return content
}

// WriteRange serves the range a file was opened with, as a response's
// body: the first bytes, the middle, the rest from an offset, the last
// byte and the whole file; a range running past the end stops at it; a
// range other than the one opened is read where it is.
func TestWriteRange(t *testing.T) {
	each(t, func(t *testing.T, s *blob.Store) {
		ctx := context.Background()
		const size = 3 << 20
		content := putPattern(t, s, "media/w", size)
		for _, c := range []struct {
			name          string
			first         blob.Range
			offset, n     int64
			wantN, wantAt int64
		}{
			{"first bytes", blob.Range{Offset: 0, Length: 100}, 0, 100, 100, 0},
			{"middle", blob.Range{Offset: 1 << 20, Length: 256 << 10}, 1 << 20, 256 << 10, 256 << 10, 1 << 20},
			{"open-ended", blob.Range{Offset: 5000, Length: -1}, 5000, size - 5000, size - 5000, 5000},
			{"last byte", blob.Range{Offset: size - 1, Length: 1}, size - 1, 1, 1, size - 1},
			{"whole", blob.Whole, 0, size, size, 0},
			{"small first answer of an open range", blob.Range{Offset: 10, Length: -1}, 10, 20, 20, 10},
			{"elsewhere than opened", blob.Range{Offset: 0, Length: 100}, 2 << 20, 4096, 4096, 2 << 20},
			{"size only, then a range", blob.Range{}, 70000, 5000, 5000, 70000},
		} {
			f, err := s.Open(ctx, "media/w", c.first)
			if err != nil || f.Size() != size {
				t.Fatalf("%s: open: %v", c.name, err)
			}
			var got bytes.Buffer
			n, err := f.WriteRange(&got, c.offset, c.n)
			if err != nil || n != c.wantN || !bytes.Equal(got.Bytes(), content[c.wantAt:c.wantAt+c.wantN]) {
				t.Fatalf("%s: wrote %d (%v), equal %v", c.name, n, err, bytes.Equal(got.Bytes(), content[c.wantAt:c.wantAt+c.wantN]))
			}
			// The file reads on after it.
			if c.wantAt+c.wantN < size {
				b := make([]byte, 10)
				if _, err := io.ReadFull(f, b); err != nil || !bytes.Equal(b, content[c.wantAt+c.wantN:c.wantAt+c.wantN+10]) {
					t.Fatalf("%s: read after: %v", c.name, err)
				}
			}
			f.Close()
		}
		if _, err := s.Open(ctx, "media/missing", blob.Range{Offset: 0, Length: 10}); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		// Past the end, the open answers the size, for the caller to say
		// the range cannot be satisfied.
		f, err := s.Open(ctx, "media/w", blob.Range{Offset: size + 10, Length: -1})
		if err != nil || f.Size() != size {
			t.Fatalf("past the end: %v", err)
		}
		f.Close()
	})
}

// relayedBucket opens a store on a fresh S3 bucket through a proxy that
// records, for each ranged GET of media, the client connection it came
// on.
func relayedBucket(t *testing.T) (s *blob.Store, conns func() []string) {
	t.Helper()
	b := testkit.NewS3Bucket(t)
	target, err := url.Parse(b.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.Host = r.In.Host // signed by the client
		if strings.Contains(r.In.URL.Path, "/media/") && r.In.Method == http.MethodGet {
			mu.Lock()
			if !slices.Contains(seen, r.In.RemoteAddr) {
				seen = append(seen, r.In.RemoteAddr)
			}
			mu.Unlock()
		}
	}})
	t.Cleanup(proxy.Close)
	s, err = blob.Open(context.Background(), strings.Replace(b.URL, url.QueryEscape(b.Endpoint), url.QueryEscape(proxy.URL), 1),
		blob.Credentials{AccessKeyID: b.AccessKeyID, SecretAccessKey: b.SecretAccessKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

// failingWriter takes n bytes, then fails as a client gone away.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errors.New("connection reset by peer")
	}
	w.n -= len(p)
	return len(p), nil
}

// Ranges from S3 travel over connections kept for the next range once
// their answer was read to its end; a connection whose answer was left
// half read — a client gone, a request cancelled — is closed, never
// handed a second request.
func TestRelayConnections(t *testing.T) {
	s, conns := relayedBucket(t)
	ctx := context.Background()
	const size = 4 << 20
	content := putPattern(t, s, "media/c", size)
	serve := func(ctx context.Context, w io.Writer, off, n int64) error {
		t.Helper()
		f, err := s.Open(ctx, "media/c", blob.Range{Offset: off, Length: n})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, err = f.WriteRange(w, off, n)
		return err
	}
	for i := range 5 {
		var got bytes.Buffer
		if err := serve(ctx, &got, int64(i)*1000, 256<<10); err != nil || !bytes.Equal(got.Bytes(), content[i*1000:i*1000+256<<10]) {
			t.Fatalf("range %d: %v", i, err)
		}
	}
	if c := conns(); len(c) != 1 || blob.IdleConns(s) != 1 {
		t.Fatalf("5 ranges one after another came on %d connections, %d kept", len(c), blob.IdleConns(s))
	}

	// A client that goes away mid-body.
	if err := serve(ctx, &failingWriter{n: 100 << 10}, 0, size); err == nil {
		t.Fatal("a failed write was not reported")
	}
	if n := blob.IdleConns(s); n != 0 {
		t.Fatalf("the connection of a half-read answer was kept (%d)", n)
	}
	var got bytes.Buffer
	if err := serve(ctx, &got, 10, 100); err != nil || !bytes.Equal(got.Bytes(), content[10:110]) {
		t.Fatalf("after an aborted client: %v", err)
	}
	if c := conns(); len(c) != 2 {
		t.Fatalf("after an aborted client: %d connections, want a new one", len(c))
	}

	// A request cancelled mid-body.
	cctx, cancel := context.WithCancel(ctx)
	f, err := s.Open(cctx, "media/c", blob.Range{Offset: 0, Length: -1})
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 64<<10)
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, content[:64<<10]) {
		t.Fatalf("before cancelling: %v", err)
	}
	cancel()
	if n, err := f.WriteRange(io.Discard, 64<<10, size-64<<10); err == nil {
		t.Fatalf("a cancelled request went on: %d bytes", n)
	}
	f.Close()
	if n := blob.IdleConns(s); n != 0 {
		t.Fatalf("the connection of a cancelled request was kept (%d)", n)
	}
	got.Reset()
	if err := serve(ctx, &got, 20, 100); err != nil || !bytes.Equal(got.Bytes(), content[20:120]) {
		t.Fatalf("after a cancelled request: %v", err)
	}
	if c := conns(); len(c) != 3 {
		t.Fatalf("after a cancelled request: %d connections, want a new one", len(c))
	}
}

// Ranges served at the same time, to real HTTP clients (where the kernel
// moves the bytes from one socket to the other), each get their own
// bytes.
func TestRelayConcurrentRanges(t *testing.T) {
	s, conns := relayedBucket(t)
	const size = 6 << 20
	content := putPattern(t, s, "media/p", size)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.ParseInt(r.URL.Query().Get("off"), 10, 64)
		n, _ := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
		f, err := s.Open(r.Context(), "media/p", blob.Range{Offset: off, Length: n})
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer f.Close()
		n = min(n, size-off)
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		f.WriteRange(w, off, n)
	}))
	defer srv.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for c := range 8 {
		wg.Go(func() {
			for i := range 8 {
				off, n := int64((c*8+i)*77777), int64(1+(c*8+i)*17000)
				res, err := http.Get(fmt.Sprintf("%s/?off=%d&n=%d", srv.URL, off, n))
				if err != nil {
					errs <- err
					return
				}
				body, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != 200 || !bytes.Equal(body, content[off:off+n]) {
					errs <- fmt.Errorf("range %d+%d: %d %v, %d bytes", off, n, res.StatusCode, err, len(body))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if c := conns(); len(c) > 8+2 {
		t.Errorf("64 ranges from 8 clients took %d connections", len(c))
	}
}

// A kept connection that the server closed while it waited is replaced:
// the range is asked again on a new one.
func TestRelayRetriesAClosedConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	accepted := 0
	body := []byte("0123456789")
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			accepted++
			mu.Unlock()
			go func() {
				// One answer, kept alive by its headers, then closed.
				defer c.Close()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				fmt.Fprintf(c, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/10\r\nContent-Length: 10\r\n\r\n%s", body)
				_ = req
			}()
		}
	}()
	s, err := blob.Open(context.Background(), "s3://fake?endpoint="+url.QueryEscape("http://"+ln.Addr().String())+"&region=us-east-1&use_path_style=true",
		blob.Credentials{AccessKeyID: "k", SecretAccessKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 3 {
		f, err := s.Open(context.Background(), "media/x", blob.Range{Offset: 0, Length: 10})
		if err != nil {
			t.Fatalf("range %d: %v", i, err)
		}
		var got bytes.Buffer
		if _, err := f.WriteRange(&got, 0, 10); err != nil || !bytes.Equal(got.Bytes(), body) {
			t.Fatalf("range %d: %q %v", i, got.Bytes(), err)
		}
		f.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if accepted != 3 {
		t.Fatalf("%d connections for 3 ranges each answered on a connection closed after it", accepted)
	}
}
