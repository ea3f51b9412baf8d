package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// userEmail checks and lowercases an account's address.
func userEmail(email string) (string, error) {
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" {
		return "", newsdesk.FieldErrorf("email", "user email %q is not a valid address", email)
	}
	return strings.ToLower(addr.Address), nil
}

// CreateUser stores an editor account with an already hashed password.
func (db *DB) CreateUser(ctx context.Context, email, passwordHash string) error {
	addr, err := userEmail(email)
	if err != nil {
		return err
	}
	_, err = db.write.ExecContext(ctx, `INSERT INTO users (email, password_hash, created_at) VALUES (?, ?, ?)`,
		addr, passwordHash, formatTime(db.Clock.Now()))
	if isUnique(err) {
		return newsdesk.Errorf(newsdesk.ECONFLICT, "a user with email %q already exists", email)
	}
	return err
}

const userColumns = `id, email, password_hash, created_at`

func scanUser(row interface{ Scan(...any) error }) (*newsdesk.User, error) {
	var u newsdesk.User
	var created string
	if err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &created); err != nil {
		return nil, err
	}
	u.CreatedAt, _ = parseTime(created)
	return &u, nil
}

// FindUserByEmail returns the account with that address, or ENOTFOUND.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*newsdesk.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE email = ?`, strings.ToLower(strings.TrimSpace(email))))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "no user with email %q", email)
	}
	return u, err
}

// FindUsers returns every account, by address.
func (db *DB) FindUsers(ctx context.Context) ([]*newsdesk.User, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	defer rows.Close()
	var users []*newsdesk.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// SetUserPassword replaces an account's password hash and ends its
// sessions, so that a changed password logs out every browser.
func (db *DB) SetUserPassword(ctx context.Context, email, passwordHash string) error {
	return db.withTx(ctx, func(tx *sql.Tx) error {
		id, err := userID(ctx, tx, email)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, passwordHash, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id)
		return err
	})
}

// DeleteUser removes an account; its sessions go with it.
func (db *DB) DeleteUser(ctx context.Context, email string) error {
	return db.withTx(ctx, func(tx *sql.Tx) error {
		id, err := userID(ctx, tx, email)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id)
		return err
	})
}

func userID(ctx context.Context, tx *sql.Tx, email string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, strings.ToLower(strings.TrimSpace(email))).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, newsdesk.Errorf(newsdesk.ENOTFOUND, "no user with email %q", email)
	}
	return id, err
}
