package troupe

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func FuzzValidateEmail(f *testing.F) {
	for _, s := range []string{"a@example.com", "A <a@b.c>", "a@b", "", "a@@b.c", "\"x y\"@example.com", "a@[127.0.0.1]", "é@ü.fr"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v Validation
		ValidateEmail(&v, "email", s)
		if v.Err() != nil {
			return
		}
		// Whatever is accepted is a bare address with a dotted domain
		// that fits the column.
		at := strings.LastIndexByte(s, '@')
		if at <= 0 || len(s) > MaxEmailLen || !strings.Contains(s[at+1:], ".") || strings.ContainsAny(s, "<>\r\n") {
			t.Fatalf("accepted %q", s)
		}
	})
}

func FuzzWellFormedSecret(f *testing.F) {
	good, _ := NewSecret()
	f.Add(good)
	f.Add("")
	f.Add(strings.Repeat("=", 43))
	f.Fuzz(func(t *testing.T, s string) {
		if WellFormedSecret(s) && (len(s) != 43 || strings.ContainsAny(s, "+/=")) {
			t.Fatalf("accepted %q", s)
		}
	})
}

func TestSecrets(t *testing.T) {
	a, ha := NewSecret()
	b, _ := NewSecret()
	if a == b || !WellFormedSecret(a) || HashSecret(a) != ha || len(ha) != 64 || strings.Contains(ha, a) {
		t.Fatalf("secrets: %q %q %q", a, b, ha)
	}
}

func TestValidation(t *testing.T) {
	cases := []struct {
		name string
		fn   func(*Validation)
		ok   bool
	}{
		{"plain address", func(v *Validation) { ValidateEmail(v, "e", "ada@example.com") }, true},
		{"display name", func(v *Validation) { ValidateEmail(v, "e", "Ada <ada@example.com>") }, false},
		{"no dot", func(v *Validation) { ValidateEmail(v, "e", "ada@localhost") }, false},
		{"too long", func(v *Validation) { ValidateEmail(v, "e", strings.Repeat("a", 250)+"@x.io") }, false},
		{"10-character password", func(v *Validation) { ValidatePassword(v, "p", "abcdefghij") }, true},
		{"9-character password", func(v *Validation) { ValidatePassword(v, "p", "abcdefghi") }, false},
		{"128 accented characters", func(v *Validation) { ValidatePassword(v, "p", strings.Repeat("é", 128)) }, true},
		{"129 characters", func(v *Validation) { ValidatePassword(v, "p", strings.Repeat("a", 129)) }, false},
		{"invalid UTF-8 password", func(v *Validation) { ValidatePassword(v, "p", "abcdefghij\xff") }, false},
		{"name", func(v *Validation) { ValidateName(v, "n", "Zoé Martin") }, true},
		{"name with newline", func(v *Validation) { ValidateName(v, "n", "Zoé\nMartin") }, false},
	}
	for _, c := range cases {
		var v Validation
		c.fn(&v)
		if (v.Err() == nil) != c.ok {
			t.Errorf("%s: got %v", c.name, v.Err())
		}
	}
	if ErrorCode(nil) != CodeInternal || ErrorCode(Errorf(CodeNotFound, "x")) != CodeNotFound {
		t.Error("ErrorCode")
	}
}

// Item names from outside: an accepted name is valid text within the
// limit and holds no control character.
func FuzzItemName(f *testing.F) {
	for _, s := range []string{"Q3 Launch", "", "a\tb", "é", strings.Repeat("x", 201), "\x00", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		var v Validation
		ValidateItemName(&v, "name", name)
		if v.Err() != nil {
			return
		}
		if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxItemName || strings.ContainsFunc(name, unicode.IsControl) {
			t.Fatalf("accepted %q", name)
		}
	})
}
