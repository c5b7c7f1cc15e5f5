package captions

import (
	"strconv"
	"strings"
	"time"
)

// FormatVTT renders cues as WebVTT. '&', '<' and '>' in the text are
// written as &amp; &lt; &gt;, so players show them literally and the output
// never holds a raw '<'. Cues from Parse or Validate read back unchanged;
// others still give a well-formed file, though it may not read back the
// same (or at all, if their times are wrong).
func FormatVTT(cues []Cue) []byte {
	var o output
	writeVTT(&o, cues)
	return o.buf
}

// FormatSRT renders cues as SRT with counters from 1. The text is written
// as it is, except where a reader would take it for markup: a '<' with a
// '>' after it on its line is written &lt;, and an '&' that starts &amp;,
// &lt; or &gt; is written &amp;. So "Tom & Jerry" or "a < b" stay readable
// in players that know no entities, and cues from Parse or Validate read
// back unchanged. Like FormatVTT, it keeps unchecked cues from breaking
// the file's structure.
func FormatSRT(cues []Cue) []byte {
	var o output
	writeSRT(&o, cues)
	return o.buf
}

// writtenSize is the size of the larger of the two renderings of cues.
func writtenSize(cues []Cue) int {
	vtt, srt := output{count: true}, output{count: true}
	writeVTT(&vtt, cues)
	writeSRT(&srt, cues)
	return max(vtt.n, srt.n)
}

// output collects rendered bytes, or only counts them: sizes are worked
// out by the same code that writes, so the two cannot disagree.
type output struct {
	buf     []byte
	count   bool
	n       int
	scratch [32]byte
}

func (o *output) str(s string) {
	o.n += len(s)
	if !o.count {
		o.buf = append(o.buf, s...)
	}
}

func (o *output) bytes(b []byte) {
	o.n += len(b)
	if !o.count {
		o.buf = append(o.buf, b...)
	}
}

func (o *output) timing(c Cue, sep byte) {
	o.bytes(appendTime(o.scratch[:0], c.Start, sep))
	o.str(" --> ")
	o.bytes(appendTime(o.scratch[:0], c.End, sep))
	o.str("\n")
}

func writeVTT(o *output, cues []Cue) {
	o.str("WEBVTT\n\n")
	for _, c := range cues {
		o.timing(c, '.')
		writeText(o, c.Text, writeVTTLine)
		o.str("\n")
	}
}

func writeSRT(o *output, cues []Cue) {
	for i, c := range cues {
		o.bytes(strconv.AppendInt(o.scratch[:0], int64(i+1), 10))
		o.str("\n")
		o.timing(c, ',')
		writeText(o, c.Text, writeSRTLine)
		o.str("\n")
	}
}

// writeText writes the lines of a cue text. Cleaning them again changes
// nothing for normalised text, but keeps cues that skipped Validate from
// breaking the file's structure with blank lines or "-->".
func writeText(o *output, text string, line func(*output, string)) {
	for l := range strings.SplitSeq(text, "\n") {
		if l = cleanLine(l); l != "" {
			line(o, l)
			o.str("\n")
		}
	}
}

func writeVTTLine(o *output, line string) {
	writeEscaped(o, line, func(i int) string {
		switch line[i] {
		case '&':
			return "&amp;"
		case '<':
			return "&lt;"
		case '>':
			return "&gt;"
		}
		return ""
	})
}

// writeSRTLine escapes only what the SRT reader would otherwise change: a
// '<' that could open a tag (one with a '>' after it), and an '&' that
// would decode. Remaining '<' have no '>' after them, so no tag can form.
func writeSRTLine(o *output, line string) {
	lastGT := strings.LastIndexByte(line, '>')
	writeEscaped(o, line, func(i int) string {
		switch {
		case line[i] == '<' && i < lastGT:
			return "&lt;"
		case line[i] == '&':
			if _, n := reference(line[i:], srtText); n != 0 {
				return "&amp;"
			}
		}
		return ""
	})
}

// writeEscaped writes line with each byte for which escape gives a
// replacement replaced by it.
func writeEscaped(o *output, line string, escape func(i int) string) {
	last := 0
	for i := 0; i < len(line); i++ {
		if esc := escape(i); esc != "" {
			o.str(line[last:i])
			o.str(esc)
			last = i + 1
		}
	}
	o.str(line[last:])
}

// appendTime writes d as hh:mm:ss<sep>mmm; negative times, which only
// unchecked cues can have, are written as zero.
func appendTime(b []byte, d time.Duration, sep byte) []byte {
	ms := max(d.Milliseconds(), 0)
	b = appendPadded(b, ms/3_600_000, 2)
	b = append(b, ':')
	b = appendPadded(b, ms/60_000%60, 2)
	b = append(b, ':')
	b = appendPadded(b, ms/1000%60, 2)
	b = append(b, sep)
	return appendPadded(b, ms%1000, 3)
}

func appendPadded(b []byte, v int64, width int) []byte {
	for limit := int64(10); width > 1; width, limit = width-1, limit*10 {
		if v < limit {
			b = append(b, '0')
		}
	}
	return strconv.AppendInt(b, v, 10)
}

// clock shows a time in messages.
func clock(d time.Duration) string {
	return string(appendTime(nil, d, '.'))
}
