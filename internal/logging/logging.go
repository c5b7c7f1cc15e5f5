// Package logging carries a request's id in its context and adds it to
// every log record written with that context, so that the lines one
// request causes in any layer can be found together.
package logging

import (
	"context"
	"log/slog"
)

// RequestIDKey is the attribute that carries the request id.
const RequestIDKey = "request_id"

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request id id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id ctx carries, "" for none.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// NewHandler wraps h so that records logged with a context carrying a
// request id have it as an attribute (unless they name one already).
// Wrapping twice adds nothing.
func NewHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(*requestIDHandler); ok {
		return h
	}
	return &requestIDHandler{next: h}
}

type requestIDHandler struct{ next slog.Handler }

func (h *requestIDHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" && !hasAttr(r, RequestIDKey) {
		r = r.Clone()
		r.AddAttrs(slog.String(RequestIDKey, id))
	}
	return h.next.Handle(ctx, r)
}

func (h *requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &requestIDHandler{next: h.next.WithAttrs(as)}
}

func (h *requestIDHandler) WithGroup(name string) slog.Handler {
	return &requestIDHandler{next: h.next.WithGroup(name)}
}

func hasAttr(r slog.Record, key string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == key
		return !found
	})
	return found
}

// OrDiscard returns l, or a logger that writes nothing when l is nil.
func OrDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
