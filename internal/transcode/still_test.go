package transcode_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStills(t *testing.T) {
	ctx := context.Background()
	t.Run("a thumbnail is a JPEG 320 pixels wide", func(t *testing.T) {
		tools := tools(t)
		src := makeClip(t, "clip.mp4", "640x360", 2, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")
		jpeg, err := tools.Thumbnail(ctx, src, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if w, h := jpegSize(t, jpeg); w != 320 || h != 180 {
			t.Fatalf("thumbnail %dx%d, want 320x180", w, h)
		}
	})
	t.Run("a sprite is a grid of small frames with a track that finds each", func(t *testing.T) {
		tools := tools(t)
		src := makeClip(t, "clip.mp4", "640x360", 3, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")
		s, err := tools.Sprite(ctx, src, 12)
		if err != nil {
			t.Fatal(err)
		}
		if s.Frames != 12 || s.Columns != 10 || s.Rows != 2 || s.TileWidth != 160 || s.TileHeight != 90 {
			t.Fatalf("sprite geometry %+v", s)
		}
		if s.Interval != 250*time.Millisecond {
			t.Fatalf("interval %v, want 250ms", s.Interval)
		}
		if w, h := jpegSize(t, s.JPEG); w != 1600 || h != 180 {
			t.Fatalf("sprite %dx%d, want 1600x180", w, h)
		}
		vtt := s.WebVTT("sprite.jpg")
		for _, want := range []string{
			"WEBVTT\n",
			"\n00:00:00.000 --> 00:00:00.250\nsprite.jpg#xywh=0,0,160,90\n",
			"\n00:00:02.750 --> 00:00:03.000\nsprite.jpg#xywh=160,90,160,90\n",
		} {
			if !strings.Contains(vtt, want) {
				t.Fatalf("track lacks %q:\n%s", want, vtt)
			}
		}
		if cues := strings.Count(vtt, "-->"); cues != 12 {
			t.Fatalf("%d cues, want 12", cues)
		}
	})
}

// jpegSize checks that b is a JPEG and returns its size, as ffprobe reads it.
func jpegSize(t testing.TB, b []byte) (int, int) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte{0xFF, 0xD8}) {
		t.Fatalf("not a JPEG: % x", b[:min(4, len(b))])
	}
	path := filepath.Join(t.TempDir(), "still.jpg")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := tools(t).Probe(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if info.VideoCodec != "mjpeg" {
		t.Fatalf("codec %q, want mjpeg", info.VideoCodec)
	}
	return info.Width, info.Height
}
