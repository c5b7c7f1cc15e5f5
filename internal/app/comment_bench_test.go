package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/store"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// BenchmarkListComments lists every comment of a video with 1,000 of
// them (900 threads, 100 replies), page after page as the API (50 threads
// a page) and the item page (200) ask for them, and reports the median
// full listing as p50_ms.
func BenchmarkListComments(b *testing.B) {
	for _, engine := range testkit.Engines(b) {
		e := newEnvWith(b, engine, app.Config{})
		ctx := context.Background()
		owner := e.user(b, "owner@acme.test")
		w, err := e.app.CreateWorkspace(ctx, owner, "Acme", client)
		if err != nil {
			b.Fatal(err)
		}
		v := e.video(b, owner, w.ID, "Launch")
		rng := rand.New(rand.NewPCG(1, 2))
		err = e.db.Tx(ctx, func(tx *store.Tx) error {
			var tops []string
			for i := range 1000 {
				c := troupe.Comment{ID: fmt.Sprintf("c%05d", i), ItemID: v.ID, AuthorID: owner.ID, Body: fmt.Sprintf("Comment %d about this take", i),
					CreatedAt: time.UnixMilli(int64(1_700_000_000_000 + i))}
				if i%10 == 9 {
					c.ParentID = tops[rng.IntN(len(tops))]
				} else {
					at := rng.Int64N(120_000)
					c.PositionMS = &at
					tops = append(tops, c.ID)
				}
				if err := tx.InsertComment(ctx, c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		// 0 is the API's default page.
		for _, size := range []int{0, 50} {
			name := fmt.Sprintf("%s/page=%d", engine.Name, size)
			if size == 0 {
				name = engine.Name + "/default-page"
			}
			b.Run(name, func(b *testing.B) {
				var times []time.Duration
				for b.Loop() {
					start := time.Now()
					n, cursor := 0, ""
					for {
						l, err := e.app.ListComments(ctx, owner, v.ID, troupe.CommentFilter{Limit: size, Cursor: cursor})
						if err != nil {
							b.Fatal(err)
						}
						n += len(l.Comments)
						if cursor = l.Next; cursor == "" {
							break
						}
					}
					if n != 1000 {
						b.Fatalf("listed %d comments", n)
					}
					times = append(times, time.Since(start))
				}
				slices.Sort(times)
				b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50_ms")
			})
		}
	}
}
