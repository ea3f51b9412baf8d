package editorial_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk/editorial"
	"github.com/newsdesk/newsdesk/sqlite"
	"golang.org/x/crypto/bcrypt"
)

// An install fixes its feed ids under the host on the day it was made,
// mints a signing secret and makes the first editor, whose password works.
func TestInstall(t *testing.T) {
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "newsdesk.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	at := time.Date(2026, 11, 25, 23, 30, 0, 0, time.FixedZone("X", -2*3600)) // already the 26th in UTC
	prefix, password, err := editorial.Install(ctx, db, "news.example.org", at, "editor@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if prefix != "tag:news.example.org,2026-11-26:" {
		t.Errorf("prefix %q", prefix)
	}
	if stored, _ := db.Meta(ctx, "tag_prefix"); stored != prefix {
		t.Errorf("stored prefix %q", stored)
	}
	if secret, _ := db.Meta(ctx, "secret"); len(secret) != 64 {
		t.Errorf("secret %q: want 32 bytes in hex", secret)
	}
	u, err := db.FindUserByEmail(ctx, "editor@example.org")
	if err != nil || bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		t.Errorf("first editor: %v, password does not verify", err)
	}
}
