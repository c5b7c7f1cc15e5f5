package blob_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"troupe/internal/blob"
)

// A signed URL reads the object straight from S3 with Range requests and
// the headers it was signed with; changed or expired, it reads nothing.
func TestSignedURL(t *testing.T) {
	ctx := context.Background()
	if s := open(t, "file"); s.CanSign() {
		t.Fatal("a folder store says it can sign")
	} else if _, err := s.SignedURL(ctx, "k", time.Minute, blob.ResponseHeaders{}); err == nil {
		t.Fatal("a folder store signed a URL")
	}
	s := open(t, "s3")
	if !s.CanSign() {
		t.Fatal("an s3 store says it cannot sign")
	}
	content := bytes.Repeat([]byte("0123456789"), 1000)
	if _, err := s.Put(ctx, "media/v1", bytes.NewReader(content), 1<<20, acceptAny); err != nil {
		t.Fatal(err)
	}
	h := blob.ResponseHeaders{ContentType: "video/mp4", ContentDisposition: `attachment; filename="Launch day.mp4"`, CacheControl: "private, no-store"}
	for _, ttl := range []time.Duration{0, blob.MaxSignedLifetime + time.Second} {
		if _, err := s.SignedURL(ctx, "media/v1", ttl, h); err == nil {
			t.Errorf("signed for %s", ttl)
		}
	}
	signed, err := s.SignedURL(ctx, "media/v1", time.Minute, h)
	if err != nil {
		t.Fatal(err)
	}
	res, body := get(t, signed, "bytes=100-199")
	if res.StatusCode != http.StatusPartialContent || !bytes.Equal(body, content[100:200]) {
		t.Fatalf("range: %d %q", res.StatusCode, body)
	}
	for name, want := range map[string]string{"Content-Type": h.ContentType, "Content-Disposition": h.ContentDisposition,
		"Cache-Control": h.CacheControl, "Content-Range": "bytes 100-199/10000"} {
		if got := res.Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	tampered := strings.Replace(signed, "video%2Fmp4", "text%2Fhtml", 1)
	if tampered == signed {
		t.Fatalf("no content type in %s", signed)
	}
	if res, _ := get(t, tampered, ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("a URL with another content type: %d", res.StatusCode)
	}
	short, err := s.SignedURL(ctx, "media/v1", time.Second, h)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	if res, _ := get(t, short, ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("an expired URL: %d", res.StatusCode)
	}
}

func acceptAny(string) error { return nil }

// get sends a GET with the Range header rg (none when empty).
func get(t *testing.T, url, rg string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rg != "" {
		req.Header.Set("Range", rg)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}
