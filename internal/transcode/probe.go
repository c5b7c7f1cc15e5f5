package transcode

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Info is what probing a file tells.
type Info struct {
	// Duration is how long the file plays, 0 when it is not known.
	Duration time.Duration
	// Width and Height are the picture's size as shown, after Rotation;
	// both are 0 without a video stream.
	Width, Height int
	// Rotation is how far a player turns the stored picture, in degrees
	// counter-clockwise (0, 90, 180 or 270), as ffmpeg reads a phone's
	// display matrix.
	Rotation int
	// VideoCodec and AudioCodec are ffprobe's codec names ("h264",
	// "hevc", "aac"), "" when the file has no such stream.
	VideoCodec, AudioCodec string
	// PixelFormat is the video's pixel format ("yuv420p").
	PixelFormat string
	// Format is ffprobe's name for the container, a comma-separated list
	// of the names its demuxer answers to ("mov,mp4,m4a,3gp,3g2,mj2").
	Format string
}

// WebReady reports whether every browser plays the file as it is: H.264
// in 8-bit 4:2:0 with AAC or no sound, in the MP4/MOV family. When it is
// not, the video needs a web rendition.
func (i Info) WebReady() bool {
	if i.VideoCodec != "h264" || i.PixelFormat != "yuv420p" {
		return false
	}
	if i.AudioCodec != "" && i.AudioCodec != "aac" {
		return false
	}
	for _, name := range strings.Split(i.Format, ",") {
		if name == "mp4" || name == "mov" {
			return true
		}
	}
	return false
}

// shortSide is the picture's smaller dimension, what "720p" counts for
// landscape and portrait videos alike.
func (i Info) shortSide() int { return min(i.Width, i.Height) }

// probeOutput is the part of ffprobe's JSON that Info is made from.
type probeOutput struct {
	Streams []struct {
		CodecType   string `json:"codec_type"`
		CodecName   string `json:"codec_name"`
		Width       int    `json:"width"`
		Height      int    `json:"height"`
		PixFmt      string `json:"pix_fmt"`
		Duration    string `json:"duration"`
		Disposition struct {
			AttachedPic int `json:"attached_pic"`
		} `json:"disposition"`
		Tags struct {
			Rotate string `json:"rotate"`
		} `json:"tags"`
		SideData []struct {
			Rotation *float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

// Probe reads the file's facts with one ffprobe call; it fails with
// ErrNoTool when ffprobe is missing.
func (e Exec) Probe(ctx context.Context, path string) (Info, error) {
	if e.FFprobe == "" {
		return Info{}, fmt.Errorf("ffprobe: %w", ErrNoTool)
	}
	cmd := command(ctx, e.FFprobe, "-v", "error", "-protocol_whitelist", onlyFile,
		"-of", "json", "-show_streams", "-show_format", path)
	var stderr tail
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return Info{}, failure(ctx, "ffprobe", err, &stderr)
	}
	var p probeOutput
	if err := json.Unmarshal(out, &p); err != nil {
		return Info{}, fmt.Errorf("ffprobe: %w", err)
	}
	return p.info(), nil
}

// info picks the first real video stream (not cover art) and the first
// audio stream.
func (p probeOutput) info() Info {
	info := Info{Format: p.Format.FormatName, Duration: seconds(p.Format.Duration)}
	for _, s := range p.Streams {
		switch {
		case s.CodecType == "video" && s.Disposition.AttachedPic == 0 && info.VideoCodec == "":
			info.VideoCodec, info.PixelFormat = s.CodecName, s.PixFmt
			info.Width, info.Height = s.Width, s.Height
			info.Rotation = rotation(s.Tags.Rotate)
			for _, d := range s.SideData {
				if d.Rotation != nil {
					info.Rotation = normalDegrees(*d.Rotation)
				}
			}
			if info.Rotation == 90 || info.Rotation == 270 {
				info.Width, info.Height = info.Height, info.Width
			}
			if info.Duration == 0 {
				info.Duration = seconds(s.Duration)
			}
		case s.CodecType == "audio" && info.AudioCodec == "":
			info.AudioCodec = s.CodecName
			if info.Duration == 0 {
				info.Duration = seconds(s.Duration)
			}
		}
	}
	return info
}

// seconds reads ffprobe's decimal seconds, 0 when absent or not finite.
func seconds(s string) time.Duration {
	secs, err := strconv.ParseFloat(s, 64)
	if err != nil || !(secs > 0) || math.IsInf(secs, 0) { // NaN too
		return 0
	}
	return time.Duration(secs * float64(time.Second))
}

// rotation reads an older file's "rotate" tag, given clockwise.
func rotation(tag string) int {
	deg, err := strconv.ParseFloat(tag, 64)
	if err != nil {
		return 0
	}
	return normalDegrees(-deg)
}

// normalDegrees rounds an angle to a quarter turn in [0, 360).
func normalDegrees(deg float64) int {
	quarter := int(math.Round(deg/90)) % 4
	return (quarter + 4) % 4 * 90
}
