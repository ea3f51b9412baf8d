package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

func TestUsersAndSessions(t *testing.T) {
	db, clock := openDB(t)
	ctx := context.Background()
	if err := db.CreateUser(ctx, "Ed@Example.org", "hash1"); err != nil {
		t.Fatal(err)
	}
	u, err := db.FindUserByEmail(ctx, " ed@example.org")
	if err != nil || u.Email != "ed@example.org" || u.PasswordHash != "hash1" {
		t.Fatalf("user %+v, %v", u, err)
	}
	for _, h := range []string{"old", "live"} {
		if _, err := db.CreateSession(ctx, h, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	clock.Add(3 * time.Hour)
	if err := db.TouchSession(ctx, "live"); err != nil {
		t.Fatal(err)
	}
	s, err := db.FindSession(ctx, "live")
	if err != nil || s.User.Email != "ed@example.org" || !s.SeenAt.Equal(t0.Add(3*time.Hour)) || !s.CreatedAt.Equal(t0) {
		t.Fatalf("session %+v, %v", s, err)
	}
	if n, err := db.DeleteSessionsBefore(ctx, t0.Add(time.Hour)); n != 1 || err != nil {
		t.Errorf("swept %d, %v; want the one unused session", n, err)
	}
	if _, err := db.FindSession(ctx, "old"); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("swept session: %v", err)
	}
	if err := db.SetUserPassword(ctx, "ed@example.org", "hash2"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindSession(ctx, "live"); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("a password change left a session: %v", err)
	}
	if err := db.DeleteUser(ctx, "nobody@example.org"); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("delete unknown user: %v", err)
	}
	if err := db.CreateUser(ctx, "ed@example.org", "x"); newsdesk.ErrorCode(err) != newsdesk.ECONFLICT {
		t.Errorf("duplicate user: %v", err)
	}
}
