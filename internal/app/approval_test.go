package app_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/troupe"
)

// shares shares id with each user at their level, nobody else.
func shares(levels map[*troupe.User]string) app.SharingInput {
	in := app.SharingInput{General: "restricted"}
	for u, level := range levels {
		in.Shares = append(in.Shares, app.ShareInput{UserID: u.ID, Level: level})
	}
	return in
}

func (e *env) approvalStatus(t *testing.T, u troupe.User, id string) troupe.ApprovalStatus {
	t.Helper()
	it, err := e.app.GetItem(context.Background(), u, id)
	if err != nil {
		t.Fatal(err)
	}
	if it.Approval == nil || it.Approval.Status != it.ApprovalStatus {
		t.Fatalf("the item's approval %+v does not match its status %q", it.Approval, it.ApprovalStatus)
	}
	return it.ApprovalStatus
}

// actions lists the audit actions of the approval family, oldest first.
func (e *env) approvalActions(t *testing.T, admin troupe.User, ws string) []string {
	t.Helper()
	entries, _, err := e.app.ListAudit(context.Background(), admin, ws, troupe.AuditFilter{Action: "approval.", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, en := range entries {
		out = append(out, en.Action)
	}
	slices.Reverse(out)
	return out
}

// kinds lists the kinds of u's notifications about approval.
func (e *env) approvalNotes(t *testing.T, u troupe.User) []string {
	t.Helper()
	notes, _, _, err := e.app.ListNotifications(context.Background(), u, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range notes {
		if strings.HasPrefix(n.Kind, "approval_") {
			out = append(out, n.Kind)
		}
	}
	slices.Sort(out)
	return out
}

func (e *env) setApproval(t *testing.T, admin troupe.User, ws string, mode troupe.ApprovalMode, rule troupe.ApprovalRule) {
	t.Helper()
	allowed := troupe.PermAllowed
	if _, err := e.app.UpdateWorkspace(context.Background(), admin, ws, app.WorkspaceUpdate{Approval: &mode, ApprovalRule: &rule, Publishing: &allowed}, client); err != nil {
		t.Fatal(err)
	}
}

func TestApproval(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		d := e.draft(t, tm.creator, tm.ws, "", "Launch script")
		// dev edits, viewer comments, bo only views.
		e.share(t, tm.creator, d.ID, shares(map[*troupe.User]string{&tm.dev: "edit", &tm.viewer: "comment", &tm.bo: "view"}))
		ask := func(by troupe.User, reviewers ...troupe.User) error {
			ids := make([]string, len(reviewers))
			for i, r := range reviewers {
				ids[i] = r.ID
			}
			_, err := e.app.RequestApproval(ctx, by, d.ID, app.ApprovalRequest{Reviewers: ids, Message: "Please look <b>now</b>"}, client)
			return err
		}

		t.Run("only those who can edit may ask", func(t *testing.T) {
			wantCode(t, ask(tm.bo, tm.viewer), troupe.CodeForbidden)
			wantCode(t, ask(tm.viewer, tm.dev), troupe.CodeForbidden)
			if got := e.approvalStatus(t, tm.creator, d.ID); got != troupe.ApprovalNone {
				t.Fatalf("status %q after refused requests", got)
			}
		})

		t.Run("reviewers must be other members who can comment", func(t *testing.T) {
			outsider := e.user(t, "outsider@else.test")
			for name, reviewers := range map[string][]troupe.User{
				"none": nil, "the requester": {tm.creator}, "view only": {tm.bo}, "not a member": {outsider},
				"one of them invalid": {tm.viewer, tm.bo},
			} {
				err := ask(tm.creator, reviewers...)
				wantCode(t, err, troupe.CodeValidation)
				if f := err.(*troupe.Error).Fields; len(f) == 0 || f[0].Field != "reviewers" {
					t.Errorf("%s: fields %+v, want reviewers", name, f)
				}
			}
		})

		t.Run("one approval suffices by default", func(t *testing.T) {
			if err := ask(tm.creator, tm.viewer, tm.dev); err != nil {
				t.Fatal(err)
			}
			if got := e.approvalStatus(t, tm.creator, d.ID); got != troupe.ApprovalPending {
				t.Fatalf("status %q, want pending", got)
			}
			for _, u := range []troupe.User{tm.viewer, tm.dev} {
				if got := e.approvalNotes(t, u); !slices.Equal(got, []string{app.NoteApprovalRequested}) {
					t.Errorf("%s's notifications: %v", u.Email, got)
				}
				m := e.mail.WaitFor(t, u.Email, 10*time.Second)
				if !strings.Contains(m.Subject, "Launch script") || m.Link(t, "/w/"+tm.ws+"/items/"+d.ID) == "" {
					t.Errorf("mail to %s: %q", u.Email, m.Subject)
				}
				if strings.Contains(m.HTML, "<b>now</b>") {
					t.Errorf("the mail carries the message's markup")
				}
			}
			for _, u := range []troupe.User{tm.bo, tm.admin, tm.creator} {
				if got := e.approvalNotes(t, u); len(got) != 0 {
					t.Errorf("%s was told: %v", u.Email, got)
				}
			}
			// Someone who only views is not a reviewer, and may not decide.
			_, err := e.app.Decide(ctx, tm.bo, d.ID, troupe.DecisionApprove, "", client)
			wantCode(t, err, troupe.CodeForbidden)
			_, err = e.app.Decide(ctx, tm.viewer, d.ID, "maybe", "", client)
			wantCode(t, err, troupe.CodeValidation)

			v, err := e.app.Decide(ctx, tm.viewer, d.ID, troupe.DecisionRequestChanges, "The intro is <script>alert(1)</script>", client)
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != troupe.ApprovalChangesRequested || v.Mine == nil || v.Mine.Decision != troupe.DecisionRequestChanges {
				t.Fatalf("after a request for changes: %+v", v)
			}
			if got := e.approvalNotes(t, tm.creator); !slices.Equal(got, []string{app.NoteApprovalChanges}) {
				t.Errorf("requester's notifications: %v", got)
			}
			if _, err := e.app.Decide(ctx, tm.dev, d.ID, troupe.DecisionApprove, "", client); err != nil {
				t.Fatal(err)
			}
			if got := e.approvalStatus(t, tm.creator, d.ID); got != troupe.ApprovalApproved {
				t.Fatalf("status %q, want approved", got)
			}
			// An approved request is closed.
			_, err = e.app.Decide(ctx, tm.viewer, d.ID, troupe.DecisionApprove, "", client)
			wantCode(t, err, troupe.CodeConflict)
			if got := e.approvalNotes(t, tm.creator); !slices.Equal(got, []string{app.NoteApprovalApproved, app.NoteApprovalChanges}) {
				t.Errorf("requester's notifications: %v", got)
			}
		})

		t.Run("an edit of the draft's text resets it", func(t *testing.T) {
			same := d.Script
			if _, err := e.app.UpdateItem(ctx, tm.dev, d.ID, app.ItemPatch{Script: &same}, client); err != nil {
				t.Fatal(err)
			}
			if got := e.approvalStatus(t, tm.creator, d.ID); got != troupe.ApprovalApproved {
				t.Fatalf("saving the same text reset it: %q", got)
			}
			script := "A new script"
			if _, err := e.app.UpdateItem(ctx, tm.dev, d.ID, app.ItemPatch{Script: &script}, client); err != nil {
				t.Fatal(err)
			}
			if got := e.approvalStatus(t, tm.creator, d.ID); got != troupe.ApprovalNone {
				t.Fatalf("status %q after an edit, want none", got)
			}
		})

		t.Run("with the rule all, every reviewer must approve", func(t *testing.T) {
			e.setApproval(t, tm.admin, tm.ws, troupe.ApprovalOff, troupe.ApprovalAll)
			if err := ask(tm.dev, tm.viewer, tm.creator); err != nil {
				t.Fatal(err)
			}
			steps := []struct {
				who  troupe.User
				d    troupe.Decision
				want troupe.ApprovalStatus
			}{
				{tm.creator, troupe.DecisionApprove, troupe.ApprovalPending},
				{tm.viewer, troupe.DecisionRequestChanges, troupe.ApprovalChangesRequested},
				{tm.viewer, troupe.DecisionApprove, troupe.ApprovalApproved},
			}
			for _, s := range steps {
				v, err := e.app.Decide(ctx, s.who, d.ID, s.d, "", client)
				if err != nil {
					t.Fatal(err)
				}
				if v.Status != s.want {
					t.Fatalf("%s %s: status %q, want %q", s.who.Email, s.d, v.Status, s.want)
				}
			}
		})

		t.Run("a reviewer who loses access can no longer decide", func(t *testing.T) {
			if err := ask(tm.creator, tm.viewer, tm.dev); err != nil {
				t.Fatal(err)
			}
			e.share(t, tm.creator, d.ID, shares(map[*troupe.User]string{&tm.dev: "edit", &tm.viewer: "view"}))
			_, err := e.app.Decide(ctx, tm.viewer, d.ID, troupe.DecisionApprove, "", client)
			wantCode(t, err, troupe.CodeForbidden)
			e.share(t, tm.creator, d.ID, shares(map[*troupe.User]string{&tm.dev: "edit"}))
			_, err = e.app.Decide(ctx, tm.viewer, d.ID, troupe.DecisionApprove, "", client)
			wantCode(t, err, troupe.CodeNotFound)
		})

		t.Run("the requester, editors and Super Admins may withdraw", func(t *testing.T) {
			e.share(t, tm.creator, d.ID, shares(map[*troupe.User]string{&tm.dev: "edit", &tm.viewer: "comment", &tm.bo: "view"}))
			wantCode(t, e.app.WithdrawApproval(ctx, tm.viewer, d.ID, client), troupe.CodeForbidden)
			wantCode(t, e.app.WithdrawApproval(ctx, tm.bo, d.ID, client), troupe.CodeForbidden)
			if err := e.app.WithdrawApproval(ctx, tm.admin, d.ID, client); err != nil {
				t.Fatal(err)
			}
			if got := e.approvalStatus(t, tm.creator, d.ID); got != troupe.ApprovalNone {
				t.Fatalf("status %q after withdrawing, want none", got)
			}
			if err := e.app.WithdrawApproval(ctx, tm.admin, d.ID, client); err != nil {
				t.Fatalf("withdrawing nothing: %v", err)
			}
			wantCode(t, e.app.WithdrawApproval(ctx, tm.bo, d.ID, client), troupe.CodeForbidden)
		})

		t.Run("requests, decisions, withdrawals and resets are audited", func(t *testing.T) {
			want := []string{"approval.request", "approval.request_changes", "approval.approve", "approval.reset",
				"approval.request", "approval.approve", "approval.request_changes", "approval.approve",
				"approval.request", "approval.withdraw"}
			if got := e.approvalActions(t, tm.admin, tm.ws); !slices.Equal(got, want) {
				t.Errorf("audit:\n got %v\nwant %v", got, want)
			}
		})
	})
}

func TestApprovalGate(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		newVideo := func(name string) app.ItemView {
			v, err := e.app.CreateMedia(ctx, tm.creator, tm.ws, app.NewMedia{Kind: troupe.KindVideo, Name: name, Filename: "clip.mp4",
				File: bytes.NewReader(mp4Head)}, client)
			if err != nil {
				t.Fatal(err)
			}
			e.share(t, tm.creator, v.ID, shares(map[*troupe.User]string{&tm.dev: "edit", &tm.viewer: "comment"}))
			return v
		}
		before := newVideo("Published before")
		e.setApproval(t, tm.admin, tm.ws, troupe.ApprovalOff, troupe.ApprovalAny)
		oldSlug, err := e.app.Publish(ctx, tm.creator, before.ID, client)
		if err != nil {
			t.Fatal(err)
		}
		e.setApproval(t, tm.admin, tm.ws, troupe.ApprovalRequired, troupe.ApprovalAny)

		t.Run("videos published before stay published", func(t *testing.T) {
			if _, err := e.app.PublicVideo(ctx, oldSlug, ""); err != nil {
				t.Fatal(err)
			}
			// ... but their file is not downloaded from the public page.
			_, _, err := e.app.OpenPublicMedia(ctx, oldSlug, "", false, true, app.WholeFile)
			wantCode(t, err, troupe.CodeApprovalRequired)
			f, _, err := e.app.OpenPublicMedia(ctx, oldSlug, "", false, false, app.WholeFile)
			if err != nil {
				t.Fatalf("playing: %v", err)
			}
			f.Close()
		})

		v := newVideo("Not approved")
		t.Run("an unapproved video is neither published nor downloaded", func(t *testing.T) {
			_, err := e.app.Publish(ctx, tm.creator, v.ID, client)
			wantCode(t, err, troupe.CodeApprovalRequired)
			for _, u := range []troupe.User{tm.creator, tm.dev, tm.viewer} {
				_, err = e.app.OpenVideoFile(ctx, u, v.ID, true, app.WholeFile)
				wantCode(t, err, troupe.CodeApprovalRequired)
				f, err := e.app.OpenVideoFile(ctx, u, v.ID, false, app.WholeFile)
				if err != nil {
					t.Fatalf("%s plays: %v", u.Email, err)
				}
				f.Close()
			}
			f, err := e.app.OpenVideoFile(ctx, tm.admin, v.ID, true, app.WholeFile)
			if err != nil {
				t.Fatalf("a Super Admin downloads: %v", err)
			}
			f.Close()
			page, err := e.app.GetVideoPage(ctx, tm.creator, v.ID)
			if err != nil || !page.ApprovalMissing || page.PublishOverride || page.CanDownload {
				t.Fatalf("creator's page: %+v, %v", page, err)
			}
			page, err = e.app.GetVideoPage(ctx, tm.admin, v.ID)
			if err != nil || !page.ApprovalMissing || !page.PublishOverride || !page.CanDownload {
				t.Fatalf("Super Admin's page: %+v, %v", page, err)
			}
		})

		t.Run("a Super Admin publishes anyway, audited", func(t *testing.T) {
			if _, err := e.app.Publish(ctx, tm.admin, v.ID, client); err != nil {
				t.Fatal(err)
			}
			got := e.approvalActions(t, tm.admin, tm.ws)
			if !slices.Equal(got, []string{"approval.override"}) {
				t.Fatalf("audit: %v", got)
			}
		})

		t.Run("an approved video goes out", func(t *testing.T) {
			w := newVideo("Approved")
			if _, err := e.app.RequestApproval(ctx, tm.creator, w.ID, app.ApprovalRequest{Reviewers: []string{tm.viewer.ID}}, client); err != nil {
				t.Fatal(err)
			}
			_, err := e.app.Publish(ctx, tm.creator, w.ID, client)
			wantCode(t, err, troupe.CodeApprovalRequired)
			if _, err := e.app.Decide(ctx, tm.viewer, w.ID, troupe.DecisionApprove, "Good", client); err != nil {
				t.Fatal(err)
			}
			slug, err := e.app.Publish(ctx, tm.creator, w.ID, client)
			if err != nil {
				t.Fatal(err)
			}
			f, err := e.app.OpenVideoFile(ctx, tm.dev, w.ID, true, app.WholeFile)
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
			f, _, err = e.app.OpenPublicMedia(ctx, slug, "", false, true, app.WholeFile)
			if err != nil {
				t.Fatalf("public download: %v", err)
			}
			f.Close()
			// A withdrawal takes the approval back at once, on the public
			// page too.
			if err := e.app.WithdrawApproval(ctx, tm.creator, w.ID, client); err != nil {
				t.Fatal(err)
			}
			_, _, err = e.app.OpenPublicMedia(ctx, slug, "", false, true, app.WholeFile)
			wantCode(t, err, troupe.CodeApprovalRequired)
		})
	})
}
