package app

import (
	"context"

	"troupe/internal/troupe"
)

// StoredUpload is a resumable upload whose last byte has arrived: its
// bytes are already in the media store, under Key.
type StoredUpload struct {
	// Media describes the upload as its creator did; File is not used.
	Media NewMedia
	Key   string
	Size  int64
}

// AuthorizeUpload decides whether actor may start a resumable upload of
// size bytes into the workspace, before any byte is stored: the rights and
// the kind's size limit of CreateMedia.
func (a *App) AuthorizeUpload(ctx context.Context, actor troupe.User, workspaceID string, in NewMedia, size int64) (opErr error) {
	defer wrap(&opErr, "authorize upload")
	v := prepareMedia(&in)
	if size <= 0 {
		v.Add("file", "empty", "The file is empty.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := a.mayCreateMedia(ctx, actor, workspaceID, in); err != nil {
		return err
	}
	if limit := a.uploadLimit(in.Kind); size > limit {
		return tooLarge(in.Kind, limit)
	}
	return nil
}

// CompleteUpload makes the item of a finished resumable upload: the rights
// are checked again, the type is sniffed from the stored bytes, and the
// item keeps the upload's key as its media key (nothing is copied). Its
// post-upload work is that of CreateMedia.
func (a *App) CompleteUpload(ctx context.Context, actor troupe.User, workspaceID string, up StoredUpload) (_ ItemView, opErr error) {
	defer wrap(&opErr, "complete upload")
	in := up.Media
	v := prepareMedia(&in)
	if up.Size <= 0 {
		v.Add("file", "empty", "The file is empty.")
	}
	if err := v.Err(); err != nil {
		return ItemView{}, err
	}
	if err := a.mayCreateMedia(ctx, actor, workspaceID, in); err != nil {
		return ItemView{}, err
	}
	if limit := a.uploadLimit(in.Kind); up.Size > limit {
		return ItemView{}, tooLarge(in.Kind, limit)
	}
	contentType, err := a.media.TypeOf(ctx, up.Key)
	if err != nil {
		return ItemView{}, err
	}
	if err := acceptMedia(in.Kind, contentType); err != nil {
		return ItemView{}, err
	}
	it := newMediaItem(a.now(), actor, workspaceID, in)
	it.MediaKey, it.MediaType, it.SizeBytes = up.Key, contentType, up.Size
	if err := a.insertMediaItem(ctx, actor, &it); err != nil {
		return ItemView{}, err
	}
	return a.GetItem(ctx, actor, it.ID)
}
