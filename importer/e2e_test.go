package importer_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/feeds"
	"github.com/newsdesk/newsdesk/templates"
	"github.com/newsdesk/newsdesk/web"
)

const base = "https://news.example.org"

// After a WordPress import the feeds carry the posts' WordPress guids as
// RSS guid, Atom id and JSON Feed id, so readers that follow the feed here
// see nothing new.
func TestImportedFeedsKeepGUIDs(t *testing.T) {
	f := newFixture(t)
	if _, err := f.importer().WordPress(context.Background(), "testdata/wordpress.xml"); err != nil {
		t.Fatal(err)
	}
	p := &feeds.Publisher{Store: f.articles, Site: newsdesk.Site{Title: "The Review", BaseURL: base, Language: "en"}, Items: 20}
	want := map[feeds.Format][]string{
		feeds.RSS: {`<guid isPermaLink="false">http://old.example.com/?p=1</guid>`, `<guid isPermaLink="false">http://old.example.com/?p=2</guid>`,
			`<link>` + base + `/articles/hello-world</link>`},
		feeds.Atom: {`<id>http://old.example.com/?p=1</id>`, `<id>http://old.example.com/?p=2</id>`,
			`<published>2014-06-01T10:00:00Z</published>`, `<updated>2014-06-02T08:30:00Z</updated>`},
		feeds.JSON: {`"id": "http://old.example.com/?p=1"`},
	}
	for format, parts := range want {
		doc, err := p.Feed(context.Background(), feeds.Scope{}, format)
		if err != nil {
			t.Fatal(err)
		}
		body := string(doc.Body)
		for _, s := range parts {
			if !strings.Contains(body, s) {
				t.Errorf("%s feed lacks %s:\n%s", format, s, body)
			}
		}
		for _, s := range []string{"?p=3", "?p=4", "?p=5", "?p=6", "?p=7", "?p=8", "<script", "onclick"} {
			if strings.Contains(body, s) {
				t.Errorf("%s feed holds %q, which is not published or not safe", format, s)
			}
		}
	}
}

// Every old address of a published post answers 301 to its article.
func TestOldAddressesRedirect(t *testing.T) {
	f := newFixture(t)
	if _, err := f.importer().WordPress(context.Background(), "testdata/wordpress.xml"); err != nil {
		t.Fatal(err)
	}
	s := &web.Server{Site: web.Site{Title: "The Review", BaseURL: base, Language: "en"},
		Articles: f.articles, Redirects: f.articles, Logger: slog.New(slog.DiscardHandler)}
	pages, err := templates.Pages("", s.Funcs())
	if err != nil {
		t.Fatal(err)
	}
	s.Pages = pages
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	for path, want := range map[string]string{
		"/?p=1":                       "/articles/hello-world",
		"/index.php?p=1":              "/articles/hello-world",
		"/?p=1&utm_source=x":          "/articles/hello-world",
		"/2014/06/hello-world/":       "/articles/hello-world",
		"/2014/06/hello-world":        "/articles/hello-world",
		"/2014/06/hello-world/photo/": "/articles/hello-world",
		"/2015/01/%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82-%D0%BC%D0%B8%D1%80/": "/articles/post-2",
		"/2015/01/%d0%bf%d1%80%d0%b8%d0%b2%d0%b5%d1%82-%d0%bc%d0%b8%d1%80/": "/articles/post-2",
		"/feed/":                  "/feed.xml",
		"/feed/atom/":             "/atom.xml",
		"/category/climate/feed/": "/category/climate/feed.xml",
		"/tag/oceans/":            "/category/oceans",
		"/?p=3":                   "", // a draft: nothing to show
		"/?p=4":                   "", // scheduled, not yet published
		"/2099/01/nothing/":       "",
	} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch {
		case want == "" && resp.StatusCode == http.StatusMovedPermanently:
			t.Errorf("GET %s: 301 to %s, want no redirect", path, resp.Header.Get("Location"))
		case want != "" && (resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != base+want):
			t.Errorf("GET %s: %d to %q, want 301 to %s", path, resp.StatusCode, resp.Header.Get("Location"), base+want)
		}
	}
}

// A Ghost post keeps Ghost's post id as its RSS guid, which is what
// Ghost's feed gave; Atom, which wants an IRI, gets it under the desk's
// tag: prefix.
func TestGhostFeedIDs(t *testing.T) {
	f := newFixture(t)
	if _, err := f.importer().Ghost(context.Background(), "testdata/ghost.json"); err != nil {
		t.Fatal(err)
	}
	p := &feeds.Publisher{Store: f.articles, Site: newsdesk.Site{Title: "The Review", BaseURL: base, Language: "en",
		IDPrefix: "tag:news.example.org,2026-11-25:"}, Items: 20}
	for format, want := range map[feeds.Format]string{
		feeds.RSS:  `<guid isPermaLink="false">64f1a2b3c4d5e6f708192a3b</guid>`,
		feeds.Atom: `<id>tag:news.example.org,2026-11-25:article:64f1a2b3c4d5e6f708192a3b</id>`,
	} {
		doc, err := p.Feed(context.Background(), feeds.Scope{}, format)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(doc.Body), want) {
			t.Errorf("%s feed lacks %s:\n%s", format, want, doc.Body)
		}
	}
}
