package logging_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"troupe/internal/logging"
)

func TestRequestIDHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(logging.NewHandler(slog.NewTextHandler(&buf, nil)))
	ctx := logging.WithRequestID(context.Background(), "r-42")

	t.Run("a record logged with the request's context carries its id", func(t *testing.T) {
		buf.Reset()
		log.With("component", "app").InfoContext(ctx, "something happened")
		if !strings.Contains(buf.String(), "request_id=r-42") {
			t.Fatalf("no request id in %q", buf.String())
		}
	})
	t.Run("a record that names the id has it once", func(t *testing.T) {
		buf.Reset()
		log.InfoContext(ctx, "request", "request_id", "r-42")
		if n := strings.Count(buf.String(), "request_id="); n != 1 {
			t.Fatalf("request id %d times in %q", n, buf.String())
		}
	})
	t.Run("a record without a request has no id", func(t *testing.T) {
		buf.Reset()
		log.InfoContext(context.Background(), "at start")
		if strings.Contains(buf.String(), "request_id") {
			t.Fatalf("request id in %q", buf.String())
		}
	})
	t.Run("wrapping twice adds the id once", func(t *testing.T) {
		buf.Reset()
		twice := slog.New(logging.NewHandler(log.Handler()))
		twice.InfoContext(ctx, "x")
		if n := strings.Count(buf.String(), "request_id="); n != 1 {
			t.Fatalf("request id %d times in %q", n, buf.String())
		}
	})
}
