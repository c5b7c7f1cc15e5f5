// Package transcode reads facts from video and audio files, takes poster
// frames, thumbnails and scrubbing sprites, and makes the renditions every
// browser plays, with ffprobe and ffmpeg when they are installed. The
// server works without them: such files simply have no duration or
// poster and play as they were uploaded.
package transcode

import (
	"context"
	"errors"
	"os/exec"
	"time"
)

// ErrNoTool means the program a task needs is not installed.
var ErrNoTool = errors.New("not installed")

// Tools reads files stored on the local disk and writes what it makes
// there too. Every task stops, and kills its program, when ctx ends.
type Tools interface {
	// Probe reads the facts of the file at path.
	Probe(ctx context.Context, path string) (Info, error)
	// Poster returns a JPEG of the frame at at in the video at path.
	Poster(ctx context.Context, path string, at time.Duration) ([]byte, error)
	// Thumbnail returns a small JPEG of the frame at at, for lists.
	Thumbnail(ctx context.Context, path string, at time.Duration) ([]byte, error)
	// Sprite returns a grid of that many small frames, taken at even
	// intervals, for previews while scrubbing.
	Sprite(ctx context.Context, path string, frames int) (Sprite, error)
	// WebRendition writes to dst an MP4 of the video at src that every
	// browser plays, reporting the share done to progress (may be nil).
	WebRendition(ctx context.Context, src, dst string, progress func(float64)) error
	// HLS writes an HLS ladder of the video at src into the folder dir,
	// reporting the share done to progress (may be nil).
	HLS(ctx context.Context, src, dir string, ladder []Rung, progress func(float64)) (HLSFiles, error)
}

// Exec runs ffprobe and ffmpeg.
type Exec struct {
	// FFprobe and FFmpeg are the programs' paths, "" when not installed.
	FFprobe, FFmpeg string
}

var _ Tools = Exec{}

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
