package testkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// RequireTool returns the path of an outside program (ffmpeg, ffprobe)
// the test needs. Without it the test skips, or fails under
// TROUPE_TEST_STRICT=1.
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		unmet(t, lackOther, name+" is not installed")
	}
	return path
}

// MakeVideo writes a small real MP4 video (a test pattern of the given
// seconds) to path with ffmpeg.
func MakeVideo(t testing.TB, path string, seconds int) {
	t.Helper()
	ffmpeg := RequireTool(t, "ffmpeg")
	out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i",
		"testsrc=duration="+strconv.Itoa(seconds)+":size=160x120:rate=10", "-pix_fmt", "yuv420p", "-y", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
}

// VideoBytes returns a small real MP4 of the given length, made as
// MakeVideo makes it.
func VideoBytes(t testing.TB, seconds int) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "clip.mp4")
	MakeVideo(t, path, seconds)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RequireEncoder checks that ffmpeg has the encoder name (libx265, say):
// builds of ffmpeg differ. Without it the test skips, or fails under
// TROUPE_TEST_STRICT=1.
func RequireEncoder(t testing.TB, name string) {
	t.Helper()
	out, err := exec.Command(RequireTool(t, "ffmpeg"), "-hide_banner", "-encoders").Output()
	if err != nil || !regexp.MustCompile(`(?m)^\s*\S+\s+`+regexp.QuoteMeta(name)+`\s`).Match(out) {
		unmet(t, lackOther, "ffmpeg has no "+name+" encoder")
	}
}
