package captions

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// textMode says which markup a cue text line may carry.
type textMode int

const (
	srtText textMode = iota // tags, and &amp; &lt; &gt;
	vttText                 // tags, and the WebVTT character references
)

// textBuilder joins the clean lines of one cue's text. It counts every
// character but stops storing once past MaxCueText, so a huge cue costs
// no more memory than a long one.
type textBuilder struct {
	b     strings.Builder
	runes int // length of the joined text, "\n"s included
	first int // line number of the first raw text line, 0 if none
}

func (t *textBuilder) String() string { return t.b.String() }

// addClean appends a line that cleanLine has already seen.
func (t *textBuilder) addClean(line string) {
	if line == "" {
		return // blank lines inside a cue would end it in a file
	}
	n := utf8.RuneCountInString(line)
	if t.runes > 0 {
		n++ // the "\n" before it
	}
	t.runes += n
	if t.runes > MaxCueText {
		return
	}
	if t.b.Len() > 0 {
		t.b.WriteByte('\n')
	}
	t.b.WriteString(line)
}

// addFileLine appends one raw text line of a file, numbered n: tags go,
// character references are decoded, and the result is cleaned. Control
// characters go first so they cannot hide a tag ("<\x01i>").
func (t *textBuilder) addFileLine(raw string, n int, mode textMode) {
	if t.first == 0 {
		t.first = n
	}
	s := decodeRefs(stripTags(removeControls(raw)), mode)
	// A decoded "&#10;" is a line break.
	for line := range strings.SplitSeq(s, "\n") {
		t.addClean(cleanLine(line))
	}
}

// addPlain appends the text of a cue given directly; it is plain text, so
// only cleaning applies.
func (t *textBuilder) addPlain(s string) {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	for line := range strings.SplitSeq(s, "\n") {
		t.addClean(cleanLine(line))
	}
}

// cleanLine removes control characters (tab excepted), turns "-->" into
// "→" so no text line can pass for a timing line, and trims trailing
// white space. A clean line comes back unchanged, without copying.
func cleanLine(s string) string {
	s = removeControls(s)
	s = strings.ReplaceAll(s, "-->", "→")
	return strings.TrimRightFunc(s, unicode.IsSpace)
}

func isControl(r rune) bool { return r != '\t' && unicode.IsControl(r) }

func removeControls(s string) string {
	i := strings.IndexFunc(s, isControl)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		if !isControl(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// stripTags removes markup from one line: every "<...>" whose inside
// starts with an ASCII letter, a digit (WebVTT timestamps) or '/'. Other
// '<' are text, as is a '<' with no '>' after it on the line.
func stripTags(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	gt := 0 // the first '>' after the current '<', or len(s) if none
	for i := 0; i < len(s); {
		if s[i] == '<' {
			if gt <= i { // stale: look past i; each byte is scanned once
				gt = len(s)
				if j := strings.IndexByte(s[i+1:], '>'); j >= 0 {
					gt = i + 1 + j
				}
			}
			if gt < len(s) && gt > i+1 && isTagStart(s[i+1]) {
				i = gt + 1
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func isTagStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c) || c == '/'
}

// namedRefs are the named character references understood; SRT files get
// only the three that escape markup.
var namedRefs = []struct {
	name string
	r    rune
	srt  bool
}{
	{"&amp;", '&', true},
	{"&lt;", '<', true},
	{"&gt;", '>', true},
	{"&nbsp;", '\u00A0', false},
	{"&lrm;", '\u200E', false},
	{"&rlm;", '\u200F', false},
}

// decodeRefs replaces character references in s; anything else after an
// '&' stays as it is.
func decodeRefs(s string, mode textMode) string {
	i := strings.IndexByte(s, '&')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for ; i >= 0; i = strings.IndexByte(s, '&') {
		b.WriteString(s[:i])
		s = s[i:]
		if r, n := reference(s, mode); n > 0 {
			b.WriteRune(r)
			s = s[n:]
		} else {
			b.WriteByte('&')
			s = s[1:]
		}
	}
	b.WriteString(s)
	return b.String()
}

// reference reads the character reference s starts with, returning the
// character and the reference's length, or n == 0 if s does not start
// with one that mode understands.
func reference(s string, mode textMode) (r rune, n int) {
	for _, ref := range namedRefs {
		if (ref.srt || mode == vttText) && strings.HasPrefix(s, ref.name) {
			return ref.r, len(ref.name)
		}
	}
	if mode != vttText || !strings.HasPrefix(s, "&#") {
		return 0, 0
	}
	digits, base := s[2:], 10
	if digits != "" && (digits[0] == 'x' || digits[0] == 'X') {
		digits, base = digits[1:], 16
	}
	// Look for the ';' among the next few bytes only: scanning the whole
	// line for every "&#" would make a line of them quadratic.
	const maxDigits = 8
	end := strings.IndexByte(digits[:min(len(digits), maxDigits+1)], ';')
	if end <= 0 {
		return 0, 0
	}
	v, err := strconv.ParseUint(digits[:end], base, 32)
	if err != nil {
		return 0, 0
	}
	n = len(s) - len(digits) + end + 1
	if v == 0 || v > unicode.MaxRune || !utf8.ValidRune(rune(v)) {
		return utf8.RuneError, n // as HTML does
	}
	return rune(v), n
}
