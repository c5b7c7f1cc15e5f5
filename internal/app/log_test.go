package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/logging"
	"troupe/internal/mail"
	"troupe/internal/store"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// logBuffer keeps log lines written from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Line returns the first line containing msg, "" when none does.
func (b *logBuffer) Line(msg string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for line := range strings.Lines(b.buf.String()) {
		if strings.Contains(line, msg) {
			return line
		}
	}
	return ""
}

func TestLogLinesCarryTheRequestID(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		allowed := troupe.PermAllowed
		if _, err := e.app.UpdateWorkspace(ctx, tm.admin, tm.ws, app.WorkspaceUpdate{Publishing: &allowed}, client); err != nil {
			t.Fatal(err)
		}
		slug, _ := e.protectedVideo(t, tm.admin, tm.ws, "Launch")
		e.clock.StartWindow(time.Hour)
		// Guesses from many addresses, each its own request, until the
		// video's own allowance runs out and its owner is warned.
		tipped := ""
		for i := 1; i <= 250 && tipped == ""; i++ {
			id := fmt.Sprintf("req-%d", i)
			reqCtx := logging.WithRequestID(ctx, id)
			_, _, err := e.app.Unlock(reqCtx, slug, "wrong", from(fmt.Sprintf("198.51.%d.%d", 100+i/250, 1+i%250)))
			if troupe.ErrorCode(err) == troupe.CodeRateLimited {
				tipped = id
			}
		}
		if tipped == "" {
			t.Fatal("the guesses were never limited")
		}
		line := e.log.Line("password is being guessed")
		if !strings.Contains(line, "request_id="+tipped+" ") && !strings.HasSuffix(strings.TrimSpace(line), "request_id="+tipped) {
			t.Fatalf("the warning %q does not carry the id %s of the request that caused it", line, tipped)
		}
	})
}

func TestUseCaseErrorsNameTheOperation(t *testing.T) {
	ctx := context.Background()
	for _, engine := range testkit.Engines(t) {
		t.Run(engine.Name, func(t *testing.T) {
			db, err := store.Open(ctx, engine.URL)
			if err != nil {
				t.Fatal(err)
			}
			a := app.New(db, noQueue{}, nil, nil, nil, nil, app.Config{})
			user := troupe.User{ID: "u1", Email: "ada@acme.test", Name: "Ada"}

			t.Run("an answer for the client passes unchanged", func(t *testing.T) {
				_, err := a.CreateWorkspace(ctx, user, " ", client)
				if _, ok := err.(*troupe.Error); !ok || troupe.ErrorCode(err) != troupe.CodeValidation {
					t.Fatalf("got %T %v, want the validation troupe.Error itself", err, err)
				}
			})
			t.Run("a failure of the server names the use case", func(t *testing.T) {
				db.Close()
				_, err := a.ListWorkspaces(ctx, user)
				if err == nil || !strings.HasPrefix(err.Error(), "list workspaces: ") {
					t.Fatalf("got %v, want an error starting with the operation", err)
				}
				if c := troupe.ErrorCode(err); c != troupe.CodeInternal && c != troupe.CodeUnavailable {
					t.Fatalf("code %q, want a server-side one", c)
				}
			})
		})
	}
}

// noQueue takes no work: the tests that use it never get that far.
type noQueue struct{}

func (noQueue) EnqueueMail(context.Context, *store.Tx, mail.Message) error                     { return nil }
func (noQueue) EnqueueMails(context.Context, *store.Tx, []mail.Message) error                  { return nil }
func (noQueue) EnqueueTask(context.Context, *store.Tx, string, any) error                      { return nil }
func (noQueue) EnqueueTaskAt(context.Context, *store.Tx, string, any, time.Time) error         { return nil }
func (noQueue) Handle(string, func(context.Context, json.RawMessage) error)                    {}
func (noQueue) Every(string, time.Duration)                                                    {}
func (noQueue) HandleLong(string, time.Duration, func(context.Context, json.RawMessage) error) {}
