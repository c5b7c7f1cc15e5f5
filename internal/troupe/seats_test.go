package troupe

import "testing"

func TestSeats(t *testing.T) {
	t.Run("seats cover as many members as there are seats, never more", func(t *testing.T) {
		for _, c := range []struct {
			seats, members int
			want           bool
		}{{10, 0, true}, {10, 9, true}, {10, 10, true}, {10, 11, false}, {1, 1, true}, {0, 1, false}} {
			if got := SeatsCover(c.seats, c.members); got != c.want {
				t.Errorf("SeatsCover(%d, %d) = %t, want %t", c.seats, c.members, got, c.want)
			}
		}
	})
	t.Run("a join takes the last seat but not one more", func(t *testing.T) {
		base := JoinAttempt{Via: ViaApproval, Role: RoleViewer, GranterRole: RoleSuperAdmin, Settings: DefaultSettings, SeatsTotal: 3}
		for used, want := range map[int]Code{0: "", 2: "", 3: CodeSeatLimitReached, 4: CodeSeatLimitReached} {
			a := base
			a.SeatsUsed = used
			_, err := CheckJoin(a)
			if got := codeOrEmpty(err); got != want {
				t.Errorf("%d of 3 seats used: got %q, want %q", used, got, want)
			}
		}
	})
	t.Run("seats stay within bounds and never go below the active members", func(t *testing.T) {
		for _, c := range []struct {
			seats, used int
			want        string
		}{
			{5, 5, ""}, {6, 5, ""}, {MaxSeats, 1, ""},
			{4, 5, "below_active_members"}, {0, 0, "out_of_range"}, {MaxSeats + 1, 1, "out_of_range"}, {-1, 5, "out_of_range"},
		} {
			var v Validation
			ValidateSeats(&v, "seats", c.seats, c.used)
			got := ""
			if err := v.Err(); err != nil {
				got = err.(*Error).Fields[0].Code
			}
			if got != c.want {
				t.Errorf("%d seats for %d members: got %q, want %q", c.seats, c.used, got, c.want)
			}
		}
	})
}

func codeOrEmpty(err error) Code {
	if err == nil {
		return ""
	}
	return ErrorCode(err)
}
