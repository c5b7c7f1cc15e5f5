package troupe

import "strings"

// ProcessingState is where the work on an uploaded video or voice stands.
type ProcessingState string

// The processing states.
const (
	ProcessingQueued  ProcessingState = "queued"
	ProcessingRunning ProcessingState = "running"
	ProcessingReady   ProcessingState = "ready"
	ProcessingFailed  ProcessingState = "failed"
)

// Processing is the state of the work that makes posters, thumbnails,
// sprites and renditions of an upload.
type Processing struct {
	State ProcessingState
	// Progress is the share done, 0..1.
	Progress float64
	// Error says why processing failed (or, while queued again, why the
	// last try did), in words a person can act on.
	Error string
	// Note says why a ready item was not processed, such as a server
	// without the video tools: the file plays as it was uploaded.
	Note string
}

// Rendition is a playable copy of a video made from its upload.
type Rendition struct {
	// Name names it in URLs ("web").
	Name                   string
	Width, Height          int
	VideoCodec, AudioCodec string
	MediaType              string
	MediaKey               string
}

// SpriteTrackKey is the key of the WebVTT track describing the sprite
// stored at spriteKey: the same name with .vtt.
func SpriteTrackKey(spriteKey string) string {
	if spriteKey == "" {
		return ""
	}
	return strings.TrimSuffix(spriteKey, ".jpg") + ".vtt"
}
