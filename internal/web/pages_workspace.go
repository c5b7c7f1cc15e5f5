package web

import (
	"net/http"

	"troupe/internal/troupe"
)

// routeWorkspacePages registers the pages of workspaces and membership.
func (s *Server) routeWorkspacePages(open func(string, pageHandler), authed func(string, func(http.ResponseWriter, *http.Request, troupe.User) error)) {
}
