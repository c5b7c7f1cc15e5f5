package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

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

// auditPage is the audit log page: entries as sentences, and the filters
// by action and by person that the URL keeps.
type auditPage struct {
	Rows            []auditRow
	Action, Actor   string
	ActionGroups    []auditActionGroup
	People          []auditOption
	NextURL, Export string
	FirstURL        string // set past the first page
}

// auditRow is one entry as the page says it.
type auditRow struct {
	Sentence   string
	Action     string // as recorded
	ActionName string
	Who        string
	WhoEmail   string
	// When is relative while recent, else a date.
	When timeView
	IP   string
}

// auditActionGroup is a family of actions in the filter: the family
// itself, then each of its actions when it has more than one.
type auditActionGroup struct {
	Label   string
	Family  auditOption
	Actions []auditOption
}

type auditOption struct {
	Value, Label string
	Selected     bool
}

// auditURL is the page's address with its filters and cursor.
func auditURL(wsID, action, actor, cursor string) string {
	q := url.Values{}
	if action != "" {
		q.Set("action", action)
	}
	if actor != "" {
		q.Set("actor", actor)
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
	f := troupe.AuditFilter{Action: q.Get("action"), ActorID: q.Get("actor"), Cursor: q.Get("cursor")}
	entries, next, err := s.app.ListAudit(r.Context(), u, v.Workspace.ID, f)
	if err != nil {
		return err
	}
	// The people to filter by are the members; one who has left stays
	// offered while the URL asks for them.
	members, _, err := s.app.ListMembers(r.Context(), u, v.Workspace.ID, troupe.MemberFilter{Status: "active", Limit: 200})
	if err != nil {
		return err
	}
	export := url.Values{"format": {"csv"}}
	if f.Action != "" {
		export.Set("action", f.Action)
	}
	if f.ActorID != "" {
		export.Set("actor", f.ActorID)
	}
	p := auditPage{Action: f.Action, Actor: f.ActorID, ActionGroups: auditActionGroups(v, f.Action),
		People: auditPeople(v, members, entries, f.ActorID),
		Export: "/api/v1/workspaces/" + url.PathEscape(v.Workspace.ID) + "/audit-log?" + export.Encode()}
	now := time.Now()
	for _, e := range entries {
		p.Rows = append(p.Rows, auditRowOf(v, e, now))
	}
	if next != "" {
		p.NextURL = auditURL(v.Workspace.ID, f.Action, f.ActorID, next)
	}
	if f.Cursor != "" {
		p.FirstURL = auditURL(v.Workspace.ID, f.Action, f.ActorID, "")
	}
	show(s, w, r, http.StatusOK, "audit", v, p)
	return nil
}

// auditActionGroups are the filter's choices, family by family in the
// order the domain lists actions.
func auditActionGroups(v *view, selected string) []auditActionGroup {
	var groups []auditActionGroup
	for _, a := range troupe.AuditActions {
		fam := troupe.AuditFamily(a)
		if len(groups) == 0 || groups[len(groups)-1].Family.Value != fam {
			label := v.T("audit.filter." + fam)
			groups = append(groups, auditActionGroup{Label: label,
				Family: auditOption{Value: fam, Label: label, Selected: selected == fam}})
		}
		g := &groups[len(groups)-1]
		g.Actions = append(g.Actions, auditOption{Value: a, Label: v.T("audit.kind." + a), Selected: selected == a})
	}
	for i := range groups {
		if len(groups[i].Actions) == 1 {
			// A family of one action is that action.
			groups[i].Family.Selected = groups[i].Family.Selected || groups[i].Actions[0].Selected
			groups[i].Actions = nil
		} else {
			groups[i].Family.Label = v.T("audit.filter.any")
		}
	}
	return groups
}

// auditPeople are the filter's people: the members by name, and the one
// the URL asks for even when they have left.
func auditPeople(v *view, members []troupe.MemberRow, entries []troupe.AuditEntry, selected string) []auditOption {
	var out []auditOption
	found := selected == ""
	for _, m := range members {
		label := m.Email
		if m.UserName != "" {
			label = m.UserName + " (" + m.Email + ")"
		}
		out = append(out, auditOption{Value: m.UserID, Label: label, Selected: m.UserID == selected})
		found = found || m.UserID == selected
	}
	if !found {
		label := v.T("audit.former_member")
		for _, e := range entries {
			if e.ActorID == selected {
				label = auditActorName(v, e, e.Facts())
				break
			}
		}
		out = append(out, auditOption{Value: selected, Label: label, Selected: true})
	}
	return out
}

// auditRowOf says an entry for the page.
func auditRowOf(v *view, e troupe.AuditEntry, now time.Time) auditRow {
	row := auditRow{Sentence: auditSentence(v, e), Action: e.Action, ActionName: v.ActionName(e.Action),
		Who: auditActorName(v, e, e.Facts()), WhoEmail: e.ActorEmail, IP: e.IP, When: v.whenAt(e.CreatedAt, now)}
	if row.WhoEmail == row.Who {
		row.WhoEmail = ""
	}
	return row
}

// auditActorName names who acted: by name, else address, else the
// address the entry recorded, else nobody in particular.
func auditActorName(v *view, e troupe.AuditEntry, f troupe.AuditFacts) string {
	switch {
	case e.ActorName != "":
		return e.ActorName
	case e.ActorEmail != "":
		return e.ActorEmail
	}
	switch e.Action {
	case troupe.AuditMemberLeave, troupe.AuditMemberJoin, troupe.AuditJoinRequestCreate,
		troupe.AuditInvitationAccept, troupe.AuditInvitationDecline:
		if f.Email != "" {
			return f.Email
		}
	case troupe.AuditDomainUnverified:
		// Without an actor, the daily re-check found the record gone.
		return v.T("audit.daily_check")
	}
	return v.T("audit.someone")
}

// auditSentence says an entry in a sentence of the page's language, with
// names: "Alice changed Bob's role from Developer to Creator". Sentences
// live in the catalog as "audit.sentence.<action>", with a variant
// suffix where the facts call for another wording.
func auditSentence(v *view, e troupe.AuditEntry) string {
	f := e.Facts()
	key := "audit.sentence." + e.Action
	switch {
	case e.Action == troupe.AuditMemberRole && f.FromRole == "":
		key += ".to_only" // recorded before changes kept the role before
	case e.Action == troupe.AuditInviteLinkUpdate && !f.On, e.Action == troupe.AuditVideoDownload && !f.On:
		key += ".off"
	}
	if !v.cat.Has(key) {
		return v.T("audit.sentence.unknown", "actor", auditActorName(v, e, f), "action", e.Action)
	}
	target := e.TargetName
	if target == "" {
		target = e.TargetEmail
	}
	if target == "" {
		target = f.Email
	}
	if target == "" {
		target = v.T("audit.former_member")
	}
	// Names recorded at the time win over today's: the log says what
	// was published, not what it is called now.
	item := f.Name
	if item == "" {
		item = e.TargetName
	}
	if item != "" {
		item = v.T("audit.quoted", "name", item)
	} else {
		item = v.T("audit.deleted_item")
	}
	via := ""
	if f.Via != "" && v.cat.Has("audit.via."+string(f.Via)) {
		via = v.T("audit.via." + string(f.Via))
	}
	settings := make([]string, len(f.Settings))
	for i, name := range f.Settings {
		settings[i] = name
		if v.cat.Has("audit.setting." + name) {
			settings[i] = v.T("audit.setting." + name)
		}
	}
	lang := f.Lang
	if tag, err := language.Parse(f.Lang); err == nil {
		if name := display.Languages(language.Make(v.Lang)).Name(tag); name != "" {
			lang = name
		}
	}
	return strings.TrimSpace(v.T(key,
		"actor", auditActorName(v, e, f),
		"target", target,
		"email", f.Email,
		"role", auditRole(v, f.Role),
		"from", auditRole(v, f.FromRole),
		"via", via,
		"item", item,
		"name", v.T("audit.quoted", "name", f.Name),
		"domain", f.Domain,
		"plan", f.Plan,
		"seats_from", f.SeatsFrom,
		"seats_to", f.SeatsTo,
		"settings", strings.Join(settings, ", "),
		"language", lang))
}

// auditRole is a role in the page's language, or as recorded.
func auditRole(v *view, r troupe.Role) string {
	if r.Valid() {
		return v.RoleName(r)
	}
	return string(r)
}
