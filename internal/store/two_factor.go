package store

import (
	"context"
	"database/sql"
	"time"
)

// TwoFactor is an account's TOTP secret, sealed; pending until a first
// code confirms it.
type TwoFactor struct {
	UserID      string
	Sealed      string
	ConfirmedAt *time.Time
	// LastStep is the last TOTP time step accepted: a code is never
	// accepted twice.
	LastStep  int64
	CreatedAt time.Time
}

// PutPendingTwoFactor stores a new pending secret for the user, in place
// of any earlier one.
func (q *Queries) PutPendingTwoFactor(ctx context.Context, userID, sealed string, now time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO two_factor (user_id, secret, confirmed_at, last_step, created_at) VALUES (?, ?, NULL, 0, ?)
		ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, confirmed_at = NULL, last_step = 0, created_at = excluded.created_at`,
		userID, sealed, millis(now))
	return err
}

// FindTwoFactor returns the user's secret or not_found.
func (q *Queries) FindTwoFactor(ctx context.Context, userID string) (TwoFactor, error) {
	t := TwoFactor{UserID: userID}
	var confirmed sql.NullInt64
	var created int64
	err := q.queryRow(ctx, `SELECT secret, confirmed_at, last_step, created_at FROM two_factor WHERE user_id = ?`, userID).
		Scan(&t.Sealed, &confirmed, &t.LastStep, &created)
	if err != nil {
		return TwoFactor{}, translate(err)
	}
	if confirmed.Valid {
		at := fromMillis(confirmed.Int64)
		t.ConfirmedAt = &at
	}
	t.CreatedAt = fromMillis(created)
	return t, nil
}

// ConfirmTwoFactor turns the user's pending secret on, step being the
// time step of the code that confirmed it.
func (q *Queries) ConfirmTwoFactor(ctx context.Context, userID string, step int64, now time.Time) error {
	res, err := q.exec(ctx, `UPDATE two_factor SET confirmed_at = ?, last_step = ? WHERE user_id = ? AND confirmed_at IS NULL`,
		millis(now), step, userID)
	if err != nil {
		return err
	}
	if err := mustAffect(res); err != nil {
		return err
	}
	return q.setUserTwoFactor(ctx, userID, true, now)
}

// UseTwoFactorStep records that the code of step was used; not_found when
// that step or a later one was used already.
func (q *Queries) UseTwoFactorStep(ctx context.Context, userID string, step int64) error {
	res, err := q.exec(ctx, `UPDATE two_factor SET last_step = ? WHERE user_id = ? AND confirmed_at IS NOT NULL AND last_step < ?`,
		step, userID, step)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// DeleteTwoFactor turns two-factor off for the user: the secret and the
// recovery codes go.
func (q *Queries) DeleteTwoFactor(ctx context.Context, userID string, now time.Time) error {
	if _, err := q.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return err
	}
	if _, err := q.exec(ctx, `DELETE FROM two_factor WHERE user_id = ?`, userID); err != nil {
		return err
	}
	return q.setUserTwoFactor(ctx, userID, false, now)
}

func (q *Queries) setUserTwoFactor(ctx context.Context, userID string, on bool, now time.Time) error {
	res, err := q.exec(ctx, `UPDATE users SET two_factor = ?, updated_at = ? WHERE id = ?`, on, millis(now), userID)
	if err != nil {
		return err
	}
	q.afterCommit(func() { q.sessions.forgetUser(userID) })
	return mustAffect(res)
}

// SetRecoveryCodes replaces the user's recovery codes by those hashes.
func (q *Queries) SetRecoveryCodes(ctx context.Context, userID string, hashes []string) error {
	if _, err := q.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := q.exec(ctx, `INSERT INTO recovery_codes (user_id, hash) VALUES (?, ?)`, userID, h); err != nil {
			return err
		}
	}
	return nil
}

// UseRecoveryCode marks the user's code with hash used; not_found when
// there is no such unused code.
func (q *Queries) UseRecoveryCode(ctx context.Context, userID, hash string, now time.Time) error {
	res, err := q.exec(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND hash = ? AND used_at IS NULL`,
		millis(now), userID, hash)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// CountRecoveryCodes returns how many of the user's recovery codes are
// still unused.
func (q *Queries) CountRecoveryCodes(ctx context.Context, userID string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&n)
	return n, translate(err)
}

// UserWorkspaceIDs returns the ids of the workspaces the user is in.
func (q *Queries) UserWorkspaceIDs(ctx context.Context, userID string) ([]string, error) {
	rows, err := q.query(ctx, `SELECT workspace_id FROM members WHERE user_id = ? ORDER BY workspace_id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		out = append(out, id)
	}
	return out, translate(rows.Err())
}
