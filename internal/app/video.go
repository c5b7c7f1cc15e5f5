package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"troupe/internal/blob"
	"troupe/internal/mail"
	"troupe/internal/password"
	"troupe/internal/paths"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

// Guesses of a public page's password, counted before any hashing: per
// client address and video, and per video across every address, so that
// a crowd of addresses cannot go on guessing; its owner hears of the
// latter at most once per window.
var (
	limitUnlock       = limit{"video-unlock", 5, 15 * time.Minute}
	limitUnlockVideo  = limit{"video-unlock-all", 100, time.Hour}
	limitGuessWarning = limit{"video-guess-warning", 1, time.Hour}
)

// NoteVideoGuessed tells a video's owner that its page's password is
// being guessed.
const NoteVideoGuessed = "video_password_guessed"

// VisitorPassAge is how long an unlocked public page stays unlocked in a
// browser.
const VisitorPassAge = 30 * 24 * time.Hour

var errNoVideo = troupe.Errorf(troupe.CodeNotFound, "No such video.")

// ErrNotVideoEditor refuses a change of a video's page to someone who may
// not edit the video.
var ErrNotVideoEditor = troupe.Errorf(troupe.CodeForbidden, "Only people who can edit this video can change its page.")

// VideoPage is a video's page as a member sees it.
type VideoPage struct {
	ItemView
	Captions []troupe.CaptionTrack
	// CanDownload: the workspace's and the video's settings allow this
	// member to download it.
	CanDownload bool
	// CanPublish: the member may publish or unpublish it.
	CanPublish bool
	Settings   troupe.Settings
	// ApprovalMissing: the workspace asks for approval and the video is
	// not approved, so publishing and downloads wait for it; a Super
	// Admin may publish anyway (PublishOverride), which is recorded.
	ApprovalMissing bool
	PublishOverride bool
}

// video loads a video the actor can view.
func (a *App) video(ctx context.Context, q *store.Queries, actor troupe.User, id string) (ItemView, troupe.Role, error) {
	it, role, err := a.access(ctx, q, actor, id)
	if err != nil {
		return ItemView{}, "", err
	}
	if it.Kind != troupe.KindVideo {
		return ItemView{}, "", errNoVideo
	}
	return it, role, nil
}

// GetVideoPage returns what a member's video page shows.
func (a *App) GetVideoPage(ctx context.Context, actor troupe.User, id string) (_ VideoPage, opErr error) {
	defer wrap(&opErr, "get video page")
	q := a.db.Read()
	it, role, err := a.video(ctx, q, actor, id)
	if err != nil {
		return VideoPage{}, err
	}
	s, err := q.FindWorkspaceSettings(ctx, it.WorkspaceID)
	if err != nil {
		return VideoPage{}, err
	}
	caps, err := q.ListCaptions(ctx, id)
	if err != nil {
		return VideoPage{}, err
	}
	if err := withRenditions(ctx, q, &it.Item); err != nil {
		return VideoPage{}, err
	}
	p := VideoPage{ItemView: it, Captions: caps, Settings: s,
		CanDownload:     canDownload(it, role, s),
		CanPublish:      it.Permissions.CanEdit && troupe.WorkspacePermissionsFor(role, s).Publish,
		ApprovalMissing: troupe.ApprovalBlocks(s, it.ApprovalStatus)}
	if p.ApprovalMissing {
		p.PublishOverride = role == troupe.RoleSuperAdmin
		p.CanDownload = p.CanDownload && role == troupe.RoleSuperAdmin
	}
	return p, nil
}

// canDownload: the video's own setting and the workspace's both let a
// member of role download it.
func canDownload(it ItemView, role troupe.Role, s troupe.Settings) bool {
	return it.AllowDownload && troupe.WorkspacePermissionsFor(role, s).Download
}

// EditableVideo returns a video whose page the actor may change: out of
// the trash, and theirs to edit. Changes check it before costly work, and
// again inside their transaction (editVideo).
func (a *App) EditableVideo(ctx context.Context, actor troupe.User, id string) (_ ItemView, opErr error) {
	defer wrap(&opErr, "editable video")
	it, _, err := a.video(ctx, a.db.Read(), actor, id)
	if err != nil {
		return ItemView{}, err
	}
	return it, videoEditable(it)
}

func videoEditable(it ItemView) error {
	if it.TrashedAt != nil {
		return troupe.Errorf(troupe.CodeItemTrashed, "This video is in the trash: restore it first.")
	}
	if !it.Permissions.CanEdit {
		return refuse(it, needEdit, ErrNotVideoEditor.Message)
	}
	return nil
}

// editVideo loads, inside tx, a video the actor may edit, out of the trash.
func (a *App) editVideo(ctx context.Context, tx *store.Tx, actor troupe.User, id string) (ItemView, troupe.Role, error) {
	it, role, err := a.video(ctx, &tx.Queries, actor, id)
	if err != nil {
		return ItemView{}, "", err
	}
	return it, role, videoEditable(it)
}

// Publish puts a video on the web through its default link, made now
// under the workspace's rules for links (the video's own password and
// download switch, the longest expiry allowed), or returns the slug of the
// one it has.
func (a *App) Publish(ctx context.Context, actor troupe.User, id string, c Client) (_ string, opErr error) {
	defer wrap(&opErr, "publish")
	var slug string
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		it, role, err := a.editVideo(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		s, err := tx.FindWorkspaceSettings(ctx, it.WorkspaceID)
		if err != nil {
			return err
		}
		if err := publishAllowed(role, s); err != nil {
			return err
		}
		l, err := tx.FindDefaultLink(ctx, id)
		if err == nil {
			slug = l.Slug
			return nil
		}
		if troupe.ErrorCode(err) != troupe.CodeNotFound {
			return err
		}
		override, err := a.requireApproved(ctx, &tx.Queries, it, role)
		if err != nil {
			return err
		}
		hash, err := tx.VideoPasswordHash(ctx, id)
		if err != nil {
			return err
		}
		now := a.now()
		var v troupe.Validation
		if hash == "" && s.LinkPassword == troupe.LinkPasswordRequired {
			v.Add("password", "required", "This workspace asks for a password on every link: set one first.")
		}
		expires := linkExpiry(&v, nil, now, s)
		if err := v.Err(); err != nil {
			return err
		}
		l = troupe.Link{ID: newID(), ItemID: it.ID, WorkspaceID: it.WorkspaceID, Slug: troupe.NewSlug(), HasPassword: hash != "",
			ExpiresAt: expires, AllowDownload: it.AllowDownload, Embed: troupe.EmbedOff, Default: true, CreatedBy: actor.ID, CreatedAt: now}
		if err := tx.CreateLink(ctx, l, hash, now); err != nil {
			return err
		}
		slug = l.Slug
		if override {
			if err := a.audit(ctx, tx, it.WorkspaceID, actor, "approval.override", id, it.Name, c); err != nil {
				return err
			}
		}
		if err := a.emitAbout(ctx, tx, it.WorkspaceID, it.ID, troupe.EventVideoPublished, itemEvent(it.ID, it.Kind, it.Name, it.ParentID,
			"slug", l.Slug, "path", paths.PublicVideo(l.Slug), "published_by", actor.ID)); err != nil {
			return err
		}
		return a.audit(ctx, tx, it.WorkspaceID, actor, "video.publish", id, it.Name, c)
	})
	return slug, err
}

// Unpublish takes a video off the web by revoking every link to it: their
// pages, media and captions answer 404 from the next request on.
func (a *App) Unpublish(ctx context.Context, actor troupe.User, id string, c Client) (opErr error) {
	defer wrap(&opErr, "unpublish")
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		it, _, err := a.editVideo(ctx, tx, actor, id)
		if err != nil || it.PublicSlug == "" {
			return err
		}
		if err := tx.DeleteItemLinks(ctx, id, a.now()); err != nil {
			return err
		}
		if err := a.emitAbout(ctx, tx, it.WorkspaceID, it.ID, troupe.EventVideoUnpublished, itemEvent(it.ID, it.Kind, it.Name, it.ParentID,
			"unpublished_by", actor.ID)); err != nil {
			return err
		}
		return a.audit(ctx, tx, it.WorkspaceID, actor, "video.unpublish", id, it.Name, c)
	})
}

// SetVideoPassword sets or changes the password of a video's public page
// ("" removes it). Either way visitors who unlocked it before must unlock
// again.
func (a *App) SetVideoPassword(ctx context.Context, actor troupe.User, id, pw string, c Client) (opErr error) {
	defer wrap(&opErr, "set video password")
	// The right first, then the input, and only then the costly hash.
	if _, err := a.EditableVideo(ctx, actor, id); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(pw); pw != "" && (n < troupe.MinVideoPasswordLen || n > troupe.MaxVideoPasswordLen || !utf8.ValidString(pw)) {
		var v troupe.Validation
		v.Add("password", "invalid_length", fmt.Sprintf("Use %d to %d characters.", troupe.MinVideoPasswordLen, troupe.MaxVideoPasswordLen))
		return v.Err()
	}
	hash := ""
	var err error
	if pw != "" {
		if hash, err = a.hasher.Hash(ctx, pw); err != nil {
			return err
		}
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		it, _, err := a.editVideo(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if hash == "" {
			// A workspace that asks for a password on links keeps it on the
			// default link once published.
			s, err := tx.FindWorkspaceSettings(ctx, it.WorkspaceID)
			if err != nil {
				return err
			}
			if _, err := tx.FindDefaultLink(ctx, id); err == nil && s.LinkPassword == troupe.LinkPasswordRequired {
				var v troupe.Validation
				v.Add("password", "required", "This workspace asks for a password on every link: change it rather than remove it.")
				return v.Err()
			}
		}
		if err := tx.SetVideoPassword(ctx, id, hash); err != nil {
			return err
		}
		action := "video.password_set"
		if hash == "" {
			action = "video.password_remove"
		}
		return a.audit(ctx, tx, it.WorkspaceID, actor, action, id, it.Name, c)
	})
}

// SetAllowDownload says whether the video's pages offer its file.
func (a *App) SetAllowDownload(ctx context.Context, actor troupe.User, id string, allowed bool, c Client) (opErr error) {
	defer wrap(&opErr, "set allow download")
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		it, _, err := a.editVideo(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if err := tx.SetAllowDownload(ctx, it.ID, allowed); err != nil {
			return err
		}
		return a.audit(ctx, tx, it.WorkspaceID, actor, "video.download", id, strconv.FormatBool(allowed), c)
	})
}

// OpenVideoFile opens a member's video for playing or, when download is
// set, for downloading as the settings allow.
func (a *App) OpenVideoFile(ctx context.Context, actor troupe.User, id string, download bool, first Range) (_ MediaFile, opErr error) {
	defer wrap(&opErr, "open video file")
	q := a.db.Read()
	it, role, err := a.video(ctx, q, actor, id)
	if err != nil {
		return MediaFile{}, err
	}
	if download {
		s, err := q.FindWorkspaceSettings(ctx, it.WorkspaceID)
		if err != nil {
			return MediaFile{}, err
		}
		if err := allow(canDownload(it, role, s), "Downloads of this video are not allowed."); err != nil {
			return MediaFile{}, err
		}
		if _, err := a.requireApproved(ctx, q, it, role); err != nil {
			return MediaFile{}, err
		}
	}
	return a.openFile(ctx, it.Item, it.MediaKey, it.MediaType, first, true)
}

// openFile opens a stored media file of it.
// openFile opens the file key of it for a request reading first; a file
// some player fetches with scripts (HLS's, cross-origin reads needing
// the bucket's CORS) is not redirectable.
func (a *App) openFile(ctx context.Context, it troupe.Item, key, contentType string, first Range, redirectable bool) (MediaFile, error) {
	if key == "" || it.TrashedAt != nil {
		return MediaFile{}, troupe.Errorf(troupe.CodeNotFound, "This item has no such file.")
	}
	etag := `"` + troupe.HashSecret(key)[:20] + `"`
	if redirectable && a.redirects(contentType, first) {
		ttl := a.cfg.MediaRedirect
		return MediaFile{ContentType: contentType, ModTime: it.UpdatedAt, Name: it.Name, ETag: etag,
			SignURL: func(ctx context.Context, h blob.ResponseHeaders) (string, error) {
				return a.media.SignedURL(ctx, key, ttl, h)
			}}, nil
	}
	r, err := a.media.Open(ctx, key, first)
	if errors.Is(err, blob.ErrNotFound) {
		return MediaFile{}, troupe.Errorf(troupe.CodeNotFound, "This item's file is missing.")
	}
	if err != nil {
		return MediaFile{}, err
	}
	return MediaFile{File: r, ContentType: contentType, Size: r.Size(), ModTime: it.UpdatedAt, Name: it.Name, ETag: etag}, nil
}

// redirects holds when a request for a file of contentType, reading first,
// is sent to object storage (Config.MediaRedirect): the bulk of a video's
// or voice's bytes (the upload, renditions), for a GET that reads bytes.
// Images are small; HEAD and conditional requests (first is empty) are
// answered here.
func (a *App) redirects(contentType string, first Range) bool {
	if a.cfg.MediaRedirect <= 0 || !a.media.CanSign() || first.Length == 0 {
		return false
	}
	return strings.HasPrefix(contentType, "video/") || strings.HasPrefix(contentType, "audio/")
}

// PublicPage is what a published video's public page may show: nothing
// about the workspace or its members.
type PublicPage struct {
	Slug        string
	Name        string
	Description string
	DurationMS  *int64
	HasPoster   bool
	// HasWebRendition: processing made an MP4 every browser plays, for
	// the player to prefer over the upload; HLSPlaylist names the master
	// playlist of its HLS ladder, "" without one.
	HasWebRendition bool
	HLSPlaylist     string
	Captions        []troupe.CaptionTrack
	// Protected: a password guards the page. Locked: this visitor has not
	// unlocked it (the page then shows only the password form).
	Protected   bool
	Locked      bool
	CanDownload bool
	// ApprovalMissing: the workspace asks for approval, which the video
	// lacks, so its file is not offered for download.
	ApprovalMissing bool
	// Width and Height are the picture's size, 0 until probed.
	Width, Height int
	// LinkID is the link the page was reached by; ExpiresAt its expiry.
	LinkID    string
	ExpiresAt *time.Time
	// FrameAncestors is who may frame the link's embed page, as the
	// Content-Security-Policy directive's sources ('none' when no one).
	FrameAncestors string

	video store.PublicVideo
}

var errLinkExpired = troupe.Errorf(troupe.CodeLinkExpired, "This link has expired. Ask whoever shared it for a new one.")

// PublicVideo returns the public page published under slug as the visitor
// holding pass (their unlock cookie, or "") sees it. Unknown slugs,
// unpublished or trashed videos and workspaces where publishing is off
// answer not_found alike.
func (a *App) PublicVideo(ctx context.Context, slug, pass string) (_ PublicPage, opErr error) {
	defer wrap(&opErr, "public video")
	if !troupe.WellFormedSlug(slug) {
		return PublicPage{}, errNoVideo
	}
	v, err := a.db.FindPublicVideo(ctx, slug)
	if troupe.ErrorCode(err) == troupe.CodeNotFound || err == nil && v.Publishing == troupe.PermOff {
		return PublicPage{}, errNoVideo
	}
	if err != nil {
		return PublicPage{}, err
	}
	if v.ExpiresAt != nil && !a.now().Before(*v.ExpiresAt) {
		return PublicPage{}, errLinkExpired
	}
	p := PublicPage{Slug: slug, Name: v.Name, Description: v.Description, DurationMS: v.DurationMS,
		LinkID: v.LinkID, ExpiresAt: v.ExpiresAt, Width: v.Width, Height: v.Height, FrameAncestors: troupe.FrameAncestors(v.Embedding, v.Embed, v.EmbedOrigins),
		HasPoster: v.PosterKey != "", HasWebRendition: v.HasWebRendition, HLSPlaylist: hlsPlaylist(v.HLSKey), Captions: v.Captions, Protected: v.PasswordHash != "",
		CanDownload: v.AllowDownload && troupe.VisitorsCanDownload(v.Downloads), video: v,
		ApprovalMissing: troupe.ApprovalBlocks(troupe.Settings{Approval: v.Approval}, v.ApprovalStatus)}
	if p.Protected {
		ok, err := a.checkVisitorPass(ctx, pass, v.LinkID, v.PasswordVersion)
		if err != nil {
			return PublicPage{}, err
		}
		p.Locked = !ok
	}
	return p, nil
}

var errLocked = troupe.Errorf(troupe.CodePasswordRequired, "This video is protected by a password.")

// unlocked returns the public page for one of its files, or fails while
// it is locked. The files of an expired link are simply not there.
func (a *App) unlocked(ctx context.Context, slug, pass string) (PublicPage, error) {
	p, err := a.PublicVideo(ctx, slug, pass)
	if troupe.ErrorCode(err) == troupe.CodeLinkExpired {
		return PublicPage{}, errNoVideo
	}
	if err == nil && p.Locked {
		return PublicPage{}, errLocked
	}
	return p, err
}

// Unlock checks a visitor's password for the public page under slug and
// returns the pass their browser keeps, with the page (also after a wrong
// guess, for its form to be shown again). Guesses are limited per client
// address and video, and per video, counted before the password is
// hashed; hashing has its own small budget, so guesses never wait for or
// delay a sign-in's.
func (a *App) Unlock(ctx context.Context, slug, pw string, c Client) (_ string, _ PublicPage, opErr error) {
	defer wrap(&opErr, "unlock")
	p, err := a.PublicVideo(ctx, slug, "")
	if err != nil || !p.Protected {
		return "", p, err
	}
	v := p.video
	mine, err := a.take(ctx, limitUnlock, c.address()+"|"+v.LinkID, 1)
	if err != nil {
		return "", p, err
	}
	all, err := a.take(ctx, limitUnlockVideo, v.LinkID, 1)
	if troupe.ErrorCode(err) == troupe.CodeRateLimited {
		if werr := a.warnGuessing(ctx, v.ItemID); werr != nil {
			return "", p, werr
		}
	}
	if err != nil {
		return "", p, err
	}
	wrong := troupe.Errorf(troupe.CodeWrongPassword, "Wrong password.")
	if len(pw) > 4*troupe.MaxVideoPasswordLen {
		return "", p, wrong
	}
	err = a.hasher.VerifyGuess(ctx, v.PasswordHash, pw)
	if errors.Is(err, password.ErrMismatch) {
		return "", p, wrong
	}
	if err != nil {
		return "", p, err
	}
	// Only wrong guesses count: people who know the password are not held
	// back by each other. The counts go back to the windows they were
	// made in, however long the hash took.
	_ = a.giveBack(ctx, mine)
	_ = a.giveBack(ctx, all)
	pass, err := a.visitorPass(ctx, v.LinkID, v.PasswordVersion, a.now().Add(VisitorPassAge))
	return pass, p, err
}

// warnGuessing tells a video's owner, in the panel and by mail, that its
// page's password is being guessed from many addresses — once per window,
// not once per guess.
func (a *App) warnGuessing(ctx context.Context, itemID string) error {
	if err := a.hit(ctx, limitGuessWarning, itemID); troupe.ErrorCode(err) == troupe.CodeRateLimited {
		return nil
	} else if err != nil {
		return err
	}
	// Operators see the attack too, tied to the request that tipped it.
	a.log.WarnContext(ctx, "a public video's password is being guessed from many addresses", "item", itemID)
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		it, _, err := tx.FindItemAccess(ctx, itemID, "")
		if err != nil {
			return err
		}
		owner, err := tx.FindUserByID(ctx, it.OwnerID)
		if err != nil {
			return err
		}
		path := paths.Item(it.WorkspaceID, it.ID)
		if err := a.notify(ctx, tx, owner.ID, it.WorkspaceID, NoteVideoGuessed, it.ID,
			map[string]string{"item": it.Name, "path": path}); err != nil {
			return err
		}
		return a.sendMail(ctx, tx, mail.Email{Kind: NoteVideoGuessed, To: owner.Email, Lang: mailLang(owner.Locale, Client{}),
			Path: path, Params: []any{"item", it.Name}})
	})
}

// OpenPublicMedia opens the file of the public page under slug (download
// asks for it as an attachment, which the settings must allow), and
// returns the page it belongs to.
func (a *App) OpenPublicMedia(ctx context.Context, slug, pass string, poster, download bool, first Range) (_ MediaFile, _ PublicPage, opErr error) {
	defer wrap(&opErr, "open public media")
	p, err := a.PublicVideo(ctx, slug, pass)
	switch {
	case troupe.ErrorCode(err) == troupe.CodeLinkExpired:
		return MediaFile{}, PublicPage{}, errNoVideo
	case err != nil:
		return MediaFile{}, PublicPage{}, err
	case poster && p.Protected:
		// No poster in link previews of a protected page, whoever asks.
		return MediaFile{}, PublicPage{}, errNoVideo
	case p.Locked:
		return MediaFile{}, PublicPage{}, errLocked
	case download && !p.CanDownload:
		return MediaFile{}, PublicPage{}, troupe.Errorf(troupe.CodeForbidden, "Downloads of this video are not allowed.")
	case download && p.ApprovalMissing:
		return MediaFile{}, PublicPage{}, errApprovalRequired
	}
	it := troupe.Item{ID: p.video.ItemID, Name: p.Name, UpdatedAt: p.video.UpdatedAt}
	key, contentType := p.video.MediaKey, p.video.MediaType
	if poster {
		key, contentType = p.video.PosterKey, "image/jpeg"
	}
	f, err := a.openFile(ctx, it, key, contentType, first, true)
	return f, p, err
}

// visitorPass signs "link, password version, expiry": changing or
// removing the password changes the version and voids every pass. (A
// default link made before links took its video's id, so passes given
// then still hold.)
func (a *App) visitorPass(ctx context.Context, linkID string, version int, expires time.Time) (string, error) {
	key, err := a.serverKey(ctx, "visitor-pass")
	if err != nil {
		return "", err
	}
	body := strconv.Itoa(version) + "." + strconv.FormatInt(expires.Unix(), 10)
	return body + "." + passMAC(key, linkID, body), nil
}

func (a *App) checkVisitorPass(ctx context.Context, pass, linkID string, version int) (bool, error) {
	parts := strings.Split(pass, ".")
	if len(parts) != 3 {
		return false, nil
	}
	key, err := a.serverKey(ctx, "visitor-pass")
	if err != nil {
		return false, err
	}
	body := parts[0] + "." + parts[1]
	if !hmac.Equal([]byte(parts[2]), []byte(passMAC(key, linkID, body))) {
		return false, nil
	}
	v, err1 := strconv.Atoi(parts[0])
	exp, err2 := strconv.ParseInt(parts[1], 10, 64)
	return err1 == nil && err2 == nil && v == version && a.now().Unix() < exp, nil
}

func passMAC(key []byte, linkID, body string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(linkID + "|" + body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// hlsPlaylist is the name of the master playlist stored at key, as the
// URLs of a video's HLS files end with it.
func hlsPlaylist(key string) string {
	if key == "" {
		return ""
	}
	return path.Base(key)
}
