package main

import (
	"bytes"
	"net/url"
	"testing"
	"time"

	"troupe/internal/testkit"
)

// TestStalledInstanceStopsServingFromMemoryWithinASecond runs two
// instances on one PostgreSQL database and stalls the listening
// connection of one (a proxy stops forwarding without closing): a video
// unpublished and a session signed out on the other stop working on the
// stalled instance within a second, though it never hears of them; what
// did not change keeps working, read from the database.
func TestStalledInstanceStopsServingFromMemoryWithinASecond(t *testing.T) {
	video := testkit.VideoBytes(t, 3)
	dbURL := testkit.PostgresURL(t)
	proxy := testkit.StartStallingProxy(t, dbURL)
	e := testkit.Engine{Name: "postgres", URL: dbURL}
	media := t.TempDir() // both instances serve the same media folder
	b := startServerWith(t, e, serverOptions{dataDir: media})

	admin, _ := b.signedIn(t, "admin@acme.com")
	ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
	admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]string{"publishing": "allowed"}).want(t, 200)
	id := idOf(t, admin.upload(ws, "videos", map[string]string{"name": "Launch teaser"}, "clip.mp4", bytes.NewReader(video)).want(t, 201))
	slug := admin.do("POST", "/api/v1/videos/"+id+"/publish", nil).want(t, 200).json(t)["slug"].(string)
	// A second browser of the admin's, signed in on b, which signs out
	// there later; its cookie is replayed on a.
	laptop := b.client(t)
	laptop.do("POST", "/api/v1/auth/login", map[string]string{"email": "admin@acme.com", "password": "correct horse 1"}).want(t, 200)

	a := startServerWith(t, e, serverOptions{dataDir: media, listen: proxy.URL})
	onA := func(from *apiClient) *apiClient {
		c := a.client(t)
		bu, _ := url.Parse(b.url)
		au, _ := url.Parse(a.url)
		c.http.Jar.SetCookies(au, from.http.Jar.Cookies(bu))
		return c
	}
	laptopOnA, adminOnA, anon := onA(laptop), onA(admin), a.client(t)
	mediaStatus := func() int { return anon.do("GET", "/v/"+slug+"/media", nil, "Range", "bytes=0-99").status }
	meStatus := func() int { return laptopOnA.do("GET", "/api/v1/me", nil).status }
	// Let a's listener connect and hear its first heartbeats, then fill
	// its caches.
	time.Sleep(500 * time.Millisecond)
	for range 3 {
		if mediaStatus() != 206 || meStatus() != 200 {
			t.Fatal("the published video or the session does not work on the other instance")
		}
	}

	proxy.Stall()
	admin.do("DELETE", "/api/v1/videos/"+id+"/publish", nil).want(t, 204)
	laptop.do("POST", "/api/v1/auth/logout", nil).want(t, 204)
	changed := time.Now()
	// Whether the stalled instance still serves the change at first
	// depends on how long ago it heard its last heartbeat.
	staleMedia, staleSession := mediaStatus() == 206, meStatus() == 200
	until := func(what string, want int, status func() int) time.Duration {
		for status() != want {
			if time.Since(changed) > 5*time.Second {
				t.Fatalf("%s: still served 5s after the change, with the listener stalled", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
		return time.Since(changed)
	}
	unpublished := until("unpublished video", 404, mediaStatus)
	signedOut := until("signed-out session", 401, meStatus)
	t.Logf("stalled instance: the unpublished video's media answered 404 %v after the change (served from memory just after: %v); the signed-out session 401 after %v (%v)",
		unpublished, staleMedia, signedOut, staleSession)
	// The bound is a second; the rest is room for a busy test machine.
	if limit := 1500 * time.Millisecond; unpublished > limit || signedOut > limit {
		t.Fatalf("the stalled instance served the change %v (media) and %v (session) after it; want at most about a second", unpublished, signedOut)
	}
	adminOnA.do("GET", "/api/v1/me", nil).want(t, 200) // read through

	proxy.Resume()
	if mediaStatus() != 404 || meStatus() != 401 {
		t.Fatal("what changed during the stall works again once the listener hears")
	}
}
