package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"troupe/internal/blob"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

// Background tasks of content.
const (
	// taskProbeMedia is the name processing had before it made
	// renditions: such tasks still queued are processed as new ones.
	taskProbeMedia  = "probe_media"
	taskDeleteMedia = "delete_media"
	taskPurgeTrash  = "purge_trash"
)

// NewMedia describes an upload: a video, an avatar or a voice.
type NewMedia struct {
	Kind        troupe.Kind
	Name        string
	ParentID    string
	Description string
	// Filename is the uploaded file's name, the item's name when none is given.
	Filename string
	File     io.Reader
}

func (a *App) uploadLimit(k troupe.Kind) int64 {
	if n, ok := a.cfg.UploadLimit[k]; ok {
		return n
	}
	return k.DefaultUploadLimit()
}

// CreateMedia streams an upload into the media store and makes its item.
// Who may create where is checked before the file is read, and again in
// the transaction; a refused file (wrong type, too large, or an upload
// that fails half-way) leaves nothing in the media store.
func (a *App) CreateMedia(ctx context.Context, actor troupe.User, workspaceID string, in NewMedia, c Client) (_ ItemView, opErr error) {
	defer wrap(&opErr, "create media")
	v := prepareMedia(&in)
	if in.File == nil {
		v.Add("file", "required", "Choose a file to upload.")
	}
	if err := v.Err(); err != nil {
		return ItemView{}, err
	}
	// Refuse before reading a byte of the file.
	if err := a.mayCreateMedia(ctx, actor, workspaceID, in); err != nil {
		return ItemView{}, err
	}
	it := newMediaItem(a.now(), actor, workspaceID, in)
	it.MediaKey = "media/" + it.ID
	limit := a.uploadLimit(in.Kind)
	stored, err := a.media.Put(ctx, it.MediaKey, in.File, limit, func(contentType string) error {
		return acceptMedia(in.Kind, contentType)
	})
	switch {
	case errors.Is(err, blob.ErrTooLarge):
		return ItemView{}, tooLarge(in.Kind, limit)
	case errors.As(err, new(*blob.ReadError)):
		return ItemView{}, troupe.Errorf(troupe.CodeMalformed, "The upload was interrupted or its body is broken; nothing was kept.")
	case errors.Is(err, blob.ErrEmpty):
		v.Add("file", "empty", "The file is empty.")
		return ItemView{}, v.Err()
	case err != nil:
		return ItemView{}, err
	}
	it.MediaType, it.SizeBytes = stored.ContentType, stored.Size
	if err := a.insertMediaItem(ctx, actor, &it); err != nil {
		// The file has no item: take it away again.
		_ = a.media.Delete(context.WithoutCancel(ctx), it.MediaKey)
		return ItemView{}, err
	}
	return a.GetItem(ctx, actor, it.ID)
}

// prepareMedia tidies what describes an upload, however it came (the
// item is named after its file when no name is given), and checks it.
func prepareMedia(in *NewMedia) *troupe.Validation {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		in.Name = strings.TrimSpace(strings.TrimSuffix(path.Base(in.Filename), path.Ext(in.Filename)))
	}
	in.Description = strings.TrimSpace(in.Description)
	v := &troupe.Validation{}
	if !in.Kind.IsMedia() {
		v.Add("kind", "invalid", "Upload a video, an avatar or a voice.")
	}
	troupe.ValidateItemName(v, "name", in.Name)
	if len([]rune(in.Description)) > troupe.MaxDescription {
		v.Add("description", "too_long", "Keep the description under 5,000 characters.")
	}
	return v
}

// mayCreateMedia refuses an upload the actor may not make where it is
// headed, before any byte of it is stored.
func (a *App) mayCreateMedia(ctx context.Context, actor troupe.User, workspaceID string, in NewMedia) error {
	q := a.db.Read()
	m, can, err := a.permissions(ctx, q, workspaceID, actor)
	if err != nil {
		return err
	}
	if !can.CreateContent {
		return refuseRole("Viewers cannot upload.")
	}
	return a.placeIn(ctx, q, actor, m, workspaceID, in.ParentID, "parent_id")
}

// acceptMedia refuses a file whose sniffed type the kind does not take.
func acceptMedia(k troupe.Kind, contentType string) error {
	if k.Accepts(contentType) {
		return nil
	}
	return troupe.Errorf(troupe.CodeUnsupportedMedia, "This file is %s; %s.", contentType, acceptedFiles(k))
}

func tooLarge(k troupe.Kind, limit int64) error {
	return troupe.Errorf(troupe.CodeFileTooLarge, "The file is larger than %s, the most a %s can be.", byteSize(limit), k)
}

func newMediaItem(now time.Time, actor troupe.User, workspaceID string, in NewMedia) troupe.Item {
	return troupe.Item{ID: newID(), WorkspaceID: workspaceID, Kind: in.Kind, Name: in.Name, ParentID: in.ParentID,
		OwnerID: actor.ID, Description: in.Description, CreatedAt: now, UpdatedAt: now}
}

// insertMediaItem makes the item of a stored file, and its post-upload
// work, in one transaction that checks the actor's rights again.
func (a *App) insertMediaItem(ctx context.Context, actor troupe.User, it *troupe.Item) error {
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := a.insertItem(ctx, tx, actor, it); err != nil {
			return err
		}
		return a.afterMediaStored(ctx, tx, *it)
	})
}

func acceptedFiles(k troupe.Kind) string {
	switch k {
	case troupe.KindVideo:
		return "a video must be a video file such as MP4, WebM or MOV"
	case troupe.KindAvatar:
		return "an avatar must be an image such as PNG, JPEG or WebP"
	}
	return "a voice must be an audio file such as MP3, WAV or M4A"
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// MediaFile is an open media file to serve.
type MediaFile struct {
	*blob.File
	ContentType string
	Size        int64
	ModTime     time.Time
	Name        string
	// ETag names the stored file: a new upload is a new file.
	ETag string
	// SignURL, when set, is how the bytes are read instead: a signed URL
	// of object storage answering with the given headers
	// (Config.MediaRedirect). File is then nil and Size unknown.
	SignURL func(ctx context.Context, h blob.ResponseHeaders) (string, error)
}

// Range is the part of a media file a request reads first (see
// blob.Range): on object storage, the range the first request asks for.
type Range = blob.Range

// WholeFile is the Range of a whole file.
var WholeFile = blob.Whole

// OpenMedia opens an item's file (poster set: its poster image) for
// someone who may view it, expecting first to be read first.
func (a *App) OpenMedia(ctx context.Context, actor troupe.User, id string, poster bool, first Range) (_ MediaFile, opErr error) {
	defer wrap(&opErr, "open media")
	it, _, err := a.access(ctx, a.db.Read(), actor, id)
	if err != nil {
		return MediaFile{}, err
	}
	key, contentType := it.MediaKey, it.MediaType
	if poster {
		key, contentType = it.PosterKey, "image/jpeg"
	}
	return a.openFile(ctx, it.Item, key, contentType, first, true)
}

type deletePayload struct {
	Keys []string `json:"keys"`
}

func (a *App) runDeleteMedia(ctx context.Context, payload json.RawMessage) error {
	var p deletePayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return err
	}
	for _, k := range p.Keys {
		if err := a.media.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// PurgeTrash deletes what has been in the trash longer than
// troupe.TrashRetention; the media files go in a task committed with the
// deletion, so none is orphaned nor deleted while its item remains.
func (a *App) PurgeTrash(ctx context.Context) (_ int, opErr error) {
	defer wrap(&opErr, "purge trash")
	const batch = 100
	total := 0
	for {
		var n int
		err := a.db.Tx(ctx, func(tx *store.Tx) error {
			keys, purged, err := tx.PurgeTrash(ctx, a.now().Add(-troupe.TrashRetention), batch)
			if err != nil {
				return err
			}
			n = purged
			if len(keys) == 0 {
				return nil
			}
			return a.queue.EnqueueTask(ctx, tx, taskDeleteMedia, deletePayload{Keys: keys})
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < batch {
			return total, nil
		}
	}
}

func (a *App) runPurgeTrash(ctx context.Context, _ json.RawMessage) error {
	_, err := a.PurgeTrash(ctx)
	return err
}
