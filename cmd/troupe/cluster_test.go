package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"troupe/internal/testkit"
)

// roundRobin is a reverse proxy that sends each request to the next
// instance in turn, as a load balancer without sticky sessions does, and
// says who the client is in X-Forwarded-For.
type roundRobin struct {
	backends []*url.URL
	next     atomic.Int64
	served   []atomic.Int64 // requests per instance
}

func (rr *roundRobin) handler() http.Handler {
	return &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		i := int(rr.next.Add(1)-1) % len(rr.backends)
		rr.served[i].Add(1)
		r.SetURL(rr.backends[i])
		r.SetXForwarded()
	}}
}

// cluster is several `troupe serve` processes on one PostgreSQL database
// and one S3 bucket, behind a round-robin proxy they trust.
type cluster struct {
	*testServer
	instances []*serveProcess
	rr        *roundRobin
	bucket    testkit.S3Bucket
}

func startCluster(t *testing.T, bin string, n int, dbURL string) *cluster {
	box := testkit.StartSMTP(t)
	rr := &roundRobin{served: make([]atomic.Int64, n)}
	front := httptest.NewServer(rr.handler())
	t.Cleanup(front.Close)
	dnsServer := testkit.StartDNS(t)
	c := &cluster{rr: rr, testServer: &testServer{url: front.URL, mail: box, spread: true, dns: dnsServer}, bucket: testkit.NewS3Bucket(t)}
	for range n {
		p := newServeProcess(t, bin, "-data-dir", t.TempDir(), "-database-url", dbURL, "-smtp-url", box.URL(),
			"-blob-url", c.bucket.URL, "-trusted-proxies", "127.0.0.1/32", "-base-url", front.URL, "-dns-resolver", dnsServer.Addr)
		p.env = []string{"AWS_ACCESS_KEY_ID=" + c.bucket.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + c.bucket.SecretAccessKey}
		p.start()
		u, _ := url.Parse(p.base)
		rr.backends = append(rr.backends, u)
		c.instances = append(c.instances, p)
	}
	return c
}

// Three instances behind a round-robin proxy behave as one: the whole
// journey of a team, with consecutive requests on different instances.
func TestClusterJourney(t *testing.T) {
	bin := buildTroupe(t)
	video := testkit.VideoBytes(t, 3)
	c := startCluster(t, bin, 3, testkit.PostgresURL(t))

	// Sign-up, verification, a workspace, invitations and their acceptance.
	admin, _ := c.signedIn(t, "admin@cluster.test")
	ws := idOf(t, admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Cluster"}).want(t, 201))
	wsPath := "/api/v1/workspaces/" + ws
	creator, _ := c.member(t, admin, ws, "creator@cluster.test", "creator")
	viewer, viewerID := c.member(t, admin, ws, "viewer@cluster.test", "viewer")

	// The invite link.
	link := admin.do("PUT", wsPath+"/invite-link", map[string]any{"role": "viewer"}).want(t, 200).json(t)
	ann, _ := c.signedIn(t, "ann@elsewhere.test")
	if res := ann.do("POST", "/api/v1/join/"+link["token"].(string), nil).want(t, 200).json(t); res["result"] != "joined" {
		t.Fatalf("join by link: %v", res)
	}

	// A join request and its approval.
	admin.do("PATCH", wsPath, map[string]any{"domains": []string{"cluster.test"}, "join_policy": "request"}).want(t, 200)
	c.verifyDomain(t, admin, ws, "cluster.test")
	bob, _ := c.signedIn(t, "bob@cluster.test")
	if res := bob.do("POST", wsPath+"/join", nil).want(t, 200).json(t); res["result"] != "requested" {
		t.Fatalf("join request: %v", res)
	}
	reqs := admin.do("GET", wsPath+"/join-requests", nil).want(t, 200).json(t)["items"].([]any)
	admin.do("POST", wsPath+"/join-requests/"+reqs[0].(map[string]any)["id"].(string)+"/approve", map[string]string{"role": "viewer"}).want(t, 204)
	bob.do("GET", wsPath, nil).want(t, 200)

	// A folder shared with the viewer, a video uploaded into it.
	folder := idOf(t, creator.do("POST", wsPath+"/folders", map[string]any{"name": "Launch"}).want(t, 201))
	creator.do("PUT", "/api/v1/items/"+folder+"/sharing", map[string]any{"general_access": "restricted",
		"shares": []map[string]string{{"user_id": viewerID, "level": "view"}}}).want(t, 200)
	id := idOf(t, creator.upload(ws, "videos", map[string]string{"name": "Teaser", "parent_id": folder}, "teaser.mp4", bytes.NewReader(video)).want(t, 201))
	v := "/api/v1/videos/" + id
	if keys := c.bucket.Keys(t); !slices.Contains(keys, "media/"+id) {
		t.Fatalf("the upload is not in the bucket: %v", keys)
	}
	for range 3 { // on every instance
		viewer.do("GET", "/api/v1/items/"+id, nil).want(t, 200)
		if res := viewer.do("GET", v+"/media", nil, "Range", "bytes=0-99"); res.status != http.StatusPartialContent || len(res.body) != 100 {
			t.Fatalf("media through the proxy: %d, %d bytes", res.status, len(res.body))
		}
	}
	bob.do("GET", "/api/v1/items/"+id, nil).want(t, 404)

	// Captions, publishing, a password and an unlock.
	creator.do("PUT", v+"/captions/en", "1\n00:00:00,500 --> 00:00:01,800\nHello\n", "Content-Type", "application/x-subrip").want(t, 200)
	for range 3 {
		if vtt := viewer.do("GET", v+"/captions/en.vtt", nil).want(t, 200); !strings.Contains(string(vtt.body), "Hello") {
			t.Fatalf("captions: %s", vtt.body)
		}
	}
	admin.do("PATCH", wsPath, map[string]string{"publishing": "allowed"}).want(t, 200)
	slug := creator.do("POST", v+"/publish", nil).want(t, 200).json(t)["slug"].(string)
	anon := c.client(t)
	for range 3 {
		anon.do("GET", "/v/"+slug, nil).want(t, 200)
		anon.do("GET", "/v/"+slug+"/media", nil, "Range", "bytes=0-9").want(t, 206)
	}
	creator.do("PUT", v+"/password", map[string]string{"password": "open sesame"}).want(t, 204)
	// Other instances learn of the password within their cache bound
	// (a second); a loaded machine may delay the notice a little more.
	for range 3 {
		deadline := time.Now().Add(3 * time.Second)
		for anon.do("GET", "/v/"+slug+"/media", nil, "Range", "bytes=0-9").status != 401 {
			if time.Now().After(deadline) {
				t.Fatal("an instance still serves the media 3 s after a password was set")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	anon.do("POST", "/v/"+slug+"/unlock", url.Values{"password": {"open sesame"}}).want(t, 303)
	for range 3 {
		anon.do("GET", "/v/"+slug+"/media", nil, "Range", "bytes=0-9").want(t, 206)
	}

	// Wrong guesses from one address are counted once, whichever instance
	// hashes them: five are allowed, the sixth is refused.
	guesser := c.client(t)
	for i := range 5 {
		guesser.do("POST", "/v/"+slug+"/unlock", url.Values{"password": {fmt.Sprintf("guess %d", i)}}).want(t, 401)
	}
	if r := guesser.do("POST", "/v/"+slug+"/unlock", url.Values{"password": {"guess 5"}}).want(t, 429); r.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	c.client(t).do("POST", "/v/"+slug+"/unlock", url.Values{"password": {"wrong again"}}).want(t, 401) // another visitor

	// Unpublishing: 404 on every instance within a second.
	creator.do("DELETE", v+"/publish", nil).want(t, 204)
	done := time.Now()
	for _, p := range c.instances {
		direct := &apiClient{t: t, base: p.base, http: anon.http}
		for {
			res := direct.do("GET", "/v/"+slug+"/media", nil, "Range", "bytes=0-9")
			if res.status == http.StatusNotFound {
				break
			}
			if time.Since(done) > time.Second {
				t.Fatalf("%s still serves the unpublished video %s after the unpublish (%d)", p.base, time.Since(done), res.status)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	// 50 invitations accepted at once across the instances for 5 free
	// seats: exactly 5 join.
	used := int(admin.do("GET", wsPath+"/subscription", nil).want(t, 200).json(t)["seats_used"].(float64))
	admin.do("PUT", wsPath+"/subscription", map[string]any{"plan": "Team", "seats": used + 5}).want(t, 200)
	var guests []*apiClient
	var tokens []string
	for i := range 50 {
		email := fmt.Sprintf("guest-%d@race.test", i)
		g, _ := c.signedIn(t, email)
		guests = append(guests, g)
		admin.do("POST", wsPath+"/invitations", map[string]any{"emails": []string{email}, "role": "viewer"}).want(t, 200)
		l := c.mail.WaitFor(t, email, 20*time.Second).Link(t, "/invitations/")
		tokens = append(tokens, l[strings.LastIndex(l, "/")+1:])
	}
	var joined, full atomic.Int64
	var wg sync.WaitGroup
	for i, g := range guests {
		wg.Go(func() {
			switch r := g.try("POST", "/api/v1/invitations/"+tokens[i]+"/accept"); r {
			case http.StatusOK:
				joined.Add(1)
			case http.StatusConflict:
				full.Add(1)
			default:
				t.Errorf("accept: %d", r)
			}
		})
	}
	wg.Wait()
	if joined.Load() != 5 || full.Load() != 45 {
		t.Fatalf("50 accepts for 5 seats: %d joined, %d refused", joined.Load(), full.Load())
	}
	if sub := admin.do("GET", wsPath+"/subscription", nil).want(t, 200).json(t); sub["seats_used"] != float64(used+5) {
		t.Fatalf("seats after the race: %v", sub)
	}
	for i := range c.rr.served {
		t.Logf("instance %d served %d requests", i+1, c.rr.served[i].Load())
	}
}
