// Package upload takes uploads by the tus 1.0.0 protocol (creation,
// creation-with-upload, termination and expiration), through tusd used as
// a library: a client sends a file in as many PATCH requests as it likes
// and resumes after a cut where the server stopped. The bytes go where the
// media go: a folder beside the media files, or the media bucket under a
// prefix. What may be uploaded, and what becomes of a finished upload, is
// the caller's to decide, through plain callbacks.
package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"

	"troupe/internal/blob"
	"troupe/internal/logging"
	"troupe/internal/troupe"
)

// Defaults of Config.
const (
	DefaultPrefix = "uploads/"
	DefaultExpiry = 24 * time.Hour
)

// Locker keeps two requests from working on one upload at once (tusd's
// handler.Locker). In-process by default; see Config.Locker.
type Locker = tusd.Locker

// Config says where uploads are kept and what the caller decides.
type Config struct {
	// Media is the media store; uploads are kept beside its files, in the
	// folder Prefix of a file:// store or under Prefix in an s3:// bucket,
	// so a finished upload's Key is a key of Media.
	Media *blob.Store
	// Prefix is the folder or key prefix of uploads, DefaultPrefix if empty.
	Prefix string
	// Expiry is how long after its creation an unfinished upload may be
	// resumed (advertised as Upload-Expires), DefaultExpiry if zero.
	Expiry time.Duration
	// MaxSize is the largest upload of any kind, announced as Tus-Max-Size
	// (0: no overall limit). Limits per kind are Authorize's.
	MaxSize int64

	// Authorize is called when an upload is created, before any byte is
	// stored, with the request (its context, path values and credentials),
	// the parsed metadata and the announced size. An error refuses the
	// upload and nothing is stored.
	Authorize func(r *http.Request, meta Metadata, size int64) error
	// Complete is called once, when the last byte of an upload is stored,
	// with the context of the request that sent it. Its header is added to
	// that request's answer (for example Troupe-Item-Id). An error is the
	// answer instead, and the upload and its bytes are removed: Complete
	// should refuse only for good (retrying passing failures itself).
	// After success the bytes are the caller's, who takes them (Key, or
	// Open) and then calls Release or Remove.
	Complete func(ctx context.Context, up Upload) (http.Header, error)
	// StatusOf gives the HTTP status of an error code: the caller's one
	// table, so that refusals answer as the rest of the API does.
	StatusOf func(troupe.Code) int
	// Owner names who sends a request (for example the signed-in user in
	// the URL's workspace). It is recorded when an upload is created, and
	// a HEAD, PATCH or DELETE of the upload for which it names anyone else
	// is answered 404, as for an upload that does not exist. Nil leaves an
	// upload to whoever holds its URL.
	Owner func(r *http.Request) string

	// Locker guards each upload against concurrent requests. Nil is an
	// in-process locker, right for one instance; several instances need a
	// shared one, or a balancer that sends every request of one upload to
	// the same instance (see docs/decisions.md).
	Locker Locker
	// TempDir is where an s3:// store buffers a part on its way to the
	// bucket, the system's temporary folder if empty (see partSize).
	TempDir string
	// Logger receives failures; nil logs nothing.
	Logger *slog.Logger
	// Now is the clock of ids and expiry, time.Now if nil.
	Now func() time.Time
}

// Metadata is what a client says about its upload in Upload-Metadata.
type Metadata struct {
	Kind        string // "video", "avatar", "voice": the caller checks
	Filename    string
	Name        string // optional
	ParentID    string // optional
	Description string // optional
}

// Metadata keys, as the client sends them.
const (
	keyKind        = "kind"
	keyFilename    = "filename"
	keyName        = "name"
	keyParentID    = "parent_id"
	keyDescription = "description"
	// keyOwner is set by the server alone (Config.Owner): one a client
	// sends is dropped with every other unknown key.
	keyOwner = "owner"
)

func parseMetadata(m tusd.MetaData) (Metadata, error) {
	meta := Metadata{
		Kind: m[keyKind], Filename: m[keyFilename], Name: m[keyName],
		ParentID: m[keyParentID], Description: m[keyDescription],
	}
	var v troupe.Validation
	if meta.Kind == "" {
		v.Add(keyKind, "required", "Say what is uploaded in the kind metadata.")
	}
	if meta.Filename == "" {
		v.Add(keyFilename, "required", "Give the file's name in the filename metadata.")
	}
	return meta, v.Err()
}

// tusMetadata is meta as stored with the upload: the known keys only.
func (meta Metadata) tusMetadata() tusd.MetaData {
	m := tusd.MetaData{keyKind: meta.Kind, keyFilename: meta.Filename}
	for k, v := range map[string]string{keyName: meta.Name, keyParentID: meta.ParentID, keyDescription: meta.Description} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// Upload is a finished upload.
type Upload struct {
	ID   string // as in its URL
	Size int64
	Meta Metadata
	// Key is where the bytes are in the media store: the caller may keep
	// them there as its own file (then Release the upload) rather than
	// copy them.
	Key string

	store *store
}

// Open reads the upload's bytes, until the upload is released or removed.
func (u Upload) Open(ctx context.Context) (io.ReadCloser, error) {
	up, err := u.store.tus.GetUpload(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("upload: open %s: %w", u.ID, err)
	}
	return up.GetReader(ctx)
}

// Handler answers tus requests. Mount it on the caller's own patterns:
// the collection (POST creates an upload there) and one upload under it
// with an {id...} wildcard (HEAD, PATCH, DELETE), for example
//
//	mux.Handle("POST /api/v1/workspaces/{ws}/uploads", h)
//	mux.Handle("/api/v1/workspaces/{ws}/uploads/{id...}", h)
//
// Locations are answered relative to the request's path, so one handler
// serves every workspace and the hooks read {ws} from the request.
type Handler struct {
	cfg   Config
	store *store
	tus   *tusd.UnroutedHandler
	serve http.Handler
	log   *slog.Logger
}

// New checks cfg, fills its defaults and opens the upload store.
func New(cfg Config) (*Handler, error) {
	if cfg.Media == nil || cfg.Authorize == nil || cfg.Complete == nil || cfg.StatusOf == nil {
		return nil, errors.New("upload: Media, Authorize, Complete and StatusOf are required")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	cfg.Prefix = strings.Trim(cfg.Prefix, "/") + "/"
	if cfg.Expiry <= 0 {
		cfg.Expiry = DefaultExpiry
	}
	if cfg.Locker == nil {
		cfg.Locker = memorylocker.New()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := logging.OrDiscard(cfg.Logger)
	st, err := openStore(cfg)
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, store: st, log: log}
	composer := tusd.NewStoreComposer()
	composer.UseCore(st.tus)
	composer.UseTerminater(st.tus)
	composer.UseLocker(cfg.Locker)
	// No length deferrer: the size is counted against the kind's limit
	// before any byte is stored, so it must be known at creation. No
	// concatenation and no downloads: finished bytes are the caller's.
	h.tus, err = tusd.NewUnroutedHandler(tusd.Config{
		StoreComposer:              composer,
		BasePath:                   "/",
		MaxSize:                    cfg.MaxSize,
		DisableDownload:            true,
		DisableConcatenation:       true,
		Cors:                       &tusd.CorsConfig{Disable: true},
		Logger:                     tusLogger(log.Handler()),
		PreUploadCreateCallback:    h.preCreate,
		PreFinishResponseCallback:  h.preFinish,
		PreUploadTerminateCallback: h.preTerminate,
	})
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	h.serve = h.tus.Middleware(http.HandlerFunc(h.route))
	return h, nil
}

// exchange is what the hooks learn of the request they run for, and tell
// the answer: tusd passes the request's context values to its hooks.
type exchange struct {
	req      *http.Request // as the caller's mux gave it
	id       string        // of the upload, once known
	finished bool          // this request stored the last byte
}

type exchangeKey struct{}

func exchangeOf(ctx context.Context) *exchange {
	x, _ := ctx.Value(exchangeKey{}).(*exchange)
	return x
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The caller's routes and checks go by the method the request came
	// with; tusd would let a POST become a PATCH or DELETE after them.
	r.Header.Del("X-HTTP-Method-Override")
	x := &exchange{req: r, id: r.PathValue("id")}
	r = r.WithContext(context.WithValue(r.Context(), exchangeKey{}, x))
	h.serve.ServeHTTP(&answer{ResponseWriter: w, h: h, x: x}, r)
}

// route hands a request to tusd, which takes an upload's id to be the
// whole of the path.
func (h *Handler) route(w http.ResponseWriter, r *http.Request) {
	x := exchangeOf(r.Context())
	switch {
	case r.Method == http.MethodPost && x.id == "":
		h.tus.PostFile(w, r)
		return
	case r.Method == http.MethodPost, x.id == "":
		w.Header().Set("Allow", "POST, OPTIONS")
		if x.id != "" {
			w.Header().Set("Allow", "HEAD, PATCH, DELETE, OPTIONS")
		}
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.Method != http.MethodOptions && !h.ownedBy(r, x.id) {
		h.answerRefusal(w, r, troupe.Errorf(troupe.CodeNotFound, "There is no such upload."))
		return
	}
	r2 := *r
	u := *r.URL
	u.Path, u.RawPath = "/"+x.id, ""
	r2.URL = &u
	switch r.Method {
	case http.MethodHead:
		h.tus.HeadFile(w, &r2)
	case http.MethodPatch:
		h.tus.PatchFile(w, &r2)
	case http.MethodDelete:
		h.tus.DelFile(w, &r2)
	default:
		w.Header().Set("Allow", "HEAD, PATCH, DELETE, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (h *Handler) preCreate(ev tusd.HookEvent) (tusd.HTTPResponse, tusd.FileInfoChanges, error) {
	x := exchangeOf(ev.Context)
	meta, err := parseMetadata(ev.Upload.MetaData)
	if err == nil {
		err = h.cfg.Authorize(x.req, meta, ev.Upload.Size)
	}
	if err != nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, h.refusal(ev.Context, x.req, err)
	}
	x.id, err = newID(h.cfg.Now())
	if err != nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, err
	}
	stored := meta.tusMetadata()
	if h.cfg.Owner != nil {
		stored[keyOwner] = h.cfg.Owner(x.req)
	}
	return tusd.HTTPResponse{}, tusd.FileInfoChanges{ID: x.id, MetaData: stored}, nil
}

// ownedBy reports whether upload id is one of ours and r may use it: it
// exists and, with Config.Owner, was created by the same owner. Ids not
// made here are refused before the store sees them, so that none can name
// a file outside the uploads.
func (h *Handler) ownedBy(r *http.Request, id string) bool {
	if _, ok := createdAt(h.store.objectID(id)); !ok || strings.ContainsAny(h.store.objectID(id), "/\\") {
		return false
	}
	if h.cfg.Owner == nil {
		return true
	}
	up, err := h.store.tus.GetUpload(r.Context(), id)
	if err != nil {
		return false
	}
	info, err := up.GetInfo(r.Context())
	return err == nil && info.MetaData[keyOwner] == h.cfg.Owner(r)
}

func (h *Handler) preFinish(ev tusd.HookEvent) (tusd.HTTPResponse, error) {
	x := exchangeOf(ev.Context)
	x.finished = true
	meta, _ := parseMetadata(ev.Upload.MetaData)
	up := Upload{ID: ev.Upload.ID, Size: ev.Upload.Size, Meta: meta, Key: h.store.key(ev.Upload.ID), store: h.store}
	header, err := h.cfg.Complete(ev.Context, up)
	if err != nil {
		// This request holds the upload's lock: remove it directly.
		if rerr := h.store.terminate(context.WithoutCancel(ev.Context), up.ID); rerr != nil {
			h.log.ErrorContext(ev.Context, "remove refused upload", "upload", up.ID, "err", rerr)
		}
		return tusd.HTTPResponse{}, h.refusal(ev.Context, x.req, err)
	}
	resp := tusd.HTTPResponse{Header: tusd.HTTPHeader{}}
	for k, v := range header {
		resp.Header[k] = strings.Join(v, ", ")
	}
	return resp, nil
}

// preTerminate keeps a finished upload: its bytes are the caller's now.
func (h *Handler) preTerminate(ev tusd.HookEvent) (tusd.HTTPResponse, error) {
	if !ev.Upload.SizeIsDeferred && ev.Upload.Offset >= ev.Upload.Size {
		err := troupe.Errorf(troupe.CodeConflict, "This upload is complete and can no longer be cancelled.")
		return tusd.HTTPResponse{}, h.refusal(ev.Context, exchangeOf(ev.Context).req, err)
	}
	return tusd.HTTPResponse{}, nil
}

// answer adds to tusd's answers what it does not write itself: the
// upload's own Location under the caller's path, and the expiration
// extension.
type answer struct {
	http.ResponseWriter
	h           *Handler
	x           *exchange
	wroteHeader bool
}

// Unwrap lets tusd set read deadlines on the connection.
func (a *answer) Unwrap() http.ResponseWriter { return a.ResponseWriter }

func (a *answer) Write(p []byte) (int, error) {
	if !a.wroteHeader {
		a.WriteHeader(http.StatusOK)
	}
	return a.ResponseWriter.Write(p)
}

func (a *answer) WriteHeader(status int) {
	if a.wroteHeader {
		a.ResponseWriter.WriteHeader(status)
		return
	}
	a.wroteHeader = true
	hdr := a.Header()
	if ext := hdr.Get("Tus-Extension"); ext != "" {
		hdr.Set("Tus-Extension", ext+",expiration")
	}
	r, x := a.x.req, a.x
	if loc := hdr.Get("Location"); r.Method == http.MethodPost && loc != "" {
		// tusd names the upload under its base path "/", with the id the
		// store gave it (on S3, ours plus the multipart upload's).
		if u, err := url.Parse(loc); err == nil {
			x.id = strings.TrimPrefix(u.Path, "/")
			hdr.Set("Location", strings.TrimSuffix(r.URL.EscapedPath(), "/")+"/"+url.PathEscape(x.id))
		}
	}
	// Every answer that leaves an upload unfinished says until when it
	// may be resumed.
	if (r.Method == http.MethodPost || r.Method == http.MethodPatch) && status < 300 && !x.finished {
		if created, ok := createdAt(x.id); ok {
			hdr.Set("Upload-Expires", created.Add(a.h.cfg.Expiry).UTC().Format(http.TimeFormat))
		}
	}
	a.ResponseWriter.WriteHeader(status)
}

// Remove removes upload id and its bytes, finished or not (a missing
// upload is not an error): the caller calls it once it has copied a
// finished upload's bytes.
func (h *Handler) Remove(ctx context.Context, id string) error {
	return h.locked(ctx, id, func() error { return h.store.terminate(ctx, id) })
}

// Release forgets finished upload id but leaves its bytes under its Key,
// for a caller that keeps them there as its own file.
func (h *Handler) Release(ctx context.Context, id string) error {
	return h.locked(ctx, id, func() error { return h.store.forget(ctx, id) })
}

// Cleanup removes the unfinished uploads created more than olderThan ago
// (by Config.Now), with their bytes, and says how many it removed.
// Finished ones stay until the caller removes or releases them.
func (h *Handler) Cleanup(ctx context.Context, olderThan time.Duration) (int, error) {
	ids, err := h.store.stale(ctx, h.cfg.Now().Add(-olderThan))
	removed := 0
	for _, id := range ids {
		if rerr := h.Remove(ctx, id); rerr != nil {
			err = errors.Join(err, rerr)
			continue
		}
		removed++
	}
	if err != nil {
		return removed, fmt.Errorf("upload: clean up: %w", err)
	}
	return removed, nil
}

// locked runs fn holding upload id's lock, as a request would: an open
// request on it is asked to stop first.
func (h *Handler) locked(ctx context.Context, id string, fn func() error) error {
	lock, err := h.cfg.Locker.NewLock(id)
	if err != nil {
		return fmt.Errorf("upload: lock %s: %w", id, err)
	}
	if err := lock.Lock(ctx, func() {}); err != nil {
		return fmt.Errorf("upload: lock %s: %w", id, err)
	}
	defer lock.Unlock()
	if err := fn(); err != nil {
		return fmt.Errorf("upload: %s: %w", id, err)
	}
	return nil
}
