package transcode

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const (
	// posterWidth and thumbnailWidth bound stills' widths; smaller
	// videos keep their own.
	posterWidth    = 960
	thumbnailWidth = 320
	// spriteTileWidth is a scrubbing frame's width, and spriteColumns how
	// many sit side by side: 100 frames make one 1600-pixel-wide JPEG.
	spriteTileWidth = 160
	spriteColumns   = 10
)

// errEmpty means ffmpeg succeeded without writing what it was asked for,
// such as a frame past the end of a video.
var errEmpty = errors.New("no output")

// Poster runs ffmpeg for one frame, at most 960 pixels wide; it fails with
// ErrNoTool when ffmpeg is missing.
func (e Exec) Poster(ctx context.Context, path string, at time.Duration) ([]byte, error) {
	return e.still(ctx, path, at, posterWidth)
}

// Thumbnail runs ffmpeg for one frame, at most 320 pixels wide; it fails
// with ErrNoTool when ffmpeg is missing.
func (e Exec) Thumbnail(ctx context.Context, path string, at time.Duration) ([]byte, error) {
	return e.still(ctx, path, at, thumbnailWidth)
}

// still returns a JPEG of the frame at at, at most width pixels wide.
func (e Exec) still(ctx context.Context, path string, at time.Duration, width int) ([]byte, error) {
	if e.FFmpeg == "" {
		return nil, fmt.Errorf("ffmpeg: %w", ErrNoTool)
	}
	return e.jpeg(ctx, "troupe-still-*", "-protocol_whitelist", onlyFile,
		"-ss", strconv.FormatFloat(at.Seconds(), 'f', 3, 64), "-i", path,
		"-frames:v", "1", "-vf", fmt.Sprintf("scale='min(%d,iw)':-2", width), "-q:v", "4")
}

// jpeg runs ffmpeg with args writing one JPEG into a temporary folder, and
// returns its bytes.
func (e Exec) jpeg(ctx context.Context, pattern string, args ...string) ([]byte, error) {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "still.jpg")
	if err := e.ffmpeg(ctx, 0, nil, append(args, "-f", "image2", "-update", "1", "-y", out)...); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(out)
	if errors.Is(err, os.ErrNotExist) || err == nil && len(b) == 0 {
		return nil, fmt.Errorf("ffmpeg: %w (no frame at that time?)", errEmpty)
	}
	return b, err
}

// Sprite is a grid of small frames taken at even intervals, left to right
// then top to bottom, and the geometry a player needs to show one.
type Sprite struct {
	// JPEG is the grid.
	JPEG []byte
	// Frames is how many frames the grid holds, Interval the time from one
	// to the next: frame k shows the video at k × Interval.
	Frames   int
	Interval time.Duration
	// TileWidth and TileHeight are one frame's size in pixels; Columns
	// and Rows the grid's.
	TileWidth, TileHeight int
	Columns, Rows         int
}

// Sprite probes the video and runs ffmpeg to take frames frames at even
// intervals over its whole length into one grid. It fails with ErrNoTool
// when a program is missing.
func (e Exec) Sprite(ctx context.Context, path string, frames int) (Sprite, error) {
	if frames < 1 {
		return Sprite{}, fmt.Errorf("sprite: %d frames", frames)
	}
	if e.FFmpeg == "" {
		return Sprite{}, fmt.Errorf("ffmpeg: %w", ErrNoTool)
	}
	info, err := e.Probe(ctx, path)
	if err != nil {
		return Sprite{}, err
	}
	if info.Duration <= 0 || info.Width <= 0 {
		return Sprite{}, errors.New("sprite: not a video of known length")
	}
	s := Sprite{Frames: frames, Interval: info.Duration / time.Duration(frames), Columns: min(frames, spriteColumns)}
	s.Rows = (frames + s.Columns - 1) / s.Columns
	s.TileWidth = min(spriteTileWidth, even(info.Width))
	s.TileHeight = even(int(float64(info.Height) * float64(s.TileWidth) / float64(info.Width)))
	// The fps filter keeps the frame showing at each multiple of the
	// interval; scaling after it scales only those.
	filter := fmt.Sprintf("fps=%d/%s,scale=%d:%d,tile=%dx%d", frames, strconv.FormatFloat(info.Duration.Seconds(), 'f', 6, 64),
		s.TileWidth, s.TileHeight, s.Columns, s.Rows)
	s.JPEG, err = e.jpeg(ctx, "troupe-sprite-*", "-protocol_whitelist", onlyFile, "-i", path,
		"-map", "0:V:0", "-vf", filter, "-frames:v", "1", "-q:v", "5")
	if err != nil {
		return Sprite{}, err
	}
	return s, nil
}

// WebVTT returns a thumbnails track for the sprite stored at url: one cue
// per frame, naming its tile with a media fragment (#xywh=x,y,w,h), as
// video players read scrubbing previews.
func (s Sprite) WebVTT(url string) string {
	var b strings.Builder
	b.WriteString("WEBVTT\n")
	for k := range s.Frames {
		x, y := k%s.Columns*s.TileWidth, k/s.Columns*s.TileHeight
		fmt.Fprintf(&b, "\n%s --> %s\n%s#xywh=%d,%d,%d,%d\n",
			vttTime(time.Duration(k)*s.Interval), vttTime(time.Duration(k+1)*s.Interval), url, x, y, s.TileWidth, s.TileHeight)
	}
	return b.String()
}

// vttTime writes a WebVTT timestamp, hh:mm:ss.ttt.
func vttTime(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000)
}
