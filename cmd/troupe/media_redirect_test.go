package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"troupe/internal/testkit"
)

// With TROUPE_MEDIA_REDIRECT, a request for a video's bytes is decided as
// always and then answered 307 to a signed URL of the bucket that serves
// the asked range with the headers Troupe would send; whoever may not see
// the video gets the same refusal as without, HEAD and stills are served
// by Troupe, and a browser plays the public page from the bucket.
func TestMediaRedirectsToS3(t *testing.T) {
	video := testkit.VideoBytes(t, 3)
	for i, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			bucket := testkit.NewS3Bucket(t)
			s := startServerWith(t, e, serverOptions{dataDir: t.TempDir(), env: []string{"TROUPE_BLOB_URL", bucket.URL,
				"AWS_ACCESS_KEY_ID", bucket.AccessKeyID, "AWS_SECRET_ACCESS_KEY", bucket.SecretAccessKey, "TROUPE_MEDIA_REDIRECT", "2m"}})
			admin, _ := s.signedIn(t, "admin@acme.com")
			ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
			id := idOf(t, admin.upload(ws, "videos", map[string]string{"name": "Launch day"}, "clip.mp4", bytes.NewReader(video)).want(t, 201))
			var v map[string]any
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				v = admin.do("GET", "/api/v1/items/"+id, nil).want(t, 200).json(t)
				if v["poster_url"] != nil && v["processing"].(map[string]any)["state"] == "ready" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("not processed: %v", v)
				}
			}
			endpoint := bucket.Endpoint
			media := "/api/v1/items/" + id + "/media"
			part := followRedirect(t, admin.do("GET", media, nil, "Range", "bytes=10-19"), endpoint, "bytes=10-19")
			if part.StatusCode != 206 || !bytes.Equal(part.body, video[10:20]) || part.Header.Get("Content-Type") != "video/mp4" ||
				part.Header.Get("Content-Disposition") != `inline; filename="Launch day"` || part.Header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("through the redirect: %d %v %q", part.StatusCode, part.Header, part.body)
			}
			whole := followRedirect(t, admin.do("GET", "/api/v1/videos/"+id+"/media?download=1", nil), endpoint, "")
			if whole.StatusCode != 200 || !bytes.Equal(whole.body, video) || !strings.HasPrefix(whole.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("download through the redirect: %d %v", whole.StatusCode, whole.Header)
			}
			// HEAD and conditional requests, and stills, are answered here.
			if head := admin.do("HEAD", media, nil).want(t, 200); head.header.Get("Content-Length") != fmt.Sprint(len(video)) {
				t.Fatalf("HEAD: %v", head.header)
			}
			admin.do("GET", media, nil, "If-None-Match", admin.do("HEAD", media, nil).want(t, 200).header.Get("ETag")).want(t, 304)
			admin.do("GET", v["poster_url"].(string), nil).want(t, 200)
			// No access, no redirect.
			stranger, _ := s.member(t, admin, ws, "stranger@acme.com", "creator")
			if r := stranger.do("GET", media, nil, "Range", "bytes=0-9").want(t, 404, "not_found"); r.header.Get("Location") != "" {
				t.Fatalf("a stranger was redirected: %v", r.header)
			}

			// The public page: a password first, then unpublished.
			admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]string{"publishing": "allowed"}).want(t, 200)
			slug := admin.do("POST", "/api/v1/videos/"+id+"/publish", nil).want(t, 200).json(t)["slug"].(string)
			anon := s.client(t)
			public := "/v/" + slug + "/media"
			if r := followRedirect(t, anon.do("GET", public, nil, "Range", "bytes=1000-1999"), endpoint, "bytes=1000-1999"); !bytes.Equal(r.body, video[1000:2000]) ||
				r.Header.Get("Cache-Control") != "no-cache" {
				t.Fatalf("public range: %d %v", r.StatusCode, r.Header)
			}
			if i == 0 {
				playsFromTheBucket(t, s.url+"/v/"+slug, endpoint)
			}
			admin.do("PUT", "/api/v1/videos/"+id+"/password", map[string]string{"password": "open sesame"}).want(t, 204)
			if r := anon.do("GET", public, nil, "Range", "bytes=0-9"); r.status == http.StatusTemporaryRedirect {
				t.Fatal("a locked page's media was redirected")
			}
			anon.do("POST", "/v/"+slug+"/unlock", url.Values{"password": {"open sesame"}}).want(t, 303)
			if r := followRedirect(t, anon.do("GET", public, nil, "Range", "bytes=0-9"), endpoint, "bytes=0-9"); !bytes.Equal(r.body, video[:10]) ||
				r.Header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("unlocked: %d %v", r.StatusCode, r.Header)
			}
			admin.do("DELETE", "/api/v1/videos/"+id+"/publish", nil).want(t, 204)
			anon.do("GET", public, nil, "Range", "bytes=0-9").want(t, 404)
		})
	}
}

// redirected is the bucket's answer to a signed URL.
type redirected struct {
	*http.Response
	body []byte
}

// followRedirect checks that r is a redirect to the bucket at endpoint that
// is never kept, and fetches it with the Range header rg (none when empty).
func followRedirect(t *testing.T, r response, endpoint, rg string) redirected {
	t.Helper()
	r.want(t, http.StatusTemporaryRedirect)
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, endpoint+"/") || !strings.Contains(loc, "X-Amz-Signature=") ||
		r.header.Get("Cache-Control") != "no-store" || r.header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("redirect: %v", r.header)
	}
	req, err := http.NewRequest(http.MethodGet, loc, nil)
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
	return redirected{res, body}
}

// playsFromTheBucket opens the public page in a real browser, which may
// play media from the bucket's origin (the page's policy names it) and
// plays the video.
func playsFromTheBucket(t *testing.T, page, endpoint string) {
	t.Helper()
	p := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, testkit.Browser(t))}
	p.do(chromedp.Navigate(page))
	csp, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`fetch(location.href).then(r => r.headers.get("Content-Security-Policy"))`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(csp, "media-src 'self' "+endpoint) {
		t.Fatalf("the page's policy: %q %v", csp, err)
	}
	p.eval(`(() => { const v = document.querySelector("video"); v.muted = true; v.play(); return true; })()`)
	p.waitWithin(20*time.Second, "the video plays from the bucket", `document.querySelector("video").currentTime > 0.3`)
}
