package mail

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"troupe/internal/i18n"
	"troupe/internal/troupe"
)

func renderer(t *testing.T) *Renderer {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRenderer(cat, "https://troupe.example")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRenderEveryKindInEveryLanguage(t *testing.T) {
	r := renderer(t)
	for _, kind := range []string{"verify_email", "password_reset", "signup_existing", "password_changed", "invitation", "invitation_workspace", "invitation_accepted", "item_shared", "role_changed", "seat_limit", "join_request", "request_approved", "request_denied"} {
		for _, lang := range troupe.Locales {
			m, err := r.Render(Email{Kind: kind, To: "a@example.com", Lang: lang, Path: "/x?token=abc", Params: []any{"name", "<Ada>"}})
			if err != nil {
				t.Fatalf("%s/%s: %v", kind, lang, err)
			}
			if m.Subject == "" || strings.Contains(m.Subject, "mail.") {
				t.Errorf("%s/%s: subject %q", kind, lang, m.Subject)
			}
			if !strings.Contains(m.Text, "https://troupe.example/x?token=abc") || !strings.Contains(m.HTML, `href="https://troupe.example/x?token=abc"`) {
				t.Errorf("%s/%s: link missing", kind, lang)
			}
			if strings.Contains(m.HTML, "<Ada>") {
				t.Errorf("%s/%s: a name is not escaped in HTML", kind, lang)
			}
			if !strings.Contains(m.HTML, `<html lang="`+lang+`">`) {
				t.Errorf("%s/%s: HTML not marked with its language", kind, lang)
			}
		}
	}
	if _, err := r.Render(Email{Kind: "nope", Lang: "en"}); err == nil {
		t.Fatal("unknown kind rendered")
	}
}

func TestLogSenderWritesEmlFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail")
	var log strings.Builder
	s, err := NewLogSender("Troupe <no-reply@troupe.example>", dir, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := renderer(t).Render(Email{Kind: "password_reset", To: "a@example.com", Lang: "fr", Path: "/reset-password?token=t"})
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("%d .eml files, want 1", len(files))
	}
	raw, _ := os.ReadFile(files[0])
	for _, want := range []string{"To: <a@example.com>", "multipart/alternative", "text/plain", "text/html"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf(".eml lacks %q", want)
		}
	}
	if !strings.Contains(log.String(), "reset-password?token=t") {
		t.Error("the mail's link is not in the log")
	}
}

func TestSMTPURLs(t *testing.T) {
	for _, bad := range []string{"http://x", "smtp://", "smtp://h:port", "smtp://h?tls=maybe"} {
		if _, err := NewSMTPSender(bad, "a@example.com"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, good := range []string{"smtp://h", "smtp://u:p@h:25?tls=none", "smtps://h", "smtp://h:587?tls=required"} {
		if _, err := NewSMTPSender(good, "a@example.com"); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
}

func TestNamesFromOthersAreCleanedAndShortened(t *testing.T) {
	for in, want := range map[string]string{
		"  Ada   Lovelace ":                "Ada Lovelace",
		"Ada\r\nBcc: x@evil.example":       "Ada Bcc: x@evil.example",
		"evil\u202egnp.exe":                "evilgnp.exe",
		"zero\u200bwidth\x00nul\x1bescape": "zerowidthnulescape",
		strings.Repeat("é", MaxName):       strings.Repeat("é", MaxName),
		strings.Repeat("a", 60):            strings.Repeat("a", MaxName-1) + "…",
		strings.Repeat("ab ", 30):          strings.TrimSpace(strings.Repeat("ab ", 30)[:MaxName-1]) + "…",
	} {
		if got := Name(in); got != want {
			t.Errorf("Name(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEveryValueReachesMailClean(t *testing.T) {
	m, err := renderer(t).Render(Email{Kind: "invitation", To: "a@example.com", Lang: "en", Path: "/x",
		Params: []any{"inviter", "Ada\nVisit\u202eevil", "workspace", "Studio\t\tOne"}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Ada Visitevil invited you to Studio One on Troupe" {
		t.Fatalf("subject %q", m.Subject)
	}
	for _, part := range []string{m.Subject, m.Text, m.HTML} {
		if strings.ContainsAny(part, "\u202e\t") {
			t.Fatalf("a control or formatting character reached the mail: %q", part)
		}
	}
}
