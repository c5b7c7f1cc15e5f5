package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"troupe/internal/troupe"
)

func (s *Server) routeNotificationAPI(authed func(string, authedHandler)) {
	authed("GET /api/v1/notifications", s.handleNotificationList)
	authed("GET /api/v1/notifications/stream", s.handleNotificationStream)
	authed("POST /api/v1/notifications/{id}/read", s.handleNotificationRead)
	authed("POST /api/v1/notifications/read-all", s.handleNotificationReadAll)
}

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
