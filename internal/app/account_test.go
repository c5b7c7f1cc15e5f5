package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

func TestSignupAndVerification(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()

		t.Run("sign-up mails a link that verifies the address once", func(t *testing.T) {
			u, token := e.signup(t, "ada@example.com")
			if u.EmailVerified {
				t.Fatal("new account is verified before the link is opened")
			}
			v, err := e.app.VerifyEmail(ctx, token)
			if err != nil || !v.EmailVerified || v.ID != u.ID {
				t.Fatalf("verify: %+v, %v", v, err)
			}
			_, err = e.app.VerifyEmail(ctx, token)
			wantCode(t, err, troupe.CodeTokenInvalid)
		})

		t.Run("the mail is multipart and speaks the request's language", func(t *testing.T) {
			fr := client
			fr.Lang = "fr"
			if _, err := e.app.Signup(ctx, app.SignupInput{Email: "zoe@example.fr", Password: "correct horse 1", Name: "Zoé"}, fr); err != nil {
				t.Fatal(err)
			}
			m := e.mail.WaitFor(t, "zoe@example.fr", 10*time.Second)
			if !strings.Contains(m.Subject, "Vérifiez") || !strings.Contains(m.Text, "Bienvenue sur Troupe !") || strings.Contains(m.Text, "Zoé") || !strings.Contains(m.HTML, "Vérifier mon e-mail") {
				t.Fatalf("French mail expected, got subject %q\n%s", m.Subject, m.Text)
			}
		})

		t.Run("an expired link is refused", func(t *testing.T) {
			_, token := e.signup(t, "late@example.com")
			e.clock.Advance(49 * time.Hour)
			defer e.clock.Advance(-49 * time.Hour)
			_, err := e.app.VerifyEmail(ctx, token)
			wantCode(t, err, troupe.CodeTokenExpired)
		})

		t.Run("a resent link replaces the older one", func(t *testing.T) {
			u, first := e.signup(t, "twice@example.com")
			if err := e.app.ResendVerification(ctx, u, "", client); err != nil {
				t.Fatal(err)
			}
			second := testkit.TokenOf(t, e.mail.WaitFor(t, "twice@example.com", 10*time.Second).Link(t, "/verify-email"))
			_, err := e.app.VerifyEmail(ctx, first)
			wantCode(t, err, troupe.CodeTokenInvalid)
			if _, err := e.app.VerifyEmail(ctx, second); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("malformed and unknown tokens are refused", func(t *testing.T) {
			for _, tok := range []string{"", "short", strings.Repeat("A", 43), strings.Repeat("é", 43)} {
				_, err := e.app.VerifyEmail(ctx, tok)
				wantCode(t, err, troupe.CodeTokenInvalid)
			}
		})

		t.Run("sign-up signs the new account in at once, unverified", func(t *testing.T) {
			res, err := e.app.Signup(ctx, app.SignupInput{Email: "now@example.com", Password: "correct horse 1", Name: "Now"}, client)
			if err != nil || res.Session == "" || res.User.ID == "" {
				t.Fatalf("sign-up: %+v, %v", res, err)
			}
			u, err := e.app.Authenticate(ctx, res.Session)
			if err != nil || u.ID != res.User.ID || u.EmailVerified {
				t.Fatalf("session of the new account: %+v, %v", u, err)
			}
		})

		t.Run("sign-up with a taken address signs nobody in and mails the owner", func(t *testing.T) {
			e.signup(t, "owner@example.com")
			got, err := e.app.Signup(ctx, app.SignupInput{Email: "OWNER@example.com", Password: "another pass 2", Name: "Mallory"}, client)
			if err != nil {
				t.Fatalf("second sign-up failed: %v", err)
			}
			if got.Session != "" || got.User.ID != "" || got.User.Email != "OWNER@example.com" {
				t.Fatalf("answer to a taken address: %+v", got)
			}
			m := e.mail.WaitFor(t, "owner@example.com", 10*time.Second)
			if !strings.Contains(m.Subject, "tried to create") {
				t.Fatalf("owner got %q, want the 'someone tried' notice", m.Subject)
			}
			// The original password still works; the intruder's does not.
			if _, _, err := login(e.app, ctx, "owner@example.com", "another pass 2", client); troupe.ErrorCode(err) != troupe.CodeInvalidCredentials {
				t.Fatalf("intruder's password: %v", err)
			}
		})

		t.Run("bad input is refused field by field and stores nothing", func(t *testing.T) {
			cases := []struct {
				name  string
				in    app.SignupInput
				field string
			}{
				{"invalid email", app.SignupInput{Email: "not-an-email", Password: "correct horse 1", Name: "X"}, "email"},
				{"email with display name", app.SignupInput{Email: "X <x@example.com>", Password: "correct horse 1", Name: "X"}, "email"},
				{"email without dot in domain", app.SignupInput{Email: "x@localhost", Password: "correct horse 1", Name: "X"}, "email"},
				{"weak password", app.SignupInput{Email: "x1@example.com", Password: "short", Name: "X"}, "password"},
				{"over-long password", app.SignupInput{Email: "x2@example.com", Password: strings.Repeat("p", 129), Name: "X"}, "password"},
				{"empty name", app.SignupInput{Email: "x3@example.com", Password: "correct horse 1", Name: "  "}, "name"},
				{"name with control characters", app.SignupInput{Email: "x4@example.com", Password: "correct horse 1", Name: "a\x00b"}, "name"},
				{"over-long name", app.SignupInput{Email: "x5@example.com", Password: "correct horse 1", Name: strings.Repeat("n", 101)}, "name"},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					_, err := e.app.Signup(ctx, c.in, client)
					wantCode(t, err, troupe.CodeValidation)
					fe, _ := troupe.AsError(err)
					if len(fe.Fields) != 1 || fe.Fields[0].Field != c.field {
						t.Fatalf("field errors %+v, want one on %q", fe.Fields, c.field)
					}
					if _, err := e.db.Read().FindUserByEmail(ctx, c.in.Email); troupe.ErrorCode(err) != troupe.CodeNotFound {
						t.Fatalf("a user was stored: %v", err)
					}
				})
			}
		})
	})
}

func TestLoginAndSessions(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.signup(t, "grace@example.com")

		t.Run("right password opens a session; sign-out ends it", func(t *testing.T) {
			u, secret, err := login(e.app, ctx, " Grace@Example.com ", "correct horse 1", client)
			if err != nil || u.Email != "grace@example.com" {
				t.Fatalf("login: %+v %v", u, err)
			}
			got, err := e.app.Authenticate(ctx, secret)
			if err != nil || got.ID != u.ID {
				t.Fatalf("authenticate: %v", err)
			}
			if err := e.app.Logout(ctx, secret); err != nil {
				t.Fatal(err)
			}
			_, err = e.app.Authenticate(ctx, secret)
			wantCode(t, err, troupe.CodeUnauthenticated)
		})

		t.Run("every sign-in gets a new session id", func(t *testing.T) {
			_, a, _ := login(e.app, ctx, "grace@example.com", "correct horse 1", client)
			_, b, _ := login(e.app, ctx, "grace@example.com", "correct horse 1", client)
			if a == "" || a == b {
				t.Fatal("session secrets repeat")
			}
		})

		t.Run("wrong password and unknown account answer alike", func(t *testing.T) {
			_, _, err1 := login(e.app, ctx, "grace@example.com", "wrong password", client)
			_, _, err2 := login(e.app, ctx, "nobody@example.com", "wrong password", client)
			wantCode(t, err1, troupe.CodeInvalidCredentials)
			wantCode(t, err2, troupe.CodeInvalidCredentials)
			if troupe.ErrorMessage(err1) != troupe.ErrorMessage(err2) {
				t.Fatal("messages differ between unknown account and wrong password")
			}
		})

		t.Run("tampered and expired sessions are refused", func(t *testing.T) {
			_, secret, _ := login(e.app, ctx, "grace@example.com", "correct horse 1", client)
			tampered := secret[:42] + string("AB"[0]^secret[42]&1)
			for _, s := range []string{"", "garbage", tampered} {
				_, err := e.app.Authenticate(ctx, s)
				wantCode(t, err, troupe.CodeUnauthenticated)
			}
			e.clock.Advance(31 * 24 * time.Hour)
			defer e.clock.Advance(-31 * 24 * time.Hour)
			_, err := e.app.Authenticate(ctx, secret)
			wantCode(t, err, troupe.CodeUnauthenticated)
		})

		t.Run("failed sign-ins are limited per account and address, even for the right password", func(t *testing.T) {
			e.signup(t, "target@example.com")
			e.clock.StartWindow(15 * time.Minute)
			attacker := client
			attacker.IP = "198.51.100.7"
			for range 10 {
				_, _, err := login(e.app, ctx, "target@example.com", "wrong password", attacker)
				wantCode(t, err, troupe.CodeInvalidCredentials)
			}
			_, _, err := login(e.app, ctx, "target@example.com", "correct horse 1", attacker)
			wantCode(t, err, troupe.CodeRateLimited)
			fe, _ := troupe.AsError(err)
			// The failures fade out as the 15-minute span slides past
			// them: one more fits once a tenth of them is out of it.
			if fe.RetryAfter < 16*time.Minute || fe.RetryAfter > 17*time.Minute {
				t.Fatalf("Retry-After %v", fe.RetryAfter)
			}
			// The owner, elsewhere, is not locked out by the stranger.
			if _, _, err := login(e.app, ctx, "target@example.com", "correct horse 1", client); err != nil {
				t.Fatalf("owner locked out: %v", err)
			}
			e.clock.Advance(fe.RetryAfter - 2*time.Second)
			defer e.clock.Advance(-fe.RetryAfter)
			_, _, err = login(e.app, ctx, "target@example.com", "correct horse 1", attacker)
			wantCode(t, err, troupe.CodeRateLimited)
			e.clock.Advance(2 * time.Second)
			if _, _, err := login(e.app, ctx, "target@example.com", "correct horse 1", attacker); err != nil {
				t.Fatalf("after Retry-After: %v", err)
			}
		})

		t.Run("an account under attack from many addresses is locked", func(t *testing.T) {
			e.signup(t, "popular@example.com")
			e.clock.StartWindow(15 * time.Minute)
			c := client
			for i := range 100 {
				c.IP = fmt.Sprintf("198.18.%d.%d", i/250, i%250)
				_, _, err := login(e.app, ctx, "popular@example.com", "wrong password", c)
				wantCode(t, err, troupe.CodeInvalidCredentials)
			}
			_, _, err := login(e.app, ctx, "popular@example.com", "correct horse 1", client)
			wantCode(t, err, troupe.CodeRateLimited)
		})

		t.Run("sign-in attempts are limited per client address", func(t *testing.T) {
			e.clock.StartWindow(15 * time.Minute)
			c := client
			c.IP = "203.0.113.9"
			var err error
			for i := range 51 {
				_, _, err = login(e.app, ctx, "spray"+string(rune('a'+i%26))+string(rune('a'+i/26))+"@example.com", "wrong password", c)
			}
			wantCode(t, err, troupe.CodeRateLimited)
		})
	})
}

func TestPasswordReset(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.signup(t, "lin@example.com")
		_, oldSession, err := login(e.app, ctx, "lin@example.com", "correct horse 1", client)
		if err != nil {
			t.Fatal(err)
		}

		t.Run("an unknown address answers alike and gets no mail", func(t *testing.T) {
			if err := e.app.RequestPasswordReset(ctx, "ghost@example.com", client); err != nil {
				t.Fatalf("unknown address: %v", err)
			}
		})

		var token string
		t.Run("a known address gets a link", func(t *testing.T) {
			if err := e.app.RequestPasswordReset(ctx, "LIN@example.com", client); err != nil {
				t.Fatal(err)
			}
			token = testkit.TokenOf(t, e.mail.WaitFor(t, "lin@example.com", 10*time.Second).Link(t, "/reset-password"))
			if n := e.mail.Count("ghost@example.com"); n != 0 {
				t.Fatalf("%d mails went to an address without an account", n)
			}
		})

		t.Run("a weak new password is refused and the link still works", func(t *testing.T) {
			wantCode(t, e.app.ResetPassword(ctx, token, "short", client), troupe.CodeValidation)
		})

		t.Run("the link sets the password once and ends every session", func(t *testing.T) {
			if err := e.app.ResetPassword(ctx, token, "brand new pass 3", client); err != nil {
				t.Fatal(err)
			}
			_, err := e.app.Authenticate(ctx, oldSession)
			wantCode(t, err, troupe.CodeUnauthenticated)
			if _, _, err := login(e.app, ctx, "lin@example.com", "brand new pass 3", client); err != nil {
				t.Fatalf("new password: %v", err)
			}
			_, _, err = login(e.app, ctx, "lin@example.com", "correct horse 1", client)
			wantCode(t, err, troupe.CodeInvalidCredentials)
			wantCode(t, e.app.ResetPassword(ctx, token, "another pass 44", client), troupe.CodeTokenInvalid)
			// The owner is told about the change.
			m := e.mail.WaitFor(t, "lin@example.com", 10*time.Second)
			if !strings.Contains(m.Subject, "password was changed") {
				t.Fatalf("got %q, want the change notice", m.Subject)
			}
		})

		t.Run("an expired link is refused", func(t *testing.T) {
			if err := e.app.RequestPasswordReset(ctx, "lin@example.com", client); err != nil {
				t.Fatal(err)
			}
			tok := testkit.TokenOf(t, e.mail.WaitFor(t, "lin@example.com", 10*time.Second).Link(t, "/reset-password"))
			e.clock.Advance(61 * time.Minute)
			defer e.clock.Advance(-61 * time.Minute)
			wantCode(t, e.app.ResetPassword(ctx, tok, "yet another 55", client), troupe.CodeTokenExpired)
		})
	})
}

func TestProfile(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.signup(t, "max@example.com")
		u, other, _ := login(e.app, ctx, "max@example.com", "correct horse 1", client)

		t.Run("name, language and discoverability change", func(t *testing.T) {
			name, locale, disc := "  Max Planck ", "fr", false
			got, _, err := e.app.UpdateProfile(ctx, u, app.ProfileUpdate{Name: &name, Locale: &locale, Discoverable: &disc}, client)
			if err != nil || got.Name != "Max Planck" || got.Locale != "fr" || got.Discoverable {
				t.Fatalf("%+v %v", got, err)
			}
		})

		t.Run("invalid values change nothing", func(t *testing.T) {
			name, locale := "New Name", "de"
			_, _, err := e.app.UpdateProfile(ctx, u, app.ProfileUpdate{Name: &name, Locale: &locale}, client)
			wantCode(t, err, troupe.CodeValidation)
			rec, _ := e.db.Read().FindUserByID(ctx, u.ID)
			if rec.Name != "Max Planck" {
				t.Fatalf("name changed to %q", rec.Name)
			}
		})

		t.Run("a wrong current password changes nothing", func(t *testing.T) {
			cur, next, name := "not my password", "new password 66", "Other"
			_, _, err := e.app.UpdateProfile(ctx, u, app.ProfileUpdate{CurrentPassword: &cur, NewPassword: &next, Name: &name}, client)
			wantCode(t, err, troupe.CodeValidation)
			rec, _ := e.db.Read().FindUserByID(ctx, u.ID)
			if rec.Name != "Max Planck" {
				t.Fatal("the name changed although the password check failed")
			}
		})

		t.Run("a password change ends other sessions and opens a new one", func(t *testing.T) {
			cur, next := "correct horse 1", "new password 66"
			_, secret, err := e.app.UpdateProfile(ctx, u, app.ProfileUpdate{CurrentPassword: &cur, NewPassword: &next}, client)
			if err != nil || secret == "" {
				t.Fatalf("change: %v", err)
			}
			_, err = e.app.Authenticate(ctx, other)
			wantCode(t, err, troupe.CodeUnauthenticated)
			if _, err := e.app.Authenticate(ctx, secret); err != nil {
				t.Fatalf("new session: %v", err)
			}
		})
	})
}

func TestMailIsRetried(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		e.mail.FailNext(1)
		e.signup(t, "retry@example.com") // waits until the second try delivers
	})
}

func TestConcurrentSignupsOfOneAddress(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := client
				c.IP = "192.0.2." + string(rune('1'+i))
				if _, err := e.app.Signup(ctx, app.SignupInput{Email: "race@example.com", Password: "correct horse 1", Name: "R"}, c); err != nil {
					t.Errorf("sign-up %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		if _, err := e.db.Read().FindUserByEmail(ctx, "race@example.com"); err != nil {
			t.Fatal(err)
		}
	})
}

// login signs in with a password alone, as an account without two-factor.
func login(a *app.App, ctx context.Context, email, pass string, c app.Client) (troupe.User, string, error) {
	res, err := a.Login(ctx, email, pass, c)
	return res.User, res.Session, err
}
