package web

import (
	"io/fs"
	"regexp"
	"testing"

	"troupe/internal/i18n"
	"troupe/internal/troupe"
)

// Every message a template asks for exists in the catalogs (which Load
// checks to have the same keys in every language).
func TestTemplatesUseKnownMessages(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`\.T "([a-z_.]+)"|\(field \. "[a-z_]+" "[a-z]+" "([a-z_.]+)" "[a-z-]+"(?: "([a-z_.]+)")?\)`)
	n := 0
	err = fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, _ := fs.ReadFile(templateFS, p)
		for _, m := range key.FindAllStringSubmatch(string(raw), -1) {
			for _, k := range m[1:] {
				if k == "" {
					continue
				}
				n++
				if !cat.Has(k) {
					t.Errorf("%s uses unknown message %q", p, k)
				}
			}
		}
		return nil
	})
	if err != nil || n < 50 {
		t.Fatalf("checked %d keys: %v", n, err)
	}
}

func TestEveryCodeHasAStatus(t *testing.T) {
	for _, c := range []troupe.Code{troupe.CodeInternal, troupe.CodeValidation, troupe.CodeMalformed, troupe.CodeBodyTooLarge,
		troupe.CodeNotFound, troupe.CodeForbidden, troupe.CodeUnauthenticated, troupe.CodeConflict, troupe.CodeRateLimited,
		troupe.CodeInvalidCredentials, troupe.CodeTokenInvalid, troupe.CodeTokenExpired, troupe.CodeUnavailable,
		troupe.CodeSeatLimitReached, troupe.CodeInvitationExpired, troupe.CodeInvitationInvalid, troupe.CodeEmailMismatch,
		troupe.CodeEmailUnverified, troupe.CodeAlreadyMember, troupe.CodeLastSuperAdmin, troupe.CodeLinkInvalid,
		troupe.CodeRequestPending, troupe.CodePublicDomain} {
		if _, ok := statusOf[c]; !ok {
			t.Errorf("%s has no HTTP status", c)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{"/account": "/account", "/w/1/members?status=active": "/w/1/members?status=active",
		"": "/", "https://x": "/", "//x": "/", "/\\x": "/", "account": "/", "/\t/evil.example": "/", "/\n/evil.example": "/",
		"/%09/evil.example": "/%09/evil.example", "javascript:alert(1)": "/", "/ok\x7f": "/"} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
