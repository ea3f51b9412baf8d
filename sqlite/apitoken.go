package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
)

// Ensure the service implements the interface.
var _ newsdesk.APITokenService = (*APITokenService)(nil)

// APITokenService stores the JSON API's bearer tokens.
type APITokenService struct {
	db *DB
}

// NewAPITokenService returns a service on db.
func NewAPITokenService(db *DB) *APITokenService {
	return &APITokenService{db: db}
}

// lastUsedEvery is how stale a token's last-used time may get: recording
// every request would make each API read a write.
const lastUsedEvery = time.Minute

const apiTokenColumns = `t.id, t.name, t.prefix, t.user_id, u.email, t.created_at,
	COALESCE(t.last_used_at, ''), COALESCE(t.revoked_at, '')`

const apiTokenFrom = ` FROM api_tokens t JOIN users u ON u.id = t.user_id`

func scanAPIToken(row interface{ Scan(...any) error }) (*newsdesk.APIToken, error) {
	t := &newsdesk.APIToken{}
	var created, used, revoked string
	if err := row.Scan(&t.ID, &t.Name, &t.Prefix, &t.UserID, &t.UserEmail, &created, &used, &revoked); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		s string
		t *time.Time
	}{{created, &t.CreatedAt}, {used, &t.LastUsedAt}, {revoked, &t.RevokedAt}} {
		if f.s == "" {
			continue
		}
		v, err := parseTime(f.s)
		if err != nil {
			return nil, err
		}
		*f.t = v
	}
	return t, nil
}

// CreateAPIToken makes a token for the editor account with the email.
func (s *APITokenService) CreateAPIToken(ctx context.Context, userEmail, name string) (*newsdesk.APIToken, string, error) {
	name = strings.TrimSpace(name)
	if err := newsdesk.ValidAPITokenName(name); err != nil {
		return nil, "", err
	}
	email := strings.ToLower(strings.TrimSpace(userEmail))
	var userID int64
	err := s.db.read.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, email).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", newsdesk.Errorf(newsdesk.EINVALID, "there is no editor account %q", userEmail)
	} else if err != nil {
		return nil, "", fmt.Errorf("find user: %w", err)
	}
	secret := newsdesk.NewAPITokenSecret()
	var id int64
	err = s.db.write.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, prefix, hash, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, userID, name, newsdesk.APITokenDisplayPrefix(secret),
		newsdesk.HashAPIToken(secret), formatTime(s.db.Clock.Now())).Scan(&id)
	if err != nil {
		return nil, "", fmt.Errorf("create api token: %w", err)
	}
	t, err := s.find(ctx, s.db.read, id)
	return t, secret, err
}

func (s *APITokenService) find(ctx context.Context, q queryer, id int64) (*newsdesk.APIToken, error) {
	t, err := scanAPIToken(q.QueryRowContext(ctx, `SELECT `+apiTokenColumns+apiTokenFrom+` WHERE t.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "API token %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("find api token %d: %w", id, err)
	}
	return t, nil
}

// FindAPITokens lists every token, newest first.
func (s *APITokenService) FindAPITokens(ctx context.Context) ([]*newsdesk.APIToken, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+apiTokenColumns+apiTokenFrom+` ORDER BY t.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("find api tokens: %w", err)
	}
	defer rows.Close()
	var ts []*newsdesk.APIToken
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// RevokeAPIToken revokes the token; revoking it again is a conflict, so
// that the editor learns it was already revoked.
func (s *APITokenService) RevokeAPIToken(ctx context.Context, id int64) (*newsdesk.APIToken, error) {
	var t *newsdesk.APIToken
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		if t, err = s.find(ctx, tx, id); err != nil {
			return err
		} else if !t.RevokedAt.IsZero() {
			return newsdesk.Errorf(newsdesk.ECONFLICT, "API token %d was already revoked", id)
		}
		t.RevokedAt = s.db.Clock.Now()
		_, err = tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ?`, formatTime(t.RevokedAt), id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// AuthenticateAPIToken looks the secret up by its hash.
func (s *APITokenService) AuthenticateAPIToken(ctx context.Context, secret string) (*newsdesk.APIToken, error) {
	invalid := newsdesk.Errorf(newsdesk.EUNAUTHORIZED, "the API token is not valid or was revoked")
	if !strings.HasPrefix(secret, newsdesk.APITokenPrefix) || len(secret) > 100 {
		return nil, invalid
	}
	t, err := scanAPIToken(s.db.read.QueryRowContext(ctx, `SELECT `+apiTokenColumns+apiTokenFrom+
		` WHERE t.hash = ? AND t.revoked_at IS NULL`, newsdesk.HashAPIToken(secret)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, invalid
	} else if err != nil {
		return nil, fmt.Errorf("authenticate api token: %w", err)
	}
	now := s.db.Clock.Now()
	if now.Sub(t.LastUsedAt) >= lastUsedEvery {
		t.LastUsedAt = now
		if _, err := s.db.write.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`,
			formatTime(now), t.ID); err != nil {
			return nil, fmt.Errorf("record api token use: %w", err)
		}
	}
	return t, nil
}
