package app

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"troupe/internal/troupe"
)

func TestWrap(t *testing.T) {
	t.Run("an internal error gets the operation and keeps its cause", func(t *testing.T) {
		err := fmt.Errorf("read: %w", io.ErrUnexpectedEOF)
		wrap(&err, "get item")
		if err.Error() != "get item: read: unexpected EOF" || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("an outage gets the operation and keeps its code", func(t *testing.T) {
		var err error = troupe.Errorf(troupe.CodeUnavailable, "Try again later.")
		wrap(&err, "get item")
		if _, ok := troupe.AsError(err); !ok || troupe.ErrorCode(err) != troupe.CodeUnavailable || err.Error()[:10] != "get item: " {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("an answer for the client is left as it is", func(t *testing.T) {
		want := troupe.Errorf(troupe.CodeNotFound, "No such item.")
		var err error = want
		wrap(&err, "get item")
		if err != error(want) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("no error stays none", func(t *testing.T) {
		var err error
		wrap(&err, "get item")
		if err != nil {
			t.Fatalf("got %v", err)
		}
	})
}
