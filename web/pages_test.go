package web

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/sqlite"
	"github.com/newsdesk/newsdesk/templates"
)

// countingArticles counts the list queries that reach the store.
type countingArticles struct {
	ArticleStore
	lists atomic.Int32
}

func (c *countingArticles) FindArticles(ctx context.Context, f newsdesk.ArticleFilter) ([]*newsdesk.Article, int, error) {
	c.lists.Add(1)
	return c.ArticleStore.FindArticles(ctx, f)
}

type pageFixture struct {
	t        *testing.T
	url      string
	server   *Server
	store    *countingArticles
	articles *sqlite.ArticleService
	clock    *newsdesk.FixedClock
}

// newPageFixture serves n published articles, two to a list page.
func newPageFixture(t *testing.T, n int, configure func(*Server)) *pageFixture {
	t.Helper()
	clock := newsdesk.NewFixedClock(epoch)
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "test.db"))
	db.Clock = clock
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	articles := sqlite.NewArticleService(db, func(s string) (string, error) { return "<p>" + s + "</p>", nil }, "example.org")
	if err := articles.SaveCategory(ctx, &newsdesk.Category{Slug: "economy", Name: "Economy"}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		clock.Set(epoch.Add(time.Duration(i) * time.Hour))
		a := &newsdesk.Article{Slug: fmt.Sprintf("story-%d", i), Title: fmt.Sprintf("Story %d", i), Body: "Body.",
			Status: newsdesk.StatusPublished, Categories: []*newsdesk.Category{{Slug: "economy"}}}
		if err := articles.CreateArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	f := &pageFixture{t: t, store: &countingArticles{ArticleStore: articles}, articles: articles, clock: clock}
	f.server = &Server{Site: Site{Title: "The Review", BaseURL: "https://news.example.org", Language: "en"},
		Articles: f.store, PageSize: 2, PageMaxAge: time.Minute, Logger: slog.New(slog.DiscardHandler)}
	if configure != nil {
		configure(f.server)
	}
	pages, err := templates.Pages("", f.server.Funcs())
	if err != nil {
		t.Fatal(err)
	}
	f.server.Pages = pages
	ts := httptest.NewServer(f.server.Handler())
	t.Cleanup(ts.Close)
	f.url = ts.URL
	return f
}

func (f *pageFixture) get(path string, header ...string) (*http.Response, string) {
	f.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.url+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			f.t.Fatal(err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp, string(b)
}

// TestPagesAreServedFromMemory: a page is rendered once, then served with
// a strong ETag, Last-Modified, Cache-Control, 304s and gzip, like a feed.
func TestPagesAreServedFromMemory(t *testing.T) {
	f := newPageFixture(t, 3, nil)
	resp, body := f.get("/")
	if resp.StatusCode != 200 || !strings.Contains(body, "Story 3") {
		t.Fatalf("GET / = %d:\n%s", resp.StatusCode, body)
	}
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if !strings.HasPrefix(etag, `"`) || lm == "" {
		t.Errorf("ETag %q, Last-Modified %q: want a strong tag and a time", etag, lm)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("Cache-Control = %q", cc)
	}
	for i := 0; i < 5; i++ {
		f.get("/")
	}
	if n := f.store.lists.Load(); n != 1 {
		t.Errorf("six requests made %d list queries, want 1", n)
	}
	if resp, _ := f.get("/", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", resp.StatusCode)
	}
	if resp, _ := f.get("/", "If-Modified-Since", lm); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d, want 304", resp.StatusCode)
	}
	resp, zipped := f.get("/", "Accept-Encoding", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || zipped != body {
		t.Errorf("gzip: encoding %q, same body %v", resp.Header.Get("Content-Encoding"), zipped == body)
	}
	if resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("Vary = %q", resp.Header.Get("Vary"))
	}
}

// TestPagesChangeWithContent: after a change the next request renders
// anew; a page whose bytes did not change keeps its Last-Modified.
func TestPagesChangeWithContent(t *testing.T) {
	f := newPageFixture(t, 3, nil)
	ctx := context.Background()
	first, _ := f.get("/articles/story-1")
	f.get("/")
	f.clock.Set(epoch.Add(48 * time.Hour))
	a, err := f.articles.FindArticleBySlug(ctx, "story-3")
	if err != nil {
		t.Fatal(err)
	}
	title := "Story three, retitled"
	if _, err := f.articles.UpdateArticle(ctx, a.ID, newsdesk.ArticleUpdate{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if _, body := f.get("/"); strings.Contains(body, title) {
		t.Fatal("the page changed before anything said content changed")
	}
	time.Sleep(1100 * time.Millisecond) // Last-Modified has whole seconds
	f.server.Invalidate()
	if _, body := f.get("/"); !strings.Contains(body, title) {
		t.Errorf("the home page does not show the new title after Invalidate:\n%s", body)
	}
	again, _ := f.get("/articles/story-1")
	if again.Header.Get("ETag") != first.Header.Get("ETag") ||
		again.Header.Get("Last-Modified") != first.Header.Get("Last-Modified") {
		t.Errorf("an unchanged page got new validators: %v then %v", first.Header, again.Header)
	}
}

// TestListPagesHavePaths: every page of a list has a path of its own, so
// that an export is a complete mirror; old ?page= links are sent there.
func TestListPagesHavePaths(t *testing.T) {
	f := newPageFixture(t, 5, nil)
	for path, want := range map[string]int{
		"/": 200, "/page/2/": 200, "/page/3/": 200, "/page/4/": 404, "/page/1/": 301, "/page/0/": 404,
		"/page/-1/": 404, "/page/2": 307, // net/http adds the slash "/page/x/": 404, "/page/002/": 404,
		"/category/economy": 200, "/category/economy/page/3/": 200, "/category/economy/page/4/": 404,
		"/category/nope/page/2/": 404,
	} {
		if resp, _ := f.get(path); resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
	_, body := f.get("/page/2/")
	for _, link := range []string{`href="https://news.example.org/"`, `href="https://news.example.org/page/3/"`,
		`rel="canonical" href="https://news.example.org/page/2/"`} {
		if !strings.Contains(body, link) {
			t.Errorf("/page/2/ lacks %s", link)
		}
	}
	resp, _ := f.get("/category/economy?page=2")
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "https://news.example.org/category/economy/page/2/" {
		t.Errorf("?page=2: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestPageCacheStaysWithinItsBudget: however many pages are read, the
// cache keeps no more than its byte limit.
func TestPageCacheStaysWithinItsBudget(t *testing.T) {
	f := newPageFixture(t, 40, func(s *Server) { s.PageCacheBytes = 30 << 10 })
	for i := 1; i <= 40; i++ {
		if resp, _ := f.get(fmt.Sprintf("/articles/story-%d", i)); resp.StatusCode != 200 {
			t.Fatalf("story-%d: %d", i, resp.StatusCode)
		}
	}
	pc := f.server.pageCache
	pc.mu.RLock()
	size, n := pc.size, len(pc.pages)
	pc.mu.RUnlock()
	if size > 30<<10 || n == 0 || n >= 40 {
		t.Errorf("cache holds %d pages in %d bytes; want some, within 30 KiB", n, size)
	}
}

// TestMediaIsCached: uploaded images, named by their bytes, are cached for
// a year; other media as long as pages, and both answer If-Modified-Since.
func TestMediaIsCached(t *testing.T) {
	media := t.TempDir()
	for _, name := range []string{"chart-0123456789abcdef.png", "harbour.svg"} {
		if err := os.WriteFile(filepath.Join(media, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := newPageFixture(t, 1, func(s *Server) { s.MediaDir = media })
	resp, _ := f.get("/media/chart-0123456789abcdef.png")
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("uploaded image: Cache-Control %q", cc)
	}
	resp, _ = f.get("/media/harbour.svg")
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("other media: Cache-Control %q", cc)
	}
	if resp, _ := f.get("/media/harbour.svg", "If-Modified-Since", resp.Header.Get("Last-Modified")); resp.StatusCode != 304 {
		t.Errorf("If-Modified-Since: %d", resp.StatusCode)
	}
}
