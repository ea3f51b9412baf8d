package editorial

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// InstallStore is what setting up an install writes: its settings and
// the first editor account.
type InstallStore interface {
	SetMeta(ctx context.Context, key, value string) error
	CreateUser(ctx context.Context, email, passwordHash string) error
}

// Install records an install's creation at now, fixes the prefix of its
// feed ids, mints the secret that signs subscribers' links and makes the
// first editor account, returning the prefix and the account's password.
// Feed ids are tag: URIs (RFC 4151) under the site's host on the day the
// install was made, kept for ever however the address changes later.
func Install(ctx context.Context, store InstallStore, host string, now time.Time, email string) (prefix, password string, err error) {
	if err := store.SetMeta(ctx, "created_at", now.Format(time.RFC3339)); err != nil {
		return "", "", err
	}
	prefix = fmt.Sprintf("tag:%s,%s:", host, now.UTC().Format("2006-01-02"))
	if err := store.SetMeta(ctx, "tag_prefix", prefix); err != nil {
		return "", "", err
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	if err := store.SetMeta(ctx, "secret", hex.EncodeToString(secret)); err != nil {
		return "", "", err
	}
	password = NewPassword()
	hash, err := HashPassword(password)
	if err != nil {
		return "", "", err
	}
	return prefix, password, store.CreateUser(ctx, email, hash)
}
