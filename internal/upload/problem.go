package upload

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	tusd "github.com/tus/tusd/v2/pkg/handler"

	"troupe/internal/logging"
	"troupe/internal/troupe"
)

// problem is the API's RFC 9457 problem document with Troupe's stable
// code, written here as the web layer writes it (this package does not
// import web).
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

// refusal turns a hook's error into tusd's answer: the status of its code
// and a problem document. Server-side failures are logged with their
// cause and shown generically.
func (h *Handler) refusal(ctx context.Context, r *http.Request, err error) tusd.Error {
	code := troupe.ErrorCode(err)
	status := h.cfg.StatusOf(code)
	if status >= 500 {
		h.log.ErrorContext(ctx, "upload hook failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	p := problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Code: code,
		Detail: troupe.ErrorMessage(err), Instance: r.URL.Path, RequestID: logging.RequestID(ctx)}
	if e, ok := troupe.AsError(err); ok {
		p.Errors = e.Fields
	}
	body, _ := json.Marshal(p)
	return tusd.Error{
		ErrorCode: string(code),
		Message:   p.Detail,
		HTTPResponse: tusd.HTTPResponse{
			StatusCode: status,
			Body:       string(body) + "\n",
			Header: tusd.HTTPHeader{
				"Content-Type":  "application/problem+json",
				"Cache-Control": "no-store",
			},
		},
	}
}

// answerRefusal writes err as refusal would have tusd write it, for a
// request refused before tusd sees it.
func (h *Handler) answerRefusal(w http.ResponseWriter, r *http.Request, err error) {
	e := h.refusal(r.Context(), r, err)
	for k, v := range e.HTTPResponse.Header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(e.HTTPResponse.StatusCode)
	if r.Method != http.MethodHead {
		io.WriteString(w, e.HTTPResponse.Body)
	}
}
