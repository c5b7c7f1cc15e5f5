package app

import (
	"fmt"

	"troupe/internal/troupe"
)

// wrap prefixes a server-side failure with the use case it stopped, so the
// log line of a 500 says what failed; use cases defer it once, at the top.
// Answers meant for the client (a troupe.Error with any other code) pass
// unchanged, and the wrapped error keeps its code and cause for errors.Is
// and errors.As.
func wrap(err *error, op string) {
	if *err == nil {
		return
	}
	if c := troupe.ErrorCode(*err); c != troupe.CodeInternal && c != troupe.CodeUnavailable {
		return
	}
	*err = fmt.Errorf("%s: %w", op, *err)
}
