package transcode_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"troupe/internal/testkit"
	"troupe/internal/transcode"
)

// progressLog records what an encode reports.
type progressLog struct {
	mu   sync.Mutex
	seen []float64
}

func (p *progressLog) report(done float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen = append(p.seen, done)
}

// check fails unless the reports rose from 0 to 1.
func (p *progressLog) check(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.seen) < 2 || p.seen[0] != 0 || p.seen[len(p.seen)-1] != 1 || !slices.IsSorted(p.seen) {
		t.Fatalf("progress %v, want a rise from 0 to 1", p.seen)
	}
}

func TestWebRendition(t *testing.T) {
	ctx := context.Background()
	t.Run("HEVC in Matroska becomes H.264 and AAC in an MP4 whose index comes first", func(t *testing.T) {
		tools := tools(t)
		testkit.RequireEncoder(t, "libx265")
		src := makeClip(t, "phone.mkv", "320x240", 2, "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
			"-pix_fmt", "yuv420p", "-c:a", "libopus")
		before, err := tools.Probe(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		if before.VideoCodec != "hevc" || before.WebReady() {
			t.Fatalf("source %+v", before)
		}
		dst := filepath.Join(t.TempDir(), "web.mp4")
		var progress progressLog
		if err := tools.WebRendition(ctx, src, dst, progress.report); err != nil {
			t.Fatal(err)
		}
		progress.check(t)
		info, err := tools.Probe(ctx, dst)
		if err != nil {
			t.Fatal(err)
		}
		if info.VideoCodec != "h264" || info.AudioCodec != "aac" || info.PixelFormat != "yuv420p" || info.Width != 320 || info.Height != 240 || !info.WebReady() {
			t.Fatalf("rendition %+v", info)
		}
		if d := info.Duration - before.Duration; d < -100*time.Millisecond || d > 100*time.Millisecond {
			t.Fatalf("rendition plays %v, source %v", info.Duration, before.Duration)
		}
		boxes := topBoxes(t, dst)
		if moov, mdat := slices.Index(boxes, "moov"), slices.Index(boxes, "mdat"); moov < 0 || mdat < 0 || moov > mdat {
			t.Fatalf("boxes %v, want moov before mdat", boxes)
		}
	})
	t.Run("a tall phone video is brought down to 1080p, keeping its aspect", func(t *testing.T) {
		tools := tools(t)
		src := makeClip(t, "tall.mp4", "1440x2560", 1, "-r", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")
		dst := filepath.Join(t.TempDir(), "web.mp4")
		if err := tools.WebRendition(ctx, src, dst, nil); err != nil {
			t.Fatal(err)
		}
		info, err := tools.Probe(ctx, dst)
		if err != nil {
			t.Fatal(err)
		}
		if info.Width != 1080 || info.Height != 1920 {
			t.Fatalf("rendition %dx%d, want 1080x1920", info.Width, info.Height)
		}
	})
	t.Run("cancelling stops the encode at once and leaves neither process nor file", func(t *testing.T) {
		tools := tools(t)
		// A minute of 720p, long enough to be still encoding when cancelled,
		// made quickly by repeating a short clip without encoding it again.
		short := makeClip(t, "short.mp4", "1280x720", 2, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")
		src := filepath.Join(t.TempDir(), "long.mp4")
		ffmpeg(t, "-stream_loop", "29", "-i", short, "-c", "copy", src)
		dir := t.TempDir()
		dst := filepath.Join(dir, "web.mp4")
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		var once sync.Once
		var cancelled time.Time
		stop := func() { once.Do(func() { cancelled = time.Now(); cancel() }) }
		time.AfterFunc(2*time.Second, stop)
		err := tools.WebRendition(ctx, src, dst, func(done float64) {
			if done > 0 {
				stop()
			}
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled (did the encode end before the cancel?)", err)
		}
		if took := time.Since(cancelled); took > 2*time.Second {
			t.Fatalf("stopped %v after the cancel", took)
		}
		if pids := processesMentioning(t, dir); len(pids) > 0 {
			t.Fatalf("still running: %v", pids)
		}
		if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("half-made rendition left: %v", err)
		}
	})
	t.Run("a corrupt input fails with ffmpeg's own words", func(t *testing.T) {
		tools := tools(t)
		src := filepath.Join(t.TempDir(), "corrupt.mp4")
		if err := os.WriteFile(src, []byte(strings.Repeat("not a video at all ", 500)), 0o600); err != nil {
			t.Fatal(err)
		}
		err := tools.WebRendition(ctx, src, filepath.Join(t.TempDir(), "web.mp4"), nil)
		if err == nil || !strings.Contains(err.Error(), "Invalid data found when processing input") {
			t.Fatalf("rendition: %v", err)
		}
		_, err = tools.Thumbnail(ctx, src, 0)
		if err == nil || !strings.HasPrefix(err.Error(), "ffmpeg: ") || !strings.Contains(err.Error(), "Invalid data found when processing input") {
			t.Fatalf("thumbnail: %v", err)
		}
		if len(err.Error()) > 2200 {
			t.Fatalf("error of %d bytes", len(err.Error()))
		}
	})
	t.Run("without ffmpeg there is no rendition", func(t *testing.T) {
		err := transcode.Exec{}.WebRendition(ctx, "x.mp4", "y.mp4", nil)
		if !errors.Is(err, transcode.ErrNoTool) {
			t.Fatalf("err %v", err)
		}
		if _, err := (transcode.Exec{}).HLS(ctx, "x.mp4", t.TempDir(), nil, nil); !errors.Is(err, transcode.ErrNoTool) {
			t.Fatalf("hls: %v", err)
		}
		if _, err := (transcode.Exec{}).Sprite(ctx, "x.mp4", 10); !errors.Is(err, transcode.ErrNoTool) {
			t.Fatalf("sprite: %v", err)
		}
	})
}

func TestHLS(t *testing.T) {
	ctx := context.Background()
	t.Run("a 720p clip gets 360p and 720p rungs, and every segment listed is video", func(t *testing.T) {
		tools := tools(t)
		src := makeClip(t, "clip.mp4", "1280x720", 3, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac")
		dir := t.TempDir()
		var progress progressLog
		files, err := tools.HLS(ctx, src, dir, nil, progress.report)
		if err != nil {
			t.Fatal(err)
		}
		progress.check(t)
		master, err := os.ReadFile(filepath.Join(dir, files.Master))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"RESOLUTION=640x360", "\n360p.m3u8\n", "RESOLUTION=1280x720", "\n720p.m3u8\n"} {
			if !strings.Contains(string(master), want) {
				t.Fatalf("master playlist lacks %q:\n%s", want, master)
			}
		}
		if strings.Contains(string(master), "1080") || len(files.Variants) != 2 {
			t.Fatalf("a rung above the source:\n%s\n%+v", master, files)
		}
		for _, v := range files.Variants {
			if len(v.Segments) == 0 {
				t.Fatalf("rung %s has no segments", v.Name)
			}
			for _, seg := range v.Segments {
				info, err := tools.Probe(ctx, filepath.Join(dir, seg))
				if err != nil {
					t.Fatalf("segment %s: %v", seg, err)
				}
				if info.VideoCodec != "h264" || info.AudioCodec != "aac" || info.Width != v.Width || info.Height != v.Height {
					t.Fatalf("segment %s: %+v, want %dx%d", seg, info, v.Width, v.Height)
				}
			}
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var written []string
		for _, e := range entries {
			written = append(written, e.Name())
		}
		listed := files.Files()
		slices.Sort(written)
		slices.Sort(listed)
		if !slices.Equal(written, listed) {
			t.Fatalf("wrote %v, listed %v", written, listed)
		}
	})
	t.Run("a rung whose name is not a safe key is refused", func(t *testing.T) {
		tools := tools(t)
		src := filepath.Join(t.TempDir(), "clip.mp4")
		testkit.MakeVideo(t, src, 1)
		_, err := tools.HLS(ctx, src, t.TempDir(), []transcode.Rung{{Name: "../up", Height: 100, VideoBitrate: 100_000}}, nil)
		if err == nil {
			t.Fatal("no error")
		}
	})
}
