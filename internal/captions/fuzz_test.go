package captions

import (
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"WEBVTT\n\n00:01.000 --> 00:02.000\nHello\n",
		"\uFEFFWEBVTT title\r\nKind: captions\r\n\r\nNOTE hi\r\n\r\nSTYLE\r\n::cue{}\r\n\r\n" +
			"id\r\n00:00:01.000 --> 00:00:02.000 align:start\r\n<v Bob><i>Hi</i> &amp; bye</v>\r\nline two\r\n",
		"WEBVTT\n\n00:00.000 --> 24:00:00.000\n&lt;b&gt; &#60;i&#62; &nbsp;&#10;x --&gt; y <00:00.500>z\n",
		"1\n00:00:01,000 --> 00:00:02,000\n<i>Hello</i>\n\n2\n00:00:03.000 --> 00:00:04.000 X1:1\nWorld &amp; co\n",
		"00:00:01,000 --> 00:00:02,000\nno counter\n3\n00:00:03,000 --> 00:00:04,000\n7\n",
		"1\r00:00:01,000 --> 00:00:02,000\r< & > <<b>b> &lt;\r\r",
		"WEBVTT\n\n00:00:02.000 --> 00:00:01.000\n\n",
		"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
		"\xff\xfe1\x00\n\x00",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, parse := range []func([]byte) ([]Cue, error){Parse, ParseVTT, ParseSRT} {
			cues, err := parse(data)
			if err != nil {
				if cues != nil {
					t.Fatal("cues returned along with an error")
				}
				for _, p := range problemsOf(t, err) {
					if p.Line < 0 || p.Code == "" || p.Message == "" || len(p.Message) > 300 {
						t.Fatalf("odd problem %+v", p)
					}
				}
				continue
			}
			roundTrip(t, cues)
		}
	})
}
