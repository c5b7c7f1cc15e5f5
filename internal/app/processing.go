package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"troupe/internal/blob"
	"troupe/internal/store"
	"troupe/internal/transcode"
	"troupe/internal/troupe"
)

// Background tasks of processing.
const (
	taskProcessMedia = "process_media"
	taskMakePoster   = "make_poster"
)

const (
	// processingTimeout bounds one try at processing an upload: hours of
	// 4K footage encode in less. A try a dead worker left is taken back
	// after it (at once on SQLite, where a restart revives every job).
	processingTimeout = 4 * time.Hour
	// processingAttempts is how many tries a video gets for failures of
	// the server (storage, a restart) before it is marked failed. A file
	// the tools refuse fails at once: trying again would not change it.
	processingAttempts = 3
	// DefaultHLSMinDuration is the shortest video that gets an HLS
	// ladder: shorter ones start as fast from the MP4, and adaptive
	// bitrate only pays off over a longer play.
	DefaultHLSMinDuration = time.Minute
	// progressStep throttles progress writes to one per 5 % done.
	progressStep = 0.05
	// trashCheck is how often a running encode checks that its video is
	// still out of the trash, to stop when it is not.
	trashCheck = 2 * time.Second
	// maxErrorText bounds the tool's words kept in a failure.
	maxErrorText = 400
)

// Readable notes and failures of processing.
const (
	noteNoTools   = "Video tools are not installed on this server: the file plays as it was uploaded, without poster or renditions."
	noteNoFFmpeg  = "ffmpeg is not installed on this server: the file plays as it was uploaded, without poster or renditions."
	errTrashedRun = "Processing stopped because the item was put in the trash; restore it and retry."
)

// errStopped ends a run whose item went to the trash or away.
var errStopped = errors.New("item trashed or deleted")

// toolError is a file the media tools refused (ffmpeg exited with an
// error on it): the same file fails the same way every time.
type toolError struct{ err error }

func (e toolError) Error() string { return e.err.Error() }
func (e toolError) Unwrap() error { return e.err }

// refused wraps a failure of a media tool as a toolError, unless ctx
// ended it or a program is missing: the tools fail on their own only
// over the file.
func refused(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil || errors.Is(err, transcode.ErrNoTool) {
		return err
	}
	return toolError{err}
}

type processPayload struct {
	ItemID string `json:"item_id"`
}

// afterMediaStored starts the work on an upload whose bytes are stored,
// inside the transaction that makes its item: videos and voices are
// queued for processing, or, without media tools, ready as uploaded.
func (a *App) afterMediaStored(ctx context.Context, tx *store.Tx, it troupe.Item) error {
	if it.Kind != troupe.KindVideo && it.Kind != troupe.KindVoice {
		return nil
	}
	if a.cfg.MediaTools == nil {
		p := troupe.Processing{State: troupe.ProcessingReady, Progress: 1, Note: noteNoTools}
		if err := tx.SetProcessing(ctx, it.ID, p); err != nil {
			return err
		}
		return a.emitProcessed(ctx, tx, it, p)
	}
	if err := tx.QueueProcessing(ctx, it.ID); err != nil {
		return err
	}
	return a.queue.EnqueueTask(ctx, tx, taskProcessMedia, processPayload{ItemID: it.ID})
}

// RetryProcessing queues again the processing of a video or voice that
// failed; it needs edit access.
func (a *App) RetryProcessing(ctx context.Context, actor troupe.User, id string, c Client) (_ ItemView, opErr error) {
	defer wrap(&opErr, "retry processing")
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		it, err := a.changeable(ctx, tx, actor, id, canEdit, "Only people who can edit this item can retry its processing.")
		if err != nil {
			return err
		}
		if it.Processing.State != troupe.ProcessingFailed {
			return troupe.Errorf(troupe.CodeConflict, "Only failed processing can be retried.")
		}
		if a.cfg.MediaTools == nil {
			return troupe.Errorf(troupe.CodeConflict, "%s", noteNoTools)
		}
		if err := tx.QueueProcessing(ctx, id); err != nil {
			return err
		}
		if err := a.queue.EnqueueTask(ctx, tx, taskProcessMedia, processPayload{ItemID: id}); err != nil {
			return err
		}
		// The media is made anew: what reviewers approved may not be
		// what plays next.
		if err := a.resetApproval(ctx, tx, actor, it, c); err != nil {
			return err
		}
		return a.audit(ctx, tx, it.WorkspaceID, actor, "item.processing_retry", id, "", c)
	})
	if err != nil {
		return ItemView{}, err
	}
	return a.GetItem(ctx, actor, id)
}

type posterPayload struct {
	ItemID string `json:"item_id"`
	AtMS   int64  `json:"at_ms"`
}

// SetPosterTime chooses the frame at atMS as a video's poster (and
// thumbnail); the new stills are made from the upload in the background.
func (a *App) SetPosterTime(ctx context.Context, actor troupe.User, id string, atMS int64, c Client) (_ ItemView, opErr error) {
	defer wrap(&opErr, "set poster time")
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		it, _, err := a.editVideo(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		var v troupe.Validation
		if atMS < 0 || it.DurationMS != nil && atMS > *it.DurationMS {
			v.Add("at_ms", "out_of_range", "Choose a time within the video.")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if a.cfg.MediaTools == nil {
			return troupe.Errorf(troupe.CodeConflict, "%s", noteNoTools)
		}
		if err := tx.SetPosterTime(ctx, id, atMS); err != nil {
			return err
		}
		if err := a.queue.EnqueueTask(ctx, tx, taskMakePoster, posterPayload{ItemID: id, AtMS: atMS}); err != nil {
			return err
		}
		return a.audit(ctx, tx, it.WorkspaceID, actor, "video.poster", id, fmt.Sprint(atMS), c)
	})
	if err != nil {
		return ItemView{}, err
	}
	return a.GetItem(ctx, actor, id)
}

// run is one try at processing an item: the keys it stored, to take away
// again if the item disappears meanwhile.
type run struct {
	a      *App
	it     troupe.Item
	made   []string
	dir    string
	source string
	// done and span map a step's own progress into the item's.
	done, span float64
	written    float64
}

// runProcessMedia probes an upload, then for a video makes its poster,
// thumbnail and sprite, a web rendition when browsers cannot all play
// the upload, and an HLS ladder when it is long. Failures of the file end
// the item failed with the tool's words; failures of the server are
// retried by the queue a few times first.
func (a *App) runProcessMedia(ctx context.Context, payload json.RawMessage) error {
	var p processPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return err
	}
	it, _, err := a.db.Read().FindItemAccess(ctx, p.ItemID, "")
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return nil // purged meanwhile
	}
	if err != nil {
		return err
	}
	if it.TrashedAt != nil {
		return a.endProcessing(ctx, it.Item, troupe.Processing{State: troupe.ProcessingFailed, Error: errTrashedRun})
	}
	if a.cfg.MediaTools == nil {
		return a.endProcessing(ctx, it.Item, troupe.Processing{State: troupe.ProcessingReady, Progress: 1, Note: noteNoTools})
	}
	var attempt int
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		attempt, err = tx.StartProcessing(ctx, it.ID)
		return err
	})
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		// Trashed since it was read (or purged: then nothing is recorded).
		return a.endProcessing(ctx, it.Item, troupe.Processing{State: troupe.ProcessingFailed, Error: errTrashedRun})
	}
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go a.stopWhenTrashed(ctx, it.ID, cancel)
	r := &run{a: a, it: it.Item, span: 1}
	note, err := r.process(ctx)
	defer r.cleanup()
	switch {
	case err == nil:
		return a.endProcessing(ctx, it.Item, troupe.Processing{State: troupe.ProcessingReady, Progress: 1, Note: note})
	case errors.Is(err, errStopped) || errors.Is(context.Cause(ctx), errStopped):
		r.forget(context.WithoutCancel(ctx))
		return a.endProcessing(context.WithoutCancel(ctx), it.Item, troupe.Processing{State: troupe.ProcessingFailed, Error: errTrashedRun})
	case errors.As(err, new(toolError)) || attempt >= processingAttempts:
		a.log.WarnContext(ctx, "processing an upload failed", "item", it.ID, "attempt", attempt, "err", err)
		return a.endProcessing(context.WithoutCancel(ctx), it.Item, troupe.Processing{State: troupe.ProcessingFailed,
			Error: readable(err, r.source, true)})
	default:
		// Queued again, saying why; the queue tries again later.
		a.log.WarnContext(ctx, "processing an upload will be tried again", "item", it.ID, "attempt", attempt, "err", err)
		_ = a.endProcessing(context.WithoutCancel(ctx), it.Item, troupe.Processing{State: troupe.ProcessingQueued,
			Error: readable(err, r.source, false)})
		return err
	}
}

// endProcessing records how a try ended; an item gone meanwhile has
// nothing to record.
func (a *App) endProcessing(ctx context.Context, it troupe.Item, p troupe.Processing) error {
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.SetProcessing(ctx, it.ID, p); err != nil {
			return err
		}
		return a.emitProcessed(ctx, tx, it, p)
	})
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return nil
	}
	return err
}

// stopWhenTrashed cancels ctx with errStopped once item id is trashed or
// gone, so that ffmpeg stops mid-encode.
func (a *App) stopWhenTrashed(ctx context.Context, id string, cancel context.CancelCauseFunc) {
	t := time.NewTicker(trashCheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if live, err := a.db.Read().ItemLive(ctx, id); err == nil && !live {
				cancel(errStopped)
				return
			}
		}
	}
}

// readable is a failure in words for the item's page: the tool's last
// lines (the temporary file named as "the upload"), bounded; a failure of
// the server itself says no more than that, its cause goes to the log.
func readable(err error, source string, final bool) string {
	var te toolError
	var msg string
	switch {
	case errors.As(err, &te):
		msg = "The file could not be processed: " + toolWords(te.err.Error(), source)
	case troupe.ErrorCode(err) != troupe.CodeInternal:
		msg = troupe.ErrorMessage(err)
	case final:
		msg = "Processing failed on the server; retry later."
	default:
		msg = "Processing failed on the server; it will be tried again."
	}
	if r := []rune(msg); len(r) > maxErrorText {
		msg = string(r[:maxErrorText]) + "…"
	}
	return msg
}

// toolNoise is what a tool's error output says that means nothing to a
// person: the program's exit status, and the "[demuxer @ 0x…]" prefixes.
var toolNoise = regexp.MustCompile(`^\w+: exit status \d+: |\[[^\]]* @ 0x[0-9a-f]+\] ?`)

// toolWords is a tool's error in one line, the temporary copy at source
// named "the upload".
func toolWords(msg, source string) string {
	if source != "" {
		msg = strings.ReplaceAll(msg, source, "the upload")
	}
	var lines []string
	for _, line := range strings.Split(toolNoise.ReplaceAllString(msg, ""), "\n") {
		if line = strings.TrimSpace(toolNoise.ReplaceAllString(line, "")); line != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "; ")
}

// process does the work of one try and returns a note for a ready item
// (what could not be done, and why).
func (r *run) process(ctx context.Context) (string, error) {
	a, it := r.a, r.it
	tools := a.cfg.MediaTools
	dir, err := os.MkdirTemp("", "troupe-process-*")
	if err != nil {
		return "", err
	}
	r.dir = dir
	if r.source, err = a.localCopy(ctx, it.MediaKey, it.SizeBytes, dir); err != nil {
		return "", err
	}
	info, err := tools.Probe(ctx, r.source)
	if errors.Is(err, transcode.ErrNoTool) {
		return noteNoTools, nil
	}
	if err != nil {
		return "", refused(ctx, err)
	}
	facts := store.MediaFacts{Width: info.Width, Height: info.Height}
	if info.Duration > 0 {
		ms := info.Duration.Milliseconds()
		facts.DurationMS = &ms
	}
	if it.Kind != troupe.KindVideo {
		return "", r.record(ctx, func(tx *store.Tx) error { return tx.SetMediaFacts(ctx, it.ID, facts) })
	}
	encodeWeb := !info.WebReady()
	encodeHLS := info.Duration >= a.hlsMinDuration()
	encodes := 0
	for _, e := range []bool{encodeWeb, encodeHLS} {
		if e {
			encodes++
		}
	}
	// The stills take the first tenth of the work, or all of it.
	r.span = 1
	if encodes > 0 {
		r.span = 0.1
	}
	note, err := r.stills(ctx, info, &facts)
	if err != nil || note != "" {
		return note, err
	}
	if err := r.record(ctx, func(tx *store.Tx) error { return tx.SetMediaFacts(ctx, it.ID, facts) }); err != nil {
		return "", err
	}
	r.step(1)
	each := 0.9 / float64(max(encodes, 1))
	if encodeWeb {
		r.done, r.span = r.done+r.span, each
		if err := r.webRendition(ctx); err != nil {
			return "", err
		}
	}
	if encodeHLS {
		r.done, r.span = r.done+r.span, each
		if err := r.hls(ctx); err != nil {
			return "", err
		}
	}
	return "", nil
}

// stills makes the poster and thumbnail at the owner's time (10 % in by
// default) and the scrubbing sprite.
func (r *run) stills(ctx context.Context, info transcode.Info, facts *store.MediaFacts) (string, error) {
	tools, it := r.a.cfg.MediaTools, r.it
	at := info.Duration / 10
	if it.PosterAtMS != nil {
		at = time.Duration(*it.PosterAtMS) * time.Millisecond
	}
	poster, err := tools.Poster(ctx, r.source, at)
	if errors.Is(err, transcode.ErrNoTool) {
		return noteNoFFmpeg, nil
	}
	if err != nil {
		return "", refused(ctx, err)
	}
	thumb, err := tools.Thumbnail(ctx, r.source, at)
	if err != nil {
		return "", refused(ctx, err)
	}
	facts.PosterKey, facts.ThumbnailKey = posterKeys(it.ID, it.PosterAtMS)
	if err := r.put(ctx, facts.PosterKey, bytes.NewReader(poster), "image/jpeg"); err != nil {
		return "", err
	}
	if err := r.put(ctx, facts.ThumbnailKey, bytes.NewReader(thumb), "image/jpeg"); err != nil {
		return "", err
	}
	if info.Duration <= 0 {
		return "", nil
	}
	sprite, err := tools.Sprite(ctx, r.source, spriteFrames(info.Duration))
	if err != nil {
		return "", refused(ctx, err)
	}
	facts.SpriteKey = "sprites/" + it.ID + ".jpg"
	if err := r.put(ctx, facts.SpriteKey, bytes.NewReader(sprite.JPEG), "image/jpeg"); err != nil {
		return "", err
	}
	// The track names the sprite relatively: it resolves under whichever
	// checked path (member or public page) served the track.
	vtt := sprite.WebVTT("sprite.jpg")
	return "", r.put(ctx, troupe.SpriteTrackKey(facts.SpriteKey), strings.NewReader(vtt), "text/vtt; charset=utf-8")
}

// spriteFrames is a frame a second, between 10 and 100 frames.
func spriteFrames(d time.Duration) int { return min(max(int(d/time.Second), 10), 100) }

// posterKeys are the keys of the stills at the owner's time: a new time
// makes new keys, so that no cache serves the old picture under them.
func posterKeys(id string, atMS *int64) (poster, thumb string) {
	if atMS == nil {
		return "posters/" + id + ".jpg", "thumbs/" + id + ".jpg"
	}
	return fmt.Sprintf("posters/%s-%d.jpg", id, *atMS), fmt.Sprintf("thumbs/%s-%d.jpg", id, *atMS)
}

// WebRenditionName names the rendition every browser plays, an MP4.
const WebRenditionName = "web"

func (r *run) webRendition(ctx context.Context) error {
	tools, it := r.a.cfg.MediaTools, r.it
	out := filepath.Join(r.dir, "web.mp4")
	if err := tools.WebRendition(ctx, r.source, out, r.step); err != nil {
		return refused(ctx, err)
	}
	info, err := tools.Probe(ctx, out)
	if err != nil {
		return refused(ctx, err)
	}
	f, err := os.Open(out)
	if err != nil {
		return err
	}
	defer f.Close()
	key := "renditions/" + it.ID + "/" + WebRenditionName + ".mp4"
	if err := r.put(ctx, key, f, "video/mp4"); err != nil {
		return err
	}
	rend := troupe.Rendition{Name: WebRenditionName, Width: info.Width, Height: info.Height,
		VideoCodec: info.VideoCodec, AudioCodec: info.AudioCodec, MediaType: "video/mp4", MediaKey: key}
	return r.record(ctx, func(tx *store.Tx) error { return tx.PutRendition(ctx, it.ID, rend) })
}

func (r *run) hls(ctx context.Context) error {
	tools, it := r.a.cfg.MediaTools, r.it
	out := filepath.Join(r.dir, "hls")
	if err := os.Mkdir(out, 0o700); err != nil {
		return err
	}
	files, err := tools.HLS(ctx, r.source, out, r.a.cfg.HLSLadder, r.step)
	if err != nil {
		return refused(ctx, err)
	}
	prefix := hlsPrefix(it.ID)
	// The master playlist goes last: it names only files already stored.
	names := append(files.Files()[1:], files.Master)
	for _, name := range names {
		f, err := os.Open(filepath.Join(out, name))
		if err != nil {
			return err
		}
		err = r.put(ctx, prefix+name, f, hlsType(name))
		f.Close()
		if err != nil {
			return err
		}
	}
	return r.record(ctx, func(tx *store.Tx) error {
		return tx.SetMediaFacts(ctx, it.ID, store.MediaFacts{HLSKey: prefix + files.Master})
	})
}

// hlsPrefix is the folder of a video's HLS files.
func hlsPrefix(id string) string { return "renditions/" + id + "/hls/" }

// hlsType is the media type of an HLS file by its name.
func hlsType(name string) string {
	switch path.Ext(name) {
	case ".m3u8":
		return "application/vnd.apple.mpegurl"
	case ".ts":
		return "video/mp2t"
	}
	return ""
}

// put stores a file made for the item, recording its key first so that
// the purge finds it whatever happens next.
func (r *run) put(ctx context.Context, key string, body io.Reader, contentType string) error {
	if err := r.record(ctx, func(tx *store.Tx) error { return tx.AddItemFiles(ctx, r.it.ID, key) }); err != nil {
		return err
	}
	r.made = append(r.made, key)
	return r.a.media.WriteFile(ctx, key, body, contentType)
}

// record writes to the item in a transaction of its own; an item purged
// meanwhile stops the run.
func (r *run) record(ctx context.Context, write func(tx *store.Tx) error) error {
	err := r.a.db.Tx(ctx, write)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return errStopped
	}
	return err
}

// step records the progress of the current step, done being its own
// share, 0..1: at most one write per progressStep.
func (r *run) step(done float64) {
	total := r.done + r.span*done
	if total < r.written+progressStep && done < 1 {
		return
	}
	r.written = total
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = r.a.db.Tx(ctx, func(tx *store.Tx) error {
		_, err := tx.SetProcessingProgress(ctx, r.it.ID, min(total, 0.99))
		return err
	})
}

// forget deletes what a run stored for an item that went away meanwhile;
// a trashed item keeps its files for the purge.
func (r *run) forget(ctx context.Context) {
	if _, _, err := r.a.db.Read().FindItemAccess(ctx, r.it.ID, ""); troupe.ErrorCode(err) != troupe.CodeNotFound {
		return
	}
	for _, k := range r.made {
		_ = r.a.media.Delete(ctx, k)
	}
}

func (r *run) cleanup() {
	if r.dir != "" {
		os.RemoveAll(r.dir)
	}
}

// runMakePoster makes the poster and thumbnail at the owner's time, and
// deletes the stills they replace.
func (a *App) runMakePoster(ctx context.Context, payload json.RawMessage) error {
	var p posterPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return err
	}
	if a.cfg.MediaTools == nil {
		return nil
	}
	it, _, err := a.db.Read().FindItemAccess(ctx, p.ItemID, "")
	if troupe.ErrorCode(err) == troupe.CodeNotFound || err == nil && it.TrashedAt != nil {
		return nil
	}
	if err != nil {
		return err
	}
	r := &run{a: a, it: it.Item}
	defer r.cleanup()
	if r.dir, err = os.MkdirTemp("", "troupe-poster-*"); err != nil {
		return err
	}
	if r.source, err = a.localCopy(ctx, it.MediaKey, it.SizeBytes, r.dir); err != nil {
		return err
	}
	at := time.Duration(p.AtMS) * time.Millisecond
	poster, err := a.cfg.MediaTools.Poster(ctx, r.source, at)
	if err != nil {
		a.log.WarnContext(ctx, "no poster at the chosen time", "item", it.ID, "err", err)
		return nil
	}
	thumb, err := a.cfg.MediaTools.Thumbnail(ctx, r.source, at)
	if err != nil {
		a.log.WarnContext(ctx, "no thumbnail at the chosen time", "item", it.ID, "err", err)
		return nil
	}
	facts := store.MediaFacts{}
	facts.PosterKey, facts.ThumbnailKey = posterKeys(it.ID, &p.AtMS)
	if err := r.put(ctx, facts.PosterKey, bytes.NewReader(poster), "image/jpeg"); err != nil {
		return r.stopped(ctx, err)
	}
	if err := r.put(ctx, facts.ThumbnailKey, bytes.NewReader(thumb), "image/jpeg"); err != nil {
		return r.stopped(ctx, err)
	}
	var old []string
	for _, k := range []string{it.PosterKey, it.ThumbnailKey} {
		if k != "" && k != facts.PosterKey && k != facts.ThumbnailKey {
			old = append(old, k)
		}
	}
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.SetMediaFacts(ctx, it.ID, facts); err != nil {
			return err
		}
		if len(old) == 0 {
			return nil
		}
		if err := tx.RemoveItemFiles(ctx, it.ID, old...); err != nil {
			return err
		}
		return a.queue.EnqueueTask(ctx, tx, taskDeleteMedia, deletePayload{Keys: old})
	})
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return r.stopped(ctx, errStopped)
	}
	return err
}

// stopped ends a run that lost its item, deleting what it stored.
func (r *run) stopped(ctx context.Context, err error) error {
	if errors.Is(err, errStopped) {
		r.forget(context.WithoutCancel(ctx))
		return nil
	}
	return err
}

func (a *App) hlsMinDuration() time.Duration {
	if a.cfg.HLSMinDuration > 0 {
		return a.cfg.HLSMinDuration
	}
	return DefaultHLSMinDuration
}

// localCopy copies a stored upload of size bytes into dir for the tools,
// reading no more than that: the tools need a file on disk, and on
// object storage the upload has none.
func (a *App) localCopy(ctx context.Context, key string, size int64, dir string) (string, error) {
	r, err := a.media.Open(ctx, key, blob.Whole)
	if err != nil {
		return "", err
	}
	defer r.Close()
	name := filepath.Join(dir, "source")
	f, err := os.Create(name)
	if err != nil {
		return "", err
	}
	n, err := io.Copy(f, io.LimitReader(r, size))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != size {
		err = fmt.Errorf("copy of %s: %d bytes of %d", key, n, size)
	}
	return name, err
}

// The files processing makes, by the names their URLs end with.
const (
	FileThumbnail   = "thumbnail"
	FileSprite      = "sprite.jpg"
	FileSpriteTrack = "sprite.vtt"
	// FileRendition and FileHLS start the names of a rendition
	// ("renditions/web") and of HLS playlists and segments
	// ("hls/master.m3u8").
	FileRendition = "renditions/"
	FileHLS       = "hls/"
)

// derived is what locates the files processing made of one video.
type derived struct {
	itemID                       string
	thumbnail, sprite, hlsMaster string
}

// derivedFile resolves file, one of the File names, to its key and media
// type; not_found when the video has no such file.
func (a *App) derivedFile(ctx context.Context, q *store.Queries, d derived, file string) (string, string, error) {
	none := troupe.Errorf(troupe.CodeNotFound, "This video has no such file.")
	switch {
	case file == FileThumbnail && d.thumbnail != "":
		return d.thumbnail, "image/jpeg", nil
	case file == FileSprite && d.sprite != "":
		return d.sprite, "image/jpeg", nil
	case file == FileSpriteTrack && d.sprite != "":
		return troupe.SpriteTrackKey(d.sprite), "text/vtt; charset=utf-8", nil
	case strings.HasPrefix(file, FileRendition):
		name := strings.TrimPrefix(file, FileRendition)
		rends, err := q.ListRenditions(ctx, d.itemID)
		if err != nil {
			return "", "", err
		}
		for _, r := range rends {
			if r.Name == name {
				return r.MediaKey, r.MediaType, nil
			}
		}
	case strings.HasPrefix(file, FileHLS) && d.hlsMaster != "":
		// Playlists name their files relatively, so every one of them is
		// asked for under the same checked path; the name cannot leave
		// the video's HLS folder.
		name := strings.TrimPrefix(file, FileHLS)
		if safeFileName(name) && hlsType(name) != "" {
			return path.Dir(d.hlsMaster) + "/" + name, hlsType(name), nil
		}
	}
	return "", "", none
}

// safeFileName holds for a plain file name: letters, digits, '-', '_'
// and '.', not starting with a dot.
func safeFileName(name string) bool {
	if name == "" || len(name) > 64 || name[0] == '.' {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// OpenVideoDerived opens a file processing made of a video (file is one of
// the File names) for a member who may view the video.
func (a *App) OpenVideoDerived(ctx context.Context, actor troupe.User, id, file string, first Range) (_ MediaFile, opErr error) {
	defer wrap(&opErr, "open video file")
	q := a.db.Read()
	it, _, err := a.video(ctx, q, actor, id)
	if err != nil {
		return MediaFile{}, err
	}
	key, contentType, err := a.derivedFile(ctx, q, derived{itemID: it.ID, thumbnail: it.ThumbnailKey, sprite: it.SpriteKey,
		hlsMaster: it.HLSKey}, file)
	if err != nil {
		return MediaFile{}, err
	}
	return a.openFile(ctx, it.Item, key, contentType, first, !strings.HasPrefix(file, FileHLS))
}

// OpenPublicDerived opens a file processing made of the video published
// under slug, for a visitor who has unlocked its page.
func (a *App) OpenPublicDerived(ctx context.Context, slug, pass, file string, first Range) (_ MediaFile, _ PublicPage, opErr error) {
	defer wrap(&opErr, "open public file")
	p, err := a.unlocked(ctx, slug, pass)
	if err != nil {
		return MediaFile{}, PublicPage{}, err
	}
	v := p.video
	key, contentType, err := a.derivedFile(ctx, a.db.Read(), derived{itemID: v.ItemID, thumbnail: v.ThumbnailKey,
		sprite: v.SpriteKey, hlsMaster: v.HLSKey}, file)
	if err != nil {
		return MediaFile{}, PublicPage{}, err
	}
	f, err := a.openFile(ctx, troupe.Item{ID: v.ItemID, Name: p.Name, UpdatedAt: v.UpdatedAt}, key, contentType, first,
		!strings.HasPrefix(file, FileHLS))
	return f, p, err
}

// withRenditions fills the renditions of a video read alone.
func withRenditions(ctx context.Context, q *store.Queries, it *troupe.Item) error {
	if it.Kind != troupe.KindVideo {
		return nil
	}
	rends, err := q.ListRenditions(ctx, it.ID)
	it.Renditions = rends
	return err
}
