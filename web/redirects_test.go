package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/templates"
)

// fakeRedirects maps redirect keys to slugs and records what was asked.
type fakeRedirects struct {
	mu    sync.Mutex
	to    map[string]string
	asked []string
}

func (f *fakeRedirects) FindRedirect(_ context.Context, path string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, path)
	if slug, ok := f.to[path]; ok {
		return slug, nil
	}
	return "", newsdesk.Errorf(newsdesk.ENOTFOUND, "no redirect")
}

func TestOldAddresses(t *testing.T) {
	red := &fakeRedirects{to: map[string]string{"/?p=7": "seven", "/2014/06/old-slug": "new-slug", "/old-page": "page"}}
	s := &Server{Site: Site{Title: "T", BaseURL: "https://news.example.org"}, Articles: emptyArticles{},
		Redirects: red, Logger: slog.New(slog.DiscardHandler)}
	pages, err := templates.Pages("", s.Funcs())
	if err != nil {
		t.Fatal(err)
	}
	s.Pages = pages
	h := s.Handler()
	for _, c := range []struct {
		method, path string
		status       int
		location     string
	}{
		{"GET", "/?p=7", 301, "/articles/seven"},
		{"HEAD", "/?p=7", 301, "/articles/seven"},
		{"GET", "/?utm_source=x&p=7", 301, "/articles/seven"},
		{"GET", "/2014/06/old-slug/", 301, "/articles/new-slug"},
		{"GET", "/2014/06/old-slug/?ref=feed", 301, "/articles/new-slug"},
		{"GET", "/old-page", 301, "/articles/page"},
		{"GET", "/rss/", 301, "/feed.xml"},
		{"GET", "/?feed=atom", 301, "/atom.xml"},
		{"GET", "/author/ada/feed/", 301, "/author/ada/feed.xml"},
		{"GET", "/category/climate/", 301, "/category/climate"},
		{"GET", "/tag/oceans/feed/atom/", 301, "/category/oceans/atom.xml"},
		{"POST", "/?p=7", 0, ""},
		{"GET", "/2014/06/unknown/", 404, ""},
	} {
		req := httptest.NewRequest(c.method, c.path, nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if c.status == 0 {
			if w.Code == http.StatusMovedPermanently {
				t.Errorf("%s %s: redirected, want not", c.method, c.path)
			}
			continue
		}
		if w.Code != c.status || (c.location != "" && w.Header().Get("Location") != "https://news.example.org"+c.location) {
			t.Errorf("%s %s: %d %q, want %d %s", c.method, c.path, w.Code, w.Header().Get("Location"), c.status, c.location)
		}
	}
	// Pages that exist, and the files at the root, never ask the store.
	red.asked = nil
	for _, path := range []string{"/robots.txt", "/favicon.ico", "/articles/x", "/category/x"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	if len(red.asked) != 0 {
		t.Errorf("looked up redirects for %s", strings.Join(red.asked, ", "))
	}
}

// emptyArticles is a site with no articles.
type emptyArticles struct{}

func (emptyArticles) FindArticleBySlug(context.Context, string) (*newsdesk.Article, error) {
	return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "no article")
}

func (emptyArticles) FindArticles(context.Context, newsdesk.ArticleFilter) ([]*newsdesk.Article, int, error) {
	return nil, 0, nil
}

func (emptyArticles) FindAuthorBySlug(context.Context, string) (*newsdesk.Author, error) {
	return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "no author")
}

func (emptyArticles) FindCategoryBySlug(context.Context, string) (*newsdesk.Category, error) {
	return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "no category")
}
