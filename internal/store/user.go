package store

import (
	"context"
	"database/sql"
	"time"

	"troupe/internal/troupe"
)

// UserRecord is a user row, with the password hash the domain type omits.
type UserRecord struct {
	troupe.User
	PasswordHash string
}

const userColumns = `id, email, name, password_hash, email_verified_at, locale, discoverable, created_at, comment_mail, two_factor`

func scanUser(row interface{ Scan(...any) error }) (UserRecord, error) {
	var u UserRecord
	var verified sql.NullInt64
	var created int64
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &verified, &u.Locale, &u.Discoverable, &created, &u.CommentMail, &u.TwoFactor)
	if err != nil {
		return UserRecord{}, translate(err)
	}
	u.EmailVerified = verified.Valid
	u.CreatedAt = fromMillis(created)
	return u, nil
}

// CreateUser inserts a user; a taken address is a conflict.
func (q *Queries) CreateUser(ctx context.Context, u UserRecord, now time.Time) error {
	var verified any
	if u.EmailVerified {
		verified = millis(now)
	}
	_, err := q.exec(ctx, `INSERT INTO users (id, email, email_norm, name, password_hash, email_verified_at, locale, discoverable, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, troupe.NormalizeEmail(u.Email), u.Name, u.PasswordHash, verified, u.Locale, u.Discoverable, millis(now), millis(now))
	return err
}

// FindUserByID returns a user or not_found.
func (q *Queries) FindUserByID(ctx context.Context, id string) (UserRecord, error) {
	return scanUser(q.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// FindUserByEmail looks a user up by address, case-insensitively.
func (q *Queries) FindUserByEmail(ctx context.Context, email string) (UserRecord, error) {
	return scanUser(q.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email_norm = ?`, troupe.NormalizeEmail(email)))
}

// UserUpdate lists the fields to change; nil fields stay as they are.
type UserUpdate struct {
	// Email changes the address; it leaves the address unverified.
	Email        *string
	Name         *string
	PasswordHash *string
	Locale       *string
	Discoverable *bool
	CommentMail  *string
	VerifyEmail  bool
}

// UpdateUser applies upd to the user with id.
func (q *Queries) UpdateUser(ctx context.Context, id string, upd UserUpdate, now time.Time) error {
	u := newUpdate(now)
	if upd.Email != nil {
		u.add("email", *upd.Email)
		u.add("email_norm", troupe.NormalizeEmail(*upd.Email))
		u.set += ", email_verified_at = NULL"
	}
	if upd.Name != nil {
		u.add("name", *upd.Name)
	}
	if upd.PasswordHash != nil {
		u.add("password_hash", *upd.PasswordHash)
	}
	if upd.Locale != nil {
		u.add("locale", *upd.Locale)
	}
	if upd.Discoverable != nil {
		u.add("discoverable", *upd.Discoverable)
	}
	if upd.CommentMail != nil {
		u.add("comment_mail", *upd.CommentMail)
	}
	if upd.VerifyEmail {
		u.set += ", email_verified_at = COALESCE(email_verified_at, ?)"
		u.args = append(u.args, millis(now))
	}
	res, err := q.exec(ctx, `UPDATE users SET `+u.set+` WHERE id = ?`, append(u.args, id)...)
	if err != nil {
		return err
	}
	q.afterCommit(func() { q.sessions.forgetUser(id) })
	return mustAffect(res)
}

func mustAffect(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return translate(sql.ErrNoRows)
	}
	return nil
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// update builds the SET clause of an UPDATE from the fields given.
type update struct {
	set  string
	args []any
}

func newUpdate(now time.Time) *update {
	return &update{set: "updated_at = ?", args: []any{millis(now)}}
}

func (u *update) add(col string, v any) {
	u.set += ", " + col + " = ?"
	u.args = append(u.args, v)
}

// scanUsers reads every row of rows as a user, and closes them.
func scanUsers(rows *sql.Rows) ([]troupe.User, error) {
	defer rows.Close()
	var out []troupe.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u.User)
	}
	return out, translate(rows.Err())
}
