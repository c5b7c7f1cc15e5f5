package web

import (
	"net/http"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

func (s *Server) handleJoinWorkspace(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	res, err := s.app.JoinWorkspace(r.Context(), u, r.PathValue("ws"), s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, joinJSON(res))
	return nil
}

func (s *Server) handleSuggestions(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	users, err := s.app.Suggestions(r.Context(), u, r.PathValue("ws"))
	if err != nil {
		return err
	}
	out := list[userJSON]{Items: make([]userJSON, 0, len(users))}
	for _, x := range users {
		out.Items = append(out.Items, toUserJSON(x))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type discoverJSON struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	JoinPolicy  troupe.JoinPolicy `json:"join_policy"`
	Members     int               `json:"members"`
	Requested   bool              `json:"requested"`
}

func (s *Server) handleDiscover(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	ws, err := s.app.Discover(r.Context(), u)
	if err != nil {
		return err
	}
	out := list[discoverJSON]{Items: make([]discoverJSON, 0, len(ws))}
	for _, x := range ws {
		out.Items = append(out.Items, discoverJSON{ID: x.ID, Name: x.Name, Description: x.Description,
			JoinPolicy: x.Settings.JoinPolicy, Members: x.SeatsUsed, Requested: x.Requested})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// --- Find your team ---------------------------------------------------------

// discoverPage lists the workspaces the user may join or ask to join.
// Unverified: the user's address must be verified before any is shown.
type discoverPage struct {
	Found      []app.Discoverable
	Domain     string
	Unverified bool
}

func (s *Server) loadDiscover(r *http.Request, u troupe.User) (discoverPage, error) {
	p := discoverPage{Domain: troupe.EmailDomain(u.Email)}
	found, err := s.app.Discover(r.Context(), u)
	if troupe.ErrorCode(err) == troupe.CodeEmailUnverified {
		p.Unverified = true
		return p, nil
	}
	if err != nil {
		return discoverPage{}, err
	}
	p.Found = found
	return p, nil
}

// showDiscover renders the page; for an unverified address it answers
// 403 with the page's own explanation rather than an error banner that
// would say it a second time.
func (s *Server) showDiscover(w http.ResponseWriter, r *http.Request, p discoverPage) {
	status := http.StatusOK
	if p.Unverified {
		status = http.StatusForbidden
	}
	show(s, w, r, status, "discover", s.newView(r), p)
}

func (s *Server) pageDiscover(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	p, err := s.loadDiscover(r, u)
	if err != nil {
		return err
	}
	s.showDiscover(w, r, p)
	return nil
}

func (s *Server) pageDiscoverJoin(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	res, err := s.app.JoinWorkspace(r.Context(), u, r.PathValue("ws"), s.client(r))
	if err != nil {
		if pageLevel(err) {
			return err
		}
		p, lerr := s.loadDiscover(r, u)
		if lerr != nil {
			return lerr
		}
		if p.Unverified {
			s.showDiscover(w, r, p)
			return nil
		}
		return showForm(s, w, r, "discover", s.newView(r), p, err)
	}
	return s.joined(w, r, res, paths.Discover())
}
