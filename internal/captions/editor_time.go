package captions

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// editorTimeFormat is how the caption editor reads times: [hh:]mm:ss[.mmm],
// with a comma allowed for the dot as in SRT.
var editorTimeFormat = regexp.MustCompile(`^(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$`)

// ParseEditorTime reads a cue time typed in the caption editor. A fraction
// of fewer than three digits counts as tenths or hundredths.
func ParseEditorTime(s string) (time.Duration, bool) {
	m := editorTimeFormat.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	h, _ := strconv.Atoi(m[1])
	min, _ := strconv.Atoi(m[2])
	sec, _ := strconv.Atoi(m[3])
	ms, _ := strconv.Atoi((m[4] + "000")[:3])
	if min > 59 || sec > 59 {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(min)*time.Minute + time.Duration(sec)*time.Second + time.Duration(ms)*time.Millisecond, true
}

// FormatEditorTime writes a cue time as the caption editor shows it:
// mm:ss.mmm, with the hours in front past the first hour. ParseEditorTime
// reads it back.
func FormatEditorTime(d time.Duration) string {
	ms := d.Milliseconds()
	h, m, s, f := ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000
	if h > 0 {
		return fmt.Sprintf("%02d:%02d:%02d.%03d", h, m, s, f)
	}
	return fmt.Sprintf("%02d:%02d.%03d", m, s, f)
}
