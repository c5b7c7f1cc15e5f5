package troupe

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ApprovalMode says whether a workspace asks for approval before a video
// goes out (published, linked or downloaded).
type ApprovalMode string

// The approval modes.
const (
	ApprovalOff      ApprovalMode = "off"
	ApprovalRequired ApprovalMode = "required"
)

// ApprovalRule says how many reviewers must approve a request.
type ApprovalRule string

// The approval rules.
const (
	ApprovalAny ApprovalRule = "any"
	ApprovalAll ApprovalRule = "all"
)

// ApprovalStatus is the state of an item's current approval request.
type ApprovalStatus string

// The approval states.
const (
	ApprovalNone             ApprovalStatus = "none"
	ApprovalPending          ApprovalStatus = "pending"
	ApprovalChangesRequested ApprovalStatus = "changes_requested"
	ApprovalApproved         ApprovalStatus = "approved"
)

// Decision is a reviewer's answer to an approval request; "" while they
// have not decided.
type Decision string

// The decisions.
const (
	DecisionNone           Decision = ""
	DecisionApprove        Decision = "approve"
	DecisionRequestChanges Decision = "request_changes"
)

// Limits of approval requests.
const (
	MaxApprovalMessage   = 2000
	MaxApprovalReviewers = 20
)

// Reviewer is one reviewer of an approval request and their decision.
type Reviewer struct {
	UserID    string
	Name      string
	Decision  Decision
	Comment   string
	DecidedAt *time.Time
}

// Approval is an item's current approval request: one per item, the
// latest replacing any before it.
type Approval struct {
	ID              string
	ItemID          string
	WorkspaceID     string
	RequestedBy     string
	RequestedByName string
	Message         string
	RequestedAt     time.Time
	Reviewers       []Reviewer
}

// Reviewer returns userID's place among the reviewers, or nil.
func (a *Approval) Reviewer(userID string) *Reviewer {
	for i := range a.Reviewers {
		if a.Reviewers[i].UserID == userID {
			return &a.Reviewers[i]
		}
	}
	return nil
}

// ApprovalStatusOf is the state the reviewers' decisions give under rule:
// with "any" one approval suffices; with "all" every reviewer must
// approve. Otherwise any request for changes makes it changes_requested,
// and it stays pending while decisions are missing.
func ApprovalStatusOf(rule ApprovalRule, reviewers []Reviewer) ApprovalStatus {
	if len(reviewers) == 0 {
		return ApprovalNone
	}
	approved, changes := 0, 0
	for _, r := range reviewers {
		switch r.Decision {
		case DecisionApprove:
			approved++
		case DecisionRequestChanges:
			changes++
		}
	}
	switch {
	case rule == ApprovalAll && approved == len(reviewers), rule != ApprovalAll && approved > 0:
		return ApprovalApproved
	case changes > 0:
		return ApprovalChangesRequested
	}
	return ApprovalPending
}

// Open reports whether reviewers may still decide: a request decides
// until it is approved.
func (s ApprovalStatus) Open() bool { return s == ApprovalPending || s == ApprovalChangesRequested }

// ApprovalBlocks is the approval gate: under settings s, a video whose
// approval is status may not go out (be published, get a share link or
// be downloaded) unless the one asking may override it. Only the
// workspace setting and the status decide; who may override is the
// caller's (Super Admins).
func ApprovalBlocks(s Settings, status ApprovalStatus) bool {
	return s.Approval == ApprovalRequired && status != ApprovalApproved
}

// ValidateApprovalText checks a request's message or a decision's comment.
func ValidateApprovalText(v *Validation, field, s string) {
	switch {
	case !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }):
		v.Add(field, "invalid", "The text contains invalid characters.")
	case utf8.RuneCountInString(s) > MaxApprovalMessage:
		v.Add(field, "too_long", fmt.Sprintf("Use at most %d characters.", MaxApprovalMessage))
	}
}
