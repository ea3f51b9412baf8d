package web

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/feeds"
)

// Directory lists what sitemaps and exports name: every published article,
// category and author.
type Directory interface {
	PublishedStamps(ctx context.Context, after time.Time, offset, limit int) ([]newsdesk.ArticleStamp, error)
	CountPublished(ctx context.Context) (int, error)
	FindCategories(ctx context.Context) ([]*newsdesk.Category, error)
	FindAuthors(ctx context.Context) ([]*newsdesk.Author, error)
}

// Sitemap sizes: the protocol allows 50,000 URLs a file; Google News reads
// the articles of the last two days, at most 1,000.
const (
	sitemapURLs    = 50000
	newsWindow     = 48 * time.Hour
	newsSitemapMax = 1000
)

// rootFile serves the single-segment files crawlers and browsers ask for
// at the site's root: robots.txt, the sitemaps and the favicon.
func (s *Server) rootFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	switch {
	case name == "robots.txt":
		s.serveCached(w, r, "/robots.txt", "text/plain; charset=utf-8", s.robots)
	case name == "favicon.ico" && s.Site.Favicon != "":
		http.Redirect(w, r, s.absoluteURL(s.Site.Favicon), http.StatusMovedPermanently)
	case name == "favicon.ico":
		s.serveCached(w, r, "/favicon.ico", "image/svg+xml", func(context.Context) ([]byte, error) {
			return []byte(defaultFavicon), nil
		})
	case s.Directory == nil:
		s.handleNotFound(w, r)
	case name == "sitemap.xml":
		s.serveXML(w, r, s.sitemapIndex)
	case name == "sitemap-pages.xml":
		s.serveXML(w, r, s.pagesSitemap)
	case name == "sitemap-news.xml":
		// Not cached: articles leave it as they age, with no change of content.
		body, err := s.newsSitemap(r.Context())
		if err != nil {
			s.Error(w, r, err)
			return
		}
		feeds.NewDocument(body, "application/xml; charset=utf-8", time.Time{}).Serve(w, r, s.pageCacheControl)
	case strings.HasPrefix(name, "sitemap-articles-") && strings.HasSuffix(name, ".xml"):
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "sitemap-articles-"), ".xml"))
		if err != nil || n < 1 || strconv.Itoa(n) != name[len("sitemap-articles-"):len(name)-len(".xml")] {
			s.handleNotFound(w, r)
			return
		}
		s.serveXML(w, r, func(ctx context.Context) ([]byte, error) { return s.articlesSitemap(ctx, n) })
	default:
		s.handleNotFound(w, r)
	}
}

// serveXML serves an XML file from the page cache.
func (s *Server) serveXML(w http.ResponseWriter, r *http.Request, render renderFunc) {
	s.serveCached(w, r, r.URL.Path, "application/xml; charset=utf-8", render)
}

// robots lets crawlers read the public site, keeps them out of the desk,
// the API and the links made for one subscriber, and names the sitemap.
func (s *Server) robots(context.Context) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("User-agent: *\n")
	for _, p := range []string{"/admin/", "/api/", "/confirm/", "/unsubscribe/", "/preferences/", "/r/", "/search"} {
		b.WriteString("Disallow: " + p + "\n")
	}
	b.WriteString("Allow: /\n")
	if s.Directory != nil {
		b.WriteString("\nSitemap: " + s.Site.BaseURL + "/sitemap.xml\n")
	}
	return b.Bytes(), nil
}

type sitemapIndex struct {
	XMLName  xml.Name       `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
	Sitemaps []sitemapEntry `xml:"sitemap"`
}

type sitemapEntry struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

type urlSet struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	News    string       `xml:"xmlns:news,attr,omitempty"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string       `xml:"loc"`
	LastMod string       `xml:"lastmod,omitempty"`
	News    *newsArticle `xml:"news:news,omitempty"`
}

// newsArticle is a Google News sitemap entry.
type newsArticle struct {
	Publication struct {
		Name     string `xml:"news:name"`
		Language string `xml:"news:language"`
	} `xml:"news:publication"`
	PublicationDate string `xml:"news:publication_date"`
	Title           string `xml:"news:title"`
}

const newsNamespace = "http://www.google.com/schemas/sitemap-news/0.9"

func w3cTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func encodeXML(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode sitemap: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// sitemapIndex names the sitemap of pages, one of articles per 50,000,
// and the news sitemap.
func (s *Server) sitemapIndex(ctx context.Context) ([]byte, error) {
	n, err := s.Directory.CountPublished(ctx)
	if err != nil {
		return nil, err
	}
	latest := ""
	if stamps, err := s.Directory.PublishedStamps(ctx, time.Time{}, 0, 1); err != nil {
		return nil, err
	} else if len(stamps) > 0 {
		latest = w3cTime(stamps[0].PublishedAt)
	}
	idx := sitemapIndex{Sitemaps: []sitemapEntry{{Loc: s.Site.BaseURL + "/sitemap-pages.xml", LastMod: latest}}}
	for i := 1; i == 1 || (i-1)*sitemapURLs < n; i++ {
		idx.Sitemaps = append(idx.Sitemaps, sitemapEntry{Loc: s.Site.BaseURL + "/sitemap-articles-" + strconv.Itoa(i) + ".xml"})
	}
	idx.Sitemaps = append(idx.Sitemaps, sitemapEntry{Loc: s.Site.BaseURL + "/sitemap-news.xml"})
	return encodeXML(idx)
}

// pagesSitemap lists the front page, the subscribe page and the pages of
// every category and author.
func (s *Server) pagesSitemap(ctx context.Context) ([]byte, error) {
	set := urlSet{URLs: []sitemapURL{{Loc: s.Site.BaseURL + "/"}}}
	if s.Subscriptions != nil {
		set.URLs = append(set.URLs, sitemapURL{Loc: s.Site.BaseURL + "/subscribe"})
	}
	cats, err := s.Directory.FindCategories(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cats {
		set.URLs = append(set.URLs, sitemapURL{Loc: s.Site.BaseURL + "/category/" + url.PathEscape(c.Slug)})
	}
	authors, err := s.Directory.FindAuthors(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range authors {
		set.URLs = append(set.URLs, sitemapURL{Loc: s.Site.BaseURL + "/author/" + url.PathEscape(a.Slug)})
	}
	return encodeXML(set)
}

// articlesSitemap lists the nth 50,000 published articles, newest first.
func (s *Server) articlesSitemap(ctx context.Context, n int) ([]byte, error) {
	stamps, err := s.Directory.PublishedStamps(ctx, time.Time{}, (n-1)*sitemapURLs, sitemapURLs)
	if err != nil {
		return nil, err
	}
	if len(stamps) == 0 && n > 1 {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "There is no sitemap %d.", n)
	}
	set := urlSet{URLs: make([]sitemapURL, 0, len(stamps))}
	for _, st := range stamps {
		set.URLs = append(set.URLs, sitemapURL{Loc: s.articleURL(st.Slug), LastMod: w3cTime(st.UpdatedAt)})
	}
	return encodeXML(set)
}

// newsSitemap lists the articles of the last two days for Google News.
func (s *Server) newsSitemap(ctx context.Context) ([]byte, error) {
	stamps, err := s.Directory.PublishedStamps(ctx, s.now().Add(-newsWindow), 0, newsSitemapMax)
	if err != nil {
		return nil, err
	}
	set := urlSet{News: newsNamespace, URLs: make([]sitemapURL, 0, len(stamps))}
	for _, st := range stamps {
		na := &newsArticle{PublicationDate: w3cTime(st.PublishedAt), Title: st.Title}
		na.Publication.Name, na.Publication.Language = s.Site.Title, newsLanguage(s.Site.Language)
		set.URLs = append(set.URLs, sitemapURL{Loc: s.articleURL(st.Slug), News: na})
	}
	return encodeXML(set)
}

// newsLanguage is the ISO 639 code Google News asks for: "en" of "en-GB",
// except the two Chinese scripts it tells apart.
func newsLanguage(tag string) string {
	switch strings.ToLower(tag) {
	case "zh-cn", "zh-hans":
		return "zh-cn"
	case "zh-tw", "zh-hant":
		return "zh-tw"
	}
	lang, _, _ := strings.Cut(tag, "-")
	return strings.ToLower(lang)
}

func (s *Server) articleURL(slug string) string {
	return s.Site.BaseURL + "/articles/" + url.PathEscape(slug)
}

func (s *Server) now() time.Time {
	if s.Clock != nil {
		return s.Clock.Now()
	}
	return time.Now()
}

// defaultFavicon is the site's icon until one is configured (site.favicon):
// browsers ask for /favicon.ico on every site, and a 404 is an error in
// their console.
const defaultFavicon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">` +
	`<rect width="32" height="32" rx="6" fill="#0b5cad"/>` +
	`<path d="M8 9h10M8 14h16M8 19h16M8 24h12" stroke="#fffdf8" stroke-width="2.5" stroke-linecap="round"/></svg>`
