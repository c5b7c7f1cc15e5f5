package app

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"troupe/internal/store"
	"troupe/internal/troupe"
)

// LinkInput is a new link to a video. Nil fields take their defaults: no
// password, the longest expiry the workspace allows (none when it sets
// none), the video's own download switch, and no embedding.
type LinkInput struct {
	Label         string
	Password      *string
	ExpiresAt     *time.Time
	AllowDownload *bool
	Embed         troupe.EmbedMode
	EmbedDomains  []string
}

// LinkPatch changes a link; nil fields stay. Password "" removes the
// password; ExpiresAt holding nil removes the expiry.
type LinkPatch struct {
	Label         *string
	Password      *string
	ExpiresAt     **time.Time
	AllowDownload *bool
	Embed         *troupe.EmbedMode
	EmbedDomains  *[]string
}

var errNoLink = troupe.Errorf(troupe.CodeNotFound, "No such link.")

// publishAllowed checks that a member of role may put videos on the web
// under the workspace's settings s.
func publishAllowed(role troupe.Role, s troupe.Settings) error {
	switch {
	case s.Publishing == troupe.PermOff:
		return troupe.Errorf(troupe.CodeForbidden, "Publishing to the web is turned off in this workspace.")
	case !troupe.WorkspacePermissionsFor(role, s).Publish:
		return troupe.Errorf(troupe.CodeForbidden, "Only Super Admins can publish to the web in this workspace.")
	}
	return nil
}

// checkLinkPassword adds a problem with a link's password to v: it must
// be of the allowed length, and present when the workspace requires one.
func checkLinkPassword(v *troupe.Validation, pw string, s troupe.Settings) {
	n := utf8.RuneCountInString(pw)
	switch {
	case pw == "" && s.LinkPassword == troupe.LinkPasswordRequired:
		v.Add("password", "required", "This workspace asks for a password on every link.")
	case pw != "" && (n < troupe.MinVideoPasswordLen || n > troupe.MaxVideoPasswordLen || !utf8.ValidString(pw)):
		v.Add("password", "invalid_length", fmt.Sprintf("Use %d to %d characters.", troupe.MinVideoPasswordLen, troupe.MaxVideoPasswordLen))
	}
}

// linkExpiry checks a link's expiry against now and the workspace's
// longest, and gives the default for none asked: the longest.
func linkExpiry(v *troupe.Validation, at *time.Time, now time.Time, s troupe.Settings) *time.Time {
	longest := now.AddDate(0, 0, s.LinkMaxDays)
	switch {
	case at == nil && s.LinkMaxDays > 0:
		return &longest
	case at == nil:
		return nil
	case !at.After(now):
		v.Add("expires_at", "in_past", "Choose a time in the future.")
	case s.LinkMaxDays > 0 && at.After(longest.Add(time.Minute)):
		v.Add("expires_at", "too_late", fmt.Sprintf("This workspace lets links live at most %d days.", s.LinkMaxDays))
	}
	t := at.UTC()
	return &t
}

// linkEmbed checks a link's embedding against the workspace's setting,
// and returns the origins allowed to frame it.
func linkEmbed(v *troupe.Validation, mode troupe.EmbedMode, domains []string, s troupe.Settings) []string {
	switch mode {
	case troupe.EmbedOff:
		return nil
	case troupe.EmbedAnywhere, troupe.EmbedDomains:
	default:
		v.Add("embed", "invalid", "Choose off, anywhere or domains.")
		return nil
	}
	if s.Embedding == troupe.PermOff {
		v.Add("embed", "not_allowed", "Embedding is turned off in this workspace.")
		return nil
	}
	if mode == troupe.EmbedAnywhere {
		return nil
	}
	origins := troupe.EmbedOrigins(v, domains)
	if len(origins) == 0 && v.Err() == nil {
		v.Add("embed_domains", "required", "List at least one domain the video may be embedded on.")
	}
	return origins
}

// CreateLink makes a new link to a video the actor may publish, under
// the workspace's rules for links.
func (a *App) CreateLink(ctx context.Context, actor troupe.User, videoID string, in LinkInput, c Client) (_ troupe.Link, opErr error) {
	defer wrap(&opErr, "create link")
	// The right first, then the input, and only then the costly hash.
	it, err := a.EditableVideo(ctx, actor, videoID)
	if err != nil {
		return troupe.Link{}, err
	}
	s, err := a.db.Read().FindWorkspaceSettings(ctx, it.WorkspaceID)
	if err != nil {
		return troupe.Link{}, err
	}
	now := a.now()
	if in.Embed == "" {
		in.Embed = troupe.EmbedOff
	}
	var v troupe.Validation
	troupe.CheckLinkLabel(&v, in.Label)
	pw := ""
	if in.Password != nil {
		pw = *in.Password
	}
	checkLinkPassword(&v, pw, s)
	expires := linkExpiry(&v, in.ExpiresAt, now, s)
	origins := linkEmbed(&v, in.Embed, in.EmbedDomains, s)
	if err := v.Err(); err != nil {
		return troupe.Link{}, err
	}
	hash := ""
	if pw != "" {
		if hash, err = a.hasher.Hash(ctx, pw); err != nil {
			return troupe.Link{}, err
		}
	}
	l := troupe.Link{ID: newID(), ItemID: it.ID, WorkspaceID: it.WorkspaceID, Slug: troupe.NewSlug(), Label: in.Label,
		HasPassword: hash != "", ExpiresAt: expires, AllowDownload: it.AllowDownload, Embed: in.Embed, EmbedOrigins: origins,
		CreatedBy: actor.ID, CreatedAt: now}
	if in.AllowDownload != nil {
		l.AllowDownload = *in.AllowDownload
	}
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		it, role, err := a.editVideo(ctx, tx, actor, videoID)
		if err != nil {
			return err
		}
		if err := publishAllowed(role, s); err != nil {
			return err
		}
		override, err := a.requireApproved(ctx, &tx.Queries, it, role)
		if err != nil {
			return err
		}
		if err := tx.CreateLink(ctx, l, hash, now); err != nil {
			return err
		}
		if override {
			if err := a.audit(ctx, tx, it.WorkspaceID, actor, "approval.override", it.ID, it.Name, c); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, it.WorkspaceID, actor, "video.link_create", it.ID, it.Name, c)
	})
	return l, err
}

// ListLinks returns the links of a video the actor may edit.
func (a *App) ListLinks(ctx context.Context, actor troupe.User, videoID string) (_ []troupe.Link, opErr error) {
	defer wrap(&opErr, "list links")
	q := a.db.Read()
	it, _, err := a.video(ctx, q, actor, videoID)
	if err != nil {
		return nil, err
	}
	if !it.Permissions.CanEdit {
		return nil, refuse(it, needEdit, ErrNotVideoEditor.Message)
	}
	return q.ListLinks(ctx, videoID)
}

// link loads link id for a change by the actor, who must be able to edit
// its video; without access to the video the link does not exist.
func (a *App) link(ctx context.Context, tx *store.Tx, actor troupe.User, id string) (troupe.Link, ItemView, troupe.Role, error) {
	l, err := tx.FindLink(ctx, id)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return troupe.Link{}, ItemView{}, "", errNoLink
	}
	if err != nil {
		return troupe.Link{}, ItemView{}, "", err
	}
	it, role, err := a.editVideo(ctx, tx, actor, l.ItemID)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		err = errNoLink
	}
	return l, it, role, err
}

// UpdateLink changes a link under the workspace's rules for links. A
// change to the password voids every visitor's unlock of that link.
func (a *App) UpdateLink(ctx context.Context, actor troupe.User, id string, p LinkPatch, c Client) (_ troupe.Link, opErr error) {
	defer wrap(&opErr, "update link")
	var l troupe.Link
	var s troupe.Settings
	err := a.db.Tx(ctx, func(tx *store.Tx) (err error) {
		if l, _, _, err = a.link(ctx, tx, actor, id); err != nil {
			return err
		}
		s, err = tx.FindWorkspaceSettings(ctx, l.WorkspaceID)
		return err
	})
	if err != nil {
		return troupe.Link{}, err
	}
	now := a.now()
	upd := store.LinkUpdate{Label: p.Label, ExpiresAt: p.ExpiresAt, AllowDownload: p.AllowDownload, Embed: p.Embed}
	var v troupe.Validation
	if p.Label != nil {
		troupe.CheckLinkLabel(&v, *p.Label)
	}
	if p.Password != nil {
		checkLinkPassword(&v, *p.Password, s)
	}
	if p.ExpiresAt != nil {
		e := linkExpiry(&v, *p.ExpiresAt, now, s)
		upd.ExpiresAt = &e
	}
	if p.Embed != nil || p.EmbedDomains != nil {
		mode, domains := l.Embed, l.EmbedOrigins
		if p.Embed != nil {
			mode = *p.Embed
		}
		if p.EmbedDomains != nil {
			domains = *p.EmbedDomains
		}
		origins := linkEmbed(&v, mode, domains, s)
		upd.EmbedOrigins = &origins
	}
	if err := v.Err(); err != nil {
		return troupe.Link{}, err
	}
	if p.Password != nil {
		hash := ""
		if *p.Password != "" {
			if hash, err = a.hasher.Hash(ctx, *p.Password); err != nil {
				return troupe.Link{}, err
			}
		}
		upd.PasswordHash = &hash
	}
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		l, it, role, err := a.link(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		// Changing what a link lets out is publishing: the same right.
		if err := publishAllowed(role, s); err != nil {
			return err
		}
		if l.Default {
			// The default link keeps the video's own password and download
			// switch, which its page shows and publishing gives it again.
			if upd.PasswordHash != nil {
				if err := tx.SetVideoPassword(ctx, l.ItemID, *upd.PasswordHash); err != nil {
					return err
				}
				upd.PasswordHash = nil
			}
			if upd.AllowDownload != nil {
				if err := tx.SetAllowDownload(ctx, l.ItemID, *upd.AllowDownload); err != nil {
					return err
				}
				upd.AllowDownload = nil
			}
		}
		if err := tx.UpdateLink(ctx, l.ID, l.ItemID, upd, now); err != nil {
			return err
		}
		return a.audit(ctx, tx, it.WorkspaceID, actor, "video.link_update", it.ID, it.Name, c)
	})
	if err != nil {
		return troupe.Link{}, err
	}
	return a.db.Read().FindLink(ctx, id)
}

// RevokeLink deletes a link: its page, media and captions answer 404 from
// the next request on; the video's other links are unaffected.
func (a *App) RevokeLink(ctx context.Context, actor troupe.User, id string, c Client) (opErr error) {
	defer wrap(&opErr, "revoke link")
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		l, it, _, err := a.link(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteLink(ctx, l.ID, l.ItemID, a.now()); err != nil {
			return err
		}
		return a.audit(ctx, tx, it.WorkspaceID, actor, "video.link_revoke", it.ID, it.Name, c)
	})
}
