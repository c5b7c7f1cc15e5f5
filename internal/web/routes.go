package web

import (
	"mime"
	"net/http"
	"slices"
	"strings"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

// The handler types, one for each kind of caller a route admits.
type (
	// apiHandler answers an API request; a returned error becomes
	// problem+json.
	apiHandler func(w http.ResponseWriter, r *http.Request) error
	// userAPIHandler answers an API request of a signed-in user.
	userAPIHandler func(w http.ResponseWriter, r *http.Request, u troupe.User) error
	// pageHandler renders a page; a returned error becomes an error page.
	pageHandler func(w http.ResponseWriter, r *http.Request) error
	// userPageHandler renders a page for a signed-in user.
	userPageHandler func(w http.ResponseWriter, r *http.Request, u troupe.User) error
	// memberPageHandler renders a page of one workspace; v already holds
	// the workspace as the app returned it for the signed-in member.
	memberPageHandler func(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error
)

// routeOps is the route table of the operational endpoints, open to anyone.
func (s *Server) routeOps(mux *http.ServeMux) {
	t := opsTable{mux}
	t.anyone("GET /healthz", http.HandlerFunc(s.handleHealth))
	t.anyone("GET /readyz", http.HandlerFunc(s.handleReady))
	t.anyone("GET /static/", s.static)
	t.anyone("GET /favicon.ico", http.HandlerFunc(s.handleFavicon))
}

// routeAPI is the API's route table, grouped by entity in the order of the
// package's files. Whether a signed-in user may act on a workspace or an
// item is the app's decision, not the route's.
func (s *Server) routeAPI(mux *http.ServeMux) {
	t := apiTable{s, mux}

	// account
	t.anyone("POST /api/v1/auth/signup", s.handleSignup)
	t.anyone("POST /api/v1/auth/login", s.handleLogin)
	t.anyone("POST /api/v1/auth/logout", s.handleLogout)
	t.anyone("POST /api/v1/auth/verify-email", s.handleVerifyEmail)
	t.signedIn("POST /api/v1/auth/verify-email/resend", s.handleResendVerification)
	t.anyone("POST /api/v1/auth/password-reset", s.handlePasswordReset)
	t.anyone("POST /api/v1/auth/password-reset/confirm", s.handlePasswordResetConfirm)
	t.signedIn("GET /api/v1/me", s.handleMe)
	t.signedIn("PATCH /api/v1/me", s.handleMeUpdate)
	t.signedIn("PUT /api/v1/me/email", s.handleEmailChange)
	t.anyone("POST /api/v1/auth/two-factor", s.handleLoginCode)
	t.signedIn("GET /api/v1/me/identities", s.handleIdentityList)
	t.signedIn("DELETE /api/v1/me/identities/{provider}", s.handleIdentityUnlink)
	t.signedIn("POST /api/v1/me/two-factor", s.handleTwoFactorEnroll)
	t.signedIn("POST /api/v1/me/two-factor/confirm", s.handleTwoFactorConfirm)
	t.signedIn("DELETE /api/v1/me/two-factor", s.handleTwoFactorDisable)
	t.signedIn("POST /api/v1/me/two-factor/recovery-codes", s.handleRecoveryCodes)

	// workspace
	t.signedIn("GET /api/v1/workspaces", s.handleWorkspaceList)
	t.signedIn("POST /api/v1/workspaces", s.handleWorkspaceCreate)
	t.signedIn("GET /api/v1/workspaces/{ws}", s.handleWorkspaceGet)
	t.signedIn("PATCH /api/v1/workspaces/{ws}", s.handleWorkspaceUpdate)
	t.signedIn("GET /api/v1/workspaces/{ws}/sso", s.handleWorkspaceSSOGet)
	t.signedIn("PUT /api/v1/workspaces/{ws}/sso", s.handleWorkspaceSSOPut)
	t.signedIn("GET /api/v1/workspaces/{ws}/subscription", s.handleSubscriptionGet)
	t.signedIn("PUT /api/v1/workspaces/{ws}/subscription", s.handleSubscriptionPut)
	t.signedIn("GET /api/v1/workspaces/{ws}/domains", s.handleDomainList)
	t.signedIn("POST /api/v1/workspaces/{ws}/domains/{domain}/verify", s.handleDomainVerify)

	// member
	t.signedIn("GET /api/v1/workspaces/{ws}/members", s.handleMemberList)
	t.signedIn("PATCH /api/v1/workspaces/{ws}/members/{user}", s.handleMemberUpdate)
	t.signedIn("DELETE /api/v1/workspaces/{ws}/members/{user}", s.handleMemberRemove)
	t.signedIn("POST /api/v1/workspaces/{ws}/leave", s.handleLeave)

	// invitation
	t.signedIn("GET /api/v1/workspaces/{ws}/invitations", s.handleInvitationList)
	t.signedIn("POST /api/v1/workspaces/{ws}/invitations", s.handleInvitationCreate)
	t.signedIn("POST /api/v1/workspaces/{ws}/invitations/{id}/resend", s.handleInvitationResend)
	t.signedIn("PATCH /api/v1/workspaces/{ws}/invitations/{id}", s.handleInvitationUpdate)
	t.signedIn("DELETE /api/v1/workspaces/{ws}/invitations/{id}", s.handleInvitationRevoke)
	t.signedIn("GET /api/v1/invitations", s.handleMyInvitations)
	t.signedIn("POST /api/v1/invitations/{token}/accept", s.handleInvitationAccept)
	t.signedIn("POST /api/v1/invitations/{token}/decline", s.handleInvitationDecline)

	// invite link
	t.signedIn("GET /api/v1/workspaces/{ws}/invite-link", s.handleInviteLinkGet)
	t.signedIn("PUT /api/v1/workspaces/{ws}/invite-link", s.handleInviteLinkPut)
	t.signedIn("DELETE /api/v1/workspaces/{ws}/invite-link", s.handleInviteLinkDelete)
	t.signedIn("POST /api/v1/workspaces/{ws}/invite-link/reset", s.handleInviteLinkReset)
	t.signedIn("POST /api/v1/join/{token}", s.handleJoinByLink)

	// join (by e-mail domain)
	t.signedIn("GET /api/v1/workspaces/{ws}/suggestions", s.handleSuggestions)
	t.signedIn("GET /api/v1/discover", s.handleDiscover)
	t.signedIn("POST /api/v1/workspaces/{ws}/join", s.handleJoinWorkspace)

	// join request
	t.signedIn("GET /api/v1/workspaces/{ws}/join-requests", s.handleJoinRequestList)
	t.signedIn("POST /api/v1/workspaces/{ws}/join-requests/{id}/approve", s.handleJoinRequestApprove)
	t.signedIn("POST /api/v1/workspaces/{ws}/join-requests/{id}/deny", s.handleJoinRequestDeny)

	// API token
	t.signedIn("GET /api/v1/workspaces/{ws}/api-tokens", s.handleAPITokenList)
	t.signedIn("POST /api/v1/workspaces/{ws}/api-tokens", s.handleAPITokenCreate)
	t.signedIn("DELETE /api/v1/workspaces/{ws}/api-tokens/{id}", s.handleAPITokenRevoke)

	// webhook
	t.signedIn("GET /api/v1/workspaces/{ws}/webhooks", s.handleWebhookList)
	t.signedIn("POST /api/v1/workspaces/{ws}/webhooks", s.handleWebhookCreate)
	t.signedIn("GET /api/v1/workspaces/{ws}/webhooks/{id}", s.handleWebhookGet)
	t.signedIn("PATCH /api/v1/workspaces/{ws}/webhooks/{id}", s.handleWebhookUpdate)
	t.signedIn("DELETE /api/v1/workspaces/{ws}/webhooks/{id}", s.handleWebhookDelete)
	t.signedIn("GET /api/v1/workspaces/{ws}/webhooks/{id}/deliveries", s.handleWebhookDeliveries)
	t.signedIn("POST /api/v1/workspaces/{ws}/webhooks/{id}/test", s.handleWebhookTest)
	t.signedIn("POST /api/v1/workspaces/{ws}/webhooks/{id}/deliveries/{delivery}/redeliver", s.handleWebhookRedeliver)

	// audit
	t.signedIn("GET /api/v1/workspaces/{ws}/audit-log", s.handleAuditLog)

	// notification
	t.signedIn("GET /api/v1/notifications", s.handleNotificationList)
	t.signedIn("GET /api/v1/notifications/stream", s.handleNotificationStream)
	t.signedIn("POST /api/v1/notifications/{id}/read", s.handleNotificationRead)
	t.signedIn("POST /api/v1/notifications/read-all", s.handleNotificationReadAll)

	// item
	t.signedIn("GET /api/v1/workspaces/{ws}/items", s.handleItemList)
	t.signedIn("GET /api/v1/workspaces/{ws}/shared-with-me", s.handleSharedWithMe)
	t.signedIn("GET /api/v1/workspaces/{ws}/recent", s.handleRecent)
	t.signedIn("GET /api/v1/workspaces/{ws}/items/visible", s.handleVisibleItems)
	t.signedIn("GET /api/v1/workspaces/{ws}/trash", s.handleTrash)
	t.signedIn("POST /api/v1/workspaces/{ws}/folders", s.handleCreateItem(troupe.KindFolder))
	t.signedIn("POST /api/v1/workspaces/{ws}/drafts", s.handleCreateItem(troupe.KindDraft))
	t.signedIn("POST /api/v1/workspaces/{ws}/videos", s.handleUpload(troupe.KindVideo))
	t.signedIn("POST /api/v1/workspaces/{ws}/avatars", s.handleUpload(troupe.KindAvatar))
	t.signedIn("POST /api/v1/workspaces/{ws}/voices", s.handleUpload(troupe.KindVoice))
	t.signedIn("POST /api/v1/workspaces/{ws}/uploads", s.handleResumable)
	t.signedIn("HEAD /api/v1/workspaces/{ws}/uploads/{id}", s.handleResumable)
	t.signedIn("PATCH /api/v1/workspaces/{ws}/uploads/{id}", s.handleResumable)
	t.signedIn("DELETE /api/v1/workspaces/{ws}/uploads/{id}", s.handleResumable)
	t.anyone("OPTIONS /api/v1/workspaces/{ws}/uploads", s.handleResumableOptions)
	t.anyone("OPTIONS /api/v1/workspaces/{ws}/uploads/{id}", s.handleResumableOptions)
	t.signedIn("GET /api/v1/items/{id}", s.handleItemGet)
	t.signedIn("PATCH /api/v1/items/{id}", s.handleItemPatch)
	t.signedIn("DELETE /api/v1/items/{id}", s.handleItemTrash)
	t.signedIn("POST /api/v1/items/{id}/restore", s.handleItemRestore)
	t.signedIn("GET /api/v1/items/{id}/media", s.handleMedia(false))
	t.signedIn("GET /api/v1/items/{id}/poster", s.handleMedia(true))

	// processing
	t.signedIn("POST /api/v1/items/{id}/processing/retry", s.handleProcessingRetry)
	t.signedIn("GET /api/v1/items/{id}/processing/stream", s.handleProcessingStream)
	t.signedIn("PUT /api/v1/videos/{id}/poster", s.handlePosterPut)
	t.signedIn("GET /api/v1/videos/{id}/thumbnail", s.handleVideoFile(app.FileThumbnail))
	t.signedIn("GET /api/v1/videos/{id}/sprite.jpg", s.handleVideoFile(app.FileSprite))
	t.signedIn("GET /api/v1/videos/{id}/sprite.vtt", s.handleVideoFile(app.FileSpriteTrack))
	t.signedIn("GET /api/v1/videos/{id}/renditions/{name}", s.handleVideoFile(app.FileRendition))
	t.signedIn("GET /api/v1/videos/{id}/hls/{file}", s.handleVideoFile(app.FileHLS))

	// sharing
	t.signedIn("GET /api/v1/items/{id}/sharing", s.handleSharingGet)
	t.signedIn("PUT /api/v1/items/{id}/sharing", s.handleSharingPut)
	t.signedIn("GET /api/v1/items/{id}/permissions", s.handlePermissions)

	// approval
	t.signedIn("POST /api/v1/items/{id}/approval", s.handleApprovalRequest)
	t.signedIn("DELETE /api/v1/items/{id}/approval", s.handleApprovalWithdraw)
	t.signedIn("POST /api/v1/items/{id}/approval/decision", s.handleApprovalDecision)

	// video
	t.signedIn("GET /api/v1/videos/{id}/media", s.handleVideoMedia)
	t.signedIn("PUT /api/v1/videos/{id}/password", s.handlePasswordPut)
	t.signedIn("DELETE /api/v1/videos/{id}/password", s.handlePasswordDelete)
	t.signedIn("POST /api/v1/videos/{id}/publish", s.handlePublish)
	t.signedIn("DELETE /api/v1/videos/{id}/publish", s.handleUnpublish)
	t.signedIn("GET /api/v1/videos/{id}/links", s.handleLinkList)
	t.signedIn("POST /api/v1/videos/{id}/links", s.handleLinkCreate)
	t.signedIn("PATCH /api/v1/links/{id}", s.handleLinkUpdate)
	t.signedIn("DELETE /api/v1/links/{id}", s.handleLinkDelete)
	t.signedIn("PUT /api/v1/videos/{id}/download", s.handleDownloadPut)

	// analytics
	t.signedIn("GET /api/v1/videos/{id}/analytics", s.handleAnalytics)
	t.signedIn("GET /api/v1/videos/{id}/analytics.csv", s.handleAnalyticsCSV)

	// caption
	t.signedIn("GET /api/v1/videos/{id}/captions", s.handleCaptionList)
	t.signedIn("GET /api/v1/videos/{id}/captions/{lang}", s.handleCaptionGet)
	t.signedIn("PUT /api/v1/videos/{id}/captions/{lang}", s.handleCaptionPut)
	t.signedIn("DELETE /api/v1/videos/{id}/captions/{lang}", s.handleCaptionDelete)

	// comment
	t.signedIn("GET /api/v1/items/{id}/comments", s.handleCommentList)
	t.signedIn("POST /api/v1/items/{id}/comments", s.handleCommentCreate)
	t.signedIn("GET /api/v1/items/{id}/comments/stream", s.handleCommentStream)
	t.signedIn("PATCH /api/v1/comments/{id}", s.handleCommentUpdate)
	t.signedIn("DELETE /api/v1/comments/{id}", s.handleCommentDelete)

	// the API's own description, and its answer to anything else
	t.anyoneUndocumented("GET /api/v1/openapi.json", s.handleOpenAPI)
	t.anyoneUndocumented("/api/", s.handleNoAPIRoute)
}

// routePages is the route table of the server-rendered pages, grouped by
// entity in the order of the package's files. Pages for signed-in users
// send anonymous visitors to the sign-in page; member pages load the
// workspace of the URL, which the app refuses to non-members.
func (s *Server) routePages(mux *http.ServeMux) {
	t := pageTable{s, mux}

	// account
	t.anyone("GET /signup", s.pageSignup)
	t.anyone("POST /signup", s.pageSignupPost)
	t.anyone("GET /verify-email", s.pageVerifyEmail)
	t.anyone("POST /verify-email", s.pageVerifyEmailPost)
	t.anyone("GET /login", s.pageLogin)
	t.anyone("POST /login", s.pageLoginPost)
	t.anyone("GET /auth/sso/{provider}", s.pageSSOStart)
	t.anyone("GET /auth/sso/{provider}/callback", s.pageSSOCallback)
	t.anyone("GET /login/two-factor", s.pageLoginCode)
	t.anyone("POST /login/two-factor", s.pageLoginCodePost)
	t.anyone("POST /logout", s.pageLogout)
	t.anyone("GET /forgot-password", s.pageForgot)
	t.anyone("POST /forgot-password", s.pageForgotPost)
	t.anyone("GET /reset-password", s.pageReset)
	t.anyone("POST /reset-password", s.pageResetPost)
	t.signedIn("GET /account", s.pageAccount)
	t.signedIn("POST /account/profile", s.pageAccountProfile)
	t.signedIn("POST /account/password", s.pageAccountPassword)
	t.signedIn("POST /account/notifications", s.pageAccountNotifications)
	t.signedIn("POST /account/identities/{provider}/unlink", s.pageIdentityUnlink)
	t.signedIn("POST /account/two-factor", s.pageTwoFactorStart)
	t.signedIn("POST /account/two-factor/confirm", s.pageTwoFactorConfirm)
	t.signedIn("POST /account/two-factor/disable", s.pageTwoFactorDisable)
	t.signedIn("POST /account/two-factor/recovery-codes", s.pageRecoveryCodes)
	t.signedIn("POST /account/verify-email", s.pageAccountResend)
	t.signedIn("GET /account/email", s.pageChangeEmail)
	t.signedIn("POST /account/email", s.pageChangeEmailPost)
	t.anyone("POST /language", s.pageLanguage)

	// workspace
	t.signedIn("GET /{$}", s.pageHome)
	t.signedIn("GET /workspaces", s.pageWorkspaces)
	t.signedIn("POST /workspaces", s.pageWorkspaceCreate)
	t.signedIn("POST /workspaces/{ws}/switch", s.pageWorkspaceSwitch)
	t.signedIn("GET /workspaces/{ws}/settings/seats", s.pageSeatsFormerPath)
	t.member("GET /w/{ws}", s.pageWorkspaceHome)
	t.member("GET /w/{ws}/settings", s.pageSettings)
	t.member("POST /w/{ws}/settings", s.pageSettingsPost)
	t.member("POST /w/{ws}/settings/domains", s.pageDomainsPost)
	t.member("POST /w/{ws}/settings/sso", s.pageWorkspaceSSOPost)
	t.member("GET /w/{ws}/settings/seats", s.pageSeats)
	t.member("POST /w/{ws}/settings/seats", s.pageSeatsPost)

	// member
	t.signedIn("POST /workspaces/{ws}/leave", s.pageWorkspaceLeave)
	t.member("GET /w/{ws}/members", s.pageMembers)
	t.member("POST /w/{ws}/members/{user}/role", s.pageMemberRole)
	t.member("POST /w/{ws}/members/{user}/remove", s.pageMemberRemove)

	// invitation
	t.member("GET /w/{ws}/members/invite", s.pageInvite)
	t.member("POST /w/{ws}/members/invite", s.pageInvitePost)
	t.member("POST /w/{ws}/invitations/{id}/resend", s.pageInvitationResend)
	t.member("POST /w/{ws}/invitations/{id}/revoke", s.pageInvitationRevoke)
	t.member("POST /w/{ws}/invitations/{id}/role", s.pageInvitationRole)
	t.anyone("GET /invitations/{token}", s.pageInvitation)
	t.anyone("POST /invitations/{token}/signup", s.pageInvitationSignup)
	t.anyone("POST /invitations/{token}/signout", s.pageInvitationSignout)
	t.signedIn("POST /invitations/{token}/accept", s.pageInvitationAccept)
	t.signedIn("POST /invitations/{token}/decline", s.pageInvitationDecline)
	t.signedIn("POST /my-invitations/{id}/accept", s.pageMyInvitationAccept)
	t.signedIn("POST /my-invitations/{id}/decline", s.pageMyInvitationDecline)

	// invite link
	t.member("POST /w/{ws}/invite-link", s.pageInviteLinkSave)
	t.member("POST /w/{ws}/invite-link/reset", s.pageInviteLinkReset)
	t.member("POST /w/{ws}/invite-link/delete", s.pageInviteLinkDelete)
	t.anyone("GET /join/{token}", s.pageJoinLink)
	t.signedIn("POST /join/{token}", s.pageJoinLinkPost)
	t.anyone("POST /join/{token}/signup", s.pageJoinLinkSignup)

	// join (by e-mail domain)
	t.signedIn("GET /discover", s.pageDiscover)
	t.signedIn("POST /discover/{ws}/join", s.pageDiscoverJoin)

	// join request
	t.member("POST /w/{ws}/join-requests/{id}/approve", s.pageJoinRequestApprove)
	t.member("POST /w/{ws}/join-requests/{id}/deny", s.pageJoinRequestDeny)

	// API token
	t.member("GET /w/{ws}/settings/api-tokens", s.pageAPITokens)
	t.member("POST /w/{ws}/settings/api-tokens", s.pageAPITokenCreate)
	t.member("POST /w/{ws}/settings/api-tokens/{id}/revoke", s.pageAPITokenRevoke)

	// webhook
	t.member("GET /w/{ws}/settings/webhooks", s.pageWebhooks)
	t.member("POST /w/{ws}/settings/webhooks", s.pageWebhookCreate)
	t.member("POST /w/{ws}/settings/webhooks/{id}/enabled", s.pageWebhookEnable)
	t.member("POST /w/{ws}/settings/webhooks/{id}/delete", s.pageWebhookDelete)
	t.member("POST /w/{ws}/settings/webhooks/{id}/test", s.pageWebhookTest)
	t.member("POST /w/{ws}/settings/webhooks/{id}/deliveries/{delivery}/redeliver", s.pageWebhookRedeliver)

	// audit
	t.member("GET /w/{ws}/audit", s.pageAudit)

	// notification
	t.signedIn("GET /notifications", s.pageNotifications)
	t.signedIn("GET /notifications/panel", s.pageNotificationPanel)
	t.signedIn("POST /notifications/read-all", s.pageNotificationsReadAll)
	t.signedIn("POST /notifications/{id}/read", s.pageNotificationRead)

	// item
	t.member("GET /w/{ws}/folders/{id}", s.pageFolder)
	t.member("GET /w/{ws}/shared", s.pageShared)
	t.member("GET /w/{ws}/recent", s.pageRecent)
	t.member("GET /w/{ws}/trash", s.pageTrash)
	t.member("GET /w/{ws}/search", s.pageSearch)
	t.member("GET /w/{ws}/new", s.pageNew)
	t.member("POST /w/{ws}/new", s.pageNewPost)
	t.member("GET /w/{ws}/upload", s.pageUpload)
	t.memberLargeBody("POST /w/{ws}/upload", 0, s.pageUploadPost)
	t.member("GET /w/{ws}/items/{id}", s.pageItem)
	t.memberLargeBody("POST /w/{ws}/items/{id}", maxDraftBody, s.pageItemSave)
	t.member("GET /w/{ws}/items/{id}/rename", s.pageRename)
	t.member("POST /w/{ws}/items/{id}/rename", s.pageRenamePost)
	t.member("GET /w/{ws}/items/{id}/move", s.pageMove)
	t.member("POST /w/{ws}/items/{id}/move", s.pageMovePost)
	t.member("POST /w/{ws}/items/{id}/trash", s.pageTrashPost)
	t.member("POST /w/{ws}/items/{id}/restore", s.pageRestorePost)

	// sharing
	t.member("GET /w/{ws}/items/{id}/share", s.pageShare)
	t.member("POST /w/{ws}/items/{id}/share", s.pageSharePost)
	t.member("GET /w/{ws}/items/{id}/access", s.pageAccess)

	// approval
	t.member("POST /w/{ws}/items/{id}/approval", s.pageApprovalRequest)
	t.member("POST /w/{ws}/items/{id}/approval/decision", s.pageApprovalDecision)
	t.member("POST /w/{ws}/items/{id}/approval/withdraw", s.pageApprovalWithdraw)

	// video
	t.member("POST /w/{ws}/items/{id}/publish", s.pagePublish)
	t.member("POST /w/{ws}/items/{id}/unpublish", s.pageUnpublish)
	t.member("POST /w/{ws}/items/{id}/password", s.pagePasswordSet)
	t.member("POST /w/{ws}/items/{id}/password/remove", s.pagePasswordRemove)
	t.member("POST /w/{ws}/items/{id}/download", s.pageDownloadSet)
	t.member("POST /w/{ws}/items/{id}/links", s.pageLinkCreate)
	t.member("POST /w/{ws}/items/{id}/links/{link}/revoke", s.pageLinkRevoke)

	// caption
	t.memberLargeBody("POST /w/{ws}/items/{id}/captions", maxCaptionUpload, s.pageCaptionsUpload)
	t.member("GET /w/{ws}/items/{id}/captions/{lang}", s.pageCaptionsEdit)
	t.memberLargeBody("POST /w/{ws}/items/{id}/captions/{lang}", maxCaptionForm, s.pageCaptionsSave)
	t.member("POST /w/{ws}/items/{id}/captions/{lang}/delete", s.pageCaptionsDelete)
	t.member("POST /w/{ws}/items/{id}/processing/retry", s.pageProcessingRetry)
	t.member("POST /w/{ws}/items/{id}/poster", s.pagePosterPut)

	// comment
	t.member("GET /w/{ws}/items/{id}/comments", s.pageComments)
	t.member("POST /w/{ws}/items/{id}/comments", s.pageCommentCreate)
	t.member("POST /w/{ws}/items/{id}/comments/share", s.pageCommentShare)
	t.member("POST /w/{ws}/items/{id}/comments/{cid}/edit", s.pageCommentChange("edit"))
	t.member("POST /w/{ws}/items/{id}/comments/{cid}/resolve", s.pageCommentChange("resolve"))
	t.member("POST /w/{ws}/items/{id}/comments/{cid}/reopen", s.pageCommentChange("reopen"))
	t.member("POST /w/{ws}/items/{id}/comments/{cid}/delete", s.pageCommentChange("delete"))

	// public pages of published videos
	t.anyone("GET /v/{slug}", s.pagePublicVideo)
	t.anyone("GET /e/{slug}", s.pageEmbed)
	t.anyone("POST /e/{slug}/unlock", s.pageEmbedUnlock)
	t.anyone("GET /oembed", s.handleOEmbed)
	t.anyone("POST /v/{slug}/unlock", s.pagePublicUnlock)
	t.anyone("GET /v/{slug}/media", s.publicMedia(false))
	t.anyone("GET /v/{slug}/poster", s.publicMedia(true))
	t.anyone("GET /v/{slug}/captions/{file}", s.publicCaptions)
	t.anyone("GET /v/{slug}/thumbnail", s.publicFile(app.FileThumbnail))
	t.anyone("GET /v/{slug}/sprite.jpg", s.publicFile(app.FileSprite))
	t.anyone("GET /v/{slug}/sprite.vtt", s.publicFile(app.FileSpriteTrack))
	t.anyone("GET /v/{slug}/renditions/{name}", s.publicFile(app.FileRendition))
	t.anyone("GET /v/{slug}/hls/{file}", s.publicFile(app.FileHLS))
	t.anyone("POST /v/{slug}/events", s.publicEvents)

	// anything else
	t.anyone("/", s.pageNotFound)
}

// PageRoutes lists the pages' patterns as registered by Handler, for the
// tests that send every page bad input.
func (s *Server) PageRoutes() []string { return slices.Clone(s.pageRoutes) }

// opsTable registers operational endpoints.
type opsTable struct{ mux *http.ServeMux }

// anyone serves h to every caller.
func (t opsTable) anyone(pattern string, h http.Handler) {
	t.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state(r).route = pattern
		h.ServeHTTP(w, r)
	}))
}

// apiTable registers API routes; its methods say who may call each one.
type apiTable struct {
	s   *Server
	mux *http.ServeMux
}

// anyone serves h to every caller, signed in or not.
func (t apiTable) anyone(pattern string, h apiHandler) {
	t.s.apiRoutes = append(t.s.apiRoutes, pattern)
	t.anyoneUndocumented(pattern, h)
}

// signedIn serves h to callers with a session or an API token whose
// scope reaches the route (see routeScope).
func (t apiTable) signedIn(pattern string, h userAPIHandler) {
	if t.s.apiScopes == nil {
		t.s.apiScopes = map[string]troupe.TokenScope{}
	}
	t.s.apiScopes[pattern] = routeScope(pattern)
	t.anyone(pattern, t.s.requireUser(requireScope(routeScope(pattern), h)))
}

// adminRoutes administer a workspace: its settings and plan, its members,
// invitations, invite link and join requests, its API tokens and its
// audit log. An API token needs the admin scope for them.
var adminRoutes = map[string]bool{
	"PATCH /api/v1/workspaces/{ws}":                           true,
	"PUT /api/v1/workspaces/{ws}/subscription":                true,
	"POST /api/v1/workspaces/{ws}/domains/{domain}/verify":    true,
	"PATCH /api/v1/workspaces/{ws}/members/{user}":            true,
	"DELETE /api/v1/workspaces/{ws}/members/{user}":           true,
	"POST /api/v1/workspaces/{ws}/invitations":                true,
	"POST /api/v1/workspaces/{ws}/invitations/{id}/resend":    true,
	"PATCH /api/v1/workspaces/{ws}/invitations/{id}":          true,
	"DELETE /api/v1/workspaces/{ws}/invitations/{id}":         true,
	"PUT /api/v1/workspaces/{ws}/invite-link":                 true,
	"DELETE /api/v1/workspaces/{ws}/invite-link":              true,
	"POST /api/v1/workspaces/{ws}/invite-link/reset":          true,
	"POST /api/v1/workspaces/{ws}/join-requests/{id}/approve": true,
	"POST /api/v1/workspaces/{ws}/join-requests/{id}/deny":    true,
	"POST /api/v1/workspaces/{ws}/api-tokens":                 true,
	"DELETE /api/v1/workspaces/{ws}/api-tokens/{id}":          true,
	"GET /api/v1/workspaces/{ws}/audit-log":                   true,
}

// routeScope is the API token scope a route needs: admin for the routes
// that administer a workspace, read for the others that only read (GET,
// HEAD), write for every other change.
func routeScope(pattern string) troupe.TokenScope {
	method, _, _ := strings.Cut(pattern, " ")
	switch {
	case adminRoutes[pattern]:
		return troupe.ScopeAdmin
	case method == http.MethodGet || method == http.MethodHead:
		return troupe.ScopeRead
	}
	return troupe.ScopeWrite
}

// requireScope refuses h to an API token whose scope does not reach need;
// sessions are not scoped.
func requireScope(need troupe.TokenScope, h userAPIHandler) userAPIHandler {
	return func(w http.ResponseWriter, r *http.Request, u troupe.User) error {
		if u.TokenScope != "" && !u.TokenScope.Allows(need) {
			return troupe.Errorf(troupe.CodeInsufficientScope, "This API token's scope is %s; this route needs %s.", u.TokenScope, need)
		}
		return h(w, r, u)
	}
}

// anyoneUndocumented is anyone for the routes that are not operations of
// the OpenAPI document.
func (t apiTable) anyoneUndocumented(pattern string, h apiHandler) {
	t.mux.Handle(pattern, t.s.api(pattern, h))
}

// pageTable registers pages; its methods say who may open each one.
type pageTable struct {
	s   *Server
	mux *http.ServeMux
}

// anyone serves h to every visitor, signed in or not.
func (t pageTable) anyone(pattern string, h pageHandler) {
	t.s.pageRoutes = append(t.s.pageRoutes, pattern)
	t.mux.Handle(pattern, t.s.page(pattern, h))
}

// signedIn serves h to signed-in users.
func (t pageTable) signedIn(pattern string, h userPageHandler) {
	t.anyone(pattern, t.s.requirePageUser(h))
}

// member serves h to members of the URL's workspace.
func (t pageTable) member(pattern string, h memberPageHandler) {
	t.signedIn(pattern, t.s.inWorkspace(h))
}

// memberLargeBody is member for a form that outgrows the form limit of
// other pages (a draft's text, an upload): limit bytes, none when 0.
func (t pageTable) memberLargeBody(pattern string, limit int64, h memberPageHandler) {
	t.s.pageRoutes = append(t.s.pageRoutes, pattern)
	t.mux.Handle(pattern, t.s.largePage(pattern, limit, t.s.requirePageUser(t.s.inWorkspace(h))))
}

// maxFormBody bounds form posts.
const maxFormBody = 64 << 10

func (s *Server) api(pattern string, h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state(r).route = pattern
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

func (s *Server) requireUser(h userAPIHandler) apiHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.currentUser(r)
		if err != nil {
			return err
		}
		if u == nil {
			return troupe.Errorf(troupe.CodeUnauthenticated, "Sign in, or send a valid session cookie.")
		}
		return h(w, r, *u)
	}
}

func (s *Server) page(pattern string, h pageHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state(r).route = pattern
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
			if err := readForm(r); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

func (s *Server) requirePageUser(h userPageHandler) pageHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.currentUser(r)
		if err != nil {
			return err
		}
		if u == nil {
			http.Redirect(w, r, paths.LoginThen(r.URL.RequestURI()), http.StatusSeeOther)
			return nil
		}
		// Pages are for people in browsers: an API token, whose scope only
		// the API's routes know, reaches none of them.
		if u.TokenWorkspace != "" {
			return troupe.Errorf(troupe.CodeForbidden, "API tokens work with the API (/api/v1), not with pages.")
		}
		return h(w, r, *u)
	}
}

// inWorkspace loads the workspace of the URL for the user (the app refuses
// non-members) and remembers it as the current one.
func (s *Server) inWorkspace(h memberPageHandler) userPageHandler {
	return func(w http.ResponseWriter, r *http.Request, u troupe.User) error {
		ws, err := s.app.GetWorkspace(r.Context(), u, r.PathValue("ws"))
		if err != nil {
			return err
		}
		v := s.newView(r)
		v.Workspace = &ws
		if c, err := r.Cookie(workspaceCookie); err != nil || c.Value != ws.ID {
			s.setWorkspaceCookie(w, r, ws.ID)
		}
		return h(w, r, u, v)
	}
}

// largePage is page for bodies above the form limit: limit bytes (none
// when 0, for uploads, which the app bounds per kind). A multipart body is
// left unread for the handler to stream.
func (s *Server) largePage(pattern string, limit int64, h pageHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state(r).route = pattern
		if limit > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
			if err := readForm(r); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}
