package newsdesk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
)

// APIToken is a bearer token an editor made for the JSON API. Only a hash
// of its secret is kept, with a short prefix to tell tokens apart in lists.
type APIToken struct {
	ID         int64
	Name       string // what the editor called it, e.g. "CMS sync"
	Prefix     string // the first characters of the secret, e.g. "nd_Xk3f9Q"
	UserID     int64
	UserEmail  string // the editor who made it
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: still valid
}

// APITokenPrefix starts every API token, so that a leaked one is easy to
// recognise (secret scanners, logs).
const APITokenPrefix = "nd_"

// apiTokenPrefixLen is how much of a secret is kept to show in lists:
// the marker and six characters, too few to guess the rest from.
const apiTokenPrefixLen = len(APITokenPrefix) + 6

// NewAPITokenSecret returns a new random token: the marker and 256 bits in
// URL-safe base64.
func NewAPITokenSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return APITokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashAPIToken returns the SHA-256 of a token secret, hex-encoded: what the
// store keeps and looks tokens up by. A fast hash is enough, as the secret
// has 256 random bits and cannot be guessed.
func HashAPIToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// APITokenDisplayPrefix returns the part of a secret shown in token lists.
func APITokenDisplayPrefix(secret string) string {
	return secret[:min(len(secret), apiTokenPrefixLen)]
}

// ValidAPITokenName checks the name an editor gives a token.
func ValidAPITokenName(name string) error {
	if n := strings.TrimSpace(name); n == "" || len(n) > 100 || !HeaderSafe(n) {
		return Errorf(EINVALID, "token name must be one line of 1 to 100 characters")
	}
	return nil
}

// APITokenService stores API tokens.
type APITokenService interface {
	// CreateAPIToken makes a token for the editor with the email and
	// returns it with its secret, which is not stored and cannot be shown
	// again.
	CreateAPIToken(ctx context.Context, userEmail, name string) (*APIToken, string, error)
	// FindAPITokens lists every token, revoked ones included, newest first.
	FindAPITokens(ctx context.Context) ([]*APIToken, error)
	// RevokeAPIToken makes the token unusable from now on.
	RevokeAPIToken(ctx context.Context, id int64) (*APIToken, error)
	// AuthenticateAPIToken returns the token a secret belongs to, or
	// EUNAUTHORIZED when it is unknown or revoked; it records the use.
	AuthenticateAPIToken(ctx context.Context, secret string) (*APIToken, error)
}
