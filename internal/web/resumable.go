package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"troupe/internal/app"
	"troupe/internal/troupe"
	"troupe/internal/upload"
)

// Uploads answers the tus requests of resumable uploads (an
// *upload.Handler built with UploadHooks): the API mounts it under each
// workspace, after its own authentication.
type Uploads interface {
	http.Handler
	// Release forgets a finished upload whose bytes an item now owns.
	Release(ctx context.Context, id string) error
}

// StatusOf is the HTTP status of an error code, from the one table: for
// the answers written outside this package (tus refusals).
func StatusOf(c troupe.Code) int { return httpStatus(c) }

// tusCall is what a tus request tells the upload hooks, which see it only
// through its context: who sends it, to which workspace, and back, which
// upload it completed.
type tusCall struct {
	user        troupe.User
	workspaceID string
	completed   string
}

type tusCallKey struct{}

func tusCallOf(ctx context.Context) *tusCall {
	if c, ok := ctx.Value(tusCallKey{}).(*tusCall); ok {
		return c
	}
	return &tusCall{}
}

// handleResumable hands a signed-in user's tus request to the uploads
// handler, and releases an upload its PATCH completed once the request
// has let go of it (the upload is locked while the request lasts).
func (s *Server) handleResumable(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if s.cfg.Uploads == nil {
		return troupe.Errorf(troupe.CodeNotFound, "Resumable uploads are not available on this server.")
	}
	c := &tusCall{user: u, workspaceID: r.PathValue("ws")}
	r = r.WithContext(context.WithValue(r.Context(), tusCallKey{}, c))
	s.cfg.Uploads.ServeHTTP(w, r)
	if c.completed != "" {
		// Failing leaves only the upload's record: Cleanup keeps finished
		// uploads, and their bytes are the item's.
		if err := s.cfg.Uploads.Release(context.WithoutCancel(r.Context()), c.completed); err != nil {
			s.log.ErrorContext(r.Context(), "release a completed upload", "upload", c.completed, "err", err)
		}
	}
	return nil
}

// handleResumableOptions answers tus's discovery of the server's
// capabilities, which tells nothing of any upload.
func (s *Server) handleResumableOptions(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Uploads == nil {
		return troupe.Errorf(troupe.CodeNotFound, "Resumable uploads are not available on this server.")
	}
	s.cfg.Uploads.ServeHTTP(w, r)
	return nil
}

// UploadHooks decide resumable uploads through the app, for
// upload.Config: who owns an upload, whether it may start, and the item a
// finished one becomes.
type UploadHooks struct{ App *app.App }

// Owner binds an upload to its creator and to the workspace of its URL.
func (h UploadHooks) Owner(r *http.Request) string {
	c := tusCallOf(r.Context())
	return c.user.ID + " " + c.workspaceID
}

// Authorize checks an upload at its creation, before any byte is stored.
func (h UploadHooks) Authorize(r *http.Request, meta upload.Metadata, size int64) error {
	in, err := mediaOf(meta)
	if err != nil {
		return err
	}
	c := tusCallOf(r.Context())
	return h.App.AuthorizeUpload(r.Context(), c.user, c.workspaceID, in, size)
}

// completeTries bounds how often a completion is tried through an outage:
// a refused completion removes the upload, so a passing failure is worth
// waiting for.
const completeTries = 3

// Complete makes the item of a finished upload; the PATCH that finished it
// answers with the item's id in Troupe-Item-Id.
func (h UploadHooks) Complete(ctx context.Context, up upload.Upload) (http.Header, error) {
	in, err := mediaOf(up.Meta)
	if err != nil {
		return nil, err
	}
	c := tusCallOf(ctx)
	// Every byte is here: a client that goes now does not undo the upload.
	ctx = context.WithoutCancel(ctx)
	stored := app.StoredUpload{Media: in, Key: up.Key, Size: up.Size}
	for try := 1; ; try++ {
		it, err := h.App.CompleteUpload(ctx, c.user, c.workspaceID, stored)
		if err == nil {
			c.completed = up.ID
			return http.Header{"Troupe-Item-Id": {it.ID}}, nil
		}
		if troupe.ErrorCode(err) != troupe.CodeUnavailable || try == completeTries {
			return nil, err
		}
		time.Sleep(time.Duration(try) * time.Second)
	}
}

// mediaOf reads an upload's metadata as the multipart form's fields are
// read: every value must be text.
func mediaOf(meta upload.Metadata) (app.NewMedia, error) {
	for _, f := range []struct{ key, value string }{{"kind", meta.Kind}, {"filename", meta.Filename},
		{"name", meta.Name}, {"parent_id", meta.ParentID}, {"description", meta.Description}} {
		if !isText(f.value) {
			return app.NewMedia{}, invalidInput(fmt.Sprintf("The metadata %q", f.key))
		}
	}
	return app.NewMedia{Kind: troupe.Kind(meta.Kind), Filename: meta.Filename, Name: meta.Name,
		ParentID: meta.ParentID, Description: meta.Description}, nil
}
