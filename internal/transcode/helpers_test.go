package transcode_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"troupe/internal/testkit"
	"troupe/internal/transcode"
)

// tools returns the installed tools, or stops the test without them.
func tools(t testing.TB) transcode.Tools {
	t.Helper()
	testkit.RequireTool(t, "ffprobe")
	testkit.RequireTool(t, "ffmpeg")
	return transcode.Find()
}

// makeClip writes a test pattern of the given size and seconds to a file
// named name in a fresh folder, with a tone when the encoding arguments
// say how to encode sound, and returns its path.
func makeClip(t testing.TB, name, size string, seconds int, encoding ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	d := strconv.Itoa(seconds)
	args := []string{"-f", "lavfi", "-i", "testsrc=duration=" + d + ":size=" + size + ":rate=10"}
	if hasAudio(encoding) {
		args = append(args, "-f", "lavfi", "-i", "sine=duration="+d+":sample_rate=48000")
	}
	ffmpeg(t, append(append(args, encoding...), path)...)
	return path
}

func hasAudio(encoding []string) bool {
	for _, a := range encoding {
		if strings.HasPrefix(a, "-c:a") {
			return true
		}
	}
	return false
}

// ffmpeg runs ffmpeg for the test's own files.
func ffmpeg(t testing.TB, args ...string) {
	t.Helper()
	bin := testkit.RequireTool(t, "ffmpeg")
	cmd := exec.Command(bin, append(append([]string{"-nostdin", "-v", "error"}, args...), "-y")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// topBoxes lists the types of an MP4 file's top-level boxes in order.
func topBoxes(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for len(b) >= 8 {
		size := uint64(binary.BigEndian.Uint32(b))
		header := uint64(8)
		switch size {
		case 0:
			size = uint64(len(b))
		case 1:
			if len(b) < 16 {
				t.Fatalf("short box header")
			}
			size, header = binary.BigEndian.Uint64(b[8:]), 16
		}
		if size < header || size > uint64(len(b)) {
			t.Fatalf("box %q of size %d in %d bytes", b[4:8], size, len(b))
		}
		types = append(types, string(b[4:8]))
		b = b[size:]
	}
	return types
}

// processesMentioning lists the running processes whose command line
// holds s.
func processesMentioning(t testing.TB, s string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc to look for processes in")
	}
	var pids []string
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(s)) {
			pids = append(pids, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return pids
}
