package main

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// loadResult is what a load run measured.
type loadResult struct {
	perSecond float64
	latency   []time.Duration
}

// runLoad sends n GET requests for the URLs next returns (worker w asks
// for its i-th) from the given number of concurrent clients over kept-alive
// connections, and fails the benchmark on any answer other than want. The
// load comes from fasthttp's client: on the two cores the server shares
// with it, it takes about half the CPU of net/http's per request, which
// leaves that to the server being measured.
func runLoad(b *testing.B, clients, n int, want int, cookie string, next func(w, i int) string) loadResult {
	client := &fasthttp.Client{MaxConnsPerHost: clients, ReadTimeout: 30 * time.Second}
	var count atomic.Int64
	var mu sync.Mutex
	var failure string
	lat := make([]time.Duration, 0, n)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range clients {
		wg.Go(func() {
			req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(res)
			mine := make([]time.Duration, 0, n/clients+1)
			for i := 0; count.Add(1) <= int64(n); i++ {
				req.Reset()
				req.SetRequestURI(next(w, i))
				if cookie != "" {
					req.Header.SetCookie(sessionCookieName, cookie)
				}
				t := time.Now()
				err := client.Do(req, res)
				mine = append(mine, time.Since(t))
				if err != nil || res.StatusCode() != want {
					mu.Lock()
					failure = req.URI().String() + ": " + res.String()
					if err != nil {
						failure = err.Error()
					}
					mu.Unlock()
					count.Store(int64(n))
					return
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if failure != "" {
		b.Fatalf("load: %s", failure)
	}
	return loadResult{perSecond: float64(n) / elapsed.Seconds(), latency: lat}
}
