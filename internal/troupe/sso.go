package troupe

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// WorkspaceSSO is a workspace's single sign-on: the identity provider its
// members at its verified domains sign in with, whether they must, and
// the roles the provider's groups give them.
type WorkspaceSSO struct {
	// Provider is the provider's id in the server's configuration; ""
	// for none.
	Provider string
	// Required refuses password sign-in to members at the workspace's
	// verified domains; BreakGlass still lets its Super Admins with
	// two-factor in by password (for when the provider is down).
	Required   bool
	BreakGlass bool
	// GroupRoles gives a role to the members in a group; DefaultRole is
	// the role of those in none of them ("" leaves their role as it is).
	GroupRoles  map[string]Role
	DefaultRole Role
}

// MaxGroupRoles bounds the group mapping.
const MaxGroupRoles = 100

// RoleFromGroups is the role sign-on gives a member in groups: the highest
// role a group of theirs maps to, else the default ("" for none).
func (s WorkspaceSSO) RoleFromGroups(groups []string) Role {
	var best Role
	for _, g := range groups {
		if r, ok := s.GroupRoles[g]; ok && (best == "" || r.rank() > best.rank()) {
			best = r
		}
	}
	if best == "" {
		return s.DefaultRole
	}
	return best
}

// Validate checks s against the configured provider ids.
func (s WorkspaceSSO) Validate(v *Validation, providers []string) {
	if s.Provider != "" && !slices.Contains(providers, s.Provider) {
		v.Add("provider", "unknown", fmt.Sprintf("No provider %q is configured on this server.", s.Provider))
	}
	if s.Provider == "" && (s.Required || len(s.GroupRoles) > 0 || s.DefaultRole != "") {
		v.Add("provider", "required", "Choose the provider first.")
	}
	if s.DefaultRole != "" && !s.DefaultRole.Valid() {
		v.Add("default_role", "invalid_role", "Choose super_admin, developer, creator or viewer, or none.")
	}
	if len(s.GroupRoles) > MaxGroupRoles {
		v.Add("group_roles", "too_many", fmt.Sprintf("Map at most %d groups.", MaxGroupRoles))
	}
	for g, r := range s.GroupRoles {
		if strings.TrimSpace(g) == "" || len(g) > 200 || !r.Valid() {
			v.Add("group_roles", "invalid", fmt.Sprintf("%q → %q is not a group and a role.", g, r))
			return
		}
	}
}

// GroupRoleLines are the mapping as "group = role" lines, sorted.
func (s WorkspaceSSO) GroupRoleLines() string {
	lines := make([]string, 0, len(s.GroupRoles))
	for g, r := range s.GroupRoles {
		lines = append(lines, g+" = "+string(r))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
