package app_test

import (
	"context"
	"strings"
	"testing"

	"troupe/internal/troupe"
)

// When the database fails while the join gate looks up memberships, the
// acceptance fails as an error: the invitation is not declared void (as
// if its inviter had left), and it works once the database is back.
func TestJoinGateTakesNoFailureForAnAbsence(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.user(t, "admin@gate.io")
		w, _ := e.app.CreateWorkspace(ctx, admin, "Gate", client)
		tok := e.invite(t, admin, w.ID, "guest@gate.io", troupe.RoleCreator)
		guest := e.user(t, "guest@gate.io")

		rename := func(from, to string) {
			t.Helper()
			if _, err := e.db.Writer().ExecContext(ctx, "ALTER TABLE "+from+" RENAME TO "+to); err != nil {
				t.Fatal(err)
			}
		}
		// The users table goes away: the invitation and the workspace
		// still read, every membership lookup (which reads the member's
		// account) fails.
		rename("users", "users_away")
		_, err := e.app.AcceptInvitation(ctx, guest, tok, client)
		rename("users_away", "users")
		if err == nil || troupe.ErrorCode(err) != troupe.CodeInternal || !strings.Contains(err.Error(), "users") {
			t.Fatalf("with the users table gone: %v (code %s)", err, troupe.ErrorCode(err))
		}

		got, err := e.app.AcceptInvitation(ctx, guest, tok, client)
		if err != nil || got.Role != troupe.RoleCreator {
			t.Fatalf("once the database is back: %+v %v", got, err)
		}
	})
}
