package store

import (
	"strconv"
	"testing"

	"troupe/internal/troupe"
)

// The SQL spells the edit level as a number; it must be the domain's.
func TestLevelEditMatchesTheDomain(t *testing.T) {
	if levelEdit != strconv.Itoa(int(troupe.LevelEdit)) {
		t.Fatalf("levelEdit is %s, troupe.LevelEdit is %d", levelEdit, troupe.LevelEdit)
	}
}
