package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/sqlite"
)

func newSources(tb testing.TB) (*sqlite.SourceService, *sqlite.ArticleService, *newsdesk.FixedClock) {
	articles, db, clock := newService(tb)
	return sqlite.NewSourceService(db), articles, clock
}

func mustSource(tb testing.TB, s *sqlite.SourceService, url, category string) *newsdesk.Source {
	tb.Helper()
	src := &newsdesk.Source{URL: url}
	if category != "" {
		src.Category = &newsdesk.Category{Slug: category}
	}
	if err := s.CreateSource(context.Background(), src); err != nil {
		tb.Fatal(err)
	}
	return src
}

// item makes an item whose text is title and summary.
func item(hash, title, summary string, published time.Time) *newsdesk.Item {
	return &newsdesk.Item{Hash: hash, Fingerprint: "fp-" + title, URL: "https://src.example/" + hash,
		Title: title, Summary: summary, ContentHTML: "<p>" + summary + "</p>", PublishedAt: published}
}

func TestCreateSourceValidatesAndConflicts(t *testing.T) {
	s, _, _ := newSources(t)
	ctx := context.Background()
	src := mustSource(t, s, "https://a.example/feed", "new-topic")
	got, err := s.FindSourceByID(ctx, src.ID)
	if err != nil || got.Category.Name != "New topic" || !got.NextCheckAt.Equal(t0) || got.Paused {
		t.Fatalf("%v: %+v", err, got)
	}
	for name, tc := range map[string]struct {
		src  *newsdesk.Source
		code string
	}{
		"relative":     {&newsdesk.Source{URL: "/feed"}, newsdesk.EINVALID},
		"ftp":          {&newsdesk.Source{URL: "ftp://a.example/feed"}, newsdesk.EINVALID},
		"credentials":  {&newsdesk.Source{URL: "https://u:p@a.example/feed"}, newsdesk.EINVALID},
		"bad category": {&newsdesk.Source{URL: "https://b.example/", Category: &newsdesk.Category{Slug: "A B"}}, newsdesk.EINVALID},
		"short poll":   {&newsdesk.Source{URL: "https://b.example/", Interval: time.Second}, newsdesk.EINVALID},
		"duplicate":    {&newsdesk.Source{URL: "https://a.example/feed"}, newsdesk.ECONFLICT},
	} {
		if err := s.CreateSource(ctx, tc.src); newsdesk.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want code %s", name, err, tc.code)
		}
	}
	if _, err := s.FindSourceByID(ctx, 99); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("missing source: %v", err)
	}
}

func TestImportSourcesSkipsKnownURLs(t *testing.T) {
	s, _, _ := newSources(t)
	ctx := context.Background()
	mustSource(t, s, "https://a.example/feed", "")
	n, err := s.ImportSources(ctx, []*newsdesk.Source{
		{URL: "https://a.example/feed", Title: "Known"},
		{URL: "https://b.example/feed", Title: "B", Category: &newsdesk.Category{Slug: "tech", Name: "Tech & Science"}},
	})
	if err != nil || n != 1 {
		t.Fatalf("imported %d: %v", n, err)
	}
	all, _ := s.FindSources(ctx, newsdesk.SourceFilter{})
	if len(all) != 2 || all[1].Category.Name != "Tech & Science" || all[0].Title != "" {
		t.Errorf("sources: %+v %+v", all[0], all[1])
	}
	if _, err := s.ImportSources(ctx, []*newsdesk.Source{{URL: "https://c.example/"}, {URL: "nope"}}); newsdesk.ErrorCode(err) != newsdesk.EINVALID {
		t.Errorf("bad URL: %v", err)
	}
	if all, _ := s.FindSources(ctx, newsdesk.SourceFilter{}); len(all) != 2 {
		t.Errorf("a failed import wrote %d sources", len(all)-2)
	}
}

func TestSaveFetchUpsertsAndKeepsState(t *testing.T) {
	s, _, clock := newSources(t)
	ctx := context.Background()
	src := mustSource(t, s, "https://a.example/feed", "")
	mustSource(t, s, "https://taken.example/feed", "")
	src.Title, src.ETag, src.ConsecutiveErrors, src.LastError = "A", `"e1"`, 2, "HTTP 500"
	src.NextCheckAt, src.LastCheckedAt = t0.Add(time.Hour), t0
	src.URL = "https://taken.example/feed" // a permanent redirect to another source's URL
	first := []*newsdesk.Item{item("h1", "One", "first", t0.Add(-time.Hour)), item("h2", "Two", "second", time.Time{})}
	if err := s.SaveFetch(ctx, src, first); err != nil {
		t.Fatal(err)
	}
	got, _ := s.FindSourceByID(ctx, src.ID)
	if got.Title != "A" || got.ETag != `"e1"` || got.ConsecutiveErrors != 2 || got.URL != "https://a.example/feed" {
		t.Errorf("source state: %+v", got)
	}
	fps, err := s.ItemFingerprints(ctx, src.ID, []string{"h1", "h2", "h3"})
	if err != nil || len(fps) != 2 || fps["h1"] != "fp-One" {
		t.Fatalf("fingerprints %v, %v", fps, err)
	}
	clock.Add(time.Hour)
	changed := item("h2", "Two, revised", "second", time.Time{})
	if err := s.SaveFetch(ctx, src, []*newsdesk.Item{changed}); err != nil {
		t.Fatal(err)
	}
	items, n, err := s.FindItems(ctx, newsdesk.ItemFilter{SourceID: &src.ID})
	if err != nil || n != 2 {
		t.Fatalf("%d items, %v", n, err)
	}
	two := items[0] // undated: first seen at t0, after One's date
	if two.Title != "Two, revised" || !two.PublishedAt.Equal(t0) || !two.UpdatedAt.Equal(t0.Add(time.Hour)) || two.Source.Title != "A" {
		t.Errorf("updated item: %+v", two)
	}
	src.URL = "https://moved.example/feed"
	if err := s.SaveFetch(ctx, src, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FindSourceByID(ctx, src.ID); got.URL != "https://moved.example/feed" {
		t.Errorf("URL after a free move: %s", got.URL)
	}
}

func TestSourcesDueAndResume(t *testing.T) {
	s, _, _ := newSources(t)
	ctx := context.Background()
	a := mustSource(t, s, "https://a.example/feed", "")
	b := mustSource(t, s, "https://b.example/feed", "")
	b.Paused, b.PausedReason, b.NextCheckAt, b.ConsecutiveErrors = true, "gone", t0, 3
	a.NextCheckAt = t0.Add(time.Hour)
	for _, src := range []*newsdesk.Source{a, b} {
		if err := s.SaveFetch(ctx, src, nil); err != nil {
			t.Fatal(err)
		}
	}
	if due, _ := s.FindSources(ctx, newsdesk.SourceFilter{DueBy: t0.Add(30 * time.Minute)}); len(due) != 0 {
		t.Errorf("due: %v", due)
	}
	if due, _ := s.FindSources(ctx, newsdesk.SourceFilter{DueBy: t0.Add(time.Hour)}); len(due) != 1 || due[0].ID != a.ID {
		t.Errorf("due: %v", due)
	}
	got, err := s.ResumeSource(ctx, b.ID)
	if err != nil || got.Paused || got.ConsecutiveErrors != 0 || !got.NextCheckAt.Equal(t0) {
		t.Errorf("resumed: %+v, %v", got, err)
	}
}

func TestDeleteSourceRemovesItems(t *testing.T) {
	s, _, _ := newSources(t)
	ctx := context.Background()
	src := mustSource(t, s, "https://a.example/feed", "")
	s.SaveFetch(ctx, src, []*newsdesk.Item{item("h1", "Harbour dredging", "x", t0)})
	if err := s.DeleteSource(ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	if items, n, _ := s.FindItems(ctx, newsdesk.ItemFilter{}); n != 0 || len(items) != 0 {
		t.Errorf("%d items left", n)
	}
	if err := s.DeleteSource(ctx, src.ID); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("second delete: %v", err)
	}
}

func TestRelatedItemsByTopicAndText(t *testing.T) {
	s, articles, _ := newSources(t)
	ctx := context.Background()
	port := &newsdesk.Article{Title: "The harbour at a crossroads: dredging and docks",
		Summary: "Whether to deepen the channel", Categories: []*newsdesk.Category{{Slug: "economy"}}}
	if err := articles.CreateArticle(ctx, port); err != nil {
		t.Fatal(err)
	}
	econ := mustSource(t, s, "https://econ.example/feed", "economy")
	other := mustSource(t, s, "https://other.example/feed", "culture")
	s.SaveFetch(ctx, econ, []*newsdesk.Item{
		item("e1", "Harbour dredging tender doubles", "The channel costs more", t0.Add(-48*time.Hour)),
		item("e2", "Minimum wage review", "Pay and hours", t0.Add(-time.Hour)),
	})
	s.SaveFetch(ctx, other, []*newsdesk.Item{
		item("o1", "Docks redevelopment: dredging the old harbour", "Culture on the waterfront", t0.Add(-72*time.Hour)),
		item("o2", "A new opera season", "Nothing to do with ports", t0),
	})
	got, err := s.RelatedItems(ctx, []int64{port.ID}, 10)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, it := range got {
		titles = append(titles, it.Title)
	}
	want := []string{"Harbour dredging tender doubles", "Docks redevelopment: dredging the old harbour", "Minimum wage review"}
	if fmt.Sprint(titles) != fmt.Sprint(want) {
		t.Errorf("related:\n got %q\nwant %q", titles, want)
	}
	if got[0].Source == nil || got[0].Source.URL != "https://econ.example/feed" {
		t.Errorf("no source attribution: %+v", got[0].Source)
	}
	if top, _ := s.RelatedItems(ctx, []int64{port.ID}, 1); len(top) != 1 || top[0].Title != want[0] {
		t.Errorf("limit 1: %v", top)
	}
	if none, err := s.RelatedItems(ctx, []int64{9999}, 5); err != nil || len(none) != 0 {
		t.Errorf("unknown article: %v, %v", none, err)
	}
}

func TestPruneItems(t *testing.T) {
	s, _, _ := newSources(t)
	ctx := context.Background()
	src := mustSource(t, s, "https://a.example/feed", "")
	s.SaveFetch(ctx, src, []*newsdesk.Item{item("old", "Old", "", t0.Add(-100*24*time.Hour)), item("new", "New", "", t0)})
	n, err := s.PruneItems(ctx, t0.Add(-90*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v", n, err)
	}
}
