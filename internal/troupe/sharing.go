package troupe

// Share is one member's access to an item, made on it or (FromID set) on
// a folder above it.
type Share struct {
	UserID string
	Name   string
	Email  string
	Level  Level
	// From is the folder the share was made on, for inherited shares.
	FromID, FromName string
}

// AccessScope says who, besides an item's owner, can reach it.
type AccessScope string

// The scopes of an access summary, from the narrowest.
const (
	ScopeOnlyMe    AccessScope = "only_me"
	ScopePeople    AccessScope = "people"
	ScopeWorkspace AccessScope = "workspace"
)

// FolderRef names a folder.
type FolderRef struct {
	ID, Name string
}

// AccessStep is an item (Depth 0) or a folder above it (nearest first) as
// the access summary reads it.
type AccessStep struct {
	ID, Name  string
	Depth     int
	OwnerID   string
	Workspace Level
	// Shares counts the people it is shared with; ShareLevel is the
	// highest level they were given.
	Shares     int
	ShareLevel Level
	// Open is set when the reader of the summary may open it: a folder
	// is named only then, as in the breadcrumbs.
	Open bool
}

// AccessSummary is an item's effective access told in one line: what
// its own sharing and every folder above it give, so that nothing others
// can see is ever called "only me".
type AccessSummary struct {
	Scope AccessScope
	// Level is what the scope allows: the workspace's level, or the
	// highest level given to people.
	Level Level
	// Inherited is set when the scope comes from a folder above;
	// InheritedFrom names that folder when the reader may open it.
	Inherited     bool
	InheritedFrom *FolderRef
	// PeopleCount counts the members besides the owner who have access
	// through a share or by owning a folder above.
	PeopleCount int
	// Public is set on a video published to the web while its workspace
	// allows publishing: anyone with its link can watch it.
	Public bool
}

// Shared reports whether anyone but the owner can reach the item.
func (s AccessSummary) Shared() bool { return s.Scope != ScopeOnlyMe || s.Public }

// SummarizeAccess sums up an item's access. chain is the item followed by
// the folders above it, nearest first; people is the number of distinct
// members other than the item's owner who have a share on any of them or
// own one of the folders; public tells whether the item is on the web.
// The broadest scope wins: everyone in the workspace (at the highest
// level any step gives), then people, then only the owner. A scope that
// the item's own sharing does not give comes from the nearest folder that
// gives it.
func SummarizeAccess(chain []AccessStep, people int, public bool) AccessSummary {
	out := AccessSummary{Scope: ScopeOnlyMe, PeopleCount: people, Public: public}
	if len(chain) == 0 {
		return out
	}
	item := chain[0]
	var from *AccessStep
	for i := range chain {
		if chain[i].Workspace > out.Level {
			out.Level = chain[i].Workspace
		}
	}
	if out.Level > LevelNone {
		out.Scope = ScopeWorkspace
		if item.Workspace < out.Level {
			for i := range chain[1:] {
				if s := &chain[i+1]; s.Workspace == out.Level {
					from = s
					break
				}
			}
		}
	} else if people > 0 {
		out.Scope = ScopePeople
		for i, s := range chain {
			if i > 0 && s.OwnerID != item.OwnerID {
				out.Level = LevelEdit
			}
			out.Level = max(out.Level, s.ShareLevel)
		}
		if item.Shares == 0 {
			for i := range chain[1:] {
				if s := &chain[i+1]; s.Shares > 0 || s.OwnerID != item.OwnerID {
					from = s
					break
				}
			}
		}
	}
	if from != nil {
		out.Inherited = true
		if from.Open {
			out.InheritedFrom = &FolderRef{ID: from.ID, Name: from.Name}
		}
	}
	return out
}
