package troupe

import "time"

// CaptionTrack names one language's captions of a video.
type CaptionTrack struct {
	Lang      string // a canonical BCP 47 tag
	Label     string
	Cues      int // how many cues the track has
	UpdatedAt time.Time
}
