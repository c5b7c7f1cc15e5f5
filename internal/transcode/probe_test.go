package transcode_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"troupe/internal/testkit"
	"troupe/internal/transcode"
)

func TestProbe(t *testing.T) {
	ctx := context.Background()
	t.Run("an MP4 of H.264 and AAC: its size, codecs and container, and it plays as it is", func(t *testing.T) {
		tools := tools(t)
		path := makeClip(t, "clip.mp4", "320x240", 1, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac")
		info, err := tools.Probe(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Width != 320 || info.Height != 240 || info.Rotation != 0 || info.VideoCodec != "h264" || info.AudioCodec != "aac" ||
			info.PixelFormat != "yuv420p" || !strings.Contains(info.Format, "mp4") {
			t.Fatalf("info %+v", info)
		}
		if info.Duration < 900*time.Millisecond || info.Duration > 1100*time.Millisecond {
			t.Fatalf("duration %v, want about 1s", info.Duration)
		}
		if !info.WebReady() {
			t.Fatalf("%+v is not web ready", info)
		}
	})
	t.Run("a silent video has no audio codec and still plays as it is", func(t *testing.T) {
		tools := tools(t)
		path := filepath.Join(t.TempDir(), "silent.mp4")
		testkit.MakeVideo(t, path, 1)
		info, err := tools.Probe(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if info.AudioCodec != "" || info.VideoCodec != "h264" || !info.WebReady() {
			t.Fatalf("info %+v, web ready %v", info, info.WebReady())
		}
	})
	t.Run("a phone's rotated video is measured as it is shown", func(t *testing.T) {
		tools := tools(t)
		src := makeClip(t, "clip.mp4", "320x240", 1, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")
		rotated := filepath.Join(t.TempDir(), "rotated.mp4")
		ffmpeg(t, "-i", src, "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated)
		info, err := tools.Probe(ctx, rotated)
		if err != nil {
			t.Fatal(err)
		}
		if info.Width != 240 || info.Height != 320 || (info.Rotation != 90 && info.Rotation != 270) {
			t.Fatalf("info %+v, want 240x320 turned a quarter", info)
		}
	})
}

func TestWebReady(t *testing.T) {
	mp4 := "mov,mp4,m4a,3gp,3g2,mj2"
	for _, c := range []struct {
		name string
		info transcode.Info
		want bool
	}{
		{"H.264 and AAC in MP4", transcode.Info{VideoCodec: "h264", PixelFormat: "yuv420p", AudioCodec: "aac", Format: mp4}, true},
		{"H.264 without sound", transcode.Info{VideoCodec: "h264", PixelFormat: "yuv420p", Format: mp4}, true},
		{"HEVC from a phone", transcode.Info{VideoCodec: "hevc", PixelFormat: "yuv420p", AudioCodec: "aac", Format: mp4}, false},
		{"10-bit H.264", transcode.Info{VideoCodec: "h264", PixelFormat: "yuv420p10le", AudioCodec: "aac", Format: mp4}, false},
		{"4:2:2 H.264", transcode.Info{VideoCodec: "h264", PixelFormat: "yuv422p", Format: mp4}, false},
		{"Opus sound", transcode.Info{VideoCodec: "h264", PixelFormat: "yuv420p", AudioCodec: "opus", Format: mp4}, false},
		{"Matroska", transcode.Info{VideoCodec: "h264", PixelFormat: "yuv420p", AudioCodec: "aac", Format: "matroska,webm"}, false},
		{"sound only", transcode.Info{AudioCodec: "aac", Format: mp4}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.info.WebReady(); got != c.want {
				t.Fatalf("WebReady() = %v, want %v", got, c.want)
			}
		})
	}
}
