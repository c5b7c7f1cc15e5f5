// Package media reads facts from video and audio files and takes poster
// frames, with ffprobe and ffmpeg when they are installed. The server
// works without them: such files simply have no duration or poster.
package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrNoTool means the program a task needs is not installed.
var ErrNoTool = errors.New("not installed")

// Info is what probing a file tells.
type Info struct {
	// Duration is how long the file plays, 0 when it is not known.
	Duration time.Duration
}

// Tools reads files stored on the local disk.
type Tools interface {
	// Probe reads the facts of the file at path.
	Probe(ctx context.Context, path string) (Info, error)
	// Poster returns a JPEG of the frame at at in the video at path.
	Poster(ctx context.Context, path string, at time.Duration) ([]byte, error)
}

// Exec runs ffprobe and ffmpeg as found on PATH at each call, so that
// installing them needs no restart.
type Exec struct{}

// Uploads are untrusted: the tools may read the file and nothing else (no
// playlists pointing at other files or URLs).
const onlyFile = "file"

// Probe runs ffprobe; it fails with ErrNoTool when ffprobe is missing.
func (Exec) Probe(ctx context.Context, path string) (Info, error) {
	ffprobe, err := exec.LookPath("ffprobe")
	if err != nil {
		return Info{}, fmt.Errorf("ffprobe: %w", ErrNoTool)
	}
	out, err := exec.CommandContext(ctx, ffprobe, "-v", "error", "-protocol_whitelist", onlyFile, "-show_entries", "format=duration",
		"-of", "default=noprint_wrappers=1:nokey=1", path).Output()
	if err != nil {
		return Info{}, fmt.Errorf("ffprobe: %w", err)
	}
	var info Info
	if secs, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64); err == nil && secs > 0 && !math.IsInf(secs, 0) {
		info.Duration = time.Duration(secs * float64(time.Second))
	}
	return info, nil
}

// Poster runs ffmpeg for one frame, at most 960 pixels wide; it fails with
// ErrNoTool when ffmpeg is missing.
func (Exec) Poster(ctx context.Context, path string, at time.Duration) ([]byte, error) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: %w", ErrNoTool)
	}
	dir, err := os.MkdirTemp("", "troupe-poster-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "poster.jpg")
	cmd := exec.CommandContext(ctx, ffmpeg, "-v", "error", "-protocol_whitelist", onlyFile, "-ss", strconv.FormatFloat(at.Seconds(), 'f', 3, 64), "-i", path,
		"-frames:v", "1", "-vf", "scale='min(960,iw)':-2", "-q:v", "4", "-y", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ffmpeg: %w: %s", err, bytes.TrimSpace(msg))
	}
	return os.ReadFile(out)
}
