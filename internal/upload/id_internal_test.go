package upload

import (
	"testing"
	"time"
)

func TestIDCarriesItsCreationTime(t *testing.T) {
	now := time.Date(2031, 5, 6, 7, 8, 9, 123e6, time.UTC)
	a, err := newID(now)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := newID(now)
	if a == b {
		t.Error("two ids made at once are equal")
	}
	for _, id := range []string{a, a + "+multipart.upload-id"} {
		got, ok := createdAt(id)
		if !ok || !got.Equal(now) {
			t.Errorf("createdAt(%s) = %v, %v; want %v", id, got, ok, now)
		}
	}
	if _, ok := createdAt("0123456789abcdef"); ok {
		t.Error("an id not made here has a creation time")
	}
}
