package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/sqlite"
	"github.com/newsdesk/newsdesk/templates"
)

// BenchmarkEditReachesCachedPage times what an edit costs the cached
// pages: an editor retitles the newest article, the pages are dropped, and
// the next readers of the front page and of the article get the new title.
// It runs on a real SQLite file with a small and a large archive; the cost
// should not grow with the archive. scripts/bench.sh runs it -benchtime=20x.
func BenchmarkEditReachesCachedPage(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("articles=%d", n), func(b *testing.B) {
			if n > 10_000 && testing.Short() {
				b.Skip("large archive skipped in -short mode")
			}
			s, store, newest := newBenchSite(b, n)
			h := s.Handler()
			ctx := context.Background()
			read := func(path, want string) {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				if rec.Code != 200 || !strings.Contains(rec.Body.String(), want) {
					b.Fatalf("GET %s: %d, without %q", path, rec.Code, want)
				}
			}
			read("/", "")
			read("/articles/"+newest.Slug, "")
			i := 0
			var edit, render time.Duration
			for b.Loop() {
				i++
				title := fmt.Sprintf("Retitled %d", i)
				t0 := time.Now()
				if _, err := store.UpdateArticle(ctx, newest.ID, newsdesk.ArticleUpdate{Title: &title}); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				s.Invalidate()
				read("/", title)
				read("/articles/"+newest.Slug, title)
				edit, render = edit+t1.Sub(t0), render+time.Since(t1)
			}
			b.ReportMetric(float64(edit.Nanoseconds())/float64(b.N), "store-ns/op")
			b.ReportMetric(float64(render.Nanoseconds())/float64(b.N), "pages-ns/op")
		})
	}
}

// newBenchSite fills a store with n published articles and returns a
// server on it, the store and the newest article.
func newBenchSite(b *testing.B, n int) (*Server, *sqlite.ArticleService, *newsdesk.Article) {
	b.Helper()
	ctx := context.Background()
	start := time.Date(2015, 1, 1, 6, 0, 0, 0, time.UTC)
	db := sqlite.NewDB(filepath.Join(b.TempDir(), "newsdesk.db"))
	db.Clock = newsdesk.NewFixedClock(start.Add(time.Duration(n+1) * time.Hour))
	if err := db.Open(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	store := sqlite.NewArticleService(db, func(s string) (string, error) { return "<p>" + s + "</p>", nil }, "example.org")
	body := strings.Repeat("The harbour board met again to weigh the dredging budget and the fares. ", 40)
	for done := 0; done < n; {
		batch := make([]*newsdesk.Article, 0, min(2000, n-done))
		for len(batch) < cap(batch) {
			done++
			batch = append(batch, &newsdesk.Article{Slug: fmt.Sprintf("report-%d", done), Title: fmt.Sprintf("Report %d", done),
				Summary: "What the board decided.", Body: body, Status: newsdesk.StatusPublished,
				PublishedAt: start.Add(time.Duration(done) * time.Hour), Categories: []*newsdesk.Category{{Slug: "economy"}}})
		}
		if _, _, err := store.ImportArticles(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	newest, err := store.FindArticleBySlug(ctx, fmt.Sprintf("report-%d", n))
	if err != nil {
		b.Fatal(err)
	}
	s := &Server{Site: Site{Title: "The Review", BaseURL: "https://news.example.org", Language: "en"},
		Articles: store, Search: store, Directory: store, Logger: slog.New(slog.DiscardHandler)}
	pages, err := templates.Pages("", s.Funcs())
	if err != nil {
		b.Fatal(err)
	}
	s.Pages = pages
	return s, store, newest
}
