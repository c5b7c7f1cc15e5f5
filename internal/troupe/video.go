package troupe

import (
	"crypto/rand"
	"encoding/base64"
)

// Video page limits.
const (
	// SlugBytes is the randomness of a public URL: 144 bits, beyond
	// guessing, in 24 URL-safe characters.
	SlugBytes = 18
	slugLen   = 24

	MinVideoPasswordLen = 8
	MaxVideoPasswordLen = 128
	MaxCaptionLabel     = 64
)

// NewSlug returns a fresh public-URL slug.
func NewSlug() string {
	var b [SlugBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// WellFormedSlug reports whether s has the shape NewSlug gives, so other
// paths are answered without reading the database.
func WellFormedSlug(s string) bool {
	if len(s) != slugLen {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// CanPublish reports whether a member of role may publish videos they can
// edit under the workspace's settings.
func (r Role) CanPublish(s Settings) bool { return permits(r, s.Publishing) }

// CanDownload reports whether a member of role may download videos they
// can view under the workspace's settings.
func (r Role) CanDownload(s Settings) bool { return permits(r, s.Downloads) }

// VisitorsCanDownload reports whether visitors of a public page, who have
// no role, may download its video under the workspace's download setting.
func VisitorsCanDownload(downloads Permission) bool { return downloads == PermAllowed }

func permits(r Role, p Permission) bool {
	return p == PermAllowed && r.Valid() || p == PermAdmins && r == RoleSuperAdmin
}
