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
