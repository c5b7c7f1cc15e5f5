package transcode

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	// x264Preset trades compression for speed: see BenchmarkEncode720p
	// and docs/decisions.md for the measurement behind it.
	x264Preset = "veryfast"
	// x264CRF is x264's default quality, good for most footage.
	x264CRF = "23"
	// webShortSide caps the web rendition at 1080p.
	webShortSide = 1080
	// audioBitrate is for AAC made from other sound, in stereo.
	audioBitrate = "128k"
	// hlsSegmentSeconds is each segment's length; keyframes come every
	// hlsKeyframeSeconds so that every rung cuts at the same times.
	hlsSegmentSeconds  = 6
	hlsKeyframeSeconds = 2
	// hlsMaster is the master playlist's name in an HLS folder.
	hlsMaster = "master.m3u8"
)

// errNoVideo means a file has no video stream of known size to transcode.
var errNoVideo = errors.New("no video stream of known size")

// videoArgs encodes H.264 in 8-bit 4:2:0, the one every browser decodes.
var videoArgs = []string{"-c:v", "libx264", "-preset", x264Preset, "-crf", x264CRF, "-pix_fmt", "yuv420p"}

// WebRendition probes src and writes to dst an MP4 every browser plays:
// H.264 (yuv420p) and AAC, at most 1080p, its index before its data so
// that playback starts before the download ends. Sound already in AAC is
// copied. Metadata (a phone's location, say) is left out, as the
// rendition may be shared publicly. On failure dst is removed.
func (e Exec) WebRendition(ctx context.Context, src, dst string, progress func(float64)) error {
	if e.FFmpeg == "" {
		return fmt.Errorf("ffmpeg: %w", ErrNoTool)
	}
	info, err := e.Probe(ctx, src)
	if err != nil {
		return err
	}
	if info.VideoCodec == "" || info.Width <= 0 || info.Height <= 0 {
		return fmt.Errorf("web rendition: %w", errNoVideo)
	}
	w, h := scaledSize(info.Width, info.Height, webShortSide)
	args := []string{"-protocol_whitelist", onlyFile, "-i", src, "-map", "0:V:0",
		"-vf", fmt.Sprintf("scale=%d:%d", w, h)}
	args = append(args, videoArgs...)
	switch info.AudioCodec {
	case "":
	case "aac":
		args = append(args, "-map", "0:a:0", "-c:a", "copy")
	default:
		args = append(args, "-map", "0:a:0", "-c:a", "aac", "-b:a", audioBitrate, "-ac", "2")
	}
	args = append(args, "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4", "-y", dst)
	if err := e.ffmpeg(ctx, info.Duration, progress, args...); err != nil {
		_ = os.Remove(dst)
		return err
	}
	return nil
}

// HLSFiles is what HLS wrote, every name relative to its folder and safe
// as a key in a bucket.
type HLSFiles struct {
	// Master is the master playlist, listing one variant per rung.
	Master string
	// Variants are the rungs made, lowest first.
	Variants []Variant
}

// Variant is one rung of an HLS ladder as made.
type Variant struct {
	// Name is the rung's name.
	Name string
	// Width and Height are the picture's size.
	Width, Height int
	// Playlist is the media playlist, listing Segments in order.
	Playlist string
	Segments []string
}

// Files lists every file written, the master playlist first.
func (f HLSFiles) Files() []string {
	names := []string{f.Master}
	for _, v := range f.Variants {
		names = append(names, v.Playlist)
		names = append(names, v.Segments...)
	}
	return names
}

// HLS probes src and writes into dir, which must exist, an HLS ladder:
// master.m3u8, and for each rung of ladder not above the source (nil
// means DefaultLadder) a playlist "<rung>.m3u8" with its MPEG-TS segments
// "<rung>_00000.ts", of H.264 and AAC. One ffmpeg decodes the source
// once for all rungs. On failure the files it began are removed.
func (e Exec) HLS(ctx context.Context, src, dir string, ladder []Rung, progress func(float64)) (HLSFiles, error) {
	if e.FFmpeg == "" {
		return HLSFiles{}, fmt.Errorf("ffmpeg: %w", ErrNoTool)
	}
	info, err := e.Probe(ctx, src)
	if err != nil {
		return HLSFiles{}, err
	}
	if info.VideoCodec == "" || info.Width <= 0 || info.Height <= 0 {
		return HLSFiles{}, fmt.Errorf("hls: %w", errNoVideo)
	}
	if ladder == nil {
		ladder = DefaultLadder()
	}
	rungs := ladderFor(ladder, info.shortSide())
	for _, r := range rungs {
		if !safeName(r.Name) {
			return HLSFiles{}, fmt.Errorf("hls: rung name %q is not a safe key", r.Name)
		}
	}
	files := HLSFiles{Master: hlsMaster}
	split := fmt.Sprintf("[0:V:0]split=%d", len(rungs))
	var scales, streams []string
	args := []string{"-protocol_whitelist", onlyFile, "-i", src}
	for i, r := range rungs {
		w, h := scaledSize(info.Width, info.Height, r.Height)
		files.Variants = append(files.Variants, Variant{Name: r.Name, Width: w, Height: h, Playlist: r.Name + ".m3u8"})
		split += fmt.Sprintf("[s%d]", i)
		scales = append(scales, fmt.Sprintf("[s%d]scale=%d:%d[v%d]", i, w, h, i))
		rate := strconv.Itoa(r.VideoBitrate)
		args = append(args, "-map", fmt.Sprintf("[v%d]", i),
			fmt.Sprintf("-maxrate:v:%d", i), rate, fmt.Sprintf("-bufsize:v:%d", i), strconv.Itoa(2*r.VideoBitrate),
			fmt.Sprintf("-b:v:%d", i), rate)
		stream := fmt.Sprintf("v:%d", i)
		if info.AudioCodec != "" {
			args = append(args, "-map", "0:a:0")
			stream += fmt.Sprintf(",a:%d", i)
		}
		streams = append(streams, stream+",name:"+r.Name)
	}
	args = append(args, "-filter_complex", strings.Join(append([]string{split}, scales...), ";"))
	args = append(args, videoArgs...)
	args = append(args, "-force_key_frames", fmt.Sprintf("expr:gte(t,n_forced*%d)", hlsKeyframeSeconds))
	if info.AudioCodec != "" {
		args = append(args, "-c:a", "aac", "-b:a", audioBitrate, "-ac", "2")
	}
	args = append(args, "-map_metadata", "-1", "-f", "hls",
		"-hls_time", strconv.Itoa(hlsSegmentSeconds), "-hls_playlist_type", "vod", "-hls_flags", "independent_segments",
		"-hls_segment_type", "mpegts", "-hls_segment_filename", filepath.Join(dir, "%v_%05d.ts"),
		"-master_pl_name", hlsMaster, "-var_stream_map", strings.Join(streams, " "),
		"-y", filepath.Join(dir, "%v.m3u8"))
	if err := e.ffmpeg(ctx, info.Duration, progress, args...); err != nil {
		removeHLS(dir, files)
		return HLSFiles{}, err
	}
	for i, v := range files.Variants {
		segments, err := playlistEntries(filepath.Join(dir, v.Playlist))
		if err != nil {
			removeHLS(dir, files)
			return HLSFiles{}, fmt.Errorf("hls: %w", err)
		}
		files.Variants[i].Segments = segments
	}
	return files, nil
}

// safeName reports whether a rung's name may start file names and keys.
func safeName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// playlistEntries lists the URIs of a media playlist: its lines that are
// neither tags nor blank.
func playlistEntries(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var uris []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			uris = append(uris, line)
		}
	}
	return uris, sc.Err()
}

// removeHLS removes what an unfinished HLS run may have written.
func removeHLS(dir string, files HLSFiles) {
	entries, _ := os.ReadDir(dir)
	for _, entry := range entries {
		name := entry.Name()
		ours := name == files.Master
		for _, v := range files.Variants {
			ours = ours || name == v.Playlist || strings.HasPrefix(name, v.Name+"_") && strings.HasSuffix(name, ".ts")
		}
		if ours {
			_ = os.Remove(filepath.Join(dir, name))
		}
	}
}
