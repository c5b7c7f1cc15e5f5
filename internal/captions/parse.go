package captions

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// prepare applies the checks every file goes through before its structure
// is looked at: size, encoding, and binary content.
func prepare(data []byte) (string, error) {
	r := report{}
	if len(data) > MaxFileSize {
		r.add(0, CodeTooLarge, "the file is %d bytes; the limit is %d bytes (1 MiB)", len(data), MaxFileSize)
		return "", r.err()
	}
	s := strings.TrimPrefix(string(data), bom)
	if line, nul := firstBadLine(s); line > 0 {
		if nul {
			// UTF-16 files and binary files both show up as NUL bytes.
			r.add(line, CodeNotUTF8, "the file contains a NUL byte: it is not a UTF-8 text file")
		} else {
			r.add(line, CodeNotUTF8, "the file is not valid UTF-8 text")
		}
		return "", r.err()
	}
	return s, nil
}

// firstBadLine returns the line of the first invalid UTF-8 sequence or NUL
// byte in s (nul tells which), or 0 when there is none. Lines end at CRLF,
// CR or LF, as in lineReader.
func firstBadLine(s string) (line int, nul bool) {
	line = 1
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '\n':
			line++
			i++
		case c == '\r':
			line++
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
		case c == 0:
			return line, true
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return line, false
			}
			i += size
		}
	}
	return 0, false
}

// lineReader hands out the lines of a file one at a time, so no per-line
// index is ever built; one line can be pushed back.
type lineReader struct {
	s      string
	pos    int
	num    int // number of the line last returned
	last   string
	reread bool
}

func (r *lineReader) next() (line string, num int, ok bool) {
	if r.reread {
		r.reread = false
		return r.last, r.num, true
	}
	if r.pos >= len(r.s) {
		return "", r.num + 1, false
	}
	rest := r.s[r.pos:]
	end := strings.IndexAny(rest, "\r\n")
	if end < 0 {
		end = len(rest)
	}
	r.last = rest[:end]
	r.pos += end
	if strings.HasPrefix(r.s[r.pos:], "\r\n") {
		r.pos += 2
	} else if r.pos < len(r.s) {
		r.pos++
	}
	r.num++
	return r.last, r.num, true
}

// unread makes next return the last line again.
func (r *lineReader) unread() { r.reread = true }

// parser holds the state shared by the WebVTT and SRT readers.
type parser struct {
	report
	lines   lineReader
	mode    textMode
	cues    []Cue
	seen    int  // cue blocks met, valid or not
	stopped bool // too many cues: reading on would only use memory
}

func (p *parser) done() bool { return p.stopped || p.full() }

func (p *parser) nextNonBlank() (string, int, bool) {
	for {
		line, n, ok := p.lines.next()
		if !ok || !isBlank(line) {
			return line, n, ok
		}
	}
}

// skipBlock drops the rest of a block, up to a blank line.
func (p *parser) skipBlock() {
	for {
		line, _, ok := p.lines.next()
		if !ok || isBlank(line) {
			return
		}
	}
}

// cue reads one cue: the timing line at line n has been read, the text
// lines follow.
func (p *parser) cue(timing string, n int) {
	p.seen++
	if p.seen > MaxCues {
		p.add(n, CodeTooManyCues, "a track holds at most %d cues", MaxCues)
		p.stopped = true
		return
	}
	start, end, timesOK := p.timing(timing, n)
	var t textBuilder
	p.text(&t)
	where := t.first
	if where == 0 {
		where = n
	}
	textOK := p.checkText(where, &t)
	// Once anything is wrong no cue is returned, so stop keeping them.
	if timesOK && textOK && len(p.problems) == 0 {
		p.cues = append(p.cues, Cue{Start: start, End: end, Text: t.String()})
	}
}

// timing reads "start --> end", ignoring what follows the end time (WebVTT
// cue settings, SRT positions).
func (p *parser) timing(line string, n int) (start, end time.Duration, ok bool) {
	i := strings.Index(line, "-->")
	left := strings.Trim(line[:i], " \t")
	right := strings.TrimLeft(line[i+3:], " \t")
	if j := strings.IndexAny(right, " \t"); j >= 0 {
		right = right[:j]
	}
	srt := p.mode == srtText
	shape := "hh:mm:ss.ttt or mm:ss.ttt"
	if srt {
		shape = "hh:mm:ss,ttt"
	}
	start, ok = parseTime(left, srt)
	if !ok {
		p.add(n, CodeBadTimestamp, "the start time %s is not a valid time (expected %s)", quote(left), shape)
		return 0, 0, false
	}
	end, ok = parseTime(right, srt)
	if !ok {
		p.add(n, CodeBadTimestamp, "the end time %s is not a valid time (expected %s)", quote(right), shape)
		return 0, 0, false
	}
	return start, end, p.checkTimes(n, start, end)
}

// text collects the text lines of a cue, up to a blank line.
func (p *parser) text(t *textBuilder) {
	var held string // SRT: a number line that may be the next cue's counter
	heldAt := 0
	for {
		line, n, ok := p.lines.next()
		if !ok || isBlank(line) {
			break
		}
		if strings.Contains(line, "-->") {
			// A timing line with no blank line before it starts the next
			// cue, as the WebVTT rules say; hand-edited SRT files miss that
			// blank line too, and there the number above is its counter.
			p.lines.unread()
			heldAt = 0
			break
		}
		if heldAt > 0 {
			t.addFileLine(held, heldAt, p.mode)
			heldAt = 0
		}
		if p.mode == srtText && isCounter(line) {
			held, heldAt = line, n
			continue
		}
		t.addFileLine(line, n, p.mode)
	}
	if heldAt > 0 {
		t.addFileLine(held, heldAt, p.mode)
	}
}

func parseVTT(s string) ([]Cue, error) {
	p := &parser{lines: lineReader{s: s}, mode: vttText}
	if first, _, _ := p.lines.next(); !isVTTHeader(first) {
		p.add(1, CodeMissingHeader, `a WebVTT file must start with a "WEBVTT" line`)
		return p.finish(nil)
	}
	// The header runs to the first blank line. A timing line also ends it,
	// as the WebVTT rules say, so a cue right under "WEBVTT" is not lost.
	for {
		line, _, ok := p.lines.next()
		if !ok || isBlank(line) {
			break
		}
		if strings.Contains(line, "-->") {
			p.lines.unread()
			break
		}
	}
	for !p.done() {
		line, n, ok := p.nextNonBlank()
		if !ok {
			break
		}
		if isKeywordBlock(line) {
			p.skipBlock()
			continue
		}
		if strings.Contains(line, "-->") {
			p.cue(line, n)
			continue
		}
		// line is a cue identifier; the timing line must come next.
		next, nn, ok := p.lines.next()
		if ok && strings.Contains(next, "-->") {
			p.cue(next, nn)
			continue
		}
		where := nn
		if !ok || isBlank(next) || looksLikeTime(line) {
			where = n // the line itself is the broken timing line
		}
		p.add(where, CodeBadTimestamp, "expected a timing line such as 00:00:01.000 --> 00:00:02.000")
		if ok && !isBlank(next) {
			p.skipBlock()
		}
	}
	return p.finish(p.cues)
}

func parseSRT(s string) ([]Cue, error) {
	p := &parser{lines: lineReader{s: s}, mode: srtText}
	for !p.done() {
		line, n, ok := p.nextNonBlank()
		if !ok {
			break
		}
		if strings.Contains(line, "-->") { // the counter is missing; fine
			p.cue(line, n)
			continue
		}
		if !isCounter(line) {
			if looksLikeTime(line) {
				p.add(n, CodeBadTimestamp, "expected a timing line such as 00:00:01,000 --> 00:00:02,000")
			} else {
				p.add(n, CodeBadIndex, "expected a cue number, found %s", quote(line))
			}
			p.skipBlock()
			continue
		}
		next, nn, ok := p.lines.next()
		if ok && strings.Contains(next, "-->") {
			p.cue(next, nn)
			continue
		}
		if !ok || isBlank(next) {
			p.add(n, CodeBadTimestamp, "the cue number is not followed by a timing line")
			continue
		}
		p.add(nn, CodeBadTimestamp, "expected a timing line such as 00:00:01,000 --> 00:00:02,000")
		p.skipBlock()
	}
	return p.finish(p.cues)
}

// looksLikeSRT tells whether the first non-blank line of s could open an
// SRT file: a counter or a timing line. An empty file passes, to be
// reported as empty.
func looksLikeSRT(s string) bool {
	r := lineReader{s: s}
	for {
		line, _, ok := r.next()
		if !ok {
			return true
		}
		if !isBlank(line) {
			return isCounter(line) || strings.Contains(line, "-->")
		}
	}
}

func isVTTHeader(line string) bool {
	rest, ok := strings.CutPrefix(line, "WEBVTT")
	return ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t')
}

// isKeywordBlock tells whether a WebVTT block starting with line is a
// comment, style sheet or region definition, none of which hold cues.
func isKeywordBlock(line string) bool {
	for _, kw := range []string{"NOTE", "STYLE", "REGION"} {
		if rest, ok := strings.CutPrefix(line, kw); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			return true
		}
	}
	return false
}

func isBlank(line string) bool { return strings.Trim(line, " \t") == "" }

func isCounter(line string) bool {
	line = strings.Trim(line, " \t")
	return line != "" && allDigits(line)
}

// looksLikeTime tells a broken timing line from other text, to pick the
// code and line a problem is reported with.
func looksLikeTime(line string) bool {
	line = strings.TrimLeft(line, " \t")
	return line != "" && isDigit(line[0]) && strings.Contains(line, ":")
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// parseTime reads a timestamp: hh:mm:ss.ttt, where WebVTT allows any number
// of hour digits or no hours at all, and SRT wants one or two hour digits
// and takes ',' or '.' before the milliseconds. Minutes and seconds are two
// digits up to 59, milliseconds exactly three digits.
func parseTime(s string, srt bool) (time.Duration, bool) {
	if len(s) < len("mm:ss.ttt") {
		return 0, false
	}
	ms, sep := s[len(s)-3:], s[len(s)-4]
	if !allDigits(ms) || !(sep == '.' || srt && sep == ',') {
		return 0, false
	}
	s = s[:len(s)-4] // [hours:]mm:ss
	if s[len(s)-3] != ':' {
		return 0, false
	}
	sec, min := s[len(s)-2:], s[len(s)-5:len(s)-3]
	hours := s[:len(s)-5]
	if !allDigits(sec) || !allDigits(min) {
		return 0, false
	}
	var h int64
	switch {
	case hours == "" && !srt:
	case len(hours) < 2 || hours[len(hours)-1] != ':':
		return 0, false
	default:
		hours = hours[:len(hours)-1]
		if !allDigits(hours) || srt && len(hours) > 2 {
			return 0, false
		}
		for i := 0; i < len(hours); i++ {
			if h < 1e6 { // any larger is out of range anyway; avoid overflow
				h = h*10 + int64(hours[i]-'0')
			}
		}
	}
	m, _ := strconv.Atoi(min)
	sc, _ := strconv.Atoi(sec)
	f, _ := strconv.Atoi(ms)
	if m > 59 || sc > 59 {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(sc)*time.Second + time.Duration(f)*time.Millisecond, true
}

// quote shows a piece of input in a message, cut short so a huge line
// cannot make huge messages.
func quote(s string) string {
	const limit = 40
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}
