package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

// TestItemsFTSStaysInStep checks the full-text index against the items
// after inserts, updates, deletes, a cascade from a removed source and
// pruning, with FTS5's own integrity check, and that a search finds an
// item by its new title and not by its old one.
func TestItemsFTSStaysInStep(t *testing.T) {
	db := NewDB(filepath.Join(t.TempDir(), "newsdesk.db"))
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	db.Clock = newsdesk.NewFixedClock(now)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := NewSourceService(db)
	ctx := context.Background()
	check := func(step string) {
		t.Helper()
		if _, err := db.write.ExecContext(ctx, `INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)`); err != nil {
			t.Fatalf("%s: FTS index out of step: %v", step, err)
		}
	}
	matches := func(word string) int {
		var n int
		db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM items_fts WHERE items_fts MATCH ?`, word).Scan(&n)
		return n
	}
	a, b := &newsdesk.Source{URL: "https://a.example/"}, &newsdesk.Source{URL: "https://b.example/"}
	for _, src := range []*newsdesk.Source{a, b} {
		if err := s.CreateSource(ctx, src); err != nil {
			t.Fatal(err)
		}
	}
	it := func(hash, title string, at time.Time) *newsdesk.Item {
		return &newsdesk.Item{Hash: hash, Fingerprint: title, URL: "https://a.example/" + hash, Title: title, Summary: "summary", PublishedAt: at}
	}
	s.SaveFetch(ctx, a, []*newsdesk.Item{it("1", "Harbour dredging", now), it("2", "Old news", now.AddDate(0, -6, 0))})
	s.SaveFetch(ctx, b, []*newsdesk.Item{it("3", "Heat pumps", now)})
	check("insert")
	s.SaveFetch(ctx, a, []*newsdesk.Item{it("1", "Harbour electrification", now)})
	check("update")
	if matches("dredging") != 0 || matches("electrification") != 1 {
		t.Errorf("after a title change: dredging %d, electrification %d", matches("dredging"), matches("electrification"))
	}
	if err := s.DeleteSource(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	check("cascade")
	if matches("pumps") != 0 {
		t.Error("a removed source's item is still indexed")
	}
	if _, err := s.PruneItems(ctx, now.AddDate(0, -1, 0)); err != nil {
		t.Fatal(err)
	}
	check("prune")
	if matches("news") != 0 || matches("harbour") != 1 {
		t.Errorf("after pruning: news %d, harbour %d", matches("news"), matches("harbour"))
	}
}
