package troupe

import "testing"

func TestSummarizeAccess(t *testing.T) {
	item := AccessStep{ID: "d", Name: "Teaser", OwnerID: "alice", Open: true}
	folder := AccessStep{ID: "f", Name: "Q3 Launch", Depth: 1, OwnerID: "alice", Open: true}
	top := AccessStep{ID: "t", Name: "Marketing", Depth: 2, OwnerID: "alice", Open: true}
	with := func(s AccessStep, f func(*AccessStep)) AccessStep { f(&s); return s }
	for _, tc := range []struct {
		name   string
		chain  []AccessStep
		people int
		public bool
		want   AccessSummary
		from   string
	}{
		{"nobody else", []AccessStep{item, folder}, 0, false, AccessSummary{Scope: ScopeOnlyMe}, ""},
		{"published only", []AccessStep{item}, 0, true, AccessSummary{Scope: ScopeOnlyMe, Public: true}, ""},
		{"own shares", []AccessStep{with(item, func(s *AccessStep) { s.Shares, s.ShareLevel = 2, LevelEdit }), folder}, 2, false,
			AccessSummary{Scope: ScopePeople, Level: LevelEdit, PeopleCount: 2}, ""},
		{"people from the nearest folder that has some", []AccessStep{item, folder,
			with(top, func(s *AccessStep) { s.Shares, s.ShareLevel = 1, LevelView })}, 1, false,
			AccessSummary{Scope: ScopePeople, Level: LevelView, PeopleCount: 1, Inherited: true}, "Marketing"},
		{"the owner of a folder above is someone", []AccessStep{item, with(folder, func(s *AccessStep) { s.OwnerID = "bob" })}, 1, false,
			AccessSummary{Scope: ScopePeople, Level: LevelEdit, PeopleCount: 1, Inherited: true}, "Q3 Launch"},
		{"own workspace level", []AccessStep{with(item, func(s *AccessStep) { s.Workspace = LevelView }), folder}, 0, false,
			AccessSummary{Scope: ScopeWorkspace, Level: LevelView}, ""},
		{"workspace from a folder wins over own people", []AccessStep{with(item, func(s *AccessStep) { s.Shares, s.ShareLevel = 1, LevelEdit }),
			with(folder, func(s *AccessStep) { s.Workspace = LevelView })}, 1, false,
			AccessSummary{Scope: ScopeWorkspace, Level: LevelView, PeopleCount: 1, Inherited: true}, "Q3 Launch"},
		{"the highest workspace level, from the nearest folder giving it", []AccessStep{with(item, func(s *AccessStep) { s.Workspace = LevelView }),
			with(folder, func(s *AccessStep) { s.Workspace = LevelEdit }), with(top, func(s *AccessStep) { s.Workspace = LevelEdit })}, 0, false,
			AccessSummary{Scope: ScopeWorkspace, Level: LevelEdit, Inherited: true}, "Q3 Launch"},
		{"a folder the reader cannot open stays unnamed", []AccessStep{item, with(folder, func(s *AccessStep) { s.Workspace, s.Open = LevelView, false })}, 0, false,
			AccessSummary{Scope: ScopeWorkspace, Level: LevelView, Inherited: true}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := SummarizeAccess(tc.chain, tc.people, tc.public)
			from := ""
			if got.InheritedFrom != nil {
				from = got.InheritedFrom.Name
			}
			got.InheritedFrom = nil
			if got != tc.want || from != tc.from {
				t.Fatalf("got %+v from %q, want %+v from %q", got, from, tc.want, tc.from)
			}
		})
	}
}
