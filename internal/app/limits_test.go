package app_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// protectedVideo publishes a video of owner's behind a password and
// returns its slug and id.
func (e *env) protectedVideo(t *testing.T, owner troupe.User, ws, name string) (string, string) {
	t.Helper()
	ctx := context.Background()
	v, err := e.app.CreateMedia(ctx, owner, ws, app.NewMedia{Kind: troupe.KindVideo, Name: name, Filename: "clip.mp4",
		File: bytes.NewReader(mp4Head)}, client)
	if err != nil {
		t.Fatal(err)
	}
	slug, err := e.app.Publish(ctx, owner, v.ID, client)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.app.SetVideoPassword(ctx, owner, v.ID, "open sesame", client); err != nil {
		t.Fatal(err)
	}
	return slug, v.ID
}

// from is the test client at address ip.
func from(ip string) app.Client {
	c := client
	c.IP = ip
	return c
}

// nearWindowEnd moves the clock to 3 seconds before a window of length d
// ends.
func (e *env) nearWindowEnd(d time.Duration) {
	e.clock.StartWindow(d)
	e.clock.Advance(d - 4*time.Second)
}

func TestShareGuessLimits(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		allowed := troupe.PermAllowed
		if _, err := e.app.UpdateWorkspace(ctx, tm.admin, tm.ws, app.WorkspaceUpdate{Publishing: &allowed}, client); err != nil {
			t.Fatal(err)
		}
		slug, id := e.protectedVideo(t, tm.admin, tm.ws, "Launch")
		guess := func(ip, pw string) error {
			_, _, err := e.app.Unlock(ctx, slug, pw, from(ip))
			return err
		}

		t.Run("guesses on both sides of a window's boundary share one allowance", func(t *testing.T) {
			e.nearWindowEnd(time.Hour) // an hour's end is also a quarter's
			for range 4 {
				wantCode(t, guess("198.51.100.1", "wrong"), troupe.CodeWrongPassword)
			}
			e.clock.Advance(5 * time.Second)
			wantCode(t, guess("198.51.100.1", "wrong"), troupe.CodeWrongPassword)
			for range 3 {
				err := guess("198.51.100.1", "wrong")
				wantCode(t, err, troupe.CodeRateLimited)
				if fe, _ := troupe.AsError(err); fe.RetryAfter <= 0 || fe.RetryAfter > 30*time.Minute {
					t.Fatalf("Retry-After %v", fe.RetryAfter)
				}
			}
		})

		t.Run("IPv6 clients count by their /64", func(t *testing.T) {
			e.clock.StartWindow(time.Hour)
			for i := range 5 {
				wantCode(t, guess(fmt.Sprintf("2001:db8:a:b::%x", i+1), "wrong"), troupe.CodeWrongPassword)
			}
			wantCode(t, guess("2001:db8:a:b:ffff:1:2:3", "open sesame"), troupe.CodeRateLimited)
			wantCode(t, guess("2001:db8:a:c::1", "wrong"), troupe.CodeWrongPassword)
			// An IPv4 address is the same client written as IPv6.
			for range 5 {
				wantCode(t, guess("::ffff:198.51.100.9", "wrong"), troupe.CodeWrongPassword)
			}
			wantCode(t, guess("198.51.100.9", "open sesame"), troupe.CodeRateLimited)
		})

		t.Run("a right password gives its count back to the window it was counted in", func(t *testing.T) {
			e.nearWindowEnd(time.Hour)
			e.clock.Advance(-90 * time.Second)
			for range 4 {
				wantCode(t, guess("198.51.100.20", "wrong"), troupe.CodeWrongPassword)
			}
			// Each reading of the clock now moves it a minute on: the guess is
			// counted before the boundary and its count given back after it.
			before := e.clock.Now()
			e.clock.Step(time.Minute)
			_, _, err := e.app.Unlock(ctx, slug, "open sesame", from("198.51.100.20"))
			e.clock.Step(0)
			if err != nil {
				t.Fatal(err)
			}
			start := before.Truncate(15 * time.Minute)
			if !e.clock.Now().After(start.Add(15 * time.Minute)) {
				t.Fatal("the unlock did not cross the window's boundary")
			}
			// Guesses are counted per link.
			link, err := e.db.Read().FindDefaultLink(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			key := "video-unlock:198.51.100.20|" + link.ID
			prev, cur, err := e.db.Read().RateLimitHits(ctx, key, start, start.Add(15*time.Minute))
			if err != nil || prev != 4 || cur != 0 {
				t.Fatalf("counts %d before the boundary, %d after, want 4 and 0 (%v)", prev, cur, err)
			}
		})

		t.Run("a crowd of addresses gets 100 guesses an hour per video, and its owner hears of it once", func(t *testing.T) {
			slug, _ := e.protectedVideo(t, tm.admin, tm.ws, "Premiere")
			e.clock.StartWindow(time.Hour)
			pass, _, err := e.app.Unlock(ctx, slug, "open sesame", from("192.0.2.77"))
			if err != nil {
				t.Fatal(err)
			}
			hashed, addr := 0, 0
			var refused error
			for refused == nil {
				addr++
				for range 5 {
					_, _, err := e.app.Unlock(ctx, slug, "wrong", from(fmt.Sprintf("10.1.%d.%d", addr/200, addr%200)))
					if troupe.ErrorCode(err) == troupe.CodeRateLimited {
						refused = err
						break
					}
					wantCode(t, err, troupe.CodeWrongPassword)
					hashed++
				}
			}
			if hashed != 100 {
				t.Fatalf("%d guesses were checked, want 100", hashed)
			}
			if fe, _ := troupe.AsError(refused); fe.RetryAfter <= 0 || fe.RetryAfter > 2*time.Hour {
				t.Fatalf("Retry-After %v", fe.RetryAfter)
			}
			// A fresh address with the right password waits too; the
			// visitor who unlocked it before keeps watching.
			_, _, err = e.app.Unlock(ctx, slug, "open sesame", from("203.0.113.200"))
			wantCode(t, err, troupe.CodeRateLimited)
			if p, err := e.app.PublicVideo(ctx, slug, pass); err != nil || p.Locked {
				t.Fatalf("the unlocked visitor is locked out: %v", err)
			}
			for i := range 20 {
				_, _, err := e.app.Unlock(ctx, slug, "wrong", from(fmt.Sprintf("10.2.0.%d", i)))
				wantCode(t, err, troupe.CodeRateLimited)
			}
			m := e.mail.WaitFor(t, tm.admin.Email, 10*time.Second)
			if !strings.Contains(m.Subject, "Premiere") || !strings.Contains(m.Text, "/items/") {
				t.Fatalf("warning mail: %s\n%s", m.Subject, m.Text)
			}
			notes, _, _, err := e.app.ListNotifications(ctx, tm.admin, "", 50)
			if err != nil {
				t.Fatal(err)
			}
			warned := 0
			for _, n := range notes {
				if n.Kind == app.NoteVideoGuessed {
					warned++
				}
			}
			time.Sleep(300 * time.Millisecond) // a second mail would be queued by now
			if warned != 1 || e.mail.Count(tm.admin.Email) != 1 {
				t.Fatalf("%d warnings in the panel, %d mails, want one of each", warned, e.mail.Count(tm.admin.Email))
			}
		})
	})
}

func TestSignInLimits(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		login := func(email, pw string, c app.Client) error {
			_, _, err := login(e.app, ctx, email, pw, c)
			return err
		}

		t.Run("failures on both sides of a window's boundary share one allowance", func(t *testing.T) {
			e.signup(t, "edge@example.com")
			e.nearWindowEnd(15 * time.Minute)
			for range 6 {
				wantCode(t, login("edge@example.com", "wrong password", from("198.51.100.30")), troupe.CodeInvalidCredentials)
			}
			e.clock.Advance(5 * time.Second)
			for range 4 {
				wantCode(t, login("edge@example.com", "wrong password", from("198.51.100.30")), troupe.CodeInvalidCredentials)
			}
			wantCode(t, login("edge@example.com", "correct horse 1", from("198.51.100.30")), troupe.CodeRateLimited)
		})

		t.Run("nobody can lock an owner out of a browser that signed in before", func(t *testing.T) {
			owner, _ := e.signup(t, "owner@example.com")
			e.clock.StartWindow(15 * time.Minute)
			home := from("192.0.2.50")
			if err := login("owner@example.com", "correct horse 1", home); err != nil {
				t.Fatal(err)
			}
			device, err := e.app.DeviceToken(ctx, owner.ID, home)
			if err != nil || device == "" {
				t.Fatalf("device token %q: %v", device, err)
			}
			home.Device = device
			if again, _ := e.app.DeviceToken(ctx, owner.ID, home); again != device {
				t.Fatal("a known device got a new token")
			}
			// 110 wrong passwords from 11 addresses.
			for a := range 11 {
				for range 10 {
					err := login("owner@example.com", "wrong password", from(fmt.Sprintf("203.0.113.%d", a+1)))
					if code := troupe.ErrorCode(err); code != troupe.CodeInvalidCredentials && code != troupe.CodeRateLimited {
						t.Fatal(err)
					}
				}
			}
			// A stranger's browser is refused even with the right password;
			// the owner's is not, from any address, even a flooding one.
			wantCode(t, login("owner@example.com", "correct horse 1", from("192.0.2.51")), troupe.CodeRateLimited)
			if err := login("owner@example.com", "correct horse 1", home); err != nil {
				t.Fatalf("owner locked out: %v", err)
			}
			roaming := home
			roaming.IP = "203.0.113.1"
			if err := login("owner@example.com", "correct horse 1", roaming); err != nil {
				t.Fatalf("owner locked out away from home: %v", err)
			}
			// A forged or foreign token earns no trust.
			forged := from("192.0.2.51")
			forged.Device = device[:len(device)-2] + "AA"
			wantCode(t, login("owner@example.com", "correct horse 1", forged), troupe.CodeRateLimited)
			other, _ := e.signup(t, "other@example.com")
			otherDevice, _ := e.app.DeviceToken(ctx, other.ID, from("192.0.2.52"))
			foreign := from("192.0.2.52")
			foreign.Device = otherDevice
			wantCode(t, login("owner@example.com", "correct horse 1", foreign), troupe.CodeRateLimited)

			// A stolen device token still cannot guess: the device has a
			// limit of its own.
			for range 10 {
				wantCode(t, login("owner@example.com", "wrong password", home), troupe.CodeInvalidCredentials)
			}
			wantCode(t, login("owner@example.com", "correct horse 1", home), troupe.CodeRateLimited)
		})

		t.Run("a finished password reset lifts the account's limit", func(t *testing.T) {
			e.signup(t, "reset@example.com")
			e.clock.StartWindow(15 * time.Minute)
			for a := range 10 {
				for range 10 {
					login("reset@example.com", "wrong password", from(fmt.Sprintf("203.0.113.%d", 100+a)))
				}
			}
			wantCode(t, login("reset@example.com", "correct horse 1", from("192.0.2.60")), troupe.CodeRateLimited)
			if err := e.app.RequestPasswordReset(ctx, "reset@example.com", from("192.0.2.60")); err != nil {
				t.Fatal(err)
			}
			m := e.mail.WaitFor(t, "reset@example.com", 10*time.Second)
			if err := e.app.ResetPassword(ctx, testkit.TokenOf(t, m.Link(t, "/reset-password")), "a new horse 22", from("192.0.2.60")); err != nil {
				t.Fatal(err)
			}
			if err := login("reset@example.com", "a new horse 22", from("192.0.2.60")); err != nil {
				t.Fatalf("still limited after the reset: %v", err)
			}
			// From an address that failed too: its own count went as well.
			if err := login("reset@example.com", "a new horse 22", from("203.0.113.100")); err != nil {
				t.Fatalf("an address still limited after the reset: %v", err)
			}
		})
	})
}
