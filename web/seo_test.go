package web

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

// withDirectory gives the fixture's server its search, sitemaps and a
// media folder holding one image of each kind it can measure.
func withDirectory(t *testing.T) func(*Server) {
	media := t.TempDir()
	os.WriteFile(filepath.Join(media, "chart.svg"), []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 360"></svg>`), 0o644)
	return func(s *Server) {
		store := s.Articles.(*countingArticles).ArticleStore.(interface {
			Searcher
			Directory
		})
		s.Search, s.Directory, s.MediaDir = store, store, media
		s.Site.Logo = "/media/logo.svg"
		s.Clock = newsdesk.NewFixedClock(epoch.Add(49*time.Hour + 30*time.Minute))
	}
}

var ldJSON = regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`)

// TestArticlePagesDescribeThemselves: an article page has a description,
// link-preview tags and NewsArticle linked data that parses, and its
// images have sizes.
func TestArticlePagesDescribeThemselves(t *testing.T) {
	f := newPageFixture(t, 3, withDirectory(t))
	ctx := t.Context()
	a, _ := f.articles.FindArticleBySlug(ctx, "story-2")
	summary, image, body := "A <short> summary & more.", "/media/chart.svg", "![Chart](/media/chart.svg)"
	if _, err := f.articles.UpdateArticle(ctx, a.ID, newsdesk.ArticleUpdate{Summary: &summary, Image: &image, Body: &body}); err != nil {
		t.Fatal(err)
	}
	_, page := f.get("/articles/story-2")
	for _, want := range []string{
		`<meta name="description" content="A &lt;short&gt; summary &amp; more.">`,
		`<meta property="og:type" content="article">`,
		`<meta property="og:image" content="https://news.example.org/media/chart.svg">`,
		`<meta property="og:image:width" content="640">`,
		`<meta name="twitter:card" content="summary_large_image">`,
		`<link rel="canonical" href="https://news.example.org/articles/story-2">`,
		`width="640" height="360"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("article page lacks %s", want)
		}
	}
	m := ldJSON.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no JSON-LD:\n%s", page)
	}
	var ld struct {
		Type      string `json:"@type"`
		Headline  string
		Publisher struct {
			Name string
			Logo struct{ URL string }
		}
		DatePublished string
	}
	if err := json.Unmarshal([]byte(m[1]), &ld); err != nil {
		t.Fatalf("JSON-LD does not parse: %v\n%s", err, m[1])
	}
	if ld.Type != "NewsArticle" || ld.Headline != "Story 2" || ld.Publisher.Name != "The Review" ||
		ld.Publisher.Logo.URL != "https://news.example.org/media/logo.svg" || ld.DatePublished == "" {
		t.Errorf("JSON-LD = %+v", ld)
	}
	_, home := f.get("/")
	if !strings.Contains(home, `<h1 class="site-title">`) || !strings.Contains(home, `<meta name="description"`) {
		t.Error("the front page lacks its h1 or its description")
	}
}

// TestSitemapsListThePublicSite: the index names the sitemaps, the article
// sitemap every published article, the news sitemap the last two days'.
func TestSitemapsListThePublicSite(t *testing.T) {
	f := newPageFixture(t, 3, withDirectory(t))
	var idx struct {
		Sitemaps []struct{ Loc string } `xml:"sitemap"`
	}
	resp, body := f.get("/sitemap.xml")
	if err := xml.Unmarshal([]byte(body), &idx); err != nil || resp.Header.Get("Content-Type") != "application/xml; charset=utf-8" {
		t.Fatalf("sitemap.xml (%s): %v\n%s", resp.Header.Get("Content-Type"), err, body)
	}
	if len(idx.Sitemaps) != 3 {
		t.Errorf("index names %d sitemaps, want pages, articles and news", len(idx.Sitemaps))
	}
	_, articles := f.get("/sitemap-articles-1.xml")
	for _, want := range []string{"https://news.example.org/articles/story-1", "https://news.example.org/articles/story-3", "<lastmod>"} {
		if !strings.Contains(articles, want) {
			t.Errorf("article sitemap lacks %s:\n%s", want, articles)
		}
	}
	// The clock stands 48.5 hours after the first article: two are recent.
	_, news := f.get("/sitemap-news.xml")
	if n := strings.Count(news, "<news:news>"); n != 2 || strings.Contains(news, "story-1<") {
		t.Errorf("news sitemap has %d articles, want the 2 of the last two days:\n%s", n, news)
	}
	if resp, _ := f.get("/sitemap-articles-2.xml"); resp.StatusCode != 404 {
		t.Errorf("sitemap-articles-2.xml = %d, want 404", resp.StatusCode)
	}
	_, robots := f.get("/robots.txt")
	if !strings.Contains(robots, "Disallow: /admin/") || !strings.Contains(robots, "Sitemap: https://news.example.org/sitemap.xml") {
		t.Errorf("robots.txt:\n%s", robots)
	}
	if resp, _ := f.get("/favicon.ico"); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("favicon.ico = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestSearchFindsWordsInBodies: search reads bodies, needs every word, and
// treats what is typed as words, never as query syntax.
func TestSearchFindsWordsInBodies(t *testing.T) {
	f := newPageFixture(t, 3, withDirectory(t))
	ctx := t.Context()
	a, _ := f.articles.FindArticleBySlug(ctx, "story-1")
	body := "The harbour authority publishes its dredging accounts."
	if _, err := f.articles.UpdateArticle(ctx, a.ID, newsdesk.ArticleUpdate{Body: &body}); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{
		"dredging": 1, "harbour accounts": 1, "harbour nothing": 0, "dredg": 1, "Body": 2,
		`"unbalanced`: 0, "NEAR(a b) OR *": 0, "story": 3,
	} {
		resp, page := f.get("/search?q=" + strings.ReplaceAll(q, " ", "+"))
		if resp.StatusCode != 200 {
			t.Errorf("search %q = %d", q, resp.StatusCode)
			continue
		}
		if n := strings.Count(page, `<h2><a href="https://news.example.org/articles/`); n != want {
			t.Errorf("search %q found %d, want %d", q, n, want)
		}
	}
	if resp, _ := f.get("/search?q=" + strings.Repeat("x", 201)); resp.StatusCode != 400 {
		t.Errorf("overlong search = %d, want 400", resp.StatusCode)
	}
}
