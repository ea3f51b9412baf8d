package sqlite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/sqlite"
)

func TestAPITokenLifecycle(t *testing.T) {
	db, clock := openDB(t)
	ctx := context.Background()
	if err := db.CreateUser(ctx, "editor@example.org", "x"); err != nil {
		t.Fatal(err)
	}
	s := sqlite.NewAPITokenService(db)
	tok, secret, err := s.CreateAPIToken(ctx, "Editor@Example.org", "  CMS sync ")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "nd_") || len(secret) < 40 || tok.Prefix != secret[:9] || tok.Name != "CMS sync" ||
		tok.UserEmail != "editor@example.org" || !tok.CreatedAt.Equal(t0) || !tok.LastUsedAt.IsZero() {
		t.Fatalf("created %+v with secret %q", tok, secret)
	}
	clock.Add(time.Hour)
	got, err := s.AuthenticateAPIToken(ctx, secret)
	if err != nil || got.ID != tok.ID {
		t.Fatalf("authenticate: %+v, %v", got, err)
	}
	list, err := s.FindAPITokens(ctx)
	if err != nil || len(list) != 1 || !list[0].LastUsedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("list after use: %+v, %v", list, err)
	}
	for _, bad := range []string{"", "nd_", secret + "x", strings.TrimPrefix(secret, "nd_"), tok.Prefix} {
		if _, err := s.AuthenticateAPIToken(ctx, bad); newsdesk.ErrorCode(err) != newsdesk.EUNAUTHORIZED {
			t.Errorf("authenticate %q: %v, want unauthorized", bad, err)
		}
	}
	if _, err := s.RevokeAPIToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateAPIToken(ctx, secret); newsdesk.ErrorCode(err) != newsdesk.EUNAUTHORIZED {
		t.Errorf("revoked token authenticates: %v", err)
	}
	if _, err := s.RevokeAPIToken(ctx, tok.ID); newsdesk.ErrorCode(err) != newsdesk.ECONFLICT {
		t.Errorf("revoke twice: %v, want conflict", err)
	}
	if _, err := s.RevokeAPIToken(ctx, 99); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("revoke unknown: %v, want not found", err)
	}
	for _, c := range []struct{ email, name, code string }{
		{"nobody@example.org", "x", newsdesk.EINVALID},
		{"editor@example.org", " ", newsdesk.EINVALID},
		{"editor@example.org", "two\nlines", newsdesk.EINVALID},
		{"editor@example.org", strings.Repeat("n", 101), newsdesk.EINVALID},
	} {
		if _, _, err := s.CreateAPIToken(ctx, c.email, c.name); newsdesk.ErrorCode(err) != c.code {
			t.Errorf("create %q %q: %v, want %s", c.email, c.name, err, c.code)
		}
	}
}
