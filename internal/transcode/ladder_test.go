package transcode

import (
	"reflect"
	"testing"
)

func TestLadderFor(t *testing.T) {
	names := func(rungs []Rung) []string {
		var n []string
		for _, r := range rungs {
			n = append(n, r.Name)
		}
		return n
	}
	for _, c := range []struct {
		name   string
		height int
		want   []string
	}{
		{"a 4K source stops at 1080p", 2160, []string{"360p", "720p", "1080p"}},
		{"a 1080p source gets every rung", 1080, []string{"360p", "720p", "1080p"}},
		{"a 900p source is never upscaled", 900, []string{"360p", "720p"}},
		{"a 720p source stops at its own height", 720, []string{"360p", "720p"}},
		{"a source just below 720p keeps 360p", 719, []string{"360p"}},
		{"a source below every rung gets one of its own size, even", 241, []string{"240p"}},
		{"no picture, no rungs", 0, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := names(ladderFor(DefaultLadder(), c.height)); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("ladderFor(%d) = %v, want %v", c.height, got, c.want)
			}
		})
	}
	t.Run("a source below every rung takes the lowest rung's bitrate", func(t *testing.T) {
		got := ladderFor(DefaultLadder(), 144)
		if len(got) != 1 || got[0].Height != 144 || got[0].VideoBitrate != DefaultLadder()[0].VideoBitrate {
			t.Fatalf("ladderFor(144) = %+v", got)
		}
	})
}

func TestScaledSize(t *testing.T) {
	for _, c := range []struct {
		name         string
		w, h, short  int
		wantW, wantH int
	}{
		{"landscape 4K to 1080p", 3840, 2160, 1080, 1920, 1080},
		{"portrait phone video to 1080p keeps its width at 1080", 2160, 3840, 1080, 1080, 1920},
		{"never upscaled", 640, 360, 1080, 640, 360},
		{"odd sizes become even", 641, 361, 1080, 640, 360},
		{"aspect kept when scaling down", 1440, 1080, 720, 960, 720},
		{"square", 1000, 1000, 720, 720, 720},
		{"no picture", 0, 0, 720, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, h := scaledSize(c.w, c.h, c.short)
			if w != c.wantW || h != c.wantH {
				t.Fatalf("scaledSize(%d, %d, %d) = %dx%d, want %dx%d", c.w, c.h, c.short, w, h, c.wantW, c.wantH)
			}
		})
	}
}
