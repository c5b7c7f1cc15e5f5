package troupe

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// EmbedMode says where a link's video may be embedded in a frame.
type EmbedMode string

// The embed modes.
const (
	EmbedOff      EmbedMode = "off"
	EmbedAnywhere EmbedMode = "anywhere"
	EmbedDomains  EmbedMode = "domains"
)

// LinkPasswordRule says whether a workspace's links must have a password.
type LinkPasswordRule string

// The link password rules.
const (
	LinkPasswordOptional LinkPasswordRule = "optional"
	LinkPasswordRequired LinkPasswordRule = "required"
)

// LinkMaxDays are the longest expiries a workspace may ask of its links,
// in days; 0 lets links live until revoked.
var LinkMaxDays = []int{0, 7, 30, 90}

// Limits on a link's free text.
const (
	MaxLinkLabelLen   = 100
	MaxEmbedDomains   = 20
	maxEmbedOriginLen = 253 + len("https://") + len(":65535")
)

// Link is one way to a published video's public page: its own slug,
// password, expiry, download switch and embedding, revocable alone.
type Link struct {
	ID          string
	ItemID      string
	WorkspaceID string
	Slug        string
	// Label names the link for the people who share it; the default link,
	// made by publishing, has none.
	Label           string
	HasPassword     bool
	PasswordVersion int
	ExpiresAt       *time.Time
	AllowDownload   bool
	Embed           EmbedMode
	// EmbedOrigins are the origins that may frame the video when Embed is
	// EmbedDomains, as "https://host[:port]".
	EmbedOrigins []string
	Default      bool
	CreatedBy    string
	CreatedAt    time.Time
	// Views counts the viewing sessions that watched enough of the video
	// through this link to count (see the analytics).
	Views int64
}

// Expired reports whether the link's expiry has passed at now.
func (l Link) Expired(now time.Time) bool {
	return l.ExpiresAt != nil && !now.Before(*l.ExpiresAt)
}

// FrameAncestors is the Content-Security-Policy frame-ancestors source
// list for the link's embed page when the workspace allows embedding.
func FrameAncestors(embedding Permission, mode EmbedMode, origins []string) string {
	switch {
	case embedding == PermOff || mode == EmbedOff:
		return "'none'"
	case mode == EmbedAnywhere:
		return "*"
	case len(origins) == 0:
		return "'none'"
	}
	return strings.Join(origins, " ")
}

// CheckLinkLabel adds a problem with label to v.
func CheckLinkLabel(v *Validation, label string) {
	if !utf8.ValidString(label) || utf8.RuneCountInString(label) > MaxLinkLabelLen || strings.ContainsAny(label, "\r\n") {
		v.Add("label", "invalid", fmt.Sprintf("Use at most %d characters on one line.", MaxLinkLabelLen))
	}
}

// EmbedOrigins reads the domains a link may be embedded on: each a host
// ("example.com", https assumed), an origin ("http://localhost:8080") or a
// wildcard host ("*.example.com"). It returns them as CSP sources, without
// repeats, or adds a problem to v.
func EmbedOrigins(v *Validation, domains []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range domains {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		o, ok := embedOrigin(d)
		if !ok {
			v.Add("embed_domains", "invalid", fmt.Sprintf("%q is not a domain or an origin like https://example.com.", d))
			return nil
		}
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	if len(out) > MaxEmbedDomains {
		v.Add("embed_domains", "too_many", fmt.Sprintf("List at most %d domains.", MaxEmbedDomains))
		return nil
	}
	return out
}

func embedOrigin(d string) (string, bool) {
	if len(d) > maxEmbedOriginLen {
		return "", false
	}
	if !strings.Contains(d, "://") {
		d = "https://" + d
	}
	u, err := url.Parse(d)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		(u.Path != "" && u.Path != "/") {
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	wild := strings.HasPrefix(host, "*.")
	name := strings.TrimPrefix(host, "*.")
	if name == "" || (!validHostName(name) && net.ParseIP(name) == nil) || (wild && net.ParseIP(name) != nil) {
		return "", false
	}
	o := u.Scheme + "://" + host
	if p := u.Port(); p != "" {
		o += ":" + p
	}
	return o, true
}

// validHostName reports whether s is a DNS name of letters, digits and
// hyphens (IDNs in their xn-- form).
func validHostName(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
