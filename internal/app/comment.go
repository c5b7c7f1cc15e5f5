package app

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"troupe/internal/mail"
	"troupe/internal/paths"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

// Notification kinds of comments.
const (
	// NoteCommentMention tells a member they were mentioned.
	NoteCommentMention = "comment_mention"
	// NoteCommentReply tells an author someone replied to their comment.
	NoteCommentReply = "comment_reply"
	// NoteCommentOnItem tells an owner someone commented on their item.
	NoteCommentOnItem = "comment_on_item"
)

// CommentView is a comment with what the actor may do with it.
type CommentView struct {
	troupe.Comment
	CanEdit, CanDelete, CanResolve, CanReply bool
}

// CommentList is a page of an item's threads as the actor sees them.
type CommentList struct {
	Item     ItemView
	Comments []CommentView
	Next     string
	// Mentioned are the members the page's comments mention (and who
	// could see the item), by normalised address, so pages show names.
	Mentioned map[string]troupe.User
}

// CommentInput is a new comment: on a video, optionally at PositionMS
// (to EndMS for a range); a reply names its thread's first comment.
type CommentInput struct {
	Body       string
	PositionMS *int64
	EndMS      *int64
	ParentID   string
}

// CommentPatch changes a comment's body (its author) or resolves or
// reopens its thread (anyone who may comment).
type CommentPatch struct {
	Body     *string
	Resolved *bool
}

// PostedComment is a comment as written, with the members it mentions
// who cannot see the item: listed only to an author who may share it,
// so that nothing else tells whether an address belongs to a member.
type PostedComment struct {
	CommentView
	Unreachable []troupe.User
}

var errNoComment = troupe.Errorf(troupe.CodeNotFound, "This comment does not exist or you do not have access to it.")

// commentable loads the item whose comments the actor reads or writes:
// one they can view, not in the trash (its comments go with it), and a
// video or a draft.
func (a *App) commentable(ctx context.Context, q *store.Queries, actor troupe.User, itemID string) (ItemView, error) {
	it, _, err := a.access(ctx, q, actor, itemID)
	if err != nil {
		return ItemView{}, err
	}
	if it.TrashedAt != nil {
		return ItemView{}, errNoItem
	}
	if it.Kind != troupe.KindVideo && it.Kind != troupe.KindDraft {
		var v troupe.Validation
		v.Add("item", "not_commentable", "Only videos and drafts have comments.")
		return ItemView{}, v.Err()
	}
	return it, nil
}

func refuseComment(it ItemView) error {
	return troupe.Errorf(troupe.CodeForbidden, "You can view this item but not comment on it. Ask %s for comment access.", it.OwnerName)
}

func commentView(it ItemView, actor troupe.User, c troupe.Comment) CommentView {
	top := c.ParentID == ""
	return CommentView{Comment: c,
		CanEdit:    c.AuthorID == actor.ID && it.Permissions.CanComment,
		CanDelete:  c.AuthorID == actor.ID || it.role == troupe.RoleSuperAdmin,
		CanResolve: top && it.Permissions.CanComment,
		CanReply:   top && it.Permissions.CanComment,
	}
}

// maxCommentPage is the most threads a page of comments holds, and how
// many it holds by default.
const maxCommentPage = 200

// ListComments pages through an item's threads (f.Limit threads, each
// with its replies), to anyone who may view the item.
func (a *App) ListComments(ctx context.Context, actor troupe.User, itemID string, f troupe.CommentFilter) (_ CommentList, opErr error) {
	defer wrap(&opErr, "list comments")
	q := a.db.Read()
	it, err := a.commentable(ctx, q, actor, itemID)
	if err != nil {
		return CommentList{}, err
	}
	if f.Limit <= 0 {
		// A player shows every thread's marker: the largest page unless
		// asked otherwise.
		f.Limit = maxCommentPage
	}
	f.Limit = pageSize(f.Limit)
	list, next, err := q.ListComments(ctx, itemID, f)
	if err != nil {
		return CommentList{}, err
	}
	out := CommentList{Item: it, Next: next, Comments: make([]CommentView, len(list)), Mentioned: map[string]troupe.User{}}
	var ids []string
	for i, c := range list {
		out.Comments[i] = commentView(it, actor, c)
		ids = append(ids, c.Mentions...)
	}
	slices.Sort(ids)
	users, err := q.FindUsersByIDs(ctx, slices.Compact(ids))
	if err != nil {
		return CommentList{}, err
	}
	for _, u := range users {
		out.Mentioned[troupe.NormalizeEmail(u.Email)] = u
	}
	return out, nil
}

// CanReadComments returns nil while the actor may read an item's
// comments, for live streams to check as they run.
func (a *App) CanReadComments(ctx context.Context, actor troupe.User, itemID string) (opErr error) {
	defer wrap(&opErr, "read comments")
	_, err := a.commentable(ctx, a.db.Read(), actor, itemID)
	return err
}

// mentionsOf resolves the addresses mentioned in body to active members
// of the item's workspace: those who can see the item, and those who
// cannot.
func (a *App) mentionsOf(ctx context.Context, q *store.Queries, it ItemView, authorID, body string) (seeing, blind []troupe.User, _ error) {
	for _, email := range troupe.MentionedEmails(body) {
		u, err := q.FindUserByEmail(ctx, email)
		if troupe.ErrorCode(err) == troupe.CodeNotFound {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		m, err := q.FindMember(ctx, it.WorkspaceID, u.ID)
		if troupe.ErrorCode(err) == troupe.CodeNotFound {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		ok, err := a.canSee(ctx, q, m.User, it.ID)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			seeing = append(seeing, m.User)
		} else if m.User.ID != authorID {
			blind = append(blind, m.User)
		}
	}
	return seeing, blind, nil
}

// canSee says whether u may read the item's comments.
func (a *App) canSee(ctx context.Context, q *store.Queries, u troupe.User, itemID string) (bool, error) {
	_, err := a.commentable(ctx, q, u, itemID)
	switch troupe.ErrorCode(err) {
	case troupe.CodeNotFound:
		return false, nil
	case troupe.CodeInternal:
		if err != nil {
			return false, err
		}
	}
	return err == nil, nil
}

func userIDs(us []troupe.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	return out
}

// AddComment posts a comment or a reply (comment access), notifies the
// people it concerns who can see the item, and tells an author who may
// share whom it mentions in vain.
func (a *App) AddComment(ctx context.Context, actor troupe.User, itemID string, in CommentInput, c Client) (_ PostedComment, opErr error) {
	defer wrap(&opErr, "add comment")
	var v troupe.Validation
	body := troupe.NormalizeCommentBody(&v, "body", in.Body)
	if err := v.Err(); err != nil {
		return PostedComment{}, err
	}
	var out PostedComment
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		q := &tx.Queries
		it, err := a.commentable(ctx, q, actor, itemID)
		if err != nil {
			return err
		}
		if !it.Permissions.CanComment {
			return refuseComment(it)
		}
		var parent troupe.Comment
		if in.ParentID != "" {
			parent, err = q.FindComment(ctx, in.ParentID)
			if err != nil && troupe.ErrorCode(err) != troupe.CodeNotFound {
				return err
			}
			if err != nil || parent.ItemID != itemID {
				v.Add("parent_id", "not_found", "The comment to reply to does not exist on this item.")
			} else if parent.ParentID != "" {
				v.Add("parent_id", "nested", "Reply to the first comment of the thread: replies go one level deep.")
			}
		}
		troupe.ValidateCommentTime(&v, it.Kind, in.ParentID != "", it.DurationMS, in.PositionMS, in.EndMS)
		if err := v.Err(); err != nil {
			return err
		}
		seeing, blind, err := a.mentionsOf(ctx, q, it, actor.ID, body)
		if err != nil {
			return err
		}
		cm := troupe.Comment{ID: newID(), ItemID: itemID, AuthorID: actor.ID, AuthorName: actor.Name, AuthorEmail: actor.Email,
			ParentID: in.ParentID, Body: body, PositionMS: in.PositionMS, EndMS: in.EndMS, Mentions: userIDs(seeing),
			CreatedAt: a.now()}
		if in.ParentID != "" {
			cm.ResolvedAt = parent.ResolvedAt
		}
		if err := tx.InsertComment(ctx, cm); err != nil {
			return err
		}
		out.CommentView = commentView(it, actor, cm)
		if it.Permissions.CanShare {
			out.Unreachable = blind
		}
		if err := a.emitAbout(ctx, tx, it.WorkspaceID, it.ID, troupe.EventCommentCreated, map[string]any{"id": cm.ID, "item_id": it.ID,
			"item_name": it.Name, "author_id": actor.ID, "parent_id": cm.ParentID, "body": cm.Body,
			"position_ms": cm.PositionMS, "end_ms": cm.EndMS}); err != nil {
			return err
		}
		return a.tellCommented(ctx, tx, actor, it, cm, parent, seeing, false)
	})
	return out, err
}

// tellCommented notifies, once each and never the author: the members
// mentioned (who can see the item), the author of the comment replied to
// and the item's owner, while they can see it (only the mentioned when
// onlyMentions). Mail follows each one's preference (commentMailWanted);
// a mention is a direct ask.
func (a *App) tellCommented(ctx context.Context, tx *store.Tx, actor troupe.User, it ItemView, cm, parent troupe.Comment,
	mentioned []troupe.User, onlyMentions bool) error {
	told := map[string]bool{actor.ID: true}
	var at int64 = -1
	if cm.PositionMS != nil {
		at = *cm.PositionMS / 1000
	} else if parent.PositionMS != nil {
		at = *parent.PositionMS / 1000
	}
	path := paths.ItemAt(it.WorkspaceID, it.ID, at, cm.ID)
	tell := func(u troupe.User, kind string, direct bool) error {
		if told[u.ID] {
			return nil
		}
		told[u.ID] = true
		excerpt := commentExcerpt(cm.Body)
		if err := a.notify(ctx, tx, u.ID, it.WorkspaceID, kind, cm.ID,
			map[string]string{"name": actor.Name, "item": it.Name, "path": path, "excerpt": excerpt}); err != nil {
			return err
		}
		want, err := a.commentMailWanted(ctx, tx, u.ID, direct)
		if err != nil || !want {
			return err
		}
		return a.mailMember(ctx, tx, u, mail.Email{Kind: kind, Lang: mailLang(u.Locale, Client{}), Path: path,
			Params: []any{"name", actor.Name, "item", it.Name, "excerpt", excerpt}})
	}
	for _, u := range mentioned {
		if err := tell(u, NoteCommentMention, true); err != nil {
			return err
		}
	}
	if onlyMentions {
		return nil
	}
	others := []struct {
		id, kind string
	}{{parent.AuthorID, NoteCommentReply}, {it.OwnerID, NoteCommentOnItem}}
	for _, o := range others {
		if o.id == "" || told[o.id] {
			continue
		}
		rec, err := tx.FindUserByID(ctx, o.id)
		if err != nil {
			return err
		}
		ok, err := a.canSee(ctx, &tx.Queries, rec.User, it.ID)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := tell(rec.User, o.kind, false); err != nil {
			return err
		}
	}
	return nil
}

// commentExcerpt is the start of a comment on one line, for
// notifications and mail.
func commentExcerpt(body string) string {
	s := strings.Join(strings.Fields(body), " ")
	if utf8.RuneCountInString(s) <= 140 {
		return s
	}
	return string([]rune(s)[:139]) + "…"
}

// commentMailWanted says whether to mail userID about comment activity
// (and approval requests and decisions): "none" never, "mentions" only
// when they are asked directly (direct: a mention, an approval request),
// "all" always.
func (a *App) commentMailWanted(ctx context.Context, tx *store.Tx, userID string, direct bool) (bool, error) {
	u, err := tx.FindUserByID(ctx, userID)
	if err != nil {
		return false, err
	}
	return troupe.CommentMailWanted(u.CommentMail, direct), nil
}

// editableComment loads a comment and its item for a change by actor.
func (a *App) editableComment(ctx context.Context, q *store.Queries, actor troupe.User, id string) (troupe.Comment, ItemView, error) {
	cm, err := q.FindComment(ctx, id)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return troupe.Comment{}, ItemView{}, errNoComment
	}
	if err != nil {
		return troupe.Comment{}, ItemView{}, err
	}
	it, err := a.commentable(ctx, q, actor, cm.ItemID)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return troupe.Comment{}, ItemView{}, errNoComment
	}
	return cm, it, err
}

// UpdateComment edits a comment's body (its author, while they may
// comment) and resolves or reopens a thread (anyone who may comment; only
// a thread's first comment).
func (a *App) UpdateComment(ctx context.Context, actor troupe.User, id string, p CommentPatch, c Client) (_ PostedComment, opErr error) {
	defer wrap(&opErr, "update comment")
	var v troupe.Validation
	var body string
	if p.Body != nil {
		body = troupe.NormalizeCommentBody(&v, "body", *p.Body)
	}
	if err := v.Err(); err != nil {
		return PostedComment{}, err
	}
	var out PostedComment
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		q := &tx.Queries
		cm, it, err := a.editableComment(ctx, q, actor, id)
		if err != nil {
			return err
		}
		if !it.Permissions.CanComment {
			return refuseComment(it)
		}
		upd := store.CommentUpdate{Resolved: p.Resolved, By: actor.ID}
		var seeing, blind []troupe.User
		if p.Body != nil {
			if cm.AuthorID != actor.ID {
				return troupe.Errorf(troupe.CodeForbidden, "Only its author can edit a comment.")
			}
			if seeing, blind, err = a.mentionsOf(ctx, q, it, actor.ID, body); err != nil {
				return err
			}
			upd.Body, upd.Mentions = &body, userIDs(seeing)
		}
		if p.Resolved != nil && cm.ParentID != "" {
			v.Add("resolved", "not_allowed", "Resolve or reopen the thread's first comment.")
			return v.Err()
		}
		if err := tx.UpdateComment(ctx, cm.ItemID, id, upd, a.now()); err != nil {
			return err
		}
		before := map[string]bool{}
		for _, m := range cm.Mentions {
			before[m] = true
		}
		if cm, err = tx.FindComment(ctx, id); err != nil {
			return err
		}
		out.CommentView = commentView(it, actor, cm)
		if it.Permissions.CanShare {
			out.Unreachable = blind
		}
		// Those newly mentioned by an edit hear of it; the others already did.
		var fresh []troupe.User
		for _, u := range seeing {
			if !before[u.ID] {
				fresh = append(fresh, u)
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		var parent troupe.Comment
		if cm.ParentID != "" {
			if parent, err = tx.FindComment(ctx, cm.ParentID); err != nil {
				return err
			}
		}
		return a.tellCommented(ctx, tx, actor, it, cm, parent, fresh, true)
	})
	return out, err
}

// DeleteComment removes a comment, and its thread's replies with it when
// it is the thread's first: its author or a Super Admin of the workspace
// may. A Super Admin's removal of someone else's comment is audited.
func (a *App) DeleteComment(ctx context.Context, actor troupe.User, id string, c Client) (opErr error) {
	defer wrap(&opErr, "delete comment")
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		cm, it, err := a.editableComment(ctx, &tx.Queries, actor, id)
		if err != nil {
			return err
		}
		if !commentView(it, actor, cm).CanDelete {
			return troupe.Errorf(troupe.CodeForbidden, "Only its author or a Super Admin can delete a comment.")
		}
		if err := tx.DeleteComment(ctx, cm.ItemID, id); err != nil {
			return err
		}
		if cm.AuthorID == actor.ID {
			return nil
		}
		return a.audit(ctx, tx, it.WorkspaceID, actor, "item.comment_delete", it.ID, cm.AuthorEmail, c)
	})
}

// WatchComments returns a channel that receives a signal whenever the
// item's comments may have changed, until ctx ends; it fails unless the
// actor may read them. Callers check access again as they read.
func (a *App) WatchComments(ctx context.Context, actor troupe.User, itemID string) (<-chan struct{}, error) {
	if err := a.CanReadComments(ctx, actor, itemID); err != nil {
		return nil, err
	}
	return a.commentLive.watch(ctx, itemID), nil
}

// UnreachableMentions lists the members comment id mentions who cannot
// see its item, to its author while they may share the item (and to
// nobody else: nothing tells others whether an address is a member's).
func (a *App) UnreachableMentions(ctx context.Context, actor troupe.User, id string) (_ []troupe.User, opErr error) {
	defer wrap(&opErr, "unreachable mentions")
	q := a.db.Read()
	cm, it, err := a.editableComment(ctx, q, actor, id)
	if err != nil {
		return nil, err
	}
	if cm.AuthorID != actor.ID || !it.Permissions.CanShare {
		return nil, nil
	}
	_, blind, err := a.mentionsOf(ctx, q, it, actor.ID, cm.Body)
	return blind, err
}

// ShareAtComment gives member userID comment access to an item, keeping
// its other sharing as it is (a higher level they hold stays): the answer
// to a mention of someone who cannot see the item. It needs the right to
// share, as any sharing change.
func (a *App) ShareAtComment(ctx context.Context, actor troupe.User, itemID, userID string, c Client) (opErr error) {
	defer wrap(&opErr, "share at comment")
	sh, err := a.GetSharing(ctx, actor, itemID)
	if err != nil {
		return err
	}
	in := SharingInput{General: troupe.GeneralAccess(sh.Workspace), WorkspaceLevel: sh.Workspace.String()}
	found := false
	for _, s := range sh.Shares {
		level := s.Level
		if s.UserID == userID {
			found = true
			level = max(level, troupe.LevelComment)
		}
		in.Shares = append(in.Shares, ShareInput{UserID: s.UserID, Level: level.String()})
	}
	if !found {
		in.Shares = append(in.Shares, ShareInput{UserID: userID, Level: troupe.LevelComment.String()})
	}
	_, err = a.UpdateSharing(ctx, actor, itemID, in, c)
	return err
}
