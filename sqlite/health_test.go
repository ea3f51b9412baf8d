package sqlite_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/newsdesk/newsdesk"
)

// TestHealthNeedsReadsAndTheWriteLock checks both halves of the health
// check: a database that answers is healthy; one whose write lock another
// process holds is unavailable, with a reason; a closed one too.
func TestHealthNeedsReadsAndTheWriteLock(t *testing.T) {
	db, _ := openDB(t)
	ctx := context.Background()
	if err := db.Health(ctx); err != nil {
		t.Fatalf("healthy database: %v", err)
	}

	other, err := sql.Open("sqlite", "file:"+db.Path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	err = db.Health(ctx)
	if newsdesk.ErrorCode(err) != newsdesk.EUNAVAILABLE || !strings.Contains(newsdesk.ErrorMessage(err), "write lock") {
		t.Errorf("write lock held elsewhere: %v, want EUNAVAILABLE naming the write lock", err)
	}
	conn.ExecContext(ctx, "ROLLBACK")
	conn.Close()
	if err := db.Health(ctx); err != nil {
		t.Errorf("after the lock was released: %v", err)
	}

	db.Close()
	if err := db.Health(ctx); newsdesk.ErrorCode(err) != newsdesk.EUNAVAILABLE {
		t.Errorf("closed database: %v, want EUNAVAILABLE", err)
	}
}
