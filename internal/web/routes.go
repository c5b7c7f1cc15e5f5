package web

import (
	"context"
	_ "embed"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"time"

	"troupe/internal/troupe"
)

// apiHandler is an API handler; a returned error becomes problem+json.
type apiHandler func(w http.ResponseWriter, r *http.Request) error

// authedHandler is an API handler that needs a signed-in user.
type authedHandler func(w http.ResponseWriter, r *http.Request, u troupe.User) error

// routeAPI is the API's route table. Each line states whether the route
// needs a signed-in caller.
func (s *Server) routeAPI(mux *http.ServeMux) {
	open := func(pattern string, h apiHandler) {
		s.apiRoutes = append(s.apiRoutes, pattern)
		mux.Handle(pattern, s.api(pattern, h))
	}
	authed := func(pattern string, h authedHandler) { open(pattern, s.requireUser(h)) }

	open("POST /api/v1/auth/signup", s.handleSignup)
	open("POST /api/v1/auth/login", s.handleLogin)
	open("POST /api/v1/auth/logout", s.handleLogout)
	open("POST /api/v1/auth/verify-email", s.handleVerifyEmail)
	authed("POST /api/v1/auth/verify-email/resend", s.handleResendVerification)
	open("POST /api/v1/auth/password-reset", s.handlePasswordReset)
	open("POST /api/v1/auth/password-reset/confirm", s.handlePasswordResetConfirm)
	authed("GET /api/v1/me", s.handleMe)
	authed("PATCH /api/v1/me", s.handleMeUpdate)
	s.routeWorkspaceAPI(authed)
	s.routeMembershipAPI(authed)
	s.routeNotificationAPI(authed)
	s.routeItemAPI(authed)

	mux.Handle("GET /api/v1/openapi.json", s.api("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
		return nil
	}))
	mux.Handle("/api/", s.api("/api/", func(w http.ResponseWriter, r *http.Request) error {
		return troupe.Errorf(troupe.CodeNotFound, "There is no API route %s %s.", r.Method, r.URL.Path)
	}))
}

// openAPI describes the API; a test keeps it in step with the routes.
//
//go:embed openapi.json
var openAPI []byte

func (s *Server) api(pattern string, h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state(r).route = pattern
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

func (s *Server) requireUser(h authedHandler) apiHandler {
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

func (s *Server) routeOps(mux *http.ServeMux) {
	handle := func(pattern string, h http.Handler) {
		mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			state(r).route = pattern
			h.ServeHTTP(w, r)
		}))
	}
	handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	}))
	handle("GET /readyz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := s.app.Ready(ctx); err != nil {
			state(r).err = err // for the request's log line
			setRetryAfter(w, err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("not ready: " + troupe.ErrorMessage(err) + "\n"))
			return
		}
		w.Write([]byte("ready\n"))
	}))
	handle("GET /static/", s.static)
	handle("GET /favicon.ico", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, s.static.url("favicon.svg"), http.StatusMovedPermanently)
	}))
}

// pageHandler renders a page; a returned error becomes an error page.
type pageHandler func(w http.ResponseWriter, r *http.Request) error

// maxFormBody bounds form posts.
const maxFormBody = 64 << 10

// routePages is the route table of the server-rendered pages. Pages that
// need a signed-in user send anonymous visitors to the sign-in page.
func (s *Server) routePages(mux *http.ServeMux) {
	open := func(pattern string, h pageHandler) {
		s.pageRoutes = append(s.pageRoutes, pattern)
		mux.Handle(pattern, s.page(pattern, h))
	}
	authed := func(pattern string, h func(http.ResponseWriter, *http.Request, troupe.User) error) {
		open(pattern, s.requirePageUser(h))
	}

	authed("GET /{$}", s.pageHome)
	open("GET /signup", s.pageSignup)
	open("POST /signup", s.pageSignupPost)
	open("GET /check-email", s.pageCheckEmail)
	open("GET /verify-email", s.pageVerifyEmail)
	open("POST /verify-email", s.pageVerifyEmailPost)
	open("GET /login", s.pageLogin)
	open("POST /login", s.pageLoginPost)
	open("POST /logout", s.pageLogout)
	open("GET /forgot-password", s.pageForgot)
	open("POST /forgot-password", s.pageForgotPost)
	open("GET /reset-password", s.pageReset)
	open("POST /reset-password", s.pageResetPost)
	authed("GET /account", s.pageAccount)
	authed("POST /account/profile", s.pageAccountProfile)
	authed("POST /account/password", s.pageAccountPassword)
	authed("POST /account/verify-email", s.pageAccountResend)
	open("POST /language", s.pageLanguage)
	s.routeWorkspacePages(open, authed)
	s.routeItemPages(mux, authed)
	s.routePublicPages(open)
	open("/", func(w http.ResponseWriter, r *http.Request) error {
		return troupe.Errorf(troupe.CodeNotFound, "This page does not exist.")
	})
}

// PageRoutes lists the pages' patterns as registered by Handler, for the
// tests that send every page bad input.
func (s *Server) PageRoutes() []string { return slices.Clone(s.pageRoutes) }

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

func (s *Server) requirePageUser(h func(http.ResponseWriter, *http.Request, troupe.User) error) pageHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.currentUser(r)
		if err != nil {
			return err
		}
		if u == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return nil
		}
		return h(w, r, *u)
	}
}

// wsHandler serves a page of one workspace; v already holds the workspace
// as the app returned it for the signed-in user.
type wsHandler func(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error

// routeWorkspacePages registers the pages of workspaces and membership.
func (s *Server) routeWorkspacePages(open func(string, pageHandler), authed func(string, func(http.ResponseWriter, *http.Request, troupe.User) error)) {
	inWorkspace := func(pattern string, h wsHandler) { authed(pattern, s.inWorkspace(h)) }

	authed("GET /workspaces", s.pageWorkspaces)
	authed("POST /workspaces", s.pageWorkspaceCreate)
	authed("POST /workspaces/{ws}/switch", s.pageWorkspaceSwitch)
	authed("POST /workspaces/{ws}/leave", s.pageWorkspaceLeave)
	// The seat-limit mail links here.
	authed("GET /workspaces/{ws}/settings/seats", func(w http.ResponseWriter, r *http.Request, _ troupe.User) error {
		http.Redirect(w, r, wsPath(r.PathValue("ws"), "/settings/seats"), http.StatusMovedPermanently)
		return nil
	})

	inWorkspace("GET /w/{ws}", s.pageWorkspaceHome)
	inWorkspace("GET /w/{ws}/members", s.pageMembers)
	inWorkspace("GET /w/{ws}/members/invite", s.pageInvite)
	inWorkspace("POST /w/{ws}/members/invite", s.pageInvitePost)
	inWorkspace("POST /w/{ws}/members/{user}/role", s.pageMemberRole)
	inWorkspace("POST /w/{ws}/members/{user}/remove", s.pageMemberRemove)
	inWorkspace("POST /w/{ws}/invitations/{id}/resend", s.pageInvitationResend)
	inWorkspace("POST /w/{ws}/invitations/{id}/revoke", s.pageInvitationRevoke)
	inWorkspace("GET /w/{ws}/settings", s.pageSettings)
	inWorkspace("POST /w/{ws}/settings", s.pageSettingsPost)
	inWorkspace("POST /w/{ws}/settings/domains", s.pageDomainsPost)
	inWorkspace("GET /w/{ws}/settings/seats", s.pageSeats)
	inWorkspace("POST /w/{ws}/settings/seats", s.pageSeatsPost)
	inWorkspace("GET /w/{ws}/audit", s.pageAudit)

	open("GET /invitations/{token}", s.pageInvitation)
	open("POST /invitations/{token}/signup", s.pageInvitationSignup)
	open("POST /invitations/{token}/signout", s.pageInvitationSignout)
	authed("POST /invitations/{token}/accept", s.pageInvitationAccept)
	authed("POST /invitations/{token}/decline", s.pageInvitationDecline)
	s.routeMembershipPages(open, authed)
}

// inWorkspace loads the workspace of the URL for the user (the app refuses
// non-members) and remembers it as the current one.
func (s *Server) inWorkspace(h wsHandler) func(http.ResponseWriter, *http.Request, troupe.User) error {
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

// routeItemPages registers the pages of content: the browser of folders,
// the lists (shared with me, recent, trash, search), item pages, uploads
// and the dialogs that also work as plain pages (new, rename, move,
// share, who has access).
func (s *Server) routeItemPages(mux *http.ServeMux, authed func(string, func(http.ResponseWriter, *http.Request, troupe.User) error)) {
	inWorkspace := func(pattern string, h wsHandler) { authed(pattern, s.inWorkspace(h)) }
	// A draft's text and an upload outgrow the form limit of other pages.
	large := func(pattern string, limit int64, h wsHandler) {
		s.pageRoutes = append(s.pageRoutes, pattern)
		mux.Handle(pattern, s.largePage(pattern, limit, s.requirePageUser(s.inWorkspace(h))))
	}

	inWorkspace("GET /w/{ws}/folders/{id}", s.pageFolder)
	inWorkspace("GET /w/{ws}/shared", s.pageShared)
	inWorkspace("GET /w/{ws}/recent", s.pageRecent)
	inWorkspace("GET /w/{ws}/trash", s.pageTrash)
	inWorkspace("GET /w/{ws}/search", s.pageSearch)
	inWorkspace("GET /w/{ws}/new", s.pageNew)
	inWorkspace("POST /w/{ws}/new", s.pageNewPost)
	inWorkspace("GET /w/{ws}/upload", s.pageUpload)
	large("POST /w/{ws}/upload", 0, s.pageUploadPost)
	inWorkspace("GET /w/{ws}/items/{id}", s.pageItem)
	large("POST /w/{ws}/items/{id}", maxDraftBody, s.pageItemSave)
	inWorkspace("GET /w/{ws}/items/{id}/rename", s.pageRename)
	inWorkspace("POST /w/{ws}/items/{id}/rename", s.pageRenamePost)
	inWorkspace("GET /w/{ws}/items/{id}/move", s.pageMove)
	inWorkspace("POST /w/{ws}/items/{id}/move", s.pageMovePost)
	inWorkspace("POST /w/{ws}/items/{id}/trash", s.pageTrashPost)
	inWorkspace("POST /w/{ws}/items/{id}/restore", s.pageRestorePost)
	inWorkspace("GET /w/{ws}/items/{id}/share", s.pageShare)
	inWorkspace("POST /w/{ws}/items/{id}/share", s.pageSharePost)
	inWorkspace("GET /w/{ws}/items/{id}/access", s.pageAccess)
	s.routeVideoPages(inWorkspace, large)
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

// routeMembershipPages registers the pages of invite links, join requests,
// discovery, notifications and API tokens.
func (s *Server) routeMembershipPages(open func(string, pageHandler), authed func(string, func(http.ResponseWriter, *http.Request, troupe.User) error)) {
	inWorkspace := func(pattern string, h wsHandler) { authed(pattern, s.inWorkspace(h)) }

	inWorkspace("POST /w/{ws}/invite-link", s.pageInviteLinkSave)
	inWorkspace("POST /w/{ws}/invite-link/reset", s.pageInviteLinkReset)
	inWorkspace("POST /w/{ws}/invite-link/delete", s.pageInviteLinkDelete)
	inWorkspace("POST /w/{ws}/join-requests/{id}/approve", s.pageJoinRequestApprove)
	inWorkspace("POST /w/{ws}/join-requests/{id}/deny", s.pageJoinRequestDeny)
	inWorkspace("GET /w/{ws}/settings/api-tokens", s.pageAPITokens)
	inWorkspace("POST /w/{ws}/settings/api-tokens", s.pageAPITokenCreate)
	inWorkspace("POST /w/{ws}/settings/api-tokens/{id}/revoke", s.pageAPITokenRevoke)

	authed("POST /my-invitations/{id}/accept", s.pageMyInvitationAccept)
	authed("POST /my-invitations/{id}/decline", s.pageMyInvitationDecline)
	authed("GET /discover", s.pageDiscover)
	authed("POST /discover/{ws}/join", s.pageDiscoverJoin)
	open("GET /join/{token}", s.pageJoinLink)
	authed("POST /join/{token}", s.pageJoinLinkPost)
	authed("GET /notifications", s.pageNotifications)
	authed("GET /notifications/panel", s.pageNotificationPanel)
	authed("POST /notifications/read-all", s.pageNotificationsReadAll)
	authed("POST /notifications/{id}/read", s.pageNotificationRead)
}

// routeVideoPages registers the forms of a video's page: publishing, the
// password, downloads and captions.
func (s *Server) routeVideoPages(inWorkspace func(string, wsHandler), large func(string, int64, wsHandler)) {
	inWorkspace("POST /w/{ws}/items/{id}/publish", s.pagePublish)
	inWorkspace("POST /w/{ws}/items/{id}/unpublish", s.pageUnpublish)
	inWorkspace("POST /w/{ws}/items/{id}/password", s.pagePasswordSet)
	inWorkspace("POST /w/{ws}/items/{id}/password/remove", s.pagePasswordRemove)
	inWorkspace("POST /w/{ws}/items/{id}/download", s.pageDownloadSet)
	large("POST /w/{ws}/items/{id}/captions", maxCaptionUpload, s.pageCaptionsUpload)
	inWorkspace("GET /w/{ws}/items/{id}/captions/{lang}", s.pageCaptionsEdit)
	large("POST /w/{ws}/items/{id}/captions/{lang}", maxCaptionForm, s.pageCaptionsSave)
	inWorkspace("POST /w/{ws}/items/{id}/captions/{lang}/delete", s.pageCaptionsDelete)
}

func (s *Server) routePublicPages(open func(string, pageHandler)) {
	open("GET /v/{slug}", s.pagePublicVideo)
	open("POST /v/{slug}/unlock", s.pagePublicUnlock)
	open("GET /v/{slug}/media", s.publicMedia(false))
	open("GET /v/{slug}/poster", s.publicMedia(true))
	open("GET /v/{slug}/captions/{file}", s.publicCaptions)
}

func (s *Server) routeItemAPI(authed func(string, authedHandler)) {
	authed("GET /api/v1/workspaces/{ws}/items", s.handleItemList)
	authed("GET /api/v1/workspaces/{ws}/shared-with-me", s.handleSharedWithMe)
	authed("GET /api/v1/workspaces/{ws}/recent", s.handleRecent)
	authed("GET /api/v1/workspaces/{ws}/trash", s.handleTrash)
	authed("POST /api/v1/workspaces/{ws}/folders", s.handleCreateItem(troupe.KindFolder))
	authed("POST /api/v1/workspaces/{ws}/drafts", s.handleCreateItem(troupe.KindDraft))
	authed("POST /api/v1/workspaces/{ws}/videos", s.handleUpload(troupe.KindVideo))
	authed("POST /api/v1/workspaces/{ws}/avatars", s.handleUpload(troupe.KindAvatar))
	authed("POST /api/v1/workspaces/{ws}/voices", s.handleUpload(troupe.KindVoice))
	authed("GET /api/v1/items/{id}", s.handleItemGet)
	authed("PATCH /api/v1/items/{id}", s.handleItemPatch)
	authed("DELETE /api/v1/items/{id}", s.handleItemTrash)
	authed("POST /api/v1/items/{id}/restore", s.handleItemRestore)
	authed("GET /api/v1/items/{id}/sharing", s.handleSharingGet)
	authed("PUT /api/v1/items/{id}/sharing", s.handleSharingPut)
	authed("GET /api/v1/items/{id}/permissions", s.handlePermissions)
	authed("GET /api/v1/items/{id}/media", s.handleMedia(false))
	authed("GET /api/v1/items/{id}/poster", s.handleMedia(true))
	s.routeVideoAPI(authed)
}

func (s *Server) routeMembershipAPI(authed func(string, authedHandler)) {
	authed("GET /api/v1/workspaces/{ws}/invite-link", s.handleInviteLinkGet)
	authed("PUT /api/v1/workspaces/{ws}/invite-link", s.handleInviteLinkPut)
	authed("DELETE /api/v1/workspaces/{ws}/invite-link", s.handleInviteLinkDelete)
	authed("POST /api/v1/workspaces/{ws}/invite-link/reset", s.handleInviteLinkReset)
	authed("POST /api/v1/join/{token}", s.handleJoinByLink)
	authed("GET /api/v1/workspaces/{ws}/suggestions", s.handleSuggestions)
	authed("GET /api/v1/discover", s.handleDiscover)
	authed("POST /api/v1/workspaces/{ws}/join", s.handleJoinWorkspace)
	authed("GET /api/v1/workspaces/{ws}/join-requests", s.handleJoinRequestList)
	authed("POST /api/v1/workspaces/{ws}/join-requests/{id}/approve", s.handleJoinRequestApprove)
	authed("POST /api/v1/workspaces/{ws}/join-requests/{id}/deny", s.handleJoinRequestDeny)
	authed("GET /api/v1/workspaces/{ws}/api-tokens", s.handleAPITokenList)
	authed("POST /api/v1/workspaces/{ws}/api-tokens", s.handleAPITokenCreate)
	authed("DELETE /api/v1/workspaces/{ws}/api-tokens/{id}", s.handleAPITokenRevoke)
}

func (s *Server) routeNotificationAPI(authed func(string, authedHandler)) {
	authed("GET /api/v1/notifications", s.handleNotificationList)
	authed("GET /api/v1/notifications/stream", s.handleNotificationStream)
	authed("POST /api/v1/notifications/{id}/read", s.handleNotificationRead)
	authed("POST /api/v1/notifications/read-all", s.handleNotificationReadAll)
}

func (s *Server) routeVideoAPI(authed func(string, authedHandler)) {
	authed("GET /api/v1/videos/{id}/media", s.handleVideoMedia)
	authed("GET /api/v1/videos/{id}/captions", s.handleCaptionList)
	authed("GET /api/v1/videos/{id}/captions/{lang}", s.handleCaptionGet)
	authed("PUT /api/v1/videos/{id}/captions/{lang}", s.handleCaptionPut)
	authed("DELETE /api/v1/videos/{id}/captions/{lang}", s.handleCaptionDelete)
	authed("PUT /api/v1/videos/{id}/password", s.handlePasswordPut)
	authed("DELETE /api/v1/videos/{id}/password", s.handlePasswordDelete)
	authed("POST /api/v1/videos/{id}/publish", s.handlePublish)
	authed("DELETE /api/v1/videos/{id}/publish", s.handleUnpublish)
	authed("PUT /api/v1/videos/{id}/download", s.handleDownloadPut)
}

func (s *Server) routeWorkspaceAPI(authed func(string, authedHandler)) {
	authed("GET /api/v1/workspaces", s.handleWorkspaceList)
	authed("POST /api/v1/workspaces", s.handleWorkspaceCreate)
	authed("GET /api/v1/workspaces/{ws}", s.handleWorkspaceGet)
	authed("PATCH /api/v1/workspaces/{ws}", s.handleWorkspaceUpdate)
	authed("GET /api/v1/workspaces/{ws}/subscription", s.handleSubscriptionGet)
	authed("PUT /api/v1/workspaces/{ws}/subscription", s.handleSubscriptionPut)
	authed("GET /api/v1/workspaces/{ws}/members", s.handleMemberList)
	authed("PATCH /api/v1/workspaces/{ws}/members/{user}", s.handleMemberUpdate)
	authed("DELETE /api/v1/workspaces/{ws}/members/{user}", s.handleMemberRemove)
	authed("POST /api/v1/workspaces/{ws}/leave", s.handleLeave)
	authed("GET /api/v1/workspaces/{ws}/invitations", s.handleInvitationList)
	authed("POST /api/v1/workspaces/{ws}/invitations", s.handleInvitationCreate)
	authed("POST /api/v1/workspaces/{ws}/invitations/{id}/resend", s.handleInvitationResend)
	authed("DELETE /api/v1/workspaces/{ws}/invitations/{id}", s.handleInvitationRevoke)
	authed("GET /api/v1/invitations", s.handleMyInvitations)
	authed("POST /api/v1/invitations/{token}/accept", s.handleInvitationAccept)
	authed("POST /api/v1/invitations/{token}/decline", s.handleInvitationDecline)
	authed("GET /api/v1/workspaces/{ws}/audit-log", s.handleAuditLog)
}
