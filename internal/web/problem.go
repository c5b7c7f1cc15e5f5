package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"troupe/internal/troupe"
)

// statusOf maps error codes to HTTP status: the one table that does.
var statusOf = map[troupe.Code]int{
	troupe.CodeValidation:         http.StatusUnprocessableEntity,
	troupe.CodeMalformed:          http.StatusBadRequest,
	troupe.CodeInvalidInput:       http.StatusBadRequest,
	troupe.CodeBodyTooLarge:       http.StatusRequestEntityTooLarge,
	troupe.CodeNotFound:           http.StatusNotFound,
	troupe.CodeForbidden:          http.StatusForbidden,
	troupe.CodeUnauthenticated:    http.StatusUnauthorized,
	troupe.CodeConflict:           http.StatusConflict,
	troupe.CodeRateLimited:        http.StatusTooManyRequests,
	troupe.CodeInvalidCredentials: http.StatusUnauthorized,
	troupe.CodeTokenInvalid:       http.StatusBadRequest,
	troupe.CodeTokenExpired:       http.StatusGone,
	troupe.CodeUnavailable:        http.StatusServiceUnavailable,
	troupe.CodeInternal:           http.StatusInternalServerError,
	troupe.CodeSeatLimitReached:   http.StatusConflict,
	troupe.CodeInvitationExpired:  http.StatusGone,
	troupe.CodeInvitationInvalid:  http.StatusGone,
	troupe.CodeEmailMismatch:      http.StatusForbidden,
	troupe.CodeEmailUnverified:    http.StatusForbidden,
	troupe.CodeAlreadyMember:      http.StatusConflict,
	troupe.CodeLastSuperAdmin:     http.StatusConflict,
	troupe.CodeLinkInvalid:        http.StatusGone,
	troupe.CodeRequestPending:     http.StatusConflict,
	troupe.CodePublicDomain:       http.StatusUnprocessableEntity,
	troupe.CodeTwoFactorRequired:  http.StatusForbidden,
	troupe.CodeInvalidCode:        http.StatusUnauthorized,
	troupe.CodeItemTrashed:        http.StatusConflict,
	troupe.CodeApprovalRequired:   http.StatusConflict,
	troupe.CodePasswordRequired:   http.StatusUnauthorized,
	troupe.CodeWrongPassword:      http.StatusUnauthorized,
	troupe.CodeLinkExpired:        http.StatusGone,
	troupe.CodeInsufficientScope:  http.StatusForbidden,
	troupe.CodeSSORequired:        http.StatusForbidden,
	troupe.CodeInvalidCaptions:    http.StatusUnprocessableEntity,
	troupe.CodeFileTooLarge:       http.StatusRequestEntityTooLarge,
	troupe.CodeUnsupportedMedia:   http.StatusUnsupportedMediaType,
}

func httpStatus(code troupe.Code) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// problem is an RFC 9457 problem document with Troupe's stable code.
type problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Code      troupe.Code         `json:"code"`
	Detail    string              `json:"detail"`
	Instance  string              `json:"instance,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
	Errors    []troupe.FieldError `json:"errors,omitempty"`
}

// fail answers with err: problem+json on the API, a page elsewhere.
// Server-side failures (internal errors, outages) keep their cause for the
// request's log line and are shown generically.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := troupe.ErrorCode(err)
	status := httpStatus(code)
	st := state(r)
	if status >= 500 {
		st.err = err
	}
	setRetryAfter(w, err)
	if code == troupe.CodeTwoFactorRequired && !isAPI(r) {
		// A workspace's pages lead to the one thing left to do there.
		s.flash(w, r, "flash.two_factor_required")
		http.Redirect(w, r, accountTwoFactor, http.StatusSeeOther)
		return
	}
	if !isAPI(r) && !inPlace(r) {
		s.pages.renderError(w, r, s, status, err)
		return
	}
	p := problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Code: code,
		Detail: troupe.ErrorMessage(err), Instance: r.URL.Path, RequestID: st.id}
	if e, ok := troupe.AsError(err); ok {
		p.Errors = e.Fields
	}
	if inPlace(r) {
		// The page's script shows these words as they are: in the
		// reader's language, as the page would have said them.
		v := s.bareView(r)
		v.setError(err)
		p.Detail = v.Error
		p.Errors = slices.Clone(p.Errors)
		for i, f := range p.Errors {
			if m := v.Fields[f.Field]; m != "" {
				p.Errors[i].Message = m
			}
		}
	}
	writeProblem(w, status, p)
}

// writeProblem sends p as problem+json.
func writeProblem(w http.ResponseWriter, status int, p problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

// unavailableRetryAfter is when a client should try again after an
// outage (database or disk) whose end nobody can foretell.
const unavailableRetryAfter = 10 * time.Second

// setRetryAfter tells a rate-limited client, or one turned away by an
// outage, when to come back.
func setRetryAfter(w http.ResponseWriter, err error) {
	e, ok := troupe.AsError(err)
	if !ok {
		return
	}
	after := e.RetryAfter
	if after <= 0 && e.Code == troupe.CodeUnavailable {
		after = unavailableRetryAfter
	}
	if after > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(after.Seconds())))
	}
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// inPlace reports whether a page's form was sent by the page's own script,
// which applies the outcome where it stands rather than load a new page:
// it asks for JSON, and gets JSON, or problem+json on failure.
func inPlace(r *http.Request) bool {
	return !isAPI(r) && r.Method == http.MethodPost && strings.Contains(r.Header.Get("Accept"), "application/json")
}

// maxJSONBody bounds API request bodies.
const maxJSONBody = 1 << 20

// decode reads one JSON object into dst, refusing unknown fields, trailing
// data, oversized bodies and strings that are not text with a clear code.
func decode(w http.ResponseWriter, r *http.Request, dst any) error {
	return decodeN(w, r, dst, maxJSONBody)
}

// decodeN is decode with a body limit of limit bytes.
func decodeN(w http.ResponseWriter, r *http.Request, dst any, limit int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return troupe.Errorf(troupe.CodeMalformed, "Send a JSON body with Content-Type: application/json.")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return decodeError(err)
	}
	if err := checkJSON(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		if err != nil {
			if de := decodeError(err); troupe.ErrorCode(de) == troupe.CodeBodyTooLarge {
				return de
			}
		}
		return troupe.Errorf(troupe.CodeMalformed, "The body must hold a single JSON object.")
	}
	return nil
}

func decodeError(err error) error {
	var maxErr *http.MaxBytesError
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &maxErr):
		return troupe.Errorf(troupe.CodeBodyTooLarge, "The request body is larger than %d bytes.", maxErr.Limit)
	case errors.Is(err, io.EOF):
		return troupe.Errorf(troupe.CodeMalformed, "The request body is empty; send a JSON object.")
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return troupe.Errorf(troupe.CodeMalformed, "The body is not valid JSON.")
	case errors.As(err, &typeErr):
		return troupe.Errorf(troupe.CodeMalformed, "The field %q has the wrong type.", typeErr.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return troupe.Errorf(troupe.CodeMalformed, "Unknown field %s.", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return troupe.Errorf(troupe.CodeMalformed, "The body could not be read: %v", err)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		// The status line is out; nothing more can be said to the client.
		_ = fmt.Errorf("encode response: %w", err)
	}
}

// list is the shape of every list answer.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}
