package sqlite

import (
	"context"
	"net/mail"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// CreateUser stores an editor account with an already hashed password.
func (db *DB) CreateUser(ctx context.Context, email, passwordHash string) error {
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" {
		return newsdesk.Errorf(newsdesk.EINVALID, "user email %q is not a valid address", email)
	}
	_, err = db.write.ExecContext(ctx, `INSERT INTO users (email, password_hash, created_at) VALUES (?, ?, ?)`,
		strings.ToLower(addr.Address), passwordHash, formatTime(db.Clock.Now()))
	if isUnique(err) {
		return newsdesk.Errorf(newsdesk.ECONFLICT, "a user with email %q already exists", email)
	}
	return err
}
