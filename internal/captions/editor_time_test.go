package captions

import (
	"testing"
	"time"
)

func TestEditorTime(t *testing.T) {
	reads := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"00:01.500", 1500 * time.Millisecond, true},
		{"1:02", 62 * time.Second, true},
		{" 01:02:03,4 ", time.Hour + 2*time.Minute + 3*time.Second + 400*time.Millisecond, true},
		{"00:00.05", 50 * time.Millisecond, true},
		{"00:60.000", 0, false},
		{"60:00", 0, false},
		{"1.5", 0, false},
		{"", 0, false},
		{"00:01.5000", 0, false},
	}
	for _, c := range reads {
		got, ok := ParseEditorTime(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseEditorTime(%q) = %v, %t; want %v, %t", c.in, got, ok, c.want, c.ok)
		}
	}
	writes := []struct {
		in   time.Duration
		want string
	}{
		{1500 * time.Millisecond, "00:01.500"},
		{59*time.Minute + 59*time.Second + 999*time.Millisecond, "59:59.999"},
		{time.Hour + 2*time.Minute + 3*time.Second + 4*time.Millisecond, "01:02:03.004"},
	}
	for _, c := range writes {
		got := FormatEditorTime(c.in)
		if got != c.want {
			t.Errorf("FormatEditorTime(%v) = %q, want %q", c.in, got, c.want)
		}
		if back, ok := ParseEditorTime(got); !ok || back != c.in {
			t.Errorf("ParseEditorTime(%q) = %v, %t; want %v back", got, back, ok, c.in)
		}
	}
}
