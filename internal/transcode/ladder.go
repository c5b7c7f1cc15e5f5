package transcode

import (
	"math"
	"strconv"
)

// Rung is one quality of an HLS ladder.
type Rung struct {
	// Name names the rung's playlist and segments ("720p"); it must be a
	// safe key in a bucket: letters, digits, '-' and '_'.
	Name string
	// Height is the picture's short side in lines: a portrait video's
	// 720p rung is 720 wide.
	Height int
	// VideoBitrate caps the video, in bits per second: a player picks a
	// rung by what its bandwidth allows.
	VideoBitrate int
}

// DefaultLadder is the ladder HLS uses when given none.
func DefaultLadder() []Rung {
	return []Rung{
		{Name: "360p", Height: 360, VideoBitrate: 800_000},
		{Name: "720p", Height: 720, VideoBitrate: 2_800_000},
		{Name: "1080p", Height: 1080, VideoBitrate: 5_000_000},
	}
}

// ladderFor keeps the rungs of ladder that are not above a source whose
// short side is height, since upscaling only adds bytes. A source below
// every rung gets one rung of its own size, at the lowest rung's bitrate.
func ladderFor(ladder []Rung, height int) []Rung {
	var fit []Rung
	for _, r := range ladder {
		if r.Height <= height {
			fit = append(fit, r)
		}
	}
	if len(fit) > 0 || len(ladder) == 0 || height < 2 {
		return fit
	}
	lowest := ladder[0]
	for _, r := range ladder {
		if r.Height < lowest.Height {
			lowest = r
		}
	}
	h := even(height)
	return []Rung{{Name: strconv.Itoa(h) + "p", Height: h, VideoBitrate: lowest.VideoBitrate}}
}

// scaledSize fits a width × height picture so that its short side is at
// most short lines, keeping its aspect; H.264 in 4:2:0 needs both
// dimensions even.
func scaledSize(width, height, short int) (int, int) {
	if width <= 0 || height <= 0 {
		return 0, 0
	}
	if width < height {
		h, w := scaledSize(height, width, short)
		return w, h
	}
	h := even(min(height, short))
	w := 2 * int(math.Round(float64(width)*float64(h)/float64(height)/2))
	return max(w, 2), h
}

// even rounds n down to an even number, at least 2.
func even(n int) int { return max(n&^1, 2) }
