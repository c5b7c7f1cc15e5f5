package captions

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func TestParseVTT(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Cue
	}{
		{
			name: "full file with BOM, CRLF and every block kind",
			in: "\uFEFFWEBVTT - A title\r\nKind: captions\r\nLanguage: en\r\n\r\n" +
				"STYLE\r\n::cue { color: yellow }\r\n\r\n" +
				"REGION\r\nid:fred width:40%\r\n\r\n" +
				"NOTE a comment\r\nover two lines\r\n\r\n" +
				"intro\r\n00:01.000 --> 00:04.000 align:start line:0\r\n" +
				"<v Roger>Hello <b>there</b></v>\r\n<i>General</i>   Kenobi  \r\n\r\n" +
				"NOTE\r\n\r\n" +
				"00:00:05.500 --> 00:00:07.250\r\n" +
				"Tom &amp; Jerry &lt;3 &#x263A; &#9731;&nbsp;\r\n",
			want: []Cue{
				{sec(1), sec(4), "Hello there\nGeneral   Kenobi"},
				{sec(5.5), sec(7.25), "Tom & Jerry <3 ☺ ☃"},
			},
		},
		{
			name: "header without blank line, CR line endings, sorting, long hours",
			in: "WEBVTT\r00:00:03.000 --> 00:00:04.000\rthird\r\r" +
				"2\r000:00:01.000 --> 000:00:02.000 position:10%\rfirst\r\r" +
				"00:02.000-->00:03.000\rsecond a\r\r" +
				"00:02.000 --> 00:02.500\rsecond b\r",
			want: []Cue{
				{sec(1), sec(2), "first"},
				{sec(2), sec(3), "second a"},
				{sec(2), ms(2500), "second b"},
				{sec(3), sec(4), "third"},
			},
		},
		{
			name: "markup kinds, lone '<', references",
			in: "WEBVTT\n\n\n\n00:00:00.000 --> 24:00:00.000\n" +
				"<c.yellow.bg_blue>Hi</c> <00:00:01.000>there <font color=\"red\">red</font>\n" +
				"a < b and c > d, x <3\n" +
				"&nbsp;\n" +
				"&lrm;&rlm;&#0;&#xD800;&#1114112;&bogus; &#;&#x;&#12345678901;\n" +
				"\n\n",
			want: []Cue{
				{0, MaxTime, "Hi there red\na < b and c > d, x <3\n\u200E\u200F\uFFFD\uFFFD\uFFFD&bogus; &#;&#x;&#12345678901;"},
			},
		},
		{
			name: "references decode to line breaks, arrows and controls",
			in:   "WEBVTT\n\n00:01.000 --> 00:02.000\none&#10;&#10;two&#13; \nthree --&gt; four&#1;\n",
			want: []Cue{{sec(1), sec(2), "one\ntwo\nthree → four"}},
		},
		{
			name: "a timing line without a blank line before it starts a new cue",
			in:   "WEBVTT\n\n00:01.000 --> 00:02.000\none\nid\n00:03.000 --> 00:04.000\ntwo\n",
			want: []Cue{{sec(1), sec(2), "one\nid"}, {sec(3), sec(4), "two"}},
		},
		{
			name: "escaped markup stays as text",
			in:   "WEBVTT\n\n00:01.000 --> 00:02.000\n&lt;script&gt;alert(1)&lt;/script&gt;\n",
			want: []Cue{{sec(1), sec(2), "<script>alert(1)</script>"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, parse := range []func([]byte) ([]Cue, error){Parse, ParseVTT} {
				got, err := parse([]byte(tt.in))
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("got  %q\nwant %q", got, tt.want)
				}
			}
		})
	}
}

func TestParseSRT(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Cue
	}{
		{
			name: "counters, tags, positions, '.' separator, missing counter, extra blank lines",
			in: "\n\n1\n00:00:01,000 --> 00:00:02,500\n<i>Hello</i>  \nworld\t\n\n\n\n" +
				"2  \n0:00:03.000 --> 00:00:04.000  X1:100 X2:200 Y1:10 Y2:20\n" +
				"<font color=\"red\">Red</font> &amp; blue &lt;b&gt; &nbsp; &#65;\n\n" +
				"00:00:05,000 --> 00:00:06,000\nno counter\n \t\n",
			want: []Cue{
				{sec(1), ms(2500), "Hello\nworld"},
				{sec(3), sec(4), "Red & blue <b> &nbsp; &#65;"},
				{sec(5), sec(6), "no counter"},
			},
		},
		{
			name: "CRLF, BOM and blank lines missing between cues",
			in: "\uFEFF1\r\n00:00:01,000 --> 00:00:02,000\r\nHello\r\n" +
				"2\r\n00:00:03,000 --> 00:00:04,000\r\nWorld\r\n42\r\n\r\n",
			want: []Cue{{sec(1), sec(2), "Hello"}, {sec(3), sec(4), "World\n42"}},
		},
		{
			name: "a number as the text of a cue",
			in:   "1\n00:00:01,000 --> 00:00:02,000\n7\n",
			want: []Cue{{sec(1), sec(2), "7"}},
		},
		{
			name: "unsorted cues",
			in:   "1\n00:00:05,000 --> 00:00:06,000\nlater\n\n2\n00:00:01,000 --> 00:00:02,000\nsooner\n",
			want: []Cue{{sec(1), sec(2), "sooner"}, {sec(5), sec(6), "later"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, parse := range []func([]byte) ([]Cue, error){Parse, ParseSRT} {
				got, err := parse([]byte(tt.in))
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("got  %q\nwant %q", got, tt.want)
				}
			}
		})
	}
}

func TestDetect(t *testing.T) {
	for in, want := range map[string]Format{
		"WEBVTT":             VTT,
		"WEBVTT\n":           VTT,
		"WEBVTT\r\n":         VTT,
		"\uFEFFWEBVTT title": VTT,
		"WEBVTT\tx":          VTT,
		"WEBVTTX":            SRT,
		" WEBVTT":            SRT,
		"1\n00:00:01,000":    SRT,
		"":                   SRT,
	} {
		if got := Detect([]byte(in)); got != want {
			t.Errorf("Detect(%q) = %q, want %q", in, got, want)
		}
	}
}

// problemsOf returns the problems of an *Error, failing the test for any
// other outcome.
func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v (%T), want *Error", err, err)
	}
	if len(e.Problems) == 0 || len(e.Problems) > maxProblems {
		t.Fatalf("got %d problems", len(e.Problems))
	}
	return e.Problems
}

func srtCues(n int, text string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%d\n00:00:00,000 --> 00:00:01,000\n%s\n\n", i+1, text)
	}
	return b.String()
}

func TestParseProblems(t *testing.T) {
	type want struct {
		code string
		line int
	}
	const cue = "00:00:01.000 --> 00:00:02.000\nhi\n"
	garbage := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'}
	tests := []struct {
		name  string
		parse func([]byte) ([]Cue, error)
		in    string
		want  []want
	}{
		{"missing header", ParseVTT, "00:01.000 --> 00:02.000\nhi\n", []want{{CodeMissingHeader, 1}}},
		{"header not alone", ParseVTT, "WEBVTTX\n\n" + cue, []want{{CodeMissingHeader, 1}}},
		{"BOM but no header", ParseVTT, "\uFEFF\n" + cue, []want{{CodeMissingHeader, 1}}},
		{"unrecognisable", Parse, "Hello, this is a letter.\n\nRegards\n", []want{{CodeMissingHeader, 1}}},
		{"VTT without header", Parse, "\n00:01.000 --> 00:02.000\nhi\n", []want{{CodeBadTimestamp, 2}}},
		{"minutes over 59", Parse, "WEBVTT\n\n00:61:00.000 --> 01:02:00.000\nhi\n", []want{{CodeBadTimestamp, 3}}},
		{"seconds over 59", Parse, "WEBVTT\n\n00:00:01.000 --> 00:00:60.000\nhi\n", []want{{CodeBadTimestamp, 3}}},
		{"1:2:3", Parse, "WEBVTT\n\n1:2:3 --> 00:00:02.000\nhi\n", []want{{CodeBadTimestamp, 3}}},
		{"two-digit milliseconds", Parse, "WEBVTT\n\n00:00:01.00 --> 00:00:02.000\nhi\n", []want{{CodeBadTimestamp, 3}}},
		{"comma in VTT", Parse, "WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nhi\n", []want{{CodeBadTimestamp, 3}}},
		{"missing arrow", Parse, "WEBVTT\n\n00:00:01.000 00:00:02.000\nhi\n", []want{{CodeBadTimestamp, 3}}},
		{"missing arrow after id", Parse, "WEBVTT\n\nintro\n00:00:01.000 00:00:02.000\nhi\n", []want{{CodeBadTimestamp, 4}}},
		{"id alone", Parse, "WEBVTT\n\nintro\n\n" + cue, []want{{CodeBadTimestamp, 3}}},
		{"missing end", Parse, "WEBVTT\n\n00:00:01.000 -->\nhi\n", []want{{CodeBadTimestamp, 3}}},
		{"junk after end", Parse, "WEBVTT\n\n00:00:01.000 --> 00:00:02.000x\nhi\n", []want{{CodeBadTimestamp, 3}}},
		{"past 24 hours", Parse, "WEBVTT\n\n23:00:00.000 --> 24:00:00.001\nhi\n", []want{{CodeBadTimestamp, 3}}},
		{"huge hours", Parse, "WEBVTT\n\n99999999999999999999:00:00.000 --> 99999999999999999999:00:01.000\nhi\n", []want{{CodeBadTimestamp, 3}}},
		{"reversed", Parse, "WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nhi\n", []want{{CodeReversedTimes, 3}}},
		{"equal", Parse, "WEBVTT\n\n00:00:02.000 --> 00:00:02.000\nhi\n", []want{{CodeReversedTimes, 3}}},
		{"no text", Parse, "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\n", []want{{CodeEmptyText, 3}}},
		{"only markup", Parse, "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<i></i>\n&nbsp;\n", []want{{CodeEmptyText, 4}}},
		{"text too long", Parse, "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n" + strings.Repeat("é", 500) + "\n" + strings.Repeat("a", 500) + "\n", []want{{CodeTextTooLong, 4}}},
		{"not UTF-8", Parse, "1\r\n00:00:01,000 --> 00:00:02,000\r\nhe\xffllo\r\n", []want{{CodeNotUTF8, 3}}},
		{"not UTF-8 after CRs", Parse, "WEBVTT\r\r\rx\xc3\n", []want{{CodeNotUTF8, 4}}},
		{"NUL byte", Parse, "1\n00:00:01,000 --> 00:00:02,000\nhi\x00\n", []want{{CodeNotUTF8, 3}}},
		{"UTF-16", Parse, "\xff\xfe1\x00\n\x00", []want{{CodeNotUTF8, 1}}},
		{"binary", Parse, string(garbage), []want{{CodeNotUTF8, 1}}},
		{"valid UTF-8 garbage", Parse, "\x01\x02\x03\x7f", []want{{CodeMissingHeader, 1}}},
		{"empty", Parse, "", []want{{CodeEmpty, 0}}},
		{"only blank lines", Parse, "\n \r\n\t\n", []want{{CodeEmpty, 0}}},
		{"only a header", Parse, "WEBVTT\n\nNOTE nothing yet\n", []want{{CodeEmpty, 0}}},
		{"SRT bad counter", Parse, "1\n00:00:01,000 --> 00:00:02,000\nhi\n\nx\n00:00:03,000 --> 00:00:04,000\nyo\n", []want{{CodeBadIndex, 5}}},
		{"SRT counter alone", Parse, "1\n00:00:01,000 --> 00:00:02,000\nhi\n\n2\n\n", []want{{CodeBadTimestamp, 5}}},
		{"SRT counter then text", ParseSRT, "1\nhello\n", []want{{CodeBadTimestamp, 2}}},
		{"SRT missing arrow", Parse, "1\n00:00:01,000 00:00:02,000\nhi\n", []want{{CodeBadTimestamp, 2}}},
		{"SRT missing arrow and counter", ParseSRT, "00:00:01,000 00:00:02,000\nhi\n", []want{{CodeBadTimestamp, 1}}},
		{"SRT three-digit hours", Parse, "1\n000:00:01,000 --> 00:00:02,000\nhi\n", []want{{CodeBadTimestamp, 2}}},
		{"SRT without hours", Parse, "1\n00:01,000 --> 00:02,000\nhi\n", []want{{CodeBadTimestamp, 2}}},
		{"SRT text first", ParseSRT, "hello\n", []want{{CodeBadIndex, 1}}},
		{
			"every problem is listed", Parse,
			"WEBVTT\n\n00:00:03.000 --> 00:00:02.000\nhi\n\n00:00:04.000 --> 00:00:05.000\n\n" +
				"00:00:06.000 --> 00:00:0x.000\nhi\n\n" + cue,
			[]want{{CodeReversedTimes, 3}, {CodeEmptyText, 6}, {CodeBadTimestamp, 8}},
		},
		{"bad times and no text", Parse, "WEBVTT\n\n00:00:03.000 --> 00:00:02.000\n\n", []want{{CodeReversedTimes, 3}, {CodeEmptyText, 3}}},
		{"too many cues", Parse, srtCues(MaxCues+1, "a"), []want{{CodeTooManyCues, 4*MaxCues + 2}}},
		{"too large", Parse, strings.Repeat("a", MaxFileSize+1), []want{{CodeTooLarge, 0}}},
		{"too large once escaped", Parse, srtCues(500, strings.Repeat("&", MaxCueText)), []want{{CodeTooLarge, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cues, err := tt.parse([]byte(tt.in))
			if cues != nil {
				t.Errorf("got cues %q along with problems", cues)
			}
			var got []want
			for _, p := range problemsOf(t, err) {
				got = append(got, want{p.Code, p.Line})
				if p.Cue {
					t.Errorf("file problem %q has Cue set", p.Message)
				}
				if prefix := fmt.Sprintf("line %d: ", p.Line); p.Line > 0 && !strings.HasPrefix(p.Message, prefix) {
					t.Errorf("message %q does not start with %q", p.Message, prefix)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v (%v)", got, tt.want, err)
			}
		})
	}
}

func TestParseMessage(t *testing.T) {
	_, err := Parse([]byte("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:02.000 --> 00:00:01.000\nhi\n"))
	want := "line 6: the end time 00:00:01.000 is not after the start time 00:00:02.000"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	// A huge bad line must not make a huge message.
	_, err = Parse([]byte("WEBVTT\n\n" + strings.Repeat("9", 100000) + ":00.000 --> 00:01.000\nhi\n"))
	if err == nil || len(err.Error()) > 200 {
		t.Fatalf("got %d-byte message", len(err.Error()))
	}
}

func TestProblemLimit(t *testing.T) {
	in := "WEBVTT\n\n" + strings.Repeat("00:00:02.000 --> 00:00:01.000\nhi\n\n", 200)
	_, err := Parse([]byte(in))
	if n := len(problemsOf(t, err)); n != maxProblems {
		t.Fatalf("got %d problems, want %d", n, maxProblems)
	}
	_, err = Validate(make([]Cue, 200))
	if n := len(problemsOf(t, err)); n != maxProblems {
		t.Fatalf("Validate: got %d problems, want %d", n, maxProblems)
	}
}

func TestLimitsAccepted(t *testing.T) {
	in := srtCues(MaxCues, strings.Repeat("x", 10))
	if len(in) > MaxFileSize {
		t.Fatal("test input too large")
	}
	cues, err := Parse([]byte(in))
	if err != nil || len(cues) != MaxCues {
		t.Fatalf("got %d cues, %v", len(cues), err)
	}
	text := strings.Repeat("é", MaxCueText/2) + "\n" + strings.Repeat("a", MaxCueText/2-1)
	cues, err = Parse([]byte("WEBVTT\n\n00:00.000 --> 24:00:00.000\n" + text + "\n"))
	if err != nil || cues[0].Text != text {
		t.Fatalf("a text of exactly MaxCueText characters: %v", err)
	}
}

func TestGarbageNeverPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(300))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		if rng.IntN(2) == 0 {
			b = append([]byte("WEBVTT\n\n"), b...)
		}
		if cues, err := Parse(b); err != nil {
			problemsOf(t, err)
		} else {
			checkCues(t, cues)
		}
	}
}

func TestMarkupIsNeverWritten(t *testing.T) {
	in := "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n" +
		"<script>alert(1)</script> click <img src=x onerror=alert(1)> me\n" +
		"&lt;script&gt;alert(1)&lt;/script&gt;\n" +
		"&lt;img src=x onerror=alert(1)&gt;\n"
	cues, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := "alert(1) click  me\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>"
	if cues[0].Text != want {
		t.Fatalf("got %q, want %q", cues[0].Text, want)
	}
	direct, err := Validate([]Cue{{Start: sec(3), End: sec(4), Text: "<script>alert(1)</script>\n<img src=x onerror=alert(1)>"}})
	if err != nil {
		t.Fatal(err)
	}
	all := append(cues, direct...)
	vtt := FormatVTT(all)
	if bytes.IndexByte(vtt, '<') >= 0 {
		t.Fatalf("raw '<' in %s", vtt)
	}
	if !bytes.Contains(vtt, []byte("&lt;script&gt;alert(1)&lt;/script&gt;")) ||
		!bytes.Contains(vtt, []byte("&lt;img src=x onerror=alert(1)&gt;")) {
		t.Fatalf("escaped forms missing from %s", vtt)
	}
	srt := FormatSRT(all)
	if bytes.Contains(srt, []byte("<script")) || bytes.Contains(srt, []byte("<img")) {
		t.Fatalf("a tag survived in %s", srt)
	}
	roundTrip(t, all)
}

func TestFormat(t *testing.T) {
	cues := []Cue{
		{ms(1500), 25*time.Hour + ms(1), "Tom & Jerry\n<i>hi</i> & a < b"},
		{sec(3), sec(4), "&amp; &lt;x&gt; &nbsp; -> x"},
	}
	wantVTT := "WEBVTT\n\n" +
		"00:00:01.500 --> 25:00:00.001\nTom &amp; Jerry\n&lt;i&gt;hi&lt;/i&gt; &amp; a &lt; b\n\n" +
		"00:00:03.000 --> 00:00:04.000\n&amp;amp; &amp;lt;x&amp;gt; &amp;nbsp; -&gt; x\n\n"
	if got := string(FormatVTT(cues)); got != wantVTT {
		t.Errorf("FormatVTT:\n%s\nwant\n%s", got, wantVTT)
	}
	wantSRT := "1\n00:00:01,500 --> 25:00:00,001\nTom & Jerry\n&lt;i>hi&lt;/i> & a < b\n\n" +
		"2\n00:00:03,000 --> 00:00:04,000\n&amp;amp; &amp;lt;x&amp;gt; &nbsp; -> x\n\n"
	if got := string(FormatSRT(cues)); got != wantSRT {
		t.Errorf("FormatSRT:\n%s\nwant\n%s", got, wantSRT)
	}
	// Unchecked text cannot break the structure of the file.
	odd := []Cue{{sec(1), sec(2), "a\n\n00:00:05.000 --> 00:00:09.000\r\ninjected\x00"}}
	for _, out := range [][]byte{FormatVTT(odd), FormatSRT(odd)} {
		got, err := Parse(out)
		want := []Cue{{sec(1), sec(2), "a\n00:00:05.000 → 00:00:09.000\ninjected"}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s parsed to %q, %v", out, got, err)
		}
	}
}

func TestValidate(t *testing.T) {
	got, err := Validate([]Cue{
		{sec(5), sec(6), "  later  \r\n\r\n\tindented\t\n"},
		{sec(1), sec(2) + 999*time.Microsecond, "\n\nfirst\x00 <b>kept</b> &amp; --> \u0085\n \n"},
		{sec(1) + 400*time.Microsecond, sec(3), "same start\rsecond line"},
		{0, MaxTime, "bad \xff byte"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Cue{
		{0, MaxTime, "bad \uFFFD byte"},
		{sec(1), sec(2), "first <b>kept</b> &amp; →"},
		{sec(1), sec(3), "same start\nsecond line"},
		{sec(5), sec(6), "  later\n\tindented"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	roundTrip(t, got)
}

func TestValidateProblems(t *testing.T) {
	type want struct {
		code string
		line int
	}
	ok := Cue{sec(1), sec(2), "fine"}
	tests := []struct {
		name string
		in   []Cue
		want []want
	}{
		{"empty list", nil, []want{{CodeEmpty, 0}}},
		{"negative start", []Cue{ok, {-time.Microsecond, sec(1), "x"}}, []want{{CodeBadTimestamp, 2}}},
		{"negative end", []Cue{{0, -sec(1), "x"}}, []want{{CodeBadTimestamp, 1}}},
		{"end past limit", []Cue{{0, MaxTime + time.Millisecond, "x"}}, []want{{CodeBadTimestamp, 1}}},
		{"start past limit", []Cue{{MaxTime + time.Hour, MaxTime + 2*time.Hour, "x"}}, []want{{CodeBadTimestamp, 1}}},
		{"reversed", []Cue{ok, ok, {sec(2), sec(1), "x"}}, []want{{CodeReversedTimes, 3}}},
		{"equal", []Cue{{sec(2), sec(2), "x"}}, []want{{CodeReversedTimes, 1}}},
		{"equal after truncation", []Cue{{sec(2), sec(2) + time.Microsecond, "x"}}, []want{{CodeReversedTimes, 1}}},
		{"empty text", []Cue{ok, {sec(1), sec(2), " \n\t\r\n\x01"}}, []want{{CodeEmptyText, 2}}},
		{"text too long", []Cue{{sec(1), sec(2), strings.Repeat("ß", MaxCueText+1)}}, []want{{CodeTextTooLong, 1}}},
		{"several", []Cue{{sec(2), sec(1), ""}, ok, {sec(1), sec(2), ""}}, []want{{CodeReversedTimes, 1}, {CodeEmptyText, 1}, {CodeEmptyText, 3}}},
		{"too many", make([]Cue, MaxCues+1), []want{{CodeTooManyCues, MaxCues + 1}}},
		{"too large once written", func() []Cue {
			cues := make([]Cue, 300)
			for i := range cues {
				cues[i] = Cue{sec(1), sec(2), strings.Repeat("<>", MaxCueText/2)}
			}
			return cues
		}(), []want{{CodeTooLarge, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cues, err := Validate(tt.in)
			if cues != nil {
				t.Errorf("got cues along with problems")
			}
			var got []want
			for _, p := range problemsOf(t, err) {
				got = append(got, want{p.Code, p.Line})
				if !p.Cue {
					t.Errorf("problem %q lacks Cue", p.Message)
				}
				if prefix := fmt.Sprintf("cue %d: ", p.Line); p.Line > 0 && !strings.HasPrefix(p.Message, prefix) {
					t.Errorf("message %q does not start with %q", p.Message, prefix)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v (%v)", got, tt.want, err)
			}
		})
	}
}

func TestValidateKeepsInput(t *testing.T) {
	in := []Cue{{sec(2), sec(3), "b  "}, {sec(1), sec(2), "a"}}
	keep := append([]Cue(nil), in...)
	if _, err := Validate(in); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, keep) {
		t.Fatalf("input changed to %q", in)
	}
}

// Texts that a careless writer or reader would change on the way through.
var awkwardTexts = []string{
	"a &amp; b", "&lt;i&gt;", "&amp;amp;", "&", "&amp", "&lt", "&#60;", "&nbsp;", "&lrm;",
	"x < y > z", "<b>bold</b>", "<", ">", "<>", "< b>", "<3 >", "<<b>b>", "a <b",
	"5 → 6", "  leading", "\ttab\tinside", "123", "1\n2\n3", "NOTE this", "WEBVTT",
	"STYLE", "00:00:01,000", "ü ñ 日本語 🙂", "\u00A0x", "-", "--", "->",
}

func TestRoundTrip(t *testing.T) {
	var cues []Cue
	for i, text := range awkwardTexts {
		cues = append(cues, Cue{sec(float64(i)), sec(float64(i)) + ms(999), text})
	}
	cues, err := Validate(cues)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cues {
		if c.Text != awkwardTexts[i] {
			t.Errorf("Validate changed %q to %q", awkwardTexts[i], c.Text)
		}
	}
	roundTrip(t, cues)

	for _, in := range []string{
		"WEBVTT\n\n00:00.000 --> 00:01.000\n&amp;lt;b&amp;gt; &lt;b&gt; &#38;amp;\n\n00:01.000 --> 24:00:00.000\n<i>x</i> &lt; &gt;&gt;\n",
		"1\n00:00:00,000 --> 00:00:01,000\n&amp;lt; &lt;i&gt;x&lt;/i&gt; <u>u</u> & < >\n",
	} {
		cues, err := Parse([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, cues)
	}
}

// roundTrip checks that cues survive both writers and that Validate keeps
// them as they are.
func roundTrip(t *testing.T, cues []Cue) {
	t.Helper()
	checkCues(t, cues)
	vtt, srt := FormatVTT(cues), FormatSRT(cues)
	if bytes.IndexByte(vtt, '<') >= 0 {
		t.Fatalf("raw '<' in WebVTT output %q", vtt)
	}
	if n := max(len(vtt), len(srt)); writtenSize(cues) != n || n > MaxFileSize {
		t.Fatalf("writtenSize = %d, output is %d bytes", writtenSize(cues), n)
	}
	for _, out := range [][]byte{vtt, srt} {
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("output %q does not parse: %v", out, err)
		}
		if !reflect.DeepEqual(back, cues) {
			t.Fatalf("round trip through\n%q\ngave %q\nwant %q", out, back, cues)
		}
	}
	again, err := Validate(cues)
	if err != nil || !reflect.DeepEqual(again, cues) {
		t.Fatalf("Validate changed %q to %q (%v)", cues, again, err)
	}
}

// checkCues checks the invariants of every cue list Parse or Validate
// returns.
func checkCues(t *testing.T, cues []Cue) {
	t.Helper()
	if len(cues) == 0 || len(cues) > MaxCues {
		t.Fatalf("%d cues", len(cues))
	}
	for i, c := range cues {
		if c.Start < 0 || c.End <= c.Start || c.End > MaxTime {
			t.Fatalf("cue %d: bad times %v --> %v", i, c.Start, c.End)
		}
		if c.Start%time.Millisecond != 0 || c.End%time.Millisecond != 0 {
			t.Fatalf("cue %d: times finer than a millisecond", i)
		}
		if i > 0 && c.Start < cues[i-1].Start {
			t.Fatalf("cue %d: not sorted", i)
		}
		if n := len([]rune(c.Text)); n == 0 || n > MaxCueText {
			t.Fatalf("cue %d: text of %d characters", i, n)
		}
		if !utf8.ValidString(c.Text) {
			t.Fatalf("cue %d: %q is not UTF-8", i, c.Text)
		}
		if strings.Contains(c.Text, "-->") {
			t.Fatalf("cue %d: %q holds an arrow", i, c.Text)
		}
		for line := range strings.SplitSeq(c.Text, "\n") {
			if line == "" || strings.TrimRightFunc(line, unicode.IsSpace) != line {
				t.Fatalf("cue %d: untrimmed or empty line in %q", i, c.Text)
			}
			for _, r := range line {
				if r != '\t' && isControl(r) {
					t.Fatalf("cue %d: control character %U in %q", i, r, c.Text)
				}
			}
		}
	}
}

// TestLargeInputs feeds near-limit inputs built to trip up scanning: each
// must be handled in linear time (a quadratic scan of any of them takes
// seconds) and give a sound result.
func TestLargeInputs(t *testing.T) {
	n := MaxFileSize - 100
	head := "WEBVTT\n\n00:00.000 --> 00:01.000\n"
	for name, in := range map[string]string{
		"numeric references": head + strings.Repeat("&#", n/2-20),
		"hex references":     head + strings.Repeat("&#x1", n/4-20),
		"open brackets":      head + strings.Repeat("<", n-40),
		"open tags":          head + strings.Repeat("<a", n/2-20),
		"close brackets":     head + "<" + strings.Repeat("a>", n/2-20),
		"ampersands":         head + strings.Repeat("&", n-40),
		"controls":           head + strings.Repeat("\x01", n-40),
		"tabs":               head + strings.Repeat("\t", n-50) + "x",
		"dashes":             head + strings.Repeat("-", n-50) + ">",
		"digits":             head + strings.Repeat("9", n-40),
		"newlines":           strings.Repeat("\n", n),
		"CRs":                strings.Repeat("\r", n),
		"one-letter lines":   strings.Repeat("a\n", n/2),
		"counters":           strings.Repeat("1\n", n/2),
		"timing lines":       "WEBVTT\n\n" + strings.Repeat("00:00.000 --> 00:01.000\n", n/25),
		"long header":        "WEBVTT\n" + strings.Repeat("x\n", n/2-10),
	} {
		t.Run(name, func(t *testing.T) {
			for _, parse := range []func([]byte) ([]Cue, error){Parse, ParseVTT, ParseSRT} {
				if cues, err := parse([]byte(in)); err != nil {
					problemsOf(t, err)
				} else {
					roundTrip(t, cues)
				}
			}
		})
	}
}

func TestReferenceLength(t *testing.T) {
	for in, want := range map[string]string{
		"&#65;":                              "A",
		"&#x1F642;":                          "🙂",
		"&#0000065;":                         "A",
		"&#000000065;":                       "&#000000065;", // more digits than any code point needs
		"&#" + strings.Repeat("1", 50) + ";": "&#" + strings.Repeat("1", 50) + ";",
		"&#x;&#;&#-1;&#+1;":                  "&#x;&#;&#-1;&#+1;",
	} {
		if got := decodeRefs(in, vttText); got != want {
			t.Errorf("decodeRefs(%q) = %q, want %q", in, got, want)
		}
	}
}
