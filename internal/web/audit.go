package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"time"

	"troupe/internal/paths"
	"troupe/internal/troupe"
)

type auditJSON struct {
	ID         string    `json:"id"`
	ActorID    string    `json:"actor_id"`
	ActorEmail string    `json:"actor_email"`
	Action     string    `json:"action"`
	Target     string    `json:"target"`
	Detail     string    `json:"detail"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
}

// handleAuditLog lists the audit log, or exports it as CSV with
// ?format=csv (every matching entry, not one page).
func (s *Server) handleAuditLog(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	q := r.URL.Query()
	f := troupe.AuditFilter{Action: q.Get("action"), ActorID: q.Get("actor"), Cursor: q.Get("cursor")}
	var v troupe.Validation
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if raw := q.Get(name); raw != "" {
			t, err := time.Parse(time.RFC3339, raw)
			if err != nil {
				v.Add(name, "invalid", name+" must be an RFC 3339 time.")
			}
			*dst = t
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if q.Get("format") == "csv" {
		return s.exportAudit(w, r, u, f)
	}
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	f.Limit = limit
	entries, next, err := s.app.ListAudit(r.Context(), u, r.PathValue("ws"), f)
	if err != nil {
		return err
	}
	out := list[auditJSON]{Items: make([]auditJSON, 0, len(entries)), NextCursor: next}
	for _, e := range entries {
		out.Items = append(out.Items, auditJSON{ID: e.ID, ActorID: e.ActorID, ActorEmail: e.ActorEmail, Action: e.Action,
			Target: e.Target, Detail: e.Detail, IP: e.IP, CreatedAt: e.CreatedAt})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) exportAudit(w http.ResponseWriter, r *http.Request, u troupe.User, f troupe.AuditFilter) error {
	// Ask for one entry first, so a refusal is still a problem document
	// rather than a half-written file.
	if _, _, err := s.app.ListAudit(r.Context(), u, r.PathValue("ws"), troupe.AuditFilter{Limit: 1}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-log.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write([]string{"time", "actor_id", "actor_email", "action", "target", "detail", "ip"})
	err := s.app.EachAudit(r.Context(), u, r.PathValue("ws"), f, func(e troupe.AuditEntry) error {
		return cw.Write([]string{e.CreatedAt.Format(time.RFC3339), e.ActorID, csvSafe(e.ActorEmail), e.Action,
			csvSafe(e.Target), csvSafe(e.Detail), e.IP})
	})
	cw.Flush()
	if err != nil {
		// The status line is out; all that is left is to say so in the log.
		s.log.ErrorContext(r.Context(), "audit export cut short", "request_id", state(r).id, "err", err)
	}
	return nil
}

// csvSafe defuses values that spreadsheets would run as formulas.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

// --- Audit log --------------------------------------------------------------

// auditActions are the families of actions the audit log can be filtered
// by (the filter matches a prefix).
var auditActions = []string{"member.", "invitation.", "invite_link.", "join_request.", "settings.", "domain.", "subscription.", "api_token.", "workspace."}

type auditPage struct {
	Entries         []troupe.AuditEntry
	Action          string
	Actions         []string
	NextURL, Export string
	FirstURL        string // set past the first page
}

func auditURL(wsID, action, cursor string) string {
	q := url.Values{}
	if action != "" {
		q.Set("action", action)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if len(q) == 0 {
		return paths.Audit(wsID)
	}
	return paths.Audit(wsID) + "?" + q.Encode()
}

func (s *Server) pageAudit(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	q := r.URL.Query()
	f := troupe.AuditFilter{Action: q.Get("action"), Cursor: q.Get("cursor")}
	entries, next, err := s.app.ListAudit(r.Context(), u, v.Workspace.ID, f)
	if err != nil {
		return err
	}
	export := url.Values{"format": {"csv"}}
	if f.Action != "" {
		export.Set("action", f.Action)
	}
	p := auditPage{Entries: entries, Action: f.Action, Actions: auditActions,
		Export: "/api/v1/workspaces/" + url.PathEscape(v.Workspace.ID) + "/audit-log?" + export.Encode()}
	if next != "" {
		p.NextURL = auditURL(v.Workspace.ID, f.Action, next)
	}
	if f.Cursor != "" {
		p.FirstURL = auditURL(v.Workspace.ID, f.Action, "")
	}
	show(s, w, r, http.StatusOK, "audit", v, p)
	return nil
}
