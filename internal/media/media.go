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

// Exec runs ffprobe and ffmpeg.
type Exec struct {
	// FFprobe and FFmpeg are the programs' paths, "" when not installed.
	FFprobe, FFmpeg string
}

// Find returns the tools installed on PATH, or nil when ffprobe is not
// there: without it no file is worth copying out of the media store.
func Find() Tools {
	ffprobe, err := exec.LookPath("ffprobe")
	if err != nil {
		return nil
	}
	ffmpeg, _ := exec.LookPath("ffmpeg")
	return Exec{FFprobe: ffprobe, FFmpeg: ffmpeg}
}

// Uploads are untrusted: the tools may read the file and nothing else (no
// playlists pointing at other files or URLs).
const onlyFile = "file"

// Probe runs ffprobe; it fails with ErrNoTool when ffprobe is missing.
func (e Exec) Probe(ctx context.Context, path string) (Info, error) {
	if e.FFprobe == "" {
		return Info{}, fmt.Errorf("ffprobe: %w", ErrNoTool)
	}
	out, err := exec.CommandContext(ctx, e.FFprobe, "-v", "error", "-protocol_whitelist", onlyFile, "-show_entries", "format=duration",
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
func (e Exec) Poster(ctx context.Context, path string, at time.Duration) ([]byte, error) {
	if e.FFmpeg == "" {
		return nil, fmt.Errorf("ffmpeg: %w", ErrNoTool)
	}
	dir, err := os.MkdirTemp("", "troupe-poster-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "poster.jpg")
	cmd := exec.CommandContext(ctx, e.FFmpeg, "-v", "error", "-protocol_whitelist", onlyFile, "-ss", strconv.FormatFloat(at.Seconds(), 'f', 3, 64), "-i", path,
		"-frames:v", "1", "-vf", "scale='min(960,iw)':-2", "-q:v", "4", "-y", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ffmpeg: %w: %s", err, bytes.TrimSpace(msg))
	}
	return os.ReadFile(out)
}
