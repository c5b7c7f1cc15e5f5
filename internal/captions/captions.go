// Package captions reads, checks and writes caption tracks: WebVTT and SRT
// files, and cues sent by the browser editor. Every input is normalised to
// a list of cues holding plain text; the writers escape that text so a
// player shows it literally, and whatever Parse or Validate returns survives
// a trip through either writer and back unchanged.
package captions

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// MaxFileSize is the largest caption file accepted (1 MiB).
const MaxFileSize = 1 << 20

// MaxCueText is the longest cue text accepted, in characters (runes).
const MaxCueText = 1000

// MaxCues bounds the number of cues in a track.
const MaxCues = 20000

// MaxTime is the latest time a cue may end (24 hours).
const MaxTime = 24 * time.Hour

// maxProblems bounds one report: past that many, the input is most likely
// not a caption file at all and more detail helps nobody.
const maxProblems = 50

// Cue is one caption shown from Start to End.
type Cue struct {
	Start time.Duration // millisecond precision
	End   time.Duration
	Text  string // plain text; lines separated by "\n"; never empty
}

// Format is a caption file format.
type Format string

// The formats read and written.
const (
	VTT Format = "vtt"
	SRT Format = "srt"
)

// Problem codes, stable so callers can translate the messages.
const (
	CodeTooLarge      = "too_large"      // file over MaxFileSize, or too large once written out (Line 0)
	CodeNotUTF8       = "not_utf8"       // not valid UTF-8, or binary (a NUL byte) (Line = first bad line)
	CodeEmpty         = "empty"          // no cues at all (Line 0)
	CodeMissingHeader = "missing_header" // WebVTT without the WEBVTT line / unrecognisable format (Line 1)
	CodeBadTimestamp  = "bad_timestamp"  // timing line malformed or out of range
	CodeReversedTimes = "reversed_times" // end <= start
	CodeEmptyText     = "empty_text"     // a cue with no text
	CodeTextTooLong   = "text_too_long"
	CodeTooManyCues   = "too_many_cues"
	CodeBadIndex      = "bad_index" // SRT: the counter line is not a number where one is expected
)

// Problem is one thing wrong with an input, at a 1-based line of the file
// (0 when it concerns the whole file). For cues checked by Validate, Line
// is the 1-based cue number instead and Cue is true.
type Problem struct {
	Line    int
	Cue     bool
	Code    string
	Message string // English, prefixed with "line N: " or "cue N: " when Line > 0
}

// Error lists every problem found, up to 50.
type Error struct{ Problems []Problem }

// Error joins the messages.
func (e *Error) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message
	}
	return strings.Join(msgs, "; ")
}

// report collects problems for one input.
type report struct {
	cue      bool
	problems []Problem
}

func (r *report) add(line int, code, format string, args ...any) {
	if r.full() {
		return
	}
	msg := fmt.Sprintf(format, args...)
	switch {
	case line > 0 && r.cue:
		msg = fmt.Sprintf("cue %d: %s", line, msg)
	case line > 0:
		msg = fmt.Sprintf("line %d: %s", line, msg)
	}
	r.problems = append(r.problems, Problem{Line: line, Cue: r.cue, Code: code, Message: msg})
}

func (r *report) full() bool { return len(r.problems) >= maxProblems }

func (r *report) err() error {
	if len(r.problems) == 0 {
		return nil // a nil *Error would make a non-nil error
	}
	return &Error{Problems: r.problems}
}

// checkTimes reports what is wrong with a cue's times at line (or cue) n.
func (r *report) checkTimes(n int, start, end time.Duration) bool {
	switch {
	case start < 0:
		r.add(n, CodeBadTimestamp, "the start time is negative")
	case end < 0:
		r.add(n, CodeBadTimestamp, "the end time is negative")
	case start > MaxTime:
		r.add(n, CodeBadTimestamp, "the start time %s is past the 24-hour limit", clock(start))
	case end > MaxTime:
		r.add(n, CodeBadTimestamp, "the end time %s is past the 24-hour limit", clock(end))
	case end <= start:
		r.add(n, CodeReversedTimes, "the end time %s is not after the start time %s", clock(end), clock(start))
	default:
		return true
	}
	return false
}

// checkText reports a cue text that is empty or too long; where is the
// line (or cue) to name.
func (r *report) checkText(where int, t *textBuilder) bool {
	switch {
	case t.runes == 0:
		r.add(where, CodeEmptyText, "the cue has no text")
	case t.runes > MaxCueText:
		r.add(where, CodeTextTooLong, "the cue text is %d characters long; the limit is %d", t.runes, MaxCueText)
	default:
		return true
	}
	return false
}

// finish turns what was collected into the result: sorted cues, or the
// problems. A list that would not fit in MaxFileSize once written out is
// refused too, since it could not be read back.
func (r *report) finish(cues []Cue) ([]Cue, error) {
	if len(r.problems) == 0 && len(cues) == 0 {
		r.add(0, CodeEmpty, "there are no cues")
	}
	if len(r.problems) == 0 {
		if n := writtenSize(cues); n > MaxFileSize {
			r.add(0, CodeTooLarge, "written out, the captions would take %d bytes; the limit is %d bytes (1 MiB)", n, MaxFileSize)
		}
	}
	if err := r.err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(cues, func(a, b Cue) int { return cmp.Compare(a.Start, b.Start) })
	return cues, nil
}

const bom = "\uFEFF"

// Detect tells the format of data: VTT when (after an optional UTF-8 BOM)
// it starts with "WEBVTT" followed by end, space, tab or newline; otherwise
// SRT.
func Detect(data []byte) Format {
	data = bytes.TrimPrefix(data, []byte(bom))
	rest, ok := bytes.CutPrefix(data, []byte("WEBVTT"))
	if ok && (len(rest) == 0 || strings.IndexByte(" \t\r\n", rest[0]) >= 0) {
		return VTT
	}
	return SRT
}

// Parse reads a WebVTT or SRT file (Detect decides), returning normalised
// cues sorted by start time (stable), or an *Error. A file that is neither
// (its first line is not "WEBVTT", a cue number or a timing line) gets
// CodeMissingHeader rather than SRT complaints about its first line.
func Parse(data []byte) ([]Cue, error) {
	s, err := prepare(data)
	if err != nil {
		return nil, err
	}
	if Detect(data) == VTT {
		return parseVTT(s)
	}
	if !looksLikeSRT(s) {
		r := report{}
		r.add(1, CodeMissingHeader, `this is neither a WebVTT file (starting with "WEBVTT") nor an SRT file (starting with a cue number)`)
		return nil, r.err()
	}
	return parseSRT(s)
}

// ParseVTT reads a WebVTT file.
func ParseVTT(data []byte) ([]Cue, error) {
	s, err := prepare(data)
	if err != nil {
		return nil, err
	}
	return parseVTT(s)
}

// ParseSRT reads an SRT file.
func ParseSRT(data []byte) ([]Cue, error) {
	s, err := prepare(data)
	if err != nil {
		return nil, err
	}
	return parseSRT(s)
}

// Validate checks cues given directly (the browser editor's JSON): each
// must have 0 <= Start < End <= MaxTime, non-empty text after
// normalisation, text within MaxCueText; at most MaxCues. It returns the
// normalised, sorted cues (times truncated to the millisecond) or an *Error
// whose problems have Cue: true and Line = cue number.
//
// The text is taken as plain text, as the editor shows it: it is cleaned
// like file text (line breaks, control characters, blank lines, trailing
// space, "-->") but markup is not stripped and character references are not
// decoded. That way cues that came from Parse come back from Validate
// unchanged, so saving an untouched cue never alters or rejects it.
func Validate(cues []Cue) ([]Cue, error) {
	r := report{cue: true}
	if len(cues) > MaxCues {
		r.add(MaxCues+1, CodeTooManyCues, "a track holds at most %d cues, not %d", MaxCues, len(cues))
		return nil, r.err()
	}
	out := make([]Cue, 0, len(cues))
	for i, c := range cues {
		if r.full() {
			break
		}
		n := i + 1
		start, end := c.Start.Truncate(time.Millisecond), c.End.Truncate(time.Millisecond)
		// Negative times are checked before truncation, which would round
		// a tiny negative time up to zero.
		if c.Start < 0 {
			start = c.Start
		}
		if c.End < 0 {
			end = c.End
		}
		timesOK := r.checkTimes(n, start, end)
		var t textBuilder
		t.addPlain(c.Text)
		textOK := r.checkText(n, &t)
		if timesOK && textOK && len(r.problems) == 0 {
			out = append(out, Cue{Start: start, End: end, Text: t.String()})
		}
	}
	return r.finish(out)
}
