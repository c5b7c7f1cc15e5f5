package mail

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxName is how many characters of a name chosen by someone else (a
// person's or a workspace's) a mail shows.
const MaxName = 50

// clean removes what could disguise a value in a mail: control characters
// (line breaks included) and invisible formatting characters such as
// right-to-left overrides; runs of spaces become one space.
func clean(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Name makes a name chosen by someone else fit for a mail: cleaned, and
// cut at MaxName characters with an ellipsis.
func Name(s string) string {
	s = clean(s)
	if utf8.RuneCountInString(s) <= MaxName {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:MaxName-1])) + "…"
}
