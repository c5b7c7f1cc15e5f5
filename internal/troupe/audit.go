package troupe

import (
	"strconv"
	"strings"
	"time"
)

// AuditEntry is one line of a workspace's append-only audit log.
type AuditEntry struct {
	ID          string
	WorkspaceID string
	ActorID     string
	ActorEmail  string // filled when listing
	ActorName   string // filled when listing
	Action      string // e.g. "member.role"
	Target      string
	// TargetName and TargetEmail name the user or item the entry is
	// about, filled when listing while they still exist.
	TargetName  string
	TargetEmail string
	Detail      string
	IP          string
	CreatedAt   time.Time
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	Action  string // prefix, e.g. "member." or "invitation.create"
	ActorID string
	Since   time.Time
	Until   time.Time
	Cursor  string
	Limit   int
}

// The actions the audit log records. Entries keep the action as text, so
// a log may also hold actions older code wrote; readers show those as
// recorded.
const (
	AuditWorkspaceCreate     = "workspace.create"
	AuditSettingsUpdate      = "settings.update"
	AuditDomainAdd           = "domain.add"
	AuditDomainRemove        = "domain.remove"
	AuditDomainVerified      = "domain.verified"
	AuditDomainUnverified    = "domain.unverified"
	AuditSubscriptionUpdate  = "subscription.update"
	AuditMemberJoin          = "member.join"
	AuditMemberRole          = "member.role"
	AuditMemberRoleSSO       = "member.role_sso"
	AuditMemberRemove        = "member.remove"
	AuditMemberLeave         = "member.leave"
	AuditInvitationCreate    = "invitation.create"
	AuditInvitationResend    = "invitation.resend"
	AuditInvitationRevoke    = "invitation.revoke"
	AuditInvitationAccept    = "invitation.accept"
	AuditInvitationDecline   = "invitation.decline"
	AuditInvitationRole      = "invitation.role"
	AuditInviteLinkCreate    = "invite_link.create"
	AuditInviteLinkUpdate    = "invite_link.update"
	AuditInviteLinkReset     = "invite_link.reset"
	AuditInviteLinkDelete    = "invite_link.delete"
	AuditJoinRequestCreate   = "join_request.create"
	AuditJoinRequestApproved = "join_request.approved"
	AuditJoinRequestDenied   = "join_request.denied"
	AuditAPITokenCreate      = "api_token.create"
	AuditAPITokenRevoke      = "api_token.revoke"
	AuditTwoFactorEnable     = "two_factor.enable"
	AuditTwoFactorDisable    = "two_factor.disable"
	AuditRecoveryCodesRenew  = "two_factor.recovery_codes"
	AuditSharingUpdate       = "sharing.update"
	AuditVideoPublish        = "video.publish"
	AuditVideoUnpublish      = "video.unpublish"
	AuditVideoPasswordSet    = "video.password_set"
	AuditVideoPasswordRemove = "video.password_remove"
	AuditVideoDownload       = "video.download"
	AuditVideoLinkCreate     = "video.link_create"
	AuditVideoLinkUpdate     = "video.link_update"
	AuditVideoLinkRevoke     = "video.link_revoke"
	AuditVideoCaptionsPut    = "video.captions_put"
	AuditVideoCaptionsDelete = "video.captions_delete"
	AuditVideoPoster         = "video.poster"
	AuditProcessingRetry     = "item.processing_retry"
	AuditApprovalRequest     = "approval.request"
	AuditApprovalApprove     = "approval.approve"
	AuditApprovalChanges     = "approval.request_changes"
	AuditApprovalWithdraw    = "approval.withdraw"
	AuditApprovalReset       = "approval.reset"
	AuditApprovalOverride    = "approval.override"
	AuditCommentDelete       = "item.comment_delete"
	AuditWebhookCreate       = "webhook.create"
	AuditWebhookUpdate       = "webhook.update"
	AuditWebhookDelete       = "webhook.delete"
)

// AuditActions is every action the app records, family by family in the
// order the log's filter offers them. A test in app holds it to the code
// that writes entries.
var AuditActions = []string{
	AuditMemberJoin, AuditMemberRole, AuditMemberRoleSSO, AuditMemberRemove, AuditMemberLeave,
	AuditInvitationCreate, AuditInvitationResend, AuditInvitationRevoke, AuditInvitationAccept, AuditInvitationDecline,
	AuditInvitationRole,
	AuditInviteLinkCreate, AuditInviteLinkUpdate, AuditInviteLinkReset, AuditInviteLinkDelete,
	AuditJoinRequestCreate, AuditJoinRequestApproved, AuditJoinRequestDenied,
	AuditVideoPublish, AuditVideoUnpublish, AuditVideoPasswordSet, AuditVideoPasswordRemove, AuditVideoDownload,
	AuditVideoLinkCreate, AuditVideoLinkUpdate, AuditVideoLinkRevoke,
	AuditVideoCaptionsPut, AuditVideoCaptionsDelete, AuditVideoPoster,
	AuditProcessingRetry, AuditCommentDelete,
	AuditApprovalRequest, AuditApprovalApprove, AuditApprovalChanges, AuditApprovalWithdraw, AuditApprovalReset,
	AuditApprovalOverride,
	AuditSharingUpdate,
	AuditSettingsUpdate,
	AuditDomainAdd, AuditDomainRemove, AuditDomainVerified, AuditDomainUnverified,
	AuditSubscriptionUpdate,
	AuditAPITokenCreate, AuditAPITokenRevoke,
	AuditTwoFactorEnable, AuditTwoFactorDisable, AuditRecoveryCodesRenew,
	AuditWebhookCreate, AuditWebhookUpdate, AuditWebhookDelete,
	AuditWorkspaceCreate,
}

// AuditFamily is the family of an action, the prefix the filter matches:
// "member." for "member.role".
func AuditFamily(action string) string {
	if i := strings.IndexByte(action, '.'); i >= 0 {
		return action[:i+1]
	}
	return action
}

// InvitationRoleDetail is the detail of a change to a pending
// invitation's role: the address and both roles.
func InvitationRoleDetail(email string, from, to Role) string {
	return email + " " + RoleChangeDetail(from, to)
}

// RoleChangeDetail is the detail of a role change: both roles, so the
// log can say what the member was before.
func RoleChangeDetail(from, to Role) string { return string(from) + "->" + string(to) }

// AuditFacts are what an entry's detail records, read back into named
// parts for a sentence. The detail stays free text in the log (and in its
// export); this reading knows every shape the app has written, older ones
// included, and leaves unknown parts empty.
type AuditFacts struct {
	Email    string  // the address invited, joining, asking or removed
	Role     Role    // the role given
	FromRole Role    // the role before a change, when recorded
	Via      JoinVia // how a member joined
	Name     string  // the workspace, video or token's name when it was recorded
	Domain   string
	Plan     string
	// SeatsFrom and SeatsTo are a seat change, both set or both zero.
	SeatsFrom, SeatsTo int
	// On says whether the invite link is enabled, or downloads allowed.
	On       bool
	Settings []string // the settings changed
	Lang     string   // a caption track's language tag
}

// Facts reads the entry's detail according to its action.
func (e AuditEntry) Facts() AuditFacts {
	var f AuditFacts
	d := e.Detail
	switch e.Action {
	case AuditMemberRole, AuditMemberRoleSSO:
		if from, to, ok := strings.Cut(d, "->"); ok {
			f.FromRole, f.Role = Role(from), Role(to)
		} else {
			f.Role = Role(d)
		}
	case AuditMemberJoin, AuditInvitationCreate, AuditInvitationAccept:
		// "<email> as <role>", then " via <how>" for joins.
		rest, via, _ := strings.Cut(d, " via ")
		email, role, _ := strings.Cut(rest, " as ")
		f.Email, f.Role, f.Via = email, Role(role), JoinVia(via)
	case AuditInvitationRole:
		// "<email> <from>-><to>".
		email, roles, _ := strings.Cut(d, " ")
		from, to, _ := strings.Cut(roles, "->")
		f.Email, f.FromRole, f.Role = email, Role(from), Role(to)
	case AuditJoinRequestApproved, AuditJoinRequestDenied:
		email, role, _ := strings.Cut(d, " ")
		f.Email, f.Role = email, Role(strings.TrimSpace(role))
	case AuditMemberRemove, AuditMemberLeave, AuditInvitationResend, AuditInvitationRevoke, AuditInvitationDecline,
		AuditJoinRequestCreate, AuditCommentDelete:
		f.Email = d
	case AuditInviteLinkCreate, AuditInviteLinkUpdate, AuditInviteLinkReset:
		for _, kv := range strings.Fields(d) {
			switch k, v, _ := strings.Cut(kv, "="); k {
			case "role":
				f.Role = Role(v)
			case "enabled":
				f.On = v == "true"
			}
		}
	case AuditSubscriptionUpdate:
		// "plan=<plan> seats=<from>-><to>"; the plan is free text.
		rest, seats, _ := strings.Cut(d, " seats=")
		f.Plan = strings.TrimPrefix(rest, "plan=")
		from, to, _ := strings.Cut(seats, "->")
		f.SeatsFrom, _ = strconv.Atoi(from)
		f.SeatsTo, _ = strconv.Atoi(to)
	case AuditSettingsUpdate:
		if d != "" {
			f.Settings = strings.Split(d, ",")
		}
	case AuditDomainAdd, AuditDomainRemove, AuditDomainVerified, AuditDomainUnverified:
		f.Domain = e.Target
	case AuditVideoDownload:
		f.On = d == "true"
	case AuditVideoCaptionsPut, AuditVideoCaptionsDelete:
		f.Lang = d
	case AuditWorkspaceCreate, AuditAPITokenCreate, AuditAPITokenRevoke, AuditVideoPublish, AuditVideoUnpublish,
		AuditVideoPasswordSet, AuditVideoPasswordRemove,
		AuditApprovalRequest, AuditApprovalApprove, AuditApprovalChanges, AuditApprovalWithdraw, AuditApprovalReset,
		AuditApprovalOverride, AuditWebhookCreate, AuditWebhookUpdate, AuditWebhookDelete:
		f.Name = d
	}
	return f
}
