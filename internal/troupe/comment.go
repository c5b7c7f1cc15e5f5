package troupe

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxCommentBody is the longest comment, in characters after trimming.
const MaxCommentBody = 5000

// Comment is a remark on a video (at a time, or over a range) or on a
// draft. A reply has a ParentID, the thread's first comment; replies go
// one level deep and have no time of their own. Resolved belongs to the
// thread: a reply follows its parent's.
type Comment struct {
	ID       string
	ItemID   string
	AuthorID string
	// AuthorName and AuthorEmail are filled when reading.
	AuthorName  string
	AuthorEmail string
	ParentID    string
	Body        string
	PositionMS  *int64
	EndMS       *int64
	// Mentions are the members named in the body who could see the item
	// when it was written.
	Mentions   []string
	ResolvedAt *time.Time
	CreatedAt  time.Time
	EditedAt   *time.Time
}

// Resolved reports whether the comment's thread is resolved (as far as
// the comment itself knows: a reply carries its thread's state when read).
func (c Comment) Resolved() bool { return c.ResolvedAt != nil }

// CommentFilter narrows a listing of an item's comments.
type CommentFilter struct {
	// OpenOnly leaves resolved threads out.
	OpenOnly bool
	Cursor   string
	// Limit counts threads; each comes with all its replies.
	Limit int
}

// Mail preferences for comment activity.
const (
	CommentMailNone     = "none"
	CommentMailMentions = "mentions"
	CommentMailAll      = "all"
)

// ValidCommentMail reports whether s is a mail preference for comments.
func ValidCommentMail(s string) bool {
	return s == CommentMailNone || s == CommentMailMentions || s == CommentMailAll
}

// CommentMailWanted says whether a person with preference pref gets mail
// about a piece of comment activity: never with none, only when asked
// directly (a mention, an approval request) with mentions, always with all.
func CommentMailWanted(pref string, direct bool) bool {
	switch pref {
	case CommentMailNone:
		return false
	case CommentMailAll:
		return true
	}
	return direct
}

// NormalizeCommentBody trims a comment's body and checks it: 1 to
// MaxCommentBody characters, no control characters but line breaks
// (carriage returns are dropped).
func NormalizeCommentBody(v *Validation, field, body string) string {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	switch {
	case body == "":
		v.Add(field, "required", "Write a comment.")
	case !utf8.ValidString(body):
		v.Add(field, "invalid", "The comment is not valid text.")
	case utf8.RuneCountInString(body) > MaxCommentBody:
		v.Add(field, "too_long", fmt.Sprintf("Use at most %d characters.", MaxCommentBody))
	case strings.ContainsFunc(body, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }):
		v.Add(field, "invalid", "The comment cannot contain control characters other than line breaks.")
	}
	return body
}

// ValidateCommentTime checks a comment's time on an item of kind k whose
// duration is durationMS (nil when unknown): times only on videos, not on
// replies, never negative, an end after the start and neither past the
// end of the video.
func ValidateCommentTime(v *Validation, k Kind, reply bool, durationMS, position, end *int64) {
	if position == nil && end == nil {
		return
	}
	switch {
	case k != KindVideo:
		v.Add("position_ms", "not_allowed", "Only comments on videos have a time.")
		return
	case reply:
		v.Add("position_ms", "not_allowed", "A reply takes the time of the comment it answers.")
		return
	case position == nil:
		v.Add("position_ms", "required", "Give the start of the range.")
		return
	case *position < 0:
		v.Add("position_ms", "invalid", "The time cannot be negative.")
	case durationMS != nil && *durationMS > 0 && *position > *durationMS:
		v.Add("position_ms", "out_of_range", "The time is after the end of the video.")
	}
	if end == nil {
		return
	}
	switch {
	case *end <= *position:
		v.Add("end_ms", "invalid", "The end must come after the start.")
	case durationMS != nil && *durationMS > 0 && *end > *durationMS:
		v.Add("end_ms", "out_of_range", "The end is after the end of the video.")
	}
}

// mentionPattern finds "@" followed by an address, at the start of the
// text or after a character that cannot end an address.
var mentionPattern = regexp.MustCompile(`(?:^|[^\p{L}\p{N}._%+\-@])@([\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+)`)

// MentionedEmails returns the normalised addresses mentioned in body
// ("@" + address), each once, in order of first appearance.
func MentionedEmails(body string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range mentionPattern.FindAllStringSubmatch(body, 50) {
		e := NormalizeEmail(strings.TrimRight(m[1], ".-"))
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// BodyPart is a piece of a comment's text as shown: plain text, a link
// (http or https only) or a mention of an address.
type BodyPart struct {
	Text string
	// URL is set on links.
	URL string
	// Email is set on mentions: the normalised address after the "@".
	Email string
}

var linkPattern = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"]+`)

// SplitBody cuts a comment's text into plain text, links and mentions,
// for pages to show each safely. Trailing punctuation stays out of links.
func SplitBody(body string) []BodyPart {
	type span struct {
		start, end int
		part       BodyPart
	}
	var spans []span
	for _, m := range linkPattern.FindAllStringIndex(body, -1) {
		url := strings.TrimRight(body[m[0]:m[1]], ".,;:!?)]}'")
		spans = append(spans, span{m[0], m[0] + len(url), BodyPart{Text: url, URL: url}})
	}
	for _, m := range mentionPattern.FindAllStringSubmatchIndex(body, -1) {
		at := m[2] - 1 // the "@" before the address
		email := strings.TrimRight(body[m[2]:m[3]], ".-")
		end := m[2] + len(email)
		inside := false
		for _, s := range spans {
			if at < s.end && end > s.start {
				inside = true
			}
		}
		if !inside {
			spans = append(spans, span{at, end, BodyPart{Text: body[at:end], Email: NormalizeEmail(email)}})
		}
	}
	// Order the spans by position (a handful: insertion sort).
	for i := 1; i < len(spans); i++ {
		for j := i; j > 0 && spans[j].start < spans[j-1].start; j-- {
			spans[j], spans[j-1] = spans[j-1], spans[j]
		}
	}
	var out []BodyPart
	pos := 0
	for _, s := range spans {
		if s.start > pos {
			out = append(out, BodyPart{Text: body[pos:s.start]})
		}
		out = append(out, s.part)
		pos = s.end
	}
	if pos < len(body) {
		out = append(out, BodyPart{Text: body[pos:]})
	}
	return out
}
