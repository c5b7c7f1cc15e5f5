package media_test

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkEncode720p makes the web rendition of 30 s of 720p at 30
// frames a second with sound to encode, and reports how many times faster
// than real time it runs (x-realtime).
func BenchmarkEncode720p(b *testing.B) {
	tools := tools(b)
	const seconds = 30
	src := filepath.Join(b.TempDir(), "720p.mkv")
	ffmpeg(b, "-f", "lavfi", "-i", "testsrc=duration=30:size=1280x720:rate=30", "-f", "lavfi", "-i", "sine=duration=30:sample_rate=48000",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "pcm_s16le", src)
	dst := filepath.Join(b.TempDir(), "web.mp4")
	b.ResetTimer()
	for range b.N {
		if err := tools.WebRendition(context.Background(), src, dst, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
}
