// Package paths builds the paths of the pages that are linked from more
// than one place: mails, notifications, redirects. Keeping them here lets
// a page move without leaving a stale link behind; a test holds each one
// to a route of the web server.
package paths

import (
	"net/url"
	"strconv"
)

// Home is the signed-in user's start page.
func Home() string { return "/" }

// Login is the sign-in page.
func Login() string { return "/login" }

// LoginThen is the sign-in page, coming back to next afterwards.
func LoginThen(next string) string { return "/login?next=" + url.QueryEscape(next) }

// ForgotPassword is the page that asks for a password-reset mail.
func ForgotPassword() string { return "/forgot-password" }

// ResetPassword is the mailed link that sets a new password.
func ResetPassword(token string) string { return "/reset-password?token=" + url.QueryEscape(token) }

// VerifyEmail is the mailed link that proves an address, coming back to
// next (a local path, or empty) afterwards.
func VerifyEmail(token, next string) string {
	p := "/verify-email?token=" + url.QueryEscape(token)
	if next != "" {
		p += "&next=" + url.QueryEscape(next)
	}
	return p
}

// Account is the signed-in user's settings page.
func Account() string { return "/account" }

// LoginCode is the sign-in step that asks for the second factor, coming
// back to next (a local path, or empty) afterwards.
func LoginCode(next string) string {
	if next == "" || next == "/" {
		return "/login/two-factor"
	}
	return "/login/two-factor?next=" + url.QueryEscape(next)
}

// ChangeEmail is the page that corrects an address not yet verified,
// coming back to next (a local path, or empty) afterwards.
func ChangeEmail(next string) string {
	if next == "" {
		return "/account/email"
	}
	return "/account/email?next=" + url.QueryEscape(next)
}

// Invitation is the mailed link that opens an invitation.
func Invitation(token string) string { return "/invitations/" + url.PathEscape(token) }

// JoinLink is a workspace's invite link.
func JoinLink(token string) string { return "/join/" + url.PathEscape(token) }

// Discover lists the workspaces one's e-mail domain may join.
func Discover() string { return "/discover" }

// Notifications is the page of one's notifications.
func Notifications() string { return "/notifications" }

// Workspaces lists one's workspaces.
func Workspaces() string { return "/workspaces" }

// Workspace is a workspace's home: its root folder.
func Workspace(ws string) string { return "/w/" + url.PathEscape(ws) }

// Members is a workspace's members page.
func Members(ws string) string { return Workspace(ws) + "/members" }

// JoinRequests is the members page showing the requests to join.
func JoinRequests(ws string) string { return Members(ws) + "?status=requested" }

// Settings is a workspace's settings page.
func Settings(ws string) string { return Workspace(ws) + "/settings" }

// Seats is a workspace's seats page.
func Seats(ws string) string { return Settings(ws) + "/seats" }

// APITokens is a workspace's API tokens page.
func APITokens(ws string) string { return Settings(ws) + "/api-tokens" }

// Webhooks is a workspace's webhooks page.
func Webhooks(ws string) string { return Settings(ws) + "/webhooks" }

// Audit is a workspace's audit log.
func Audit(ws string) string { return Workspace(ws) + "/audit" }

// Trash is a workspace's trash.
func Trash(ws string) string { return Workspace(ws) + "/trash" }

// Folder is a folder's content.
func Folder(ws, id string) string { return Workspace(ws) + "/folders/" + url.PathEscape(id) }

// Item is an item's own page.
func Item(ws, id string) string { return Workspace(ws) + "/items/" + url.PathEscape(id) }

// ItemAt is an item's page at a comment: a video's player starts at
// seconds (none when negative) and the page shows the comment.
func ItemAt(ws, id string, seconds int64, commentID string) string {
	q := url.Values{}
	if seconds >= 0 {
		q.Set("t", strconv.FormatInt(seconds, 10))
	}
	if commentID != "" {
		q.Set("c", commentID)
	}
	if len(q) == 0 {
		return Item(ws, id)
	}
	return Item(ws, id) + "?" + q.Encode()
}

// PublicVideo is a published video's public page.
func PublicVideo(slug string) string { return "/v/" + url.PathEscape(slug) }

// Embed is the player of a link, made to be shown in a frame on other
// sites.
func Embed(slug string) string { return "/e/" + url.PathEscape(slug) }
