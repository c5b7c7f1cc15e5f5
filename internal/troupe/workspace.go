package troupe

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// JoinPolicy says how people can join a workspace.
type JoinPolicy string

// The join policies.
const (
	JoinInviteOnly JoinPolicy = "invite_only"
	JoinByRequest  JoinPolicy = "request"
	JoinDomain     JoinPolicy = "domain"
)

// WhoCanInvite says who may send email invitations.
type WhoCanInvite string

// The invitation policies.
const (
	InviteEveryone WhoCanInvite = "everyone"
	InviteAdmins   WhoCanInvite = "admins"
)

// LinkPolicy says who may manage the invite link.
type LinkPolicy string

// The invite-link policies.
const (
	LinkEveryone LinkPolicy = "everyone"
	LinkAdmins   LinkPolicy = "admins"
	LinkNoOne    LinkPolicy = "no_one"
)

// DefaultAccess is the sharing a new item starts with.
type DefaultAccess string

// The default access levels.
const (
	AccessPrivate          DefaultAccess = "private"
	AccessWorkspaceView    DefaultAccess = "workspace_view"
	AccessWorkspaceComment DefaultAccess = "workspace_comment"
	AccessWorkspaceEdit    DefaultAccess = "workspace_edit"
)

// Permission is a three-way switch for downloads and publishing.
type Permission string

// The permission levels.
const (
	PermAllowed Permission = "allowed"
	PermAdmins  Permission = "admins"
	PermOff     Permission = "off"
)

// Settings are a workspace's Super Admin settings.
type Settings struct {
	JoinPolicy       JoinPolicy
	WhoCanInvite     WhoCanInvite
	InviteLinkPolicy LinkPolicy
	DefaultAccess    DefaultAccess
	Downloads        Permission
	Publishing       Permission
	// Approval says whether videos need approval to go out; ApprovalRule
	// how many reviewers must approve.
	Approval     ApprovalMode
	ApprovalRule ApprovalRule
	// What links to published videos must have: a password, an expiry of
	// at most LinkMaxDays days (0: none); and whether they may be
	// embedded in other sites (allowed or off).
	LinkPassword LinkPasswordRule
	LinkMaxDays  int
	Embedding    Permission
	// RequireTwoFactor says whether members must sign in with a second
	// factor; RequireTwoFactorSince is when it was last turned on (zero
	// while off), from which the grace period runs.
	RequireTwoFactor      TwoFactorMode
	RequireTwoFactorSince time.Time
}

// DefaultSettings are those of a new workspace.
var DefaultSettings = Settings{
	JoinPolicy:       JoinInviteOnly,
	WhoCanInvite:     InviteAdmins,
	InviteLinkPolicy: LinkAdmins,
	DefaultAccess:    AccessPrivate,
	Downloads:        PermAllowed,
	Publishing:       PermAdmins,
	Approval:         ApprovalOff,
	ApprovalRule:     ApprovalAny,
	LinkPassword:     LinkPasswordOptional,
	Embedding:        PermAllowed,
	RequireTwoFactor: TwoFactorOff,
}

// Validate checks every setting.
func (s Settings) Validate(v *Validation) {
	check := func(field string, ok bool) {
		if !ok {
			v.Add(field, "invalid", "This value is not one of the allowed choices.")
		}
	}
	check("join_policy", oneOf(s.JoinPolicy, JoinInviteOnly, JoinByRequest, JoinDomain))
	check("who_can_invite", oneOf(s.WhoCanInvite, InviteEveryone, InviteAdmins))
	check("invite_link_policy", oneOf(s.InviteLinkPolicy, LinkEveryone, LinkAdmins, LinkNoOne))
	check("default_access", oneOf(s.DefaultAccess, AccessPrivate, AccessWorkspaceView, AccessWorkspaceComment, AccessWorkspaceEdit))
	check("downloads", oneOf(s.Downloads, PermAllowed, PermAdmins, PermOff))
	check("publishing", oneOf(s.Publishing, PermAllowed, PermAdmins, PermOff))
	check("approval", oneOf(s.Approval, ApprovalOff, ApprovalRequired))
	check("approval_rule", oneOf(s.ApprovalRule, ApprovalAny, ApprovalAll))
	check("link_password", oneOf(s.LinkPassword, LinkPasswordOptional, LinkPasswordRequired))
	check("link_max_days", oneOf(s.LinkMaxDays, LinkMaxDays...))
	check("embedding", oneOf(s.Embedding, PermAllowed, PermOff))
	check("require_two_factor", oneOf(s.RequireTwoFactor, TwoFactorOff, TwoFactorOn))
}

func oneOf[T comparable](x T, allowed ...T) bool {
	for _, a := range allowed {
		if x == a {
			return true
		}
	}
	return false
}

// Workspace is a team's space.
type Workspace struct {
	ID          string
	Name        string
	Description string
	Settings    Settings
	Domains     []string
	// DomainStates are the same domains with their proof by DNS.
	DomainStates []DomainState
	Plan         string
	Seats        int
	SeatsUsed    int
	CreatedAt    time.Time
}

// Limits on workspace fields.
const (
	MaxWorkspaceName        = 80
	MaxWorkspaceDescription = 500
	MaxSeats                = 100_000
	DefaultSeats            = 10
	DefaultPlan             = "Team"
)

// ValidateWorkspaceName checks a workspace's name.
func ValidateWorkspaceName(v *Validation, field, s string) {
	switch {
	case strings.TrimSpace(s) == "":
		v.Add(field, "required", "Enter a name.")
	case !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.Add(field, "invalid", "The name contains invalid characters.")
	case utf8.RuneCountInString(s) > MaxWorkspaceName:
		v.Add(field, "too_long", "Use at most 80 characters.")
	}
}

// ValidateDescription checks a workspace's description.
func ValidateDescription(v *Validation, field, s string) {
	switch {
	case !utf8.ValidString(s):
		v.Add(field, "invalid", "The description contains invalid characters.")
	case utf8.RuneCountInString(s) > MaxWorkspaceDescription:
		v.Add(field, "too_long", "Use at most 500 characters.")
	}
}

// SeatsCover reports whether a workspace's seats are enough for its
// active members: the one seat rule, which a join (one more member) and a
// change of seats (never below the members) both meet.
func SeatsCover(seats, members int) bool { return members <= seats }

// ValidateSeats checks a new number of seats for a workspace with used
// active members: within the plan's bounds, and never below the members.
func ValidateSeats(v *Validation, field string, seats, used int) {
	switch {
	case seats < 1 || seats > MaxSeats:
		v.Add(field, "out_of_range", fmt.Sprintf("Choose between 1 and %d seats.", MaxSeats))
	case !SeatsCover(seats, used):
		v.Add(field, "below_active_members", fmt.Sprintf("%d members are active: remove some before going below %d seats.", used, used))
	}
}

// EmailDomain returns the lower-cased domain of an address.
func EmailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(email[at+1:]))
}
