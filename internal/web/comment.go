package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"troupe/internal/app"
	"troupe/internal/captions"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

type commentAuthorJSON struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type commentPermissionsJSON struct {
	CanEdit    bool `json:"can_edit"`
	CanDelete  bool `json:"can_delete"`
	CanResolve bool `json:"can_resolve"`
	CanReply   bool `json:"can_reply"`
}

type mentionJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type commentJSON struct {
	ID          string                 `json:"id"`
	ItemID      string                 `json:"item_id"`
	Author      commentAuthorJSON      `json:"author"`
	Body        string                 `json:"body"`
	PositionMS  *int64                 `json:"position_ms"`
	EndMS       *int64                 `json:"end_ms"`
	ParentID    *string                `json:"parent_id"`
	Resolved    bool                   `json:"resolved"`
	Mentions    []string               `json:"mentions"`
	CreatedAt   time.Time              `json:"created_at"`
	EditedAt    *time.Time             `json:"edited_at"`
	Permissions commentPermissionsJSON `json:"permissions"`
	// Unreachable lists, to an author who may share the item, the members
	// mentioned who cannot see it; it is absent otherwise.
	Unreachable []mentionJSON `json:"unreachable_mentions,omitempty"`
}

func toCommentJSON(c app.CommentView) commentJSON {
	out := commentJSON{ID: c.ID, ItemID: c.ItemID, Author: commentAuthorJSON{ID: c.AuthorID, Name: c.AuthorName, Email: c.AuthorEmail},
		Body: c.Body, PositionMS: c.PositionMS, EndMS: c.EndMS, Resolved: c.Resolved(), Mentions: c.Mentions,
		CreatedAt: c.CreatedAt, EditedAt: c.EditedAt,
		Permissions: commentPermissionsJSON{CanEdit: c.CanEdit, CanDelete: c.CanDelete, CanResolve: c.CanResolve, CanReply: c.CanReply}}
	if c.ParentID != "" {
		out.ParentID = &c.ParentID
	}
	if out.Mentions == nil {
		out.Mentions = []string{}
	}
	return out
}

func toPostedJSON(p app.PostedComment) commentJSON {
	out := toCommentJSON(p.CommentView)
	for _, u := range p.Unreachable {
		out.Unreachable = append(out.Unreachable, mentionJSON{ID: u.ID, Name: u.Name})
	}
	return out
}

// commentFilter reads ?resolved=false, ?cursor= and ?limit=.
func commentFilter(r *http.Request) (troupe.CommentFilter, error) {
	q := r.URL.Query()
	f := troupe.CommentFilter{Cursor: q.Get("cursor")}
	switch q.Get("resolved") {
	case "", "true", "all":
	case "false":
		f.OpenOnly = true
	default:
		var v troupe.Validation
		v.Add("resolved", "invalid", "resolved must be false (open threads only) or left out.")
		return f, v.Err()
	}
	limit, err := limitParam(r)
	f.Limit = limit
	return f, err
}

func (s *Server) handleCommentList(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	f, err := commentFilter(r)
	if err != nil {
		return err
	}
	l, err := s.app.ListComments(r.Context(), u, r.PathValue("id"), f)
	if err != nil {
		return err
	}
	out := list[commentJSON]{Items: make([]commentJSON, 0, len(l.Comments)), NextCursor: l.Next}
	for _, c := range l.Comments {
		out.Items = append(out.Items, toCommentJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleCommentCreate(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Body       string `json:"body"`
		PositionMS *int64 `json:"position_ms"`
		EndMS      *int64 `json:"end_ms"`
		ParentID   string `json:"parent_id"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.app.AddComment(r.Context(), u, r.PathValue("id"),
		app.CommentInput{Body: in.Body, PositionMS: in.PositionMS, EndMS: in.EndMS, ParentID: in.ParentID}, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toPostedJSON(c))
	return nil
}

func (s *Server) handleCommentUpdate(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Body     *string `json:"body"`
		Resolved *bool   `json:"resolved"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.app.UpdateComment(r.Context(), u, r.PathValue("id"), app.CommentPatch{Body: in.Body, Resolved: in.Resolved}, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toPostedJSON(c))
	return nil
}

func (s *Server) handleCommentDelete(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.DeleteComment(r.Context(), u, r.PathValue("id"), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// commentRecheck is how often an open comment stream checks that its
// reader may still read the item's comments, whatever else happens:
// sharing changes are not announced on the comments' channel.
const commentRecheck = 5 * time.Second

// handleCommentStream sends server-sent events: "comments" once at the
// start and whenever the item's comments change (on any instance), for
// the page to fetch them again; a comment every 25 seconds keeps proxies
// from closing the connection. Access is checked at the start, at each
// change and every few seconds; the stream ends once it is lost.
func (s *Server) handleCommentStream(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	flusher, ok := w.(http.Flusher)
	if !ok {
		return troupe.Errorf(troupe.CodeInternal, "streaming is not supported here")
	}
	id := r.PathValue("id")
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.streams, cancel) // server shutdown ends streams
	defer stop()
	signals, err := s.app.WatchComments(ctx, u, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	data := fmt.Sprintf(`{"item_id":%q}`, id)
	send := func() {
		fmt.Fprintf(w, "event: comments\ndata: %s\n\n", data)
		flusher.Flush()
	}
	send()
	recheck := time.NewTicker(commentRecheck)
	defer recheck.Stop()
	keepAlive := time.NewTicker(25 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-signals:
			if s.app.CanReadComments(ctx, u, id) != nil {
				return nil
			}
			send()
		case <-recheck.C:
			if s.app.CanReadComments(ctx, u, id) != nil {
				return nil
			}
		case <-keepAlive.C:
			fmt.Fprint(w, ": keep-alive\n\n")
			flusher.Flush()
		}
	}
}

// --- Pages ------------------------------------------------------------------

// commentsPanel is the list of an item's comments beside its player (or
// below a draft), with the forms of what the reader may do.
type commentsPanel struct {
	Item    app.ItemView
	Threads []commentThread
	// More loads the next page of threads; "" on the last.
	More         string
	ShowResolved bool
	// Here is the item page the forms come back to.
	Here string
	// Offer lists the members a comment just posted mentions in vain,
	// whom the author may share the item with at comment level.
	Offer []troupe.User
	// Focus is the comment a link pointed at (?c=).
	Focus string
}

type commentThread struct {
	commentRow
	Replies []commentRow
}

// Head is the thread's first comment, for the template.
func (t commentThread) Head() commentRow { return t.commentRow }

type commentRow struct {
	app.CommentView
	Parts []commentPart
	// At and End are the comment's time as m:ss, "" without one.
	At, End string
}

// commentPart is a piece of a comment's body as shown: text, a link
// (http or https only) or a mention, said with the member's name.
type commentPart struct {
	Text, URL, Mention, Email string
}

// clockTime writes a comment's time as m:ss (h:mm:ss past the first
// hour), as the player shows it; "" without one.
func clockTime(ms *int64) string {
	if ms == nil {
		return ""
	}
	s := *ms / 1000
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// commentParts splits a body for the page: links become links, mentions
// of the members the app named become their names; anything else stays
// text, which the template escapes.
func commentParts(body string, mentioned map[string]troupe.User) []commentPart {
	var out []commentPart
	for _, p := range troupe.SplitBody(body) {
		switch {
		case p.URL != "":
			if u, err := url.Parse(p.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
				out = append(out, commentPart{Text: p.Text, URL: u.String()})
				continue
			}
		case p.Email != "":
			if m, ok := mentioned[p.Email]; ok {
				out = append(out, commentPart{Mention: "@" + m.Name, Email: m.Email})
				continue
			}
		}
		out = append(out, commentPart{Text: p.Text})
	}
	return out
}

// commentRows groups a page of comments into threads.
func commentRows(l app.CommentList) []commentThread {
	var out []commentThread
	for _, c := range l.Comments {
		row := commentRow{CommentView: c, Parts: commentParts(c.Body, l.Mentioned), At: clockTime(c.PositionMS), End: clockTime(c.EndMS)}
		if c.ParentID == "" || len(out) == 0 {
			out = append(out, commentThread{commentRow: row})
			continue
		}
		last := &out[len(out)-1]
		last.Replies = append(last.Replies, row)
	}
	return out
}

// commentsPage is how many threads a page of the panel lists.
const commentsPage = 200

// loadComments loads the comments panel of item it for the page's query:
// ?resolved=1 shows resolved threads, ?ccursor= the next page, ?c= the
// comment to show.
func (s *Server) loadComments(r *http.Request, u troupe.User, it app.ItemView, here string) (*commentsPanel, error) {
	q := r.URL.Query()
	p := &commentsPanel{Item: it, ShowResolved: q.Get("resolved") == "1", Here: here, Focus: q.Get("c")}
	l, err := s.app.ListComments(r.Context(), u, it.ID, troupe.CommentFilter{OpenOnly: !p.ShowResolved && p.Focus == "",
		Cursor: q.Get("ccursor"), Limit: commentsPage})
	if err != nil {
		return nil, err
	}
	if p.Focus != "" {
		p.ShowResolved = true
	}
	p.Threads = commentRows(l)
	if l.Next != "" {
		more := url.Values{"ccursor": {l.Next}}
		if p.ShowResolved {
			more.Set("resolved", "1")
		}
		p.More = here + "?" + more.Encode()
	}
	if offer := q.Get("offer"); offer != "" {
		p.Offer, err = s.app.UnreachableMentions(r.Context(), u, offer)
		if err != nil && troupe.ErrorCode(err) != troupe.CodeNotFound {
			return nil, err
		}
	}
	return p, nil
}

// CommentsHere is the address of the comments panel's own fragment.
func (v *view) CommentsHere(p *commentsPanel) string {
	return paths.Item(p.Item.WorkspaceID, p.Item.ID) + "/comments"
}

// CommentsToggle is the item page with resolved threads shown or not.
func (v *view) CommentsToggle(p *commentsPanel) string {
	if p.ShowResolved {
		return p.Here
	}
	return p.Here + "?resolved=1"
}

// Excerpt is the start of a comment for a marker's label, mentions said
// by name as in the list.
func (v *view) Excerpt(r commentRow) string {
	var b strings.Builder
	for _, p := range r.Parts {
		if p.Mention != "" {
			b.WriteString(p.Mention)
		} else {
			b.WriteString(p.Text)
		}
	}
	s := strings.Join(strings.Fields(b.String()), " ")
	if r := []rune(s); len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return s
}

// pageComments renders only the comments panel, which the page's script
// swaps in when the comments change.
func (s *Server) pageComments(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	it, err := s.itemOf(r, u, v)
	if err != nil {
		return err
	}
	p, err := s.loadComments(r, u, it, itemURL(it))
	if err != nil {
		return err
	}
	show(s, w, r, http.StatusOK, "comments_panel", v, p)
	return nil
}

// commentBack is the item page a comment form returns to.
func commentBack(r *http.Request, ws, id string) string {
	if b := r.PostForm.Get("back"); b != "" {
		return localPath(b)
	}
	return paths.Item(ws, id)
}

// pageCommentCreate posts a comment or a reply from the item page. A
// video's time comes as m:ss. Without the page's script it returns to the
// item page, which then offers to share with those mentioned in vain.
func (s *Server) pageCommentCreate(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	ws, id := r.PathValue("ws"), r.PathValue("id")
	in := app.CommentInput{Body: r.PostFormValue("body"), ParentID: r.PostFormValue("parent_id")}
	if at := strings.TrimSpace(r.PostFormValue("comment_at")); at != "" {
		d, ok := captions.ParseEditorTime(at)
		if !ok {
			var bad troupe.Validation
			bad.Add("comment_at", "invalid", "Give the time as m:ss or h:mm:ss.")
			return s.commentFailed(w, r, u, v, bad.Err())
		}
		ms := d.Milliseconds()
		in.PositionMS = &ms
	}
	c, err := s.app.AddComment(r.Context(), u, id, in, s.client(r))
	if err != nil {
		return s.commentFailed(w, r, u, v, err)
	}
	if inPlace(r) {
		out := toPostedJSON(c)
		writeJSON(w, http.StatusOK, appliedJSON{Message: v.T("flash.comment_posted"), Data: out})
		return nil
	}
	s.flash(w, r, "flash.comment_posted")
	back := commentBack(r, ws, id)
	if len(c.Unreachable) > 0 {
		back = withQuery(back, "offer", c.ID)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// commentFailed answers a refused comment form: in place as a problem,
// otherwise with the item page and the form's errors.
func (s *Server) commentFailed(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, err error) error {
	if inPlace(r) || pageLevel(err) {
		return err
	}
	it, gerr := s.itemOf(r, u, v)
	if gerr != nil {
		return gerr
	}
	p, lerr := s.loadItemPage(r, u, v, it)
	if lerr != nil {
		return lerr
	}
	v.Form["comment_body"], v.Form["comment_at"] = r.PostFormValue("body"), r.PostFormValue("comment_at")
	if e, ok := troupe.AsError(err); ok {
		for i, f := range e.Fields {
			if f.Field == "body" {
				e.Fields[i].Field = "comment_body"
			}
			if f.Field == "position_ms" || f.Field == "end_ms" {
				e.Fields[i].Field = "comment_at"
			}
		}
	}
	return showForm(s, w, r, "item", v, p, err)
}

// pageCommentChange applies one change to a comment from the item page:
// a new body, resolving, reopening or deleting.
func (s *Server) pageCommentChange(action string) memberPageHandler {
	return func(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
		ws, id, cid := r.PathValue("ws"), r.PathValue("id"), r.PathValue("cid")
		ctx := r.Context()
		var err error
		var key string
		switch action {
		case "edit":
			body := r.PostFormValue("body")
			_, err = s.app.UpdateComment(ctx, u, cid, app.CommentPatch{Body: &body}, s.client(r))
			key = "flash.comment_saved"
		case "resolve", "reopen":
			yes := action == "resolve"
			_, err = s.app.UpdateComment(ctx, u, cid, app.CommentPatch{Resolved: &yes}, s.client(r))
			key = map[bool]string{true: "flash.comment_resolved", false: "flash.comment_reopened"}[yes]
		case "delete":
			err = s.app.DeleteComment(ctx, u, cid, s.client(r))
			key = "flash.comment_deleted"
		}
		if err != nil {
			return err
		}
		s.applied(w, r, v.T(key), key, commentBack(r, ws, id), nil)
		return nil
	}
}

// pageCommentShare shares the item at comment level with a member a
// comment mentioned in vain.
func (s *Server) pageCommentShare(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	ws, id := r.PathValue("ws"), r.PathValue("id")
	if err := s.app.ShareAtComment(r.Context(), u, id, r.PostFormValue("user_id"), s.client(r)); err != nil {
		return err
	}
	s.applied(w, r, v.T("flash.comment_shared"), "flash.comment_shared", commentBack(r, ws, id), nil)
	return nil
}

// commentsCtx is what the comments template receives: the page's view
// and the panel.
type commentsCtx struct {
	*view
	P *commentsPanel
}

// CommentsOf gives the comments template the panel p.
func (v *view) CommentsOf(p *commentsPanel) commentsCtx { return commentsCtx{view: v, P: p} }

// commentCtx is what the template of one comment receives.
type commentCtx struct {
	*view
	P *commentsPanel
	R commentRow
}

// CommentCtx gives the template of one comment its row.
func (v *view) CommentCtx(p *commentsPanel, r commentRow) commentCtx {
	return commentCtx{view: v, P: p, R: r}
}

// CommentMailChoices are the mail preferences for comments, as the
// account page offers them.
func (v *view) CommentMailChoices() []string {
	return []string{troupe.CommentMailMentions, troupe.CommentMailAll, troupe.CommentMailNone}
}
