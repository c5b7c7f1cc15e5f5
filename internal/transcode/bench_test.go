//go:build unix

package transcode_test

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkEncode720p makes the web rendition of 30 s of 720p at 30
// frames a second, with sound to encode, and reports how many times faster
// than real time it runs (x-realtime). On a machine shared with other work
// the wall clock says little, so it also reports seconds of video per
// second of ffmpeg's processor time (x-realtime-per-core): twice that is
// what two idle cores would give.
func BenchmarkEncode720p(b *testing.B) {
	tools := tools(b)
	const seconds = 30
	src := filepath.Join(b.TempDir(), "720p.mkv")
	ffmpeg(b, "-f", "lavfi", "-i", "testsrc=duration=30:size=1280x720:rate=30", "-f", "lavfi", "-i", "sine=duration=30:sample_rate=48000",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "pcm_s16le", src)
	dst := filepath.Join(b.TempDir(), "web.mp4")
	before := childrenCPU(b)
	b.ResetTimer()
	for range b.N {
		if err := tools.WebRendition(context.Background(), src, dst, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	video := seconds * float64(b.N)
	b.ReportMetric(video/b.Elapsed().Seconds(), "x-realtime")
	b.ReportMetric(video/(childrenCPU(b)-before).Seconds(), "x-realtime-per-core")
}

// childrenCPU is the processor time used by the finished programs this
// process started.
func childrenCPU(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
