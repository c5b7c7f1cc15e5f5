package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/testkit"
	mediatools "troupe/internal/transcode"
	"troupe/internal/troupe"
)

// webhookEnv is an env whose webhooks may reach the test's own receivers
// (plain http on loopback) and retry within a fraction of a second.
func webhookEnv(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, engine := range testkit.Engines(t) {
		t.Run(engine.Name, func(t *testing.T) {
			fn(t, newEnvWith(t, engine, app.Config{MediaTools: mediatools.Find(), Webhooks: app.WebhookConfig{
				AllowHTTP: true, AllowPrivate: true, Retries: []time.Duration{100 * time.Millisecond, 100 * time.Millisecond}}}))
		})
	}
}

func (e *env) endpoint(t *testing.T, by troupe.User, ws string, r *testkit.Receiver, events ...string) app.Webhook {
	t.Helper()
	if events == nil {
		events = troupe.WebhookEvents
	}
	h, err := e.app.CreateWebhook(context.Background(), by, ws, app.WebhookInput{URL: r.URL, Events: events}, client)
	if err != nil {
		t.Fatal(err)
	}
	r.SetSecret(h.Secret)
	return h
}

// deliveries waits until the endpoint's deliveries satisfy ok.
func (e *env) deliveries(t *testing.T, by troupe.User, ws, id string, ok func([]troupe.WebhookDelivery) bool) []troupe.WebhookDelivery {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ds, err := e.app.ListWebhookDeliveries(context.Background(), by, ws, id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(ds) {
			return ds
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries never as expected: %+v", ds)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestWebhookManagement(t *testing.T) {
	webhookEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		r := testkit.StartReceiver(t)
		for _, u := range []troupe.User{tm.creator, tm.viewer} {
			_, err := e.app.CreateWebhook(ctx, u, tm.ws, app.WebhookInput{URL: r.URL, Events: []string{troupe.EventItemCreated}}, client)
			wantCode(t, err, troupe.CodeForbidden)
			_, err = e.app.ListWebhooks(ctx, u, tm.ws)
			wantCode(t, err, troupe.CodeForbidden)
		}
		outsider := e.user(t, "out@else.test")
		_, err := e.app.ListWebhooks(ctx, outsider, tm.ws)
		wantCode(t, err, troupe.CodeNotFound)
		_, err = e.app.CreateWebhook(ctx, tm.dev, tm.ws, app.WebhookInput{URL: "ftp://x.test", Events: []string{"item.created"}}, client)
		wantCode(t, err, troupe.CodeValidation)
		_, err = e.app.CreateWebhook(ctx, tm.dev, tm.ws, app.WebhookInput{URL: r.URL, Events: []string{"nope"}}, client)
		wantCode(t, err, troupe.CodeValidation)

		h := e.endpoint(t, tm.dev, tm.ws, r, troupe.EventItemCreated, troupe.EventItemCreated)
		if len(h.Secret) < 40 || h.Secret[:6] != "whsec_" || !slices.Equal(h.Events, []string{troupe.EventItemCreated}) || !h.Enabled {
			t.Fatalf("created %+v", h)
		}
		list, err := e.app.ListWebhooks(ctx, tm.admin, tm.ws)
		if err != nil || len(list) != 1 || list[0].URL != r.URL {
			t.Fatalf("list %+v %v", list, err)
		}
		off := false
		got, err := e.app.UpdateWebhook(ctx, tm.admin, tm.ws, h.ID, app.WebhookChange{Enabled: &off}, client)
		if err != nil || got.Enabled {
			t.Fatalf("disable: %+v %v", got, err)
		}
		// A disabled endpoint gets no event.
		e.folder(t, tm.creator, tm.ws, "", "Quiet")
		// The test event goes through all the same, to check an endpoint.
		d, err := e.app.SendTestWebhook(ctx, tm.dev, tm.ws, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		ev := r.WaitFor(troupe.EventWebhookTest, nil, 10*time.Second)
		if ev.ID != d.ID || ev.WorkspaceID != tm.ws || ev.Data["webhook_id"] != h.ID {
			t.Fatalf("test event %+v", ev)
		}
		if n := len(r.Events()); n != 1 {
			t.Fatalf("%d events reached a disabled endpoint", n)
		}
		if err := e.app.DeleteWebhook(ctx, tm.dev, tm.ws, h.ID, client); err != nil {
			t.Fatal(err)
		}
		_, err = e.app.ListWebhookDeliveries(ctx, tm.dev, tm.ws, h.ID)
		wantCode(t, err, troupe.CodeNotFound)
		entries, _, err := e.app.ListAudit(ctx, tm.admin, tm.ws, troupe.AuditFilter{Action: "webhook.", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, en := range entries {
			actions = append(actions, en.Action)
		}
		for _, a := range []string{"webhook.create", "webhook.update", "webhook.delete"} {
			if !slices.Contains(actions, a) {
				t.Errorf("audit lacks %s: %v", a, actions)
			}
		}
	})
}

// Events of real actions arrive signed, each once, with the workspace and
// the object.
func TestWebhookEventsFromActions(t *testing.T) {
	webhookEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		r := testkit.StartReceiver(t)
		e.endpoint(t, tm.admin, tm.ws, r)
		other := testkit.StartReceiver(t)
		e.endpoint(t, tm.admin, tm.ws, other, troupe.EventCommentCreated)

		secret := e.invite(t, tm.admin, tm.ws, "newbie@acme.test", troupe.RoleViewer)
		newbie := e.user(t, "newbie@acme.test")
		if _, err := e.app.AcceptInvitation(ctx, newbie, secret, client); err != nil {
			t.Fatal(err)
		}
		isNewbie := func(ev testkit.WebhookEvent) bool { return ev.Data["user_id"] == newbie.ID }
		r.WaitFor(troupe.EventMemberJoined, isNewbie, 10*time.Second)
		r.WaitFor(troupe.EventInvitationAccepted, isNewbie, 10*time.Second)
		if _, err := e.app.ChangeRole(ctx, tm.admin, tm.ws, newbie.ID, troupe.RoleCreator, client); err != nil {
			t.Fatal(err)
		}
		ev := r.WaitFor(troupe.EventMemberRoleChanged, isNewbie, 10*time.Second)
		if ev.Data["role"] != "creator" || ev.Data["previous_role"] != "viewer" {
			t.Fatalf("role change %+v", ev.Data)
		}
		if err := e.app.Leave(ctx, newbie, tm.ws, client); err != nil {
			t.Fatal(err)
		}
		r.WaitFor(troupe.EventMemberLeft, isNewbie, 10*time.Second)

		f := e.folder(t, tm.creator, tm.ws, "", "Briefs")
		isF := func(ev testkit.WebhookEvent) bool { return ev.Data["id"] == f.ID }
		if ev := r.WaitFor(troupe.EventItemCreated, isF, 10*time.Second); ev.Data["name"] != "Briefs" || ev.WorkspaceID != tm.ws {
			t.Fatalf("item.created %+v", ev)
		}
		if err := e.app.TrashItem(ctx, tm.creator, f.ID, client); err != nil {
			t.Fatal(err)
		}
		r.WaitFor(troupe.EventItemTrashed, isF, 10*time.Second)

		v := e.video(t, tm.admin, tm.ws, "Launch")
		isV := func(ev testkit.WebhookEvent) bool { return ev.Data["id"] == v.ID || ev.Data["item_id"] == v.ID }
		r.WaitFor(troupe.EventVideoProcessed, isV, 30*time.Second)
		slug, err := e.app.Publish(ctx, tm.admin, v.ID, client)
		if err != nil {
			t.Fatal(err)
		}
		if ev := r.WaitFor(troupe.EventVideoPublished, isV, 10*time.Second); ev.Data["slug"] != slug {
			t.Fatalf("published %+v", ev.Data)
		}
		if err := e.app.Unpublish(ctx, tm.admin, v.ID, client); err != nil {
			t.Fatal(err)
		}
		r.WaitFor(troupe.EventVideoUnpublished, isV, 10*time.Second)
		cm := e.comment(t, tm.admin, v.ID, app.CommentInput{Body: "Cut here", PositionMS: ms(1000)})
		isC := func(ev testkit.WebhookEvent) bool { return ev.Data["id"] == cm.ID }
		if ev := r.WaitFor(troupe.EventCommentCreated, isC, 10*time.Second); ev.Data["body"] != "Cut here" || ev.Data["item_id"] != v.ID {
			t.Fatalf("comment %+v", ev.Data)
		}
		other.WaitFor(troupe.EventCommentCreated, isC, 10*time.Second)
		if _, bad := r.Requests(); bad != 0 {
			t.Fatalf("%d requests were badly signed", bad)
		}
		// The other endpoint chose only comments.
		for _, ev := range other.Events() {
			if ev.Type != troupe.EventCommentCreated {
				t.Fatalf("an unsubscribed event arrived: %+v", ev)
			}
		}
		// Each event once, under its own id.
		seen := map[string]bool{}
		for _, ev := range r.Events() {
			if seen[ev.ID] {
				t.Fatalf("event %s arrived twice", ev.ID)
			}
			seen[ev.ID] = true
		}
	})
}

// A receiver that fails is tried again until it answers; a redelivery
// sends the same event, under the same id.
func TestWebhookRetryAndRedeliver(t *testing.T) {
	webhookEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		r := testkit.StartReceiver(t)
		h := e.endpoint(t, tm.dev, tm.ws, r, troupe.EventItemCreated)
		r.FailNext(2)
		f := e.folder(t, tm.dev, tm.ws, "", "Retried")
		ev := r.WaitFor(troupe.EventItemCreated, func(ev testkit.WebhookEvent) bool { return ev.Data["id"] == f.ID }, 10*time.Second)
		if n := r.Attempts(ev.ID); n != 3 {
			t.Fatalf("%d attempts, want 3", n)
		}
		ds := e.deliveries(t, tm.dev, tm.ws, h.ID, func(ds []troupe.WebhookDelivery) bool {
			return len(ds) == 1 && ds[0].Status == troupe.DeliverySucceeded
		})
		if d := ds[0]; d.ID != ev.ID || d.Attempts != 3 || d.ResponseStatus != 204 || d.NextAttemptAt != nil || d.LastAttemptAt == nil {
			t.Fatalf("delivery %+v", d)
		}
		if _, err := e.app.RedeliverWebhook(ctx, tm.dev, tm.ws, h.ID, ev.ID); err != nil {
			t.Fatal(err)
		}
		e.deliveries(t, tm.dev, tm.ws, h.ID, func(ds []troupe.WebhookDelivery) bool {
			return ds[0].Attempts == 4 && ds[0].Status == troupe.DeliverySucceeded
		})
		if n := r.Attempts(ev.ID); n != 4 {
			t.Fatalf("%d attempts after redelivery, want 4", n)
		}
		_, err := e.app.RedeliverWebhook(ctx, tm.dev, tm.ws, h.ID, "msg_nope")
		wantCode(t, err, troupe.CodeNotFound)

		// Past every retry, the delivery has failed, with what the
		// receiver said.
		r.FailNext(3)
		f2 := e.folder(t, tm.dev, tm.ws, "", "Lost")
		ds = e.deliveries(t, tm.dev, tm.ws, h.ID, func(ds []troupe.WebhookDelivery) bool {
			return len(ds) == 2 && ds[0].Status == troupe.DeliveryFailed
		})
		if d := ds[0]; d.Attempts != 3 || d.ResponseStatus != 500 || d.ResponseExcerpt == "" || d.NextAttemptAt != nil {
			t.Fatalf("failed delivery %+v (folder %s)", d, f2.ID)
		}
	})
}

// An endpoint that fails every attempt for three days is disabled, and
// its creator told in the panel and by mail.
func TestWebhookDisabledAfterThreeDaysOfFailures(t *testing.T) {
	webhookEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		r := testkit.StartReceiver(t)
		h := e.endpoint(t, tm.dev, tm.ws, r, troupe.EventItemCreated)
		r.FailNext(1 << 20)
		e.folder(t, tm.dev, tm.ws, "", "One")
		e.deliveries(t, tm.dev, tm.ws, h.ID, func(ds []troupe.WebhookDelivery) bool {
			return len(ds) == 1 && ds[0].Status == troupe.DeliveryFailed
		})
		if got, _ := e.app.GetWebhook(ctx, tm.dev, tm.ws, h.ID); !got.Enabled || got.FailingSince == nil {
			t.Fatalf("after a day of failures: %+v", got)
		}
		e.clock.Advance(3*24*time.Hour + time.Hour)
		e.folder(t, tm.dev, tm.ws, "", "Two")
		deadline := time.Now().Add(15 * time.Second)
		for {
			got, err := e.app.GetWebhook(ctx, tm.dev, tm.ws, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Enabled {
				if !got.AutoDisabled {
					t.Fatalf("disabled but not said why: %+v", got)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("never disabled: %+v", got)
			}
			time.Sleep(50 * time.Millisecond)
		}
		m := e.mail.WaitFor(t, tm.dev.Email, 10*time.Second)
		if m.Link(t, "/w/"+tm.ws+"/settings/webhooks") == "" {
			t.Fatal("the mail does not lead to the webhooks page")
		}
		notes, _, _, err := e.app.ListNotifications(ctx, tm.dev, "", 10)
		if err != nil || len(notes) == 0 || notes[0].Kind != app.NoteWebhookDisabled {
			t.Fatalf("notifications %+v %v", notes, err)
		}
		// Enabling it again forgets the failures.
		on := true
		got, err := e.app.UpdateWebhook(ctx, tm.dev, tm.ws, h.ID, app.WebhookChange{Enabled: &on}, client)
		if err != nil || !got.Enabled || got.AutoDisabled || got.FailingSince != nil {
			t.Fatalf("enabled again: %+v %v", got, err)
		}
	})
}

// An event about an item goes only to endpoints whose creator can see
// it: a Developer's endpoint hears nothing of a Creator's private folder,
// a Super Admin's hears of it.
func TestWebhookEventsFollowTheirCreatorsAccess(t *testing.T) {
	webhookEnv(t, func(t *testing.T, e *env) {
		tm := e.team(t)
		devs, admins := testkit.StartReceiver(t), testkit.StartReceiver(t)
		e.endpoint(t, tm.dev, tm.ws, devs, troupe.EventItemCreated)
		e.endpoint(t, tm.admin, tm.ws, admins, troupe.EventItemCreated)
		private := e.folder(t, tm.creator, tm.ws, "", "Private plans")
		mine := e.folder(t, tm.dev, tm.ws, "", "Dev notes")
		byID := func(id string) func(testkit.WebhookEvent) bool {
			return func(ev testkit.WebhookEvent) bool { return ev.Data["id"] == id }
		}
		admins.WaitFor(troupe.EventItemCreated, byID(private.ID), 10*time.Second)
		admins.WaitFor(troupe.EventItemCreated, byID(mine.ID), 10*time.Second)
		devs.WaitFor(troupe.EventItemCreated, byID(mine.ID), 10*time.Second)
		for _, ev := range devs.Events() {
			if ev.Data["id"] == private.ID {
				t.Fatalf("the Developer's endpoint heard of a folder its creator cannot see: %+v", ev)
			}
		}
	})
}

// Without TROUPE_WEBHOOKS_ALLOW_HTTP an endpoint must be https.
func TestWebhookNeedsHTTPS(t *testing.T) {
	for _, engine := range testkit.Engines(t) {
		t.Run(engine.Name, func(t *testing.T) {
			e := newEnvWith(t, engine, app.Config{MediaTools: mediatools.Find()})
			tm := e.team(t)
			ctx := context.Background()
			_, err := e.app.CreateWebhook(ctx, tm.dev, tm.ws, app.WebhookInput{URL: "http://hooks.example.com/t",
				Events: []string{troupe.EventItemCreated}}, client)
			wantCode(t, err, troupe.CodeValidation)
			if _, err := e.app.CreateWebhook(ctx, tm.dev, tm.ws, app.WebhookInput{URL: "https://hooks.example.com/t",
				Events: []string{troupe.EventItemCreated}}, client); err != nil {
				t.Fatal(err)
			}
		})
	}
}
