package upload

import (
	"context"
	"log/slog"

	expslog "golang.org/x/exp/slog"
)

// tusLogger gives tusd, which logs with golang.org/x/exp/slog, a logger
// writing to h, warnings and errors only: tusd logs every request and
// chunk at the info level.
func tusLogger(h slog.Handler) *expslog.Logger {
	return expslog.New(tusHandler{h})
}

type tusHandler struct{ h slog.Handler }

func (t tusHandler) Enabled(ctx context.Context, l expslog.Level) bool {
	return l >= expslog.LevelWarn && t.h.Enabled(ctx, slog.Level(l))
}

func (t tusHandler) Handle(ctx context.Context, r expslog.Record) error {
	rec := slog.NewRecord(r.Time, slog.Level(r.Level), "tus: "+r.Message, r.PC)
	r.Attrs(func(a expslog.Attr) bool {
		rec.AddAttrs(attr(a))
		return true
	})
	return t.h.Handle(ctx, rec)
}

func (t tusHandler) WithAttrs(as []expslog.Attr) expslog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = attr(a)
	}
	return tusHandler{t.h.WithAttrs(out)}
}

func (t tusHandler) WithGroup(name string) expslog.Handler { return tusHandler{t.h.WithGroup(name)} }

func attr(a expslog.Attr) slog.Attr { return slog.Any(a.Key, a.Value.Resolve().Any()) }
