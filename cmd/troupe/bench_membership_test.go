package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"troupe/internal/password"
	"troupe/internal/store"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// benchServer starts a server on engine e with a clock the benchmark can
// move (to step past rate-limit windows).
func benchServer(b *testing.B, e testkit.Engine) (*Main, *atomic.Int64) {
	cfg, err := LoadConfig([]string{"-addr", "127.0.0.1:0", "-data-dir", b.TempDir(), "-database-url", e.URL},
		func(string) string { return "" }, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	var offset atomic.Int64
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	m.HashParams = &password.Params{Memory: 1024, Time: 1, Threads: 1}
	m.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	if err := m.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close(context.Background()) })
	return m, &offset
}

// seedWorkspace creates a workspace with members active members (the
// first a Super Admin) and invited pending invitations, straight in the
// store, and returns the workspace id and a session cookie of its admin.
func seedWorkspace(b *testing.B, m *Main, members, invited int) (string, string) {
	ctx := context.Background()
	now := time.Now()
	ws := "bench-ws"
	err := m.db.Tx(ctx, func(tx *store.Tx) error {
		w := troupe.Workspace{ID: ws, Name: "Bench", Settings: troupe.DefaultSettings, Plan: "Team", Seats: members + invited}
		if err := tx.CreateWorkspace(ctx, w, now); err != nil {
			return err
		}
		for i := range members {
			u := store.UserRecord{User: troupe.User{ID: fmt.Sprintf("user-%05d", i), Email: fmt.Sprintf("member%05d@acme.com", i),
				Name: fmt.Sprintf("Member %d", i), EmailVerified: true}, PasswordHash: "x"}
			if err := tx.CreateUser(ctx, u, now); err != nil {
				return err
			}
			role := troupe.RoleCreator
			if i == 0 {
				role = troupe.RoleSuperAdmin
			}
			if err := tx.AddMember(ctx, ws, u.ID, role, now.Add(time.Duration(i)*time.Millisecond)); err != nil {
				return err
			}
		}
		for i := range invited {
			inv := store.InvitationRecord{Invitation: troupe.Invitation{ID: fmt.Sprintf("inv-%05d", i), WorkspaceID: ws,
				Email: fmt.Sprintf("guest%05d@acme.com", i), Role: troupe.RoleViewer, InviterID: "user-00000",
				Status: troupe.InvitationPending, CreatedAt: now, ExpiresAt: now.Add(7 * 24 * time.Hour)}, TokenHash: fmt.Sprintf("hash-%05d", i)}
			if err := tx.CreateInvitation(ctx, inv); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	secret, hash := troupe.NewSecret()
	err = m.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.CreateSession(ctx, store.Session{IDHash: hash, UserID: "user-00000", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(10 * 365 * 24 * time.Hour)})
	})
	if err != nil {
		b.Fatal(err)
	}
	return ws, secret
}

func get(b *testing.B, client *http.Client, url, session string) []byte {
	req, _ := http.NewRequest("GET", url, nil)
	req.AddCookie(&http.Cookie{Name: sessionCookieName, Value: session})
	res, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		b.Fatalf("%s: %d %s", url, res.StatusCode, body)
	}
	return body
}

const sessionCookieName = "troupe_session"

// BenchmarkMembersList pages through 10,000 members and 1,000 pending
// invitations, 50 a page, over HTTP.
func BenchmarkMembersList(b *testing.B) {
	for _, e := range testkit.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			m, _ := benchServer(b, e)
			ws, session := seedWorkspace(b, m, 10_000, 1_000)
			client := &http.Client{}
			base := "http://" + m.Addr() + "/api/v1/workspaces/" + ws + "/members?limit=50"
			var lat []time.Duration
			cursor := ""
			for b.Loop() {
				url := base
				if cursor != "" {
					url += "&cursor=" + cursor
				}
				t0 := time.Now()
				body := get(b, client, url, session)
				lat = append(lat, time.Since(t0))
				cursor = ""
				if i := strings.Index(string(body), `"next_cursor":"`); i >= 0 {
					rest := string(body[i+len(`"next_cursor":"`):])
					cursor = rest[:strings.IndexByte(rest, '"')]
				}
			}
			reportLatency(b, lat)
		})
	}
}

// BenchmarkBulkInvite invites 100 new addresses in one request, mails
// enqueued included.
func BenchmarkBulkInvite(b *testing.B) {
	for _, e := range testkit.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			m, offset := benchServer(b, e)
			ws, session := seedWorkspace(b, m, 1, 0)
			m.db.Tx(context.Background(), func(tx *store.Tx) error {
				seats := 1_000_000
				return tx.UpdateWorkspace(context.Background(), ws, store.WorkspaceUpdate{Seats: &seats}, time.Now())
			})
			client := &http.Client{}
			var lat []time.Duration
			round := 0
			for b.Loop() {
				offset.Add(int64(25 * time.Hour)) // a fresh daily allowance
				emails := make([]string, 100)
				for i := range emails {
					emails[i] = fmt.Sprintf(`"r%d-%d@example.com"`, round, i)
				}
				round++
				body := `{"role":"viewer","emails":[` + strings.Join(emails, ",") + `]}`
				req, _ := http.NewRequest("POST", "http://"+m.Addr()+"/api/v1/workspaces/"+ws+"/invitations", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.AddCookie(&http.Cookie{Name: sessionCookieName, Value: session})
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				out, _ := io.ReadAll(res.Body)
				res.Body.Close()
				lat = append(lat, time.Since(t0))
				if res.StatusCode != 200 || strings.Count(string(out), `"invited"`) != 100 {
					b.Fatalf("%d %s", res.StatusCode, out)
				}
			}
			reportLatency(b, lat)
		})
	}
}

func reportLatency(b *testing.B, lat []time.Duration) {
	b.ReportMetric(percentileMS(lat, 0.5), "p50-ms")
	b.ReportMetric(percentileMS(lat, 0.99), "p99-ms")
}

// percentileMS sorts lat and returns its percentile p in milliseconds.
func percentileMS(lat []time.Duration, p float64) float64 {
	slices.Sort(lat)
	return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
}
