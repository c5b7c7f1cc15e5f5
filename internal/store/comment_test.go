package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"troupe/internal/store"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// A comment added, changed or deleted through one instance wakes the
// comment streams of that item on every instance (LISTEN/NOTIFY on
// PostgreSQL, at commit in the one process that serves SQLite).
func TestCommentChangesAreHeardOnEveryInstance(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			a := open(t, e)
			b := a
			if e.Name == "postgres" {
				b = open(t, e)
			}
			heard := make(chan string, 16)
			b.WatchComments(func(itemID string) {
				if itemID != "" { // "" comes as the listener connects
					heard <- itemID
				}
			})
			now := time.Now().UTC().Truncate(time.Millisecond)
			err := a.Tx(ctx, func(tx *store.Tx) error {
				return errors.Join(
					tx.CreateUser(ctx, store.UserRecord{User: troupe.User{ID: "u1", Email: "ada@example.com", Name: "Ada"}, PasswordHash: "h"}, now),
					tx.CreateWorkspace(ctx, troupe.Workspace{ID: "w1", Name: "Studio", Settings: troupe.DefaultSettings}, now),
					tx.CreateItem(ctx, troupe.Item{ID: "i1", WorkspaceID: "w1", Kind: troupe.KindDraft, Name: "Script", OwnerID: "u1", CreatedAt: now, UpdatedAt: now}))
			})
			if err != nil {
				t.Fatal(err)
			}
			wait := func(what string, change func(tx *store.Tx, i int) error) {
				t.Helper()
				deadline := time.After(10 * time.Second)
				tick := time.NewTicker(100 * time.Millisecond)
				defer tick.Stop()
				// b's listener may not be up yet: change until it hears.
				for i := 0; ; i++ {
					if err := a.Tx(ctx, func(tx *store.Tx) error { return change(tx, i) }); err != nil {
						t.Fatal(err)
					}
					select {
					case got := <-heard:
						if got != "i1" {
							t.Fatalf("heard of %q, want i1", got)
						}
						return
					case <-deadline:
						t.Fatalf("the other instance never heard of %s", what)
					case <-tick.C:
					}
				}
			}
			wait("a new comment", func(tx *store.Tx, i int) error {
				return tx.InsertComment(ctx, troupe.Comment{ID: fmt.Sprintf("c%d", i), ItemID: "i1", AuthorID: "u1", Body: "hi", CreatedAt: now})
			})
			for len(heard) > 0 {
				<-heard
			}
			body := "changed"
			wait("an edit", func(tx *store.Tx, _ int) error {
				return tx.UpdateComment(ctx, "i1", "c0", store.CommentUpdate{Body: &body}, now)
			})
		})
	}
}
