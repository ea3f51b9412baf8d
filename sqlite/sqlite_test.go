package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/sqlite"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// openDB opens a fresh database file in a temporary directory on a fixed clock.
func openDB(tb testing.TB) (*sqlite.DB, *newsdesk.FixedClock) {
	tb.Helper()
	db := sqlite.NewDB(filepath.Join(tb.TempDir(), "newsdesk.db"))
	clock := newsdesk.NewFixedClock(t0)
	db.Clock = clock
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db, clock
}

// upperRender stands in for Markdown so tests can see the body was rendered.
func upperRender(s string) (string, error) { return "<p>" + strings.ToUpper(s) + "</p>", nil }

func newService(tb testing.TB) (*sqlite.ArticleService, *sqlite.DB, *newsdesk.FixedClock) {
	db, clock := openDB(tb)
	s := sqlite.NewArticleService(db, upperRender, "example.org")
	ctx := context.Background()
	for _, au := range []*newsdesk.Author{{Slug: "ada", Name: "Ada Byron"}, {Slug: "sam", Name: "Sam Okoro"}} {
		if err := s.CreateAuthor(ctx, au); err != nil {
			tb.Fatal(err)
		}
	}
	return s, db, clock
}

func TestOpenTwiceKeepsData(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "newsdesk.db")
	db := sqlite.NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	if err := db.SetMeta(context.Background(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = sqlite.NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatalf("reopen (migrations must be idempotent): %v", err)
	}
	defer db.Close()
	if v, err := db.Meta(context.Background(), "k"); err != nil || v != "v" {
		t.Fatalf("Meta = %q, %v", v, err)
	}
	if _, err := db.Meta(context.Background(), "missing"); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Fatalf("missing key: %v", err)
	}
}

func TestBackupIsConsistent(t *testing.T) {
	s, db, _ := newService(t)
	ctx := context.Background()
	if err := s.CreateArticle(ctx, &newsdesk.Article{Title: "Kept", Body: "x"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	copy := sqlite.NewDB(path)
	if err := copy.Open(); err != nil {
		t.Fatal(err)
	}
	defer copy.Close()
	as, n, err := sqlite.NewArticleService(copy, upperRender, "").FindArticles(ctx, newsdesk.ArticleFilter{})
	if err != nil || n != 1 || as[0].Title != "Kept" {
		t.Fatalf("backup holds %d articles, %v", n, err)
	}
	if err := db.Backup(ctx, path); err == nil {
		t.Fatal("backup over an existing file succeeded")
	}
}
