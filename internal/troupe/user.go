package troupe

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on account fields.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 128
	MaxNameLen     = 100
	MaxEmailLen    = 254
)

// DefaultLocale is the language used when nothing else matches.
const DefaultLocale = "en"

// Locales are the languages the product speaks, the default first: each
// has a message catalog (internal/i18n) and a place in the language menus.
// A user's empty locale means "follow the browser".
var Locales = []string{DefaultLocale, "fr"}

// User is a person with an account.
type User struct {
	ID            string
	Email         string
	Name          string
	EmailVerified bool
	Locale        string
	Discoverable  bool
	// CommentMail is when the user wants mail about comments: one of
	// CommentMailNone, CommentMailMentions (the default) or CommentMailAll.
	CommentMail string
	CreatedAt   time.Time
	// TwoFactor says whether the account signs in with a second factor.
	TwoFactor bool
	// TokenWorkspace is set when the user acts through an API token: the
	// token's workspace, the only one the request may touch; TokenScope is
	// then what the token may do.
	TokenWorkspace string
	TokenScope     TokenScope
}

// NormalizeEmail trims an address and lower-cases it, which is how
// addresses are compared everywhere (case-insensitively).
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// ValidateEmail checks that s is a plain address (no display name) with a
// domain that has at least one dot.
func ValidateEmail(v *Validation, field, s string) {
	switch {
	case s == "":
		v.Add(field, "required", "Enter an email address.")
		return
	case len(s) > MaxEmailLen:
		v.Add(field, "too_long", "This email address is too long.")
		return
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		v.Add(field, "invalid_email", "Enter a valid email address, like name@example.com.")
		return
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		v.Add(field, "invalid_email", "Enter a valid email address, like name@example.com.")
	}
}

// ValidatePassword checks the length rules of a new password.
func ValidatePassword(v *Validation, field, s string) {
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		v.Add(field, "invalid", "The password contains invalid characters.")
	case n < MinPasswordLen:
		v.Add(field, "too_short", "Use at least 10 characters.")
	case n > MaxPasswordLen || len(s) > 4*MaxPasswordLen:
		v.Add(field, "too_long", "Use at most 128 characters.")
	}
}

// ValidateName checks a display name: present, not too long, printable.
func ValidateName(v *Validation, field, s string) {
	switch {
	case strings.TrimSpace(s) == "":
		v.Add(field, "required", "Enter a name.")
	case !utf8.ValidString(s):
		v.Add(field, "invalid", "The name contains invalid characters.")
	case utf8.RuneCountInString(s) > MaxNameLen:
		v.Add(field, "too_long", "Use at most 100 characters.")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.Add(field, "invalid", "The name contains invalid characters.")
	}
}

// ValidLocale reports whether l is a supported locale or empty.
func ValidLocale(l string) bool {
	if l == "" {
		return true
	}
	return slices.Contains(Locales, l)
}
