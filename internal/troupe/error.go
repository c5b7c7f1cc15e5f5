// Package troupe holds the domain of Troupe: its types, the rules that
// decide what is valid and who may do what, and the error codes every layer
// speaks. It imports nothing outside the standard library and does no I/O.
package troupe

import (
	"errors"
	"fmt"
	"time"
)

// Code is a stable, machine-readable error code. Clients code against it,
// so existing values never change meaning.
type Code string

// The error codes of the product.
const (
	CodeInternal           Code = "internal"
	CodeValidation         Code = "validation_failed"
	CodeMalformed          Code = "malformed_request"
	CodeInvalidInput       Code = "invalid_input" // a string holds a NUL byte or is not UTF-8
	CodeBodyTooLarge       Code = "body_too_large"
	CodeNotFound           Code = "not_found"
	CodeForbidden          Code = "forbidden"
	CodeUnauthenticated    Code = "unauthenticated"
	CodeConflict           Code = "conflict"
	CodeRateLimited        Code = "rate_limited"
	CodeInvalidCredentials Code = "invalid_credentials"
	CodeTokenInvalid       Code = "token_invalid"
	CodeTokenExpired       Code = "token_expired"
	CodeUnavailable        Code = "unavailable"
)

// FieldError says what is wrong with one input field.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Line is the line of an uploaded file the problem is on, when it
	// concerns one.
	Line int `json:"line,omitempty"`
}

// Error is the one error type that crosses layers. Message is safe to show
// to users; Err, when set, is the cause and only ever reaches the logs.
type Error struct {
	Code       Code
	Message    string
	Fields     []FieldError
	RetryAfter time.Duration
	// Refusal, on a forbidden error, says what to do about it.
	Refusal *Refusal
	Err     error
}

// Refusal says whom to ask when an action on an item is refused, so that
// pages can say it in the reader's language.
type Refusal struct {
	// Need is what is missing: "edit" (edit access, which Owner can
	// give), "owner" (only Owner or a Super Admin may do it) or "role"
	// (the person's role does not allow it, whatever the sharing says).
	Need string
	// Owner names the item's owner.
	Owner string
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, or CodeInternal when err is not an
// *Error (anything unexpected is an internal error as far as users know).
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the user-facing message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

// AsError returns err as an *Error when it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Validation collects field errors; Err returns nil when there are none.
type Validation struct {
	fields []FieldError
}

// Add records a problem with one field.
func (v *Validation) Add(field, code, message string) {
	v.fields = append(v.fields, FieldError{Field: field, Code: code, Message: message})
}

// Err returns a validation_failed *Error listing every field problem.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: CodeValidation, Message: "Some fields are not valid.", Fields: v.fields}
}

// Codes of workspace membership.
const (
	CodeSeatLimitReached  Code = "seat_limit_reached"
	CodeInvitationExpired Code = "invitation_expired"
	CodeInvitationInvalid Code = "invitation_invalid"
	CodeEmailMismatch     Code = "email_mismatch"
	CodeEmailUnverified   Code = "email_unverified"
	CodeAlreadyMember     Code = "already_member"
	CodeLastSuperAdmin    Code = "last_super_admin"
	CodeLinkInvalid       Code = "invite_link_invalid"
	CodeRequestPending    Code = "request_pending"
	CodePublicDomain      Code = "public_domain"
	// CodeInsufficientScope: the API token's scope does not reach the
	// route (read for GET, write for changes, admin for administration).
	CodeInsufficientScope Code = "insufficient_scope"
	// CodeSSORequired: the account's organisation asks it to sign in
	// through its identity provider, not with a password.
	CodeSSORequired Code = "sso_required"
	// CodeTwoFactorRequired: the workspace requires two-factor sign-in
	// and the member's grace period is over.
	CodeTwoFactorRequired Code = "two_factor_required"
	// CodeInvalidCode: a two-factor or recovery code is wrong or used.
	CodeInvalidCode Code = "invalid_code"
)

// Codes of content.
const (
	CodeItemTrashed      Code = "item_trashed"
	CodeFileTooLarge     Code = "file_too_large"
	CodeUnsupportedMedia Code = "unsupported_media_type"
	// CodeApprovalRequired: the workspace asks for approval before a
	// video is published, linked or downloaded, and it is not approved.
	CodeApprovalRequired Code = "approval_required"
)

// Codes of the video share page.
const (
	// CodePasswordRequired: the public page is locked for this visitor.
	CodePasswordRequired Code = "password_required"
	CodeWrongPassword    Code = "wrong_password"
	// CodeLinkExpired: the link to a public page is past its expiry.
	CodeLinkExpired Code = "link_expired"
	// CodeInvalidCaptions: a caption file or cue list failed validation
	// (the problem's errors name the lines).
	CodeInvalidCaptions Code = "invalid_captions"
)

// Codes lists every error code declared in this package, so that whatever
// must cover them all (the HTTP status table and its test) iterates one
// list; a test of this package fails when a declared code is missing here.
var Codes = []Code{
	CodeInternal, CodeValidation, CodeMalformed, CodeInvalidInput, CodeBodyTooLarge,
	CodeNotFound, CodeForbidden, CodeUnauthenticated, CodeConflict, CodeRateLimited,
	CodeInvalidCredentials, CodeTokenInvalid, CodeTokenExpired, CodeUnavailable,
	CodeSeatLimitReached, CodeInvitationExpired, CodeInvitationInvalid, CodeEmailMismatch,
	CodeEmailUnverified, CodeAlreadyMember, CodeLastSuperAdmin, CodeLinkInvalid,
	CodeRequestPending, CodePublicDomain, CodeInsufficientScope, CodeSSORequired, CodeTwoFactorRequired, CodeInvalidCode,
	CodeItemTrashed, CodeFileTooLarge, CodeUnsupportedMedia, CodeApprovalRequired,
	CodePasswordRequired, CodeWrongPassword, CodeLinkExpired, CodeInvalidCaptions,
}
