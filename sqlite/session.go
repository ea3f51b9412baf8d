package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/newsdesk/newsdesk"
)

// CreateSession records a new session of a user under the hash of its token.
func (db *DB) CreateSession(ctx context.Context, tokenHash string, userID int64) (*newsdesk.Session, error) {
	now := db.Clock.Now()
	_, err := db.write.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, seen_at) VALUES (?, ?, ?, ?)`,
		tokenHash, userID, formatTime(now), formatTime(now))
	if err != nil {
		return nil, err
	}
	return db.FindSession(ctx, tokenHash)
}

// FindSession returns the session with that token hash and its user, or
// ENOTFOUND. Whether it has expired is the caller's decision.
func (db *DB) FindSession(ctx context.Context, tokenHash string) (*newsdesk.Session, error) {
	var s newsdesk.Session
	var created, seen, userCreated string
	u := &newsdesk.User{}
	err := db.read.QueryRowContext(ctx, `SELECT s.token_hash, s.created_at, s.seen_at, u.id, u.email, u.password_hash, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, tokenHash).
		Scan(&s.TokenHash, &created, &seen, &u.ID, &u.Email, &u.PasswordHash, &userCreated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "no such session")
	} else if err != nil {
		return nil, err
	}
	s.CreatedAt, _ = parseTime(created)
	s.SeenAt, _ = parseTime(seen)
	u.CreatedAt, _ = parseTime(userCreated)
	s.User = u
	return &s, nil
}

// TouchSession records that the session was used now.
func (db *DB) TouchSession(ctx context.Context, tokenHash string) error {
	_, err := db.write.ExecContext(ctx, `UPDATE sessions SET seen_at = ? WHERE token_hash = ?`,
		formatTime(db.Clock.Now()), tokenHash)
	return err
}

// DeleteSession ends a session; ending one that does not exist is not an error.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := db.write.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	return err
}

// DeleteSessionsBefore removes sessions last seen before t, which have
// expired; the daemon calls it now and then so the table stays small.
func (db *DB) DeleteSessionsBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM sessions WHERE seen_at < ?`, formatTime(t))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
