package feeds_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/feeds"
)

// memStore is an in-memory ArticleStore that counts its queries.
type memStore struct {
	articles []*newsdesk.Article
	queries  atomic.Int64
}

func (m *memStore) LatestPublished(_ context.Context, f newsdesk.ArticleFilter) ([]*newsdesk.Article, error) {
	m.queries.Add(1)
	out, _ := m.find(f)
	return out, nil
}

func (m *memStore) FindArticles(_ context.Context, f newsdesk.ArticleFilter) ([]*newsdesk.Article, int, error) {
	out, n := m.find(f)
	return out, n, nil
}

// find selects as the store does: newest first (m.articles is kept so),
// then the filter's offset and limit.
func (m *memStore) find(f newsdesk.ArticleFilter) ([]*newsdesk.Article, int) {
	var out []*newsdesk.Article
	for _, a := range m.articles {
		if f.Category != nil && (len(a.Categories) == 0 || a.Categories[0].Slug != *f.Category) {
			continue
		}
		out = append(out, a)
	}
	n := len(out)
	out = out[min(f.Offset, n):]
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, n
}

func (m *memStore) FindAuthorBySlug(_ context.Context, slug string) (*newsdesk.Author, error) {
	if slug == "ada" {
		return &newsdesk.Author{Slug: "ada", Name: "Ada"}, nil
	}
	return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "author %q not found", slug)
}

func (m *memStore) FindCategoryBySlug(_ context.Context, slug string) (*newsdesk.Category, error) {
	if slug == "economy" || slug == "empty" {
		return &newsdesk.Category{Slug: slug, Name: strings.ToUpper(slug)}, nil
	}
	return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "category %q not found", slug)
}

var day = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

func article(slug string, at time.Time) *newsdesk.Article {
	return &newsdesk.Article{UID: "tag:example.org,2026-11-20:" + slug, Slug: slug, Title: "Title " + slug,
		HTML: "<p>x</p>", Status: newsdesk.StatusPublished, PublishedAt: at, UpdatedAt: at,
		Categories: []*newsdesk.Category{{Slug: "economy", Name: "Economy"}}}
}

func newPublisher(store *memStore) *feeds.Publisher {
	return &feeds.Publisher{Store: store, Site: newsdesk.Site{Title: "Desk", BaseURL: "https://example.org", Language: "en"},
		Epoch: day.Add(-24 * time.Hour)}
}

func TestPublisherCachesUntilInvalidated(t *testing.T) {
	store := &memStore{articles: []*newsdesk.Article{article("one", day)}}
	p := newPublisher(store)
	ctx := context.Background()
	first, err := p.Feed(ctx, feeds.Scope{}, feeds.RSS)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := p.Feed(ctx, feeds.Scope{}, feeds.RSS)
	if again != first || store.queries.Load() != 1 {
		t.Fatalf("second request queried the store (%d queries)", store.queries.Load())
	}
	store.articles = append([]*newsdesk.Article{article("two", day.Add(time.Hour))}, store.articles...)
	p.Invalidate()
	fresh, _ := p.Feed(ctx, feeds.Scope{}, feeds.RSS)
	if !strings.Contains(string(fresh.Body), "Title two") || fresh.ETag == first.ETag {
		t.Fatal("invalidated feed did not change")
	}
	if !fresh.LastModified.Equal(day.Add(time.Hour)) {
		t.Errorf("Last-Modified %v, want the newest change", fresh.LastModified)
	}
}

func TestPublisherScopes(t *testing.T) {
	p := newPublisher(&memStore{articles: []*newsdesk.Article{article("one", day)}})
	ctx := context.Background()
	for _, tc := range []struct {
		scope feeds.Scope
		code  string
	}{
		{feeds.Scope{Kind: feeds.ScopeCategory, Slug: "economy"}, ""},
		{feeds.Scope{Kind: feeds.ScopeCategory, Slug: "empty"}, ""},
		{feeds.Scope{Kind: feeds.ScopeAuthor, Slug: "ada"}, ""},
		{feeds.Scope{Kind: feeds.ScopeCategory, Slug: "nope"}, newsdesk.ENOTFOUND},
		{feeds.Scope{Kind: feeds.ScopeAuthor, Slug: "nope"}, newsdesk.ENOTFOUND},
		{feeds.Scope{Kind: "tag", Slug: "x"}, newsdesk.ENOTFOUND},
	} {
		doc, err := p.Feed(ctx, tc.scope, feeds.Atom)
		if newsdesk.ErrorCode(err) != tc.code {
			t.Errorf("%+v: err %v, want code %q", tc.scope, err, tc.code)
		}
		if err == nil && !strings.Contains(string(doc.Body), "https://example.org"+tc.scope.Path(feeds.Atom)) {
			t.Errorf("%+v: no self link to %s", tc.scope, tc.scope.Path(feeds.Atom))
		}
	}
	empty, _ := p.Feed(ctx, feeds.Scope{Kind: feeds.ScopeCategory, Slug: "empty"}, feeds.Atom)
	if empty != nil && !strings.Contains(string(empty.Body), "<updated>2026-11-19T08:00:00Z</updated>") {
		t.Errorf("empty feed does not fall back to the epoch:\n%s", empty.Body)
	}
}

func TestDocumentServeConditionalGET(t *testing.T) {
	doc := feeds.NewDocument([]byte("<rss/>"), feeds.RSS.ContentType(), day)
	serve := func(method string, header ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/feed.xml", nil)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		w := httptest.NewRecorder()
		doc.Serve(w, r, []string{"public, max-age=60"})
		return w
	}
	lm := day.Format(http.TimeFormat)
	for name, tc := range map[string]struct {
		header []string
		status int
	}{
		"plain":                   {nil, 200},
		"etag matches":            {[]string{"If-None-Match", doc.ETag}, 304},
		"weak form matches":       {[]string{"If-None-Match", "W/" + doc.ETag}, 304},
		"one of a list":           {[]string{"If-None-Match", `"a", ` + doc.ETag}, 304},
		"star":                    {[]string{"If-None-Match", "*"}, 304},
		"etag differs":            {[]string{"If-None-Match", `"other"`}, 200},
		"etag wins over date":     {[]string{"If-None-Match", `"other"`, "If-Modified-Since", lm}, 200},
		"not modified since":      {[]string{"If-Modified-Since", lm}, 304},
		"modified since":          {[]string{"If-Modified-Since", day.Add(-time.Second).Format(http.TimeFormat)}, 200},
		"garbage date":            {[]string{"If-Modified-Since", "yesterday-ish"}, 200},
		"gzip etag on plain body": {[]string{"If-None-Match", doc.GzipETag}, 304},
	} {
		if w := serve(http.MethodGet, tc.header...); w.Code != tc.status {
			t.Errorf("%s: status %d, want %d", name, w.Code, tc.status)
		}
	}
	w := serve(http.MethodGet)
	if w.Header().Get("ETag") != doc.ETag || w.Header().Get("Last-Modified") != lm ||
		w.Header().Get("Cache-Control") != "public, max-age=60" || w.Body.String() != "<rss/>" {
		t.Errorf("headers %v body %q", w.Header(), w.Body)
	}
	gz := serve(http.MethodGet, "Accept-Encoding", "br, gzip;q=0.8")
	if gz.Header().Get("Content-Encoding") != "gzip" || gz.Header().Get("ETag") != doc.GzipETag || gz.Body.Len() != len(doc.Gzip) {
		t.Errorf("gzip: %v", gz.Header())
	}
	if w := serve(http.MethodGet, "Accept-Encoding", "gzip;q=0"); w.Header().Get("Content-Encoding") != "" {
		t.Error("gzip sent though refused with q=0")
	}
	if head := serve(http.MethodHead); head.Body.Len() != 0 || head.Header().Get("Content-Length") != "6" {
		t.Errorf("HEAD: body %d bytes, length %q", head.Body.Len(), head.Header().Get("Content-Length"))
	}
}
