package app_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/testkit"
)

// BenchmarkBeacons sends share-page beacons as fast as the workers can on
// SQLite — 20,000 live sessions, each from its own address, each beacon carrying
// its session's growing ranges — while a reader opens the share page
// every 5 ms, and reports beacons per second and the page's p99.
func BenchmarkBeacons(b *testing.B) {
	e := newEnvWith(b, testkit.Engine{Name: "sqlite", URL: filepath.Join(b.TempDir(), "troupe.db")}, app.Config{})
	ctx := context.Background()
	admin := e.user(b, "admin@acme.test")
	w, err := e.app.CreateWorkspace(ctx, admin, "Acme", client)
	if err != nil {
		b.Fatal(err)
	}
	slug, id := e.publishedVideo(b, admin, w.ID, 600_000)
	const sessions = 20_000
	var pageTimes []time.Duration
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			t0 := time.Now()
			if _, err := e.app.PublicVideo(ctx, slug, ""); err != nil {
				b.Error(err)
				return
			}
			pageTimes = append(pageTimes, time.Since(t0))
		}
	}()
	var n atomic.Int64
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			s := i % sessions
			end := 1000 * (1 + i/sessions)
			c := from(fmt.Sprintf("10.%d.%d.%d", s>>16, s>>8&255, s&255))
			err := e.app.RecordBeacon(ctx, slug, "", app.Beacon{Session: fmt.Sprintf("bench-session-%06d", s),
				ViewerID: fmt.Sprintf("bench-viewer-%06d", s), Watched: [][2]int64{{0, end}}}, c)
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	if err := e.app.Close(ctx); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "beacons/s")
	if len(pageTimes) > 0 {
		slices.Sort(pageTimes)
		b.ReportMetric(float64(pageTimes[len(pageTimes)*99/100].Microseconds())/1000, "page-p99-ms")
	}
	if _, err := e.app.VideoAnalytics(ctx, admin, id, app.AnalyticsFilter{}); err != nil {
		b.Fatal(err)
	}
}
