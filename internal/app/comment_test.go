package app_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

func (e *env) video(t testing.TB, owner troupe.User, ws, name string) app.ItemView {
	t.Helper()
	v, err := e.app.CreateMedia(context.Background(), owner, ws, app.NewMedia{Kind: troupe.KindVideo, Name: name, Filename: "clip.mp4",
		File: bytes.NewReader(mp4Head)}, client)
	if err != nil {
		t.Fatal(err)
	}
	// A known duration, whatever the tools made of the clip.
	err = e.db.Tx(context.Background(), func(tx *store.Tx) error {
		return tx.Exec(context.Background(), `UPDATE items SET duration_ms = 120000 WHERE id = ?`, v.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func ms(n int64) *int64 { return &n }

func (e *env) comment(t *testing.T, by troupe.User, itemID string, in app.CommentInput) app.PostedComment {
	t.Helper()
	c, err := e.app.AddComment(context.Background(), by, itemID, in, client)
	if err != nil {
		t.Fatalf("comment by %s: %v", by.Email, err)
	}
	return c
}

func TestCommentPermissions(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		vid := e.video(t, tm.creator, tm.ws, "Launch")
		e.share(t, tm.creator, vid.ID, shareWith("view", tm.viewer, tm.dev))

		t.Run("viewer with a view share reads but may not comment", func(t *testing.T) {
			if _, err := e.app.ListComments(ctx, tm.viewer, vid.ID, troupe.CommentFilter{}); err != nil {
				t.Fatal(err)
			}
			_, err := e.app.AddComment(ctx, tm.viewer, vid.ID, app.CommentInput{Body: "hi"}, client)
			wantCode(t, err, troupe.CodeForbidden)
		})
		t.Run("someone without access gets not_found", func(t *testing.T) {
			_, err := e.app.ListComments(ctx, tm.bo, vid.ID, troupe.CommentFilter{})
			wantCode(t, err, troupe.CodeNotFound)
			_, err = e.app.AddComment(ctx, tm.bo, vid.ID, app.CommentInput{Body: "hi"}, client)
			wantCode(t, err, troupe.CodeNotFound)
		})
		e.share(t, tm.creator, vid.ID, shareWith("comment", tm.viewer, tm.dev))
		var first app.PostedComment
		t.Run("viewer with a comment share comments", func(t *testing.T) {
			first = e.comment(t, tm.viewer, vid.ID, app.CommentInput{Body: "  Nice cut  ", PositionMS: ms(83000)})
			if first.Body != "Nice cut" || *first.PositionMS != 83000 || !first.CanEdit || !first.CanDelete || !first.CanResolve {
				t.Fatalf("posted %+v", first)
			}
		})
		t.Run("only the author edits", func(t *testing.T) {
			body := "Changed"
			_, err := e.app.UpdateComment(ctx, tm.dev, first.ID, app.CommentPatch{Body: &body}, client)
			wantCode(t, err, troupe.CodeForbidden)
			got, err := e.app.UpdateComment(ctx, tm.viewer, first.ID, app.CommentPatch{Body: &body}, client)
			if err != nil || got.Body != "Changed" || got.EditedAt == nil {
				t.Fatalf("edit: %+v %v", got, err)
			}
		})
		t.Run("an author who lost comment access cannot edit", func(t *testing.T) {
			e.share(t, tm.creator, vid.ID, shareWith("view", tm.viewer, tm.dev))
			body := "Again"
			_, err := e.app.UpdateComment(ctx, tm.viewer, first.ID, app.CommentPatch{Body: &body}, client)
			wantCode(t, err, troupe.CodeForbidden)
			e.share(t, tm.creator, vid.ID, shareWith("comment", tm.viewer, tm.dev))
		})
		t.Run("deleting: the author or a Super Admin", func(t *testing.T) {
			c := e.comment(t, tm.dev, vid.ID, app.CommentInput{Body: "mine"})
			wantCode(t, e.app.DeleteComment(ctx, tm.viewer, c.ID, client), troupe.CodeForbidden)
			wantCode(t, e.app.DeleteComment(ctx, tm.creator, c.ID, client), troupe.CodeForbidden) // the owner is no moderator
			if err := e.app.DeleteComment(ctx, tm.admin, c.ID, client); err != nil {
				t.Fatal(err)
			}
			wantCode(t, e.app.DeleteComment(ctx, tm.admin, c.ID, client), troupe.CodeNotFound)
			c = e.comment(t, tm.dev, vid.ID, app.CommentInput{Body: "mine again"})
			if err := e.app.DeleteComment(ctx, tm.dev, c.ID, client); err != nil {
				t.Fatal(err)
			}
			entries, _, err := e.app.ListAudit(ctx, tm.admin, tm.ws, troupe.AuditFilter{Action: "item.comment_delete"})
			if err != nil || len(entries) != 1 || entries[0].Detail != "dev@acme.test" {
				t.Fatalf("audit %+v %v", entries, err)
			}
		})
		t.Run("outsiders cannot touch a comment", func(t *testing.T) {
			body := "x"
			_, err := e.app.UpdateComment(ctx, tm.bo, first.ID, app.CommentPatch{Body: &body}, client)
			wantCode(t, err, troupe.CodeNotFound)
			wantCode(t, e.app.DeleteComment(ctx, tm.bo, first.ID, client), troupe.CodeNotFound)
		})
		t.Run("trashing the item hides its comments", func(t *testing.T) {
			if err := e.app.TrashItem(ctx, tm.creator, vid.ID, client); err != nil {
				t.Fatal(err)
			}
			_, err := e.app.ListComments(ctx, tm.creator, vid.ID, troupe.CommentFilter{})
			wantCode(t, err, troupe.CodeNotFound)
			if _, err := e.app.RestoreItem(ctx, tm.creator, vid.ID, client); err != nil {
				t.Fatal(err)
			}
			l, err := e.app.ListComments(ctx, tm.viewer, vid.ID, troupe.CommentFilter{})
			if err != nil || len(l.Comments) != 1 {
				t.Fatalf("after restore: %+v %v", l.Comments, err)
			}
		})
	})
}

func TestCommentValidation(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		vid := e.video(t, tm.creator, tm.ws, "Launch")
		draft := e.draft(t, tm.creator, tm.ws, "", "Script")
		folder := e.folder(t, tm.creator, tm.ws, "", "Q3")
		top := e.comment(t, tm.creator, vid.ID, app.CommentInput{Body: "top", PositionMS: ms(1000), EndMS: ms(2000)})
		reply := e.comment(t, tm.creator, vid.ID, app.CommentInput{Body: "reply", ParentID: top.ID})
		other := e.comment(t, tm.creator, draft.ID, app.CommentInput{Body: "on the draft"})
		long := strings.Repeat("é", troupe.MaxCommentBody+1)
		for _, c := range []struct {
			name, item string
			in         app.CommentInput
			field      string
		}{
			{"empty body", vid.ID, app.CommentInput{Body: " \n "}, "body"},
			{"too long", vid.ID, app.CommentInput{Body: long}, "body"},
			{"control characters", vid.ID, app.CommentInput{Body: "a\x07b"}, "body"},
			{"folders have no comments", folder.ID, app.CommentInput{Body: "x"}, "item"},
			{"a time on a draft", draft.ID, app.CommentInput{Body: "x", PositionMS: ms(10)}, "position_ms"},
			{"a negative time", vid.ID, app.CommentInput{Body: "x", PositionMS: ms(-1)}, "position_ms"},
			{"past the end", vid.ID, app.CommentInput{Body: "x", PositionMS: ms(120001)}, "position_ms"},
			{"an end before the start", vid.ID, app.CommentInput{Body: "x", PositionMS: ms(5000), EndMS: ms(5000)}, "end_ms"},
			{"an end past the video", vid.ID, app.CommentInput{Body: "x", PositionMS: ms(5000), EndMS: ms(130000)}, "end_ms"},
			{"an end without a start", vid.ID, app.CommentInput{Body: "x", EndMS: ms(5000)}, "position_ms"},
			{"a reply to a reply", vid.ID, app.CommentInput{Body: "x", ParentID: reply.ID}, "parent_id"},
			{"a reply on another item", vid.ID, app.CommentInput{Body: "x", ParentID: other.ID}, "parent_id"},
			{"a reply to nothing", vid.ID, app.CommentInput{Body: "x", ParentID: "nope"}, "parent_id"},
			{"a reply with a time", vid.ID, app.CommentInput{Body: "x", ParentID: top.ID, PositionMS: ms(5)}, "position_ms"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := e.app.AddComment(ctx, tm.creator, c.item, c.in, client)
				wantCode(t, err, troupe.CodeValidation)
				pe, _ := troupe.AsError(err)
				if len(pe.Fields) == 0 || pe.Fields[0].Field != c.field {
					t.Fatalf("fields %+v, want %s", pe.Fields, c.field)
				}
			})
		}
		t.Run("line breaks stay", func(t *testing.T) {
			c := e.comment(t, tm.creator, draft.ID, app.CommentInput{Body: "one\r\ntwo"})
			if c.Body != "one\ntwo" {
				t.Fatalf("body %q", c.Body)
			}
		})
		t.Run("replies cannot be resolved on their own", func(t *testing.T) {
			yes := true
			_, err := e.app.UpdateComment(ctx, tm.creator, reply.ID, app.CommentPatch{Resolved: &yes}, client)
			wantCode(t, err, troupe.CodeValidation)
		})
	})
}

func TestCommentThreadsAndPaging(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		vid := e.video(t, tm.creator, tm.ws, "Launch")
		// Threads posted out of time order; the list follows the video.
		var want []string
		for _, at := range []int64{50, 10, 30, 20, 40, 10} {
			c := e.comment(t, tm.creator, vid.ID, app.CommentInput{Body: fmt.Sprintf("at %d", at), PositionMS: ms(at * 1000)})
			e.comment(t, tm.creator, vid.ID, app.CommentInput{Body: "re " + c.Body, ParentID: c.ID})
			_ = c
		}
		want = []string{"at 10", "re at 10", "at 10", "re at 10", "at 20", "re at 20", "at 30", "re at 30", "at 40", "re at 40", "at 50", "re at 50"}
		var got []string
		cursor := ""
		pages := 0
		for {
			l, err := e.app.ListComments(ctx, tm.creator, vid.ID, troupe.CommentFilter{Limit: 4, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, c := range l.Comments {
				got = append(got, c.Body)
			}
			if cursor = l.Next; cursor == "" {
				break
			}
		}
		if !slices.Equal(got, want) || pages != 2 {
			t.Fatalf("listed %q in %d pages, want %q", got, pages, want)
		}
		t.Run("resolve and reopen; the filter leaves resolved threads out", func(t *testing.T) {
			l, _ := e.app.ListComments(ctx, tm.creator, vid.ID, troupe.CommentFilter{})
			yes, no := true, false
			target := l.Comments[4] // "at 20"
			if _, err := e.app.UpdateComment(ctx, tm.creator, target.ID, app.CommentPatch{Resolved: &yes}, client); err != nil {
				t.Fatal(err)
			}
			open, _ := e.app.ListComments(ctx, tm.creator, vid.ID, troupe.CommentFilter{OpenOnly: true})
			all, _ := e.app.ListComments(ctx, tm.creator, vid.ID, troupe.CommentFilter{})
			if len(open.Comments) != 10 || len(all.Comments) != 12 || !all.Comments[4].Resolved() || !all.Comments[5].Resolved() {
				t.Fatalf("open %d all %d", len(open.Comments), len(all.Comments))
			}
			if _, err := e.app.UpdateComment(ctx, tm.creator, target.ID, app.CommentPatch{Resolved: &no}, client); err != nil {
				t.Fatal(err)
			}
			open, _ = e.app.ListComments(ctx, tm.creator, vid.ID, troupe.CommentFilter{OpenOnly: true})
			if len(open.Comments) != 12 {
				t.Fatalf("after reopening: %d", len(open.Comments))
			}
		})
		t.Run("deleting a thread's first comment deletes its replies", func(t *testing.T) {
			l, _ := e.app.ListComments(ctx, tm.creator, vid.ID, troupe.CommentFilter{})
			if err := e.app.DeleteComment(ctx, tm.creator, l.Comments[0].ID, client); err != nil {
				t.Fatal(err)
			}
			l, _ = e.app.ListComments(ctx, tm.creator, vid.ID, troupe.CommentFilter{})
			if len(l.Comments) != 10 {
				t.Fatalf("%d comments left", len(l.Comments))
			}
		})
		t.Run("a bad cursor is refused", func(t *testing.T) {
			_, err := e.app.ListComments(ctx, tm.creator, vid.ID, troupe.CommentFilter{Cursor: "!!"})
			wantCode(t, err, troupe.CodeValidation)
		})
		t.Run("drafts list by creation", func(t *testing.T) {
			d := e.draft(t, tm.creator, tm.ws, "", "Script")
			for _, b := range []string{"one", "two", "three"} {
				e.comment(t, tm.creator, d.ID, app.CommentInput{Body: b})
			}
			l, _ := e.app.ListComments(ctx, tm.creator, d.ID, troupe.CommentFilter{Limit: 2})
			l2, _ := e.app.ListComments(ctx, tm.creator, d.ID, troupe.CommentFilter{Limit: 2, Cursor: l.Next})
			if len(l.Comments) != 2 || l.Comments[0].Body != "one" || len(l2.Comments) != 1 || l2.Comments[0].Body != "three" {
				t.Fatalf("%+v %+v", l.Comments, l2.Comments)
			}
		})
	})
}

// notesOf lists u's notifications about comments.
func notesOf(t *testing.T, e *env, u troupe.User) []troupe.Notification {
	t.Helper()
	items, _, _, err := e.app.ListNotifications(context.Background(), u, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(items, func(n troupe.Notification) bool { return !strings.HasPrefix(n.Kind, "comment_") })
}

func kindsOf(notes []troupe.Notification) []string {
	var out []string
	for _, n := range notes {
		out = append(out, n.Kind)
	}
	slices.Sort(out)
	return out
}

func TestCommentMentionsAndNotifications(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		tm := e.team(t)
		vid := e.video(t, tm.creator, tm.ws, "Launch")
		e.share(t, tm.creator, vid.ID, shareWith("comment", tm.dev, tm.viewer))

		// The viewer (no right to share) mentions the dev (who sees the
		// video), bo (a member who does not) and a stranger.
		c := e.comment(t, tm.viewer, vid.ID, app.CommentInput{Body: "@dev@acme.test and @BO@acme.test, and @nobody@else.test: look", PositionMS: ms(83500)})
		if !slices.Equal(c.Mentions, []string{tm.dev.ID}) {
			t.Fatalf("mentions %v", c.Mentions)
		}
		if len(c.Unreachable) != 0 {
			t.Fatalf("a member who cannot share learnt %v", c.Unreachable)
		}
		if got := kindsOf(notesOf(t, e, tm.dev)); !slices.Equal(got, []string{app.NoteCommentMention}) {
			t.Fatalf("dev notified %v", got)
		}
		if got := notesOf(t, e, tm.bo); len(got) != 0 {
			t.Fatalf("someone who cannot see the video was notified: %v", kindsOf(got))
		}
		owner := notesOf(t, e, tm.creator)
		if got := kindsOf(owner); !slices.Equal(got, []string{app.NoteCommentOnItem}) {
			t.Fatalf("owner notified %v", got)
		}
		if !strings.Contains(owner[0].Data, "c="+c.ID+`\u0026t=83`) {
			t.Fatalf("the notification does not lead to the time: %s", owner[0].Data)
		}

		t.Run("an author who may share learns whom the video is hidden from", func(t *testing.T) {
			c := e.comment(t, tm.creator, vid.ID, app.CommentInput{Body: "cc @bo@acme.test @nobody@else.test"})
			if len(c.Unreachable) != 1 || c.Unreachable[0].ID != tm.bo.ID {
				t.Fatalf("unreachable %+v", c.Unreachable)
			}
		})
		t.Run("a reply notifies the author of the thread", func(t *testing.T) {
			e.comment(t, tm.dev, vid.ID, app.CommentInput{Body: "agreed", ParentID: c.ID})
			got := kindsOf(notesOf(t, e, tm.viewer))
			if !slices.Equal(got, []string{app.NoteCommentReply}) {
				t.Fatalf("viewer notified %v", got)
			}
		})
		t.Run("someone who lost access is not notified of replies", func(t *testing.T) {
			e.share(t, tm.creator, vid.ID, shareWith("comment", tm.dev))
			e.comment(t, tm.dev, vid.ID, app.CommentInput{Body: "again", ParentID: c.ID})
			if got := notesOf(t, e, tm.viewer); len(got) != 1 {
				t.Fatalf("viewer notified %v", kindsOf(got))
			}
		})
	})
}

func TestCommentMailPreference(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		vid := e.video(t, tm.creator, tm.ws, "Launch")
		e.share(t, tm.creator, vid.ID, app.SharingInput{General: "workspace", WorkspaceLevel: "comment"})
		set := func(u troupe.User, pref string) {
			if _, _, err := e.app.UpdateProfile(ctx, u, app.ProfileUpdate{CommentMail: &pref}, client); err != nil {
				t.Fatal(err)
			}
		}
		bad := "often"
		_, _, err := e.app.UpdateProfile(ctx, tm.dev, app.ProfileUpdate{CommentMail: &bad}, client)
		wantCode(t, err, troupe.CodeValidation)
		set(tm.dev, "none")
		set(tm.viewer, "all")
		// bo keeps the default, mentions.

		// Each is mentioned once (direct) and has a thread replied to (not direct).
		for _, u := range []troupe.User{tm.dev, tm.viewer, tm.bo} {
			top := e.comment(t, u, vid.ID, app.CommentInput{Body: "mine"})
			e.comment(t, tm.admin, vid.ID, app.CommentInput{Body: "reply <script>alert(1)</script>", ParentID: top.ID})
			e.comment(t, tm.admin, vid.ID, app.CommentInput{Body: "hey @" + u.Email + ` "><img src=x onerror=alert(1)>`})
		}
		m := e.mail.WaitFor(t, tm.viewer.Email, 10*time.Second)
		m2 := e.mail.WaitFor(t, tm.viewer.Email, 10*time.Second)
		mention := e.mail.WaitFor(t, tm.bo.Email, 10*time.Second)
		for _, m := range []struct{ html, text string }{{m.HTML, m.Text}, {m2.HTML, m2.Text}, {mention.HTML, mention.Text}} {
			if strings.Contains(m.html, "<script>") || strings.Contains(m.html, "<img") {
				t.Fatalf("the mail's HTML carries markup from the comment:\n%s", m.html)
			}
			if !strings.Contains(m.text, "/items/"+vid.ID) {
				t.Fatalf("no link to the item:\n%s", m.text)
			}
		}
		if !strings.Contains(mention.HTML, "&lt;img") {
			t.Fatalf("the mention is not in the mail, escaped:\n%s", mention.HTML)
		}
		// Let the queue run dry before counting what did not come.
		time.Sleep(time.Second)
		if n := e.mail.Count(tm.dev.Email); n != 0 {
			t.Fatalf("none: %d mails", n)
		}
		if n := e.mail.Count(tm.bo.Email); n != 1 {
			t.Fatalf("mentions: %d mails", n)
		}
		if n := e.mail.Count(tm.viewer.Email); n != 2 {
			t.Fatalf("all: %d mails", n)
		}

		// An approval request is asked by name: mailed unless the setting
		// is none, told in the panel whatever it is.
		if _, err := e.app.RequestApproval(ctx, tm.creator, vid.ID, app.ApprovalRequest{Reviewers: []string{tm.dev.ID, tm.bo.ID}}, client); err != nil {
			t.Fatal(err)
		}
		e.mail.WaitFor(t, tm.bo.Email, 10*time.Second)
		time.Sleep(time.Second)
		if n := e.mail.Count(tm.dev.Email); n != 0 {
			t.Fatalf("none: an approval request was mailed")
		}
		if n := e.mail.Count(tm.bo.Email); n != 2 {
			t.Fatalf("mentions: %d mails after an approval request", n)
		}
		notes, _, _, err := e.app.ListNotifications(ctx, tm.dev, "", 50)
		if err != nil || !slices.ContainsFunc(notes, func(n troupe.Notification) bool { return n.Kind == app.NoteApprovalRequested }) {
			t.Fatalf("the panel does not tell of the request: %v %v", notes, err)
		}
	})
}
