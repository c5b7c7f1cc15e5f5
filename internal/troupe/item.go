package troupe

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Kind is the kind of a content item.
type Kind string

// The item kinds.
const (
	KindFolder Kind = "folder"
	KindDraft  Kind = "draft"
	KindVideo  Kind = "video"
	KindAvatar Kind = "avatar"
	KindVoice  Kind = "voice"
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case KindFolder, KindDraft, KindVideo, KindAvatar, KindVoice:
		return true
	}
	return false
}

// IsMedia reports whether items of kind k hold an uploaded file.
func (k Kind) IsMedia() bool { return k == KindVideo || k == KindAvatar || k == KindVoice }

// mediaFamily is the top-level media type an upload of kind k must have.
func (k Kind) mediaFamily() string {
	switch k {
	case KindVideo:
		return "video/"
	case KindAvatar:
		return "image/"
	case KindVoice:
		return "audio/"
	}
	return ""
}

// rasterImages are the image types an avatar may be: pictures only, never
// a document that can hold script or links, such as SVG.
var rasterImages = map[string]bool{"image/png": true, "image/jpeg": true, "image/webp": true, "image/gif": true, "image/avif": true}

// Accepts reports whether a file whose sniffed content type is
// contentType may be uploaded as kind k: videos are video, avatars raster
// images and voices audio.
func (k Kind) Accepts(contentType string) bool {
	if k == KindAvatar {
		return rasterImages[contentType]
	}
	family := k.mediaFamily()
	return family != "" && strings.HasPrefix(contentType, family)
}

// DefaultUploadLimit is the largest file accepted for kind k (a server may
// set its own).
func (k Kind) DefaultUploadLimit() int64 {
	switch k {
	case KindVideo:
		return 20 << 30
	case KindAvatar:
		return 10 << 20
	case KindVoice:
		return 100 << 20
	}
	return 0
}

// TrashRetention is how long trashed items stay restorable.
const TrashRetention = 30 * 24 * time.Hour

// Limits of item fields.
const (
	MaxItemName    = 200
	MaxScript      = 200_000
	MaxDocument    = 1 << 20
	MaxDescription = 5000
	MaxShares      = 500
)

// Item is one piece of content: a folder, draft, video, avatar or voice.
type Item struct {
	ID          string
	WorkspaceID string
	Kind        Kind
	Name        string
	// ParentID is the folder holding the item; empty at the workspace root.
	ParentID string
	OwnerID  string
	// Workspace is the item's general access: none when restricted,
	// otherwise the level everyone in the workspace has.
	Workspace Level
	CreatedAt time.Time
	UpdatedAt time.Time
	// TrashedAt is set while the item (or a folder above it) is in the trash.
	TrashedAt *time.Time

	// Drafts.
	Script   string
	Document string

	// Media.
	Description string
	MediaKey    string
	MediaType   string
	SizeBytes   int64
	DurationMS  *int64
	PosterKey   string
	// Processing is the state of the work on an uploaded video or voice;
	// Width and Height the picture's size as shown, 0 until probed.
	Processing    Processing
	Width, Height int
	ThumbnailKey  string
	// SpriteKey is the scrubbing sprite's JPEG; its WebVTT track is
	// SpriteTrackKey.
	SpriteKey string
	// HLSKey is the HLS master playlist; its variants and segments sit
	// beside it.
	HLSKey string
	// PosterAtMS is the time the owner chose for the poster, nil for the
	// default.
	PosterAtMS *int64
	// Renditions are the playable copies made of a video; only the
	// reads of a single item fill them.
	Renditions []Rendition

	// Videos' page: PublicSlug is set while published; PasswordVersion
	// changes whenever the password is set, changed or removed.
	PublicSlug      string
	PasswordSet     bool
	PasswordVersion int
	AllowDownload   bool

	// ApprovalStatus is the state of the item's current approval request.
	ApprovalStatus ApprovalStatus
}

// ValidateItemName checks an item's name: 1 to MaxItemName characters,
// without control characters.
func ValidateItemName(v *Validation, field, name string) {
	switch {
	case name == "":
		v.Add(field, "required", "Enter a name.")
	case !utf8.ValidString(name):
		v.Add(field, "invalid", "The name is not valid text.")
	case utf8.RuneCountInString(name) > MaxItemName:
		v.Add(field, "too_long", fmt.Sprintf("Use at most %d characters.", MaxItemName))
	case strings.ContainsFunc(name, unicode.IsControl):
		v.Add(field, "invalid", "The name cannot contain control characters such as line breaks or tabs.")
	}
}

// NormalizeName is the form of a name used for sorting and search.
func NormalizeName(name string) string { return strings.ToLower(name) }

// GeneralAccess is an item's general access as the API names it.
func GeneralAccess(workspace Level) string {
	if workspace == LevelNone {
		return "restricted"
	}
	return "workspace"
}

// InitialAccess is the general access a new item gets from the
// workspace's default.
func (d DefaultAccess) InitialAccess() Level {
	switch d {
	case AccessWorkspaceView:
		return LevelView
	case AccessWorkspaceComment:
		return LevelComment
	case AccessWorkspaceEdit:
		return LevelEdit
	}
	return LevelNone
}
