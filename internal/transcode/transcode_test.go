package transcode_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"troupe/internal/testkit"
	"troupe/internal/transcode"
)

func TestExec(t *testing.T) {
	ctx := context.Background()
	t.Run("without the tools, there are none to use", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		if tools := transcode.Find(); tools != nil {
			t.Fatalf("found %#v", tools)
		}
		if _, err := (transcode.Exec{}).Probe(ctx, "x.mp4"); !errors.Is(err, transcode.ErrNoTool) {
			t.Fatalf("probe: %v", err)
		}
		if _, err := (transcode.Exec{}).Poster(ctx, "x.mp4", time.Second); !errors.Is(err, transcode.ErrNoTool) {
			t.Fatalf("poster: %v", err)
		}
	})
	t.Run("a video's duration and a JPEG poster", func(t *testing.T) {
		testkit.RequireTool(t, "ffprobe")
		tools := transcode.Find()
		path := filepath.Join(t.TempDir(), "clip.mp4")
		testkit.MakeVideo(t, path, 2)
		info, err := tools.Probe(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Duration < 1900*time.Millisecond || info.Duration > 2100*time.Millisecond {
			t.Fatalf("duration %v, want about 2s", info.Duration)
		}
		jpeg, err := tools.Poster(ctx, path, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(jpeg, []byte{0xFF, 0xD8}) {
			t.Fatalf("poster is not a JPEG: % x", jpeg[:min(4, len(jpeg))])
		}
	})
}
