package web

import (
	"net/http"
	"strings"
	"time"

	"troupe/internal/paths"
	"troupe/internal/troupe"
)

type joinRequestJSON struct {
	ID        string      `json:"id"`
	User      userJSON    `json:"user"`
	Status    string      `json:"status"`
	Via       string      `json:"via"`
	Role      troupe.Role `json:"role"`
	CreatedAt time.Time   `json:"created_at"`
}

func (s *Server) handleJoinRequestList(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	reqs, err := s.app.ListJoinRequests(r.Context(), u, r.PathValue("ws"))
	if err != nil {
		return err
	}
	out := list[joinRequestJSON]{Items: make([]joinRequestJSON, 0, len(reqs))}
	for _, x := range reqs {
		out.Items = append(out.Items, joinRequestJSON{ID: x.ID, User: toUserJSON(x.User), Status: string(x.Status), Via: string(x.Via),
			Role: x.Role, CreatedAt: x.CreatedAt})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleJoinRequestApprove(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Role troupe.Role `json:"role"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.app.ApproveJoinRequest(r.Context(), u, r.PathValue("ws"), r.PathValue("id"), in.Role, s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleJoinRequestDeny(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.DenyJoinRequest(r.Context(), u, r.PathValue("ws"), r.PathValue("id"), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// --- Join requests ----------------------------------------------------------

// decided finishes an approval or a denial, asked from the members page
// or from the notifications (panel or page): back where it came from, or
// the app's refusal shown there.
func (s *Server) decided(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, err error, flashKey string) error {
	if err == nil {
		s.flash(w, r, flashKey)
		backTo(w, r, paths.JoinRequests(v.Workspace.ID))
		return nil
	}
	if strings.HasPrefix(r.PostForm.Get("back"), paths.Notifications()) && !pageLevel(err) {
		nv := s.newView(r)
		n, lerr := s.loadNotifications(r, u, nv, "")
		if lerr != nil {
			return lerr
		}
		return showForm(s, w, r, "notifications", nv, n, err)
	}
	return s.membersFailed(w, r, u, v, err)
}

func (s *Server) pageJoinRequestApprove(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	err := s.app.ApproveJoinRequest(r.Context(), u, v.Workspace.ID, r.PathValue("id"), troupe.Role(r.PostForm.Get("role")), s.client(r))
	return s.decided(w, r, u, v, err, "flash.request_approved")
}

func (s *Server) pageJoinRequestDeny(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	err := s.app.DenyJoinRequest(r.Context(), u, v.Workspace.ID, r.PathValue("id"), s.client(r))
	return s.decided(w, r, u, v, err, "flash.request_denied")
}
