package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

type notificationJSON struct {
	ID          string          `json:"id"`
	Kind        string          `json:"kind"`
	WorkspaceID string          `json:"workspace_id"`
	SubjectID   string          `json:"subject_id"`
	Data        json.RawMessage `json:"data"`
	CreatedAt   time.Time       `json:"created_at"`
	Read        bool            `json:"read"`
}

func (s *Server) handleNotificationList(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	items, next, unread, err := s.app.ListNotifications(r.Context(), u, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	out := struct {
		list[notificationJSON]
		Unread int `json:"unread"`
	}{list: list[notificationJSON]{Items: make([]notificationJSON, 0, len(items)), NextCursor: next}, Unread: unread}
	for _, n := range items {
		out.Items = append(out.Items, notificationJSON{ID: n.ID, Kind: n.Kind, WorkspaceID: n.WorkspaceID, SubjectID: n.SubjectID,
			Data: json.RawMessage(n.Data), CreatedAt: n.CreatedAt, Read: n.ReadAt != nil})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleNotificationRead(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.MarkRead(r.Context(), u, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleNotificationReadAll(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.MarkAllRead(r.Context(), u); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleNotificationStream sends server-sent events: "unread" with the
// unread count at once and whenever it changes, and a comment every 25
// seconds to keep proxies from closing the connection.
func (s *Server) handleNotificationStream(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	flusher, ok := w.(http.Flusher)
	if !ok {
		return troupe.Errorf(troupe.CodeInternal, "streaming is not supported here")
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.streams, cancel) // server shutdown ends streams
	defer stop()
	signals := s.app.WatchNotifications(ctx, u)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	last := -1
	send := func() error {
		n, err := s.app.UnreadCount(ctx, u)
		if err != nil {
			return err
		}
		if n != last {
			last = n
			fmt.Fprintf(w, "event: unread\ndata: {\"unread\":%d}\n\n", n)
			flusher.Flush()
		}
		return nil
	}
	if err := send(); err != nil {
		return nil
	}
	keepAlive := time.NewTicker(25 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-signals:
			if err := send(); err != nil {
				return nil
			}
		case <-keepAlive.C:
			fmt.Fprint(w, ": keep-alive\n\n")
			flusher.Flush()
		}
	}
}

// --- Notifications ------------------------------------------------------------

// notesView is the bell's badge and list.
type notesView struct {
	Unread  int
	Items   []noteView
	NextURL string
	// Back is where the panel's forms return to.
	Back string
}

// noteView is one notification as a sentence with where it leads.
type noteView struct {
	ID, Text, Target string
	Unread           bool
	At               time.Time
	// Request is set on join requests the user may still decide.
	Request *noteRequest
}

type noteRequest struct {
	WorkspaceID, ID, Name string
	Grantable             []troupe.Role
}

// panelSize is how many notifications the bell's panel lists.
const panelSize = 8

// fillNotifications gives the bell its badge and latest notifications. A
// failure only leaves the bell empty; the page itself still answers.
func (s *Server) fillNotifications(r *http.Request, u troupe.User, v *view) {
	items, _, unread, err := s.app.ListNotifications(r.Context(), u, "", panelSize)
	if err != nil {
		s.log.WarnContext(r.Context(), "list notifications for the bell", "request_id", state(r).id, "err", err)
		return
	}
	v.Notes = v.notes(items, unread, r.URL.RequestURI())
}

// notes turns the app's notifications into sentences in the page's
// language.
func (v *view) notes(items []troupe.Notification, unread int, back string) *notesView {
	n := &notesView{Unread: unread, Back: back}
	for _, it := range items {
		n.Items = append(n.Items, v.note(it))
	}
	return n
}

// noteTargets says which page each kind of notification opens.
var noteTargets = map[string]func(ws string) string{
	app.NoteJoinRequest:        paths.JoinRequests,
	app.NoteInvitationAccepted: paths.Members,
	app.NoteRequestApproved:    paths.Workspace,
	app.NoteRoleChanged:        paths.Workspace,
	app.NoteSeatLimit:          paths.Seats,
	app.NoteWebhookDisabled:    paths.Webhooks,
	app.NoteDomainUnverified:   func(ws string) string { return paths.Settings(ws) + "#domains" },
}

// linksToItem are the kinds whose notification leads to the page (and
// time) its data names.
var linksToItem = map[string]bool{app.NoteItemShared: true, app.NoteVideoGuessed: true,
	app.NoteApprovalRequested: true, app.NoteApprovalApproved: true, app.NoteApprovalChanges: true,
	app.NoteCommentMention: true, app.NoteCommentReply: true, app.NoteCommentOnItem: true}

func (v *view) note(n troupe.Notification) noteView {
	var data map[string]any
	_ = json.Unmarshal([]byte(n.Data), &data) // a malformed payload only leaves blanks in the sentence
	args := []any{}
	for k, val := range data {
		text := fmt.Sprint(val)
		if k == "role" {
			text = v.RoleName(troupe.Role(text))
		}
		args = append(args, k, text)
	}
	out := noteView{ID: n.ID, Unread: n.ReadAt == nil, At: n.CreatedAt, Target: paths.Discover()}
	if target, ok := noteTargets[n.Kind]; ok {
		out.Target = target(n.WorkspaceID)
	}
	if p, _ := data["path"].(string); linksToItem[n.Kind] && p != "" && localPath(p) == p {
		out.Target = p
	}
	out.Text = n.Kind
	if key := "notif." + n.Kind; v.cat.Has(key) {
		out.Text = v.T(key, args...)
	}
	if n.Kind == app.NoteJoinRequest && out.Unread {
		for _, ws := range v.Workspaces {
			if ws.ID == n.WorkspaceID && ws.Can.DecideJoinRequests {
				name, _ := data["name"].(string)
				out.Request = &noteRequest{WorkspaceID: ws.ID, ID: n.SubjectID, Name: name, Grantable: ws.Can.Grantable}
			}
		}
	}
	return out
}

// loadNotifications loads a page of the notifications page, in the
// language of v.
func (s *Server) loadNotifications(r *http.Request, u troupe.User, v *view, cursor string) (*notesView, error) {
	items, next, unread, err := s.app.ListNotifications(r.Context(), u, cursor, 50)
	if err != nil {
		return nil, err
	}
	n := v.notes(items, unread, paths.Notifications())
	if next != "" {
		n.NextURL = "/notifications?cursor=" + url.QueryEscape(next)
	}
	return n, nil
}

func (s *Server) pageNotifications(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	v := s.newView(r)
	n, err := s.loadNotifications(r, u, v, r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	show(s, w, r, http.StatusOK, "notifications", v, n)
	return nil
}

// pageNotificationPanel renders only the bell's list, which the page's
// script swaps in when the unread count changes; its forms return to the
// page the panel is on.
func (s *Server) pageNotificationPanel(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	v := s.newView(r)
	if v.Notes == nil {
		return troupe.Errorf(troupe.CodeUnavailable, "The notifications could not be loaded.")
	}
	v.Notes.Back = localPath(r.URL.Query().Get("back"))
	s.pages.render(w, http.StatusOK, "notifications_panel", v)
	return nil
}

func (s *Server) pageNotificationsReadAll(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.MarkAllRead(r.Context(), u); err != nil {
		return err
	}
	s.flash(w, r, "flash.notifications_read")
	backTo(w, r, paths.Notifications())
	return nil
}

// pageNotificationRead marks a notification read as it is opened, then
// opens the page it is about.
func (s *Server) pageNotificationRead(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.MarkRead(r.Context(), u, r.PathValue("id")); err != nil {
		return err
	}
	backTo(w, r, paths.Notifications())
	return nil
}
