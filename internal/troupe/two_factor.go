package troupe

import "time"

// TwoFactorMode says whether a workspace requires its members to sign in
// with a second factor.
type TwoFactorMode string

// The two-factor requirement modes.
const (
	TwoFactorOff TwoFactorMode = "off"
	TwoFactorOn  TwoFactorMode = "on"
)

// TwoFactorGrace is how long a member has to turn two-factor on once a
// workspace requires it (counted from when it was required, or from when
// the member joined if later).
const TwoFactorGrace = 7 * 24 * time.Hour

// TwoFactorDeadline is when a member who joined at joined must have
// two-factor on, under settings s; the zero time when s requires nothing.
func TwoFactorDeadline(s Settings, joined time.Time) time.Time {
	if s.RequireTwoFactor != TwoFactorOn || s.RequireTwoFactorSince.IsZero() {
		return time.Time{}
	}
	start := s.RequireTwoFactorSince
	if joined.After(start) {
		start = joined
	}
	return start.Add(TwoFactorGrace)
}

// RecoveryCodeCount is how many recovery codes an account gets at once.
const RecoveryCodeCount = 10
