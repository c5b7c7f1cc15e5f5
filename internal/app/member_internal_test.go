package app

import (
	"context"
	"testing"
	"time"

	"troupe/internal/store"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// Only a missing row means "not a member": a failing database is an
// error, so that the join gate never takes a failure for an absence (and
// voids an invitation, or lets a member join twice).
func TestMemberIfAnyTellsFailureFromAbsence(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, e.URL)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			u := troupe.User{ID: "u1", Email: "ada@example.com", Name: "Ada", EmailVerified: true}
			w := troupe.Workspace{ID: "w1", Name: "Studio", Settings: troupe.DefaultSettings, Plan: troupe.DefaultPlan, Seats: 10}
			err = db.Tx(ctx, func(tx *store.Tx) error {
				if err := tx.CreateUser(ctx, store.UserRecord{User: u, PasswordHash: "x"}, now); err != nil {
					return err
				}
				if err := tx.CreateWorkspace(ctx, w, now); err != nil {
					return err
				}
				return tx.AddMember(ctx, w.ID, u.ID, troupe.RoleCreator, now)
			})
			if err != nil {
				t.Fatal(err)
			}

			if m, ok, err := memberIfAny(ctx, db.Read(), w.ID, u.ID); err != nil || !ok || m.Role != troupe.RoleCreator {
				t.Fatalf("member: %+v %t %v", m, ok, err)
			}
			if _, ok, err := memberIfAny(ctx, db.Read(), w.ID, "nobody"); err != nil || ok {
				t.Fatalf("absent: %t %v", ok, err)
			}
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			if _, ok, err := memberIfAny(cancelled, db.Read(), w.ID, u.ID); err == nil || ok || troupe.ErrorCode(err) == troupe.CodeNotFound {
				t.Fatalf("cancelled context: %t %v", ok, err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := memberIfAny(ctx, db.Read(), w.ID, u.ID); err == nil || ok || troupe.ErrorCode(err) == troupe.CodeNotFound {
				t.Fatalf("closed database: %t %v", ok, err)
			}
		})
	}
}
