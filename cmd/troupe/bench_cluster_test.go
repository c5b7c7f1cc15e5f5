package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"troupe/internal/testkit"
)

// BenchmarkCluster runs the share-page and permission-check loads against
// one `troupe serve` process, then against three on the same PostgreSQL
// database and S3 bucket behind a round-robin proxy they trust, on the
// same machine. On
// two cores three instances cannot be faster; what it shows is that the
// cluster loses no request and what the extra hop and instances cost.
func BenchmarkCluster(b *testing.B) {
	bin := buildTroupe(b)
	dbURL := testkit.PostgresURL(b)
	dir := b.TempDir()
	gen, items, users := generateWorkspace(b, bin, dir, dbURL, "-members", "500", "-items", "5000")

	bucket := testkit.NewS3Bucket(b)
	start := func() *serveProcess {
		p := newServeProcess(b, bin, "-data-dir", b.TempDir(), "-database-url", dbURL, "-blob-url", bucket.URL,
			"-trusted-proxies", "127.0.0.1/32", "-log-level", "error")
		p.env = []string{"AWS_ACCESS_KEY_ID=" + bucket.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + bucket.SecretAccessKey}
		p.start()
		return p
	}
	first := start()
	session := login(b, first.base, gen.AdminEmail, gen.Password)
	call := func(method, path string, body any, want int) map[string]any {
		raw, _ := json.Marshal(body)
		req := httptest.NewRequest(method, first.base+path, bytes.NewReader(raw))
		req.RequestURI = ""
		req.Header.Set("Content-Type", "application/json")
		return send(b, req, session, want)
	}
	call("PATCH", "/api/v1/workspaces/"+gen.WorkspaceID, map[string]string{"publishing": "allowed"}, 200)
	const size = 8 << 20
	video := append(append([]byte{}, mp4Head...), make([]byte, size-len(mp4Head))...)
	id := uploadVideo(b, first.base, session, gen.WorkspaceID, "Cluster", video)
	page := "/v/" + call("POST", "/api/v1/videos/"+id+"/publish", nil, 200)["slug"].(string)

	measure := func(b *testing.B, base string) {
		rng := rand.New(rand.NewPCG(1, 2))
		check := func() string {
			return base + fmt.Sprintf("/api/v1/items/%s/permissions?user=%s", items[rng.IntN(len(items))], users[rng.IntN(len(users))])
		}
		// One client, one request at a time: the latency of a check.
		var lat []time.Duration
		client := &fasthttp.Client{}
		req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		for range 400 {
			req.Reset()
			req.SetRequestURI(check())
			req.Header.SetCookie(sessionCookieName, session)
			t := time.Now()
			if err := client.Do(req, res); err != nil || res.StatusCode() != 200 {
				b.Fatalf("permission check: %v %d", err, res.StatusCode())
			}
			lat = append(lat, time.Since(t))
		}
		b.ReportMetric(percentileMS(lat, 0.5), "check-p50-ms")
		// Eight clients: checks per second, every answer a 200.
		var n, failed atomic.Int64
		paths := make([]string, 4000)
		for i := range paths {
			paths[i] = check()
		}
		began := time.Now()
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				c := &fasthttp.Client{}
				req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
				for i := n.Add(1); i <= int64(len(paths)); i = n.Add(1) {
					req.Reset()
					req.SetRequestURI(paths[i-1])
					req.Header.SetCookie(sessionCookieName, session)
					if err := c.Do(req, res); err != nil || res.StatusCode() != 200 {
						failed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		b.ReportMetric(float64(len(paths))/time.Since(began).Seconds(), "checks/s")
		if failed.Load() > 0 {
			b.Errorf("%d of %d checks failed", failed.Load(), len(paths))
		}
		// The share page's media in 256 KiB ranges from 8 clients.
		b.ReportMetric(rangeLoad(b, base+page+"/media", size, 400, false)/(1<<20), "media-MB/s")
	}

	b.Run("one-instance", func(b *testing.B) {
		for b.Loop() {
			measure(b, first.base)
		}
	})
	rr := &roundRobin{served: make([]atomic.Int64, 3)}
	for _, p := range []*serveProcess{first, start(), start()} {
		u, _ := url.Parse(p.base)
		rr.backends = append(rr.backends, u)
	}
	front := httptest.NewServer(rr.handler())
	defer front.Close()
	b.Run("three-behind-a-proxy", func(b *testing.B) {
		for b.Loop() {
			measure(b, front.URL)
		}
	})
}
