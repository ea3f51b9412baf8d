package web

import (
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/newsdesk/newsdesk"
	"golang.org/x/net/html"
)

// pageImage is a page's lead image, for the page and for link previews.
type pageImage struct {
	URL           string
	Alt           string
	Width, Height int
}

// descriptionLength is about what search engines show of a description.
const descriptionLength = 160

// absoluteURL resolves a link found in content against the site's address.
func (s *Server) absoluteURL(ref string) string { return newsdesk.SiteURL(s.Site.BaseURL, ref) }

// leadImage is the article's image with its size, or nil.
func (s *Server) leadImage(a *newsdesk.Article) *pageImage {
	if a.Image == "" {
		return nil
	}
	abs := s.absoluteURL(a.Image)
	size := s.images.of(abs)
	return &pageImage{URL: abs, Width: size.Width, Height: size.Height}
}

// articleDescription is the article's summary or, without one, the start
// of its text.
func articleDescription(a *newsdesk.Article) string {
	if a.Summary != "" {
		return excerpt(a.Summary, descriptionLength)
	}
	return excerpt(htmlText(a.HTML), descriptionLength)
}

// htmlText returns the text of an HTML fragment, without its markup.
func htmlText(fragment string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() == io.EOF {
				return b.String()
			}
			return b.String()
		case html.TextToken:
			b.Write(z.Text())
			b.WriteByte(' ')
		}
	}
}

// excerpt folds white space and cuts s to at most n characters at a word
// boundary, marking the cut with an ellipsis.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut, count := 0, 0
	for i := range s {
		if count == n-1 {
			cut = i
			break
		}
		count++
	}
	if sp := strings.LastIndexByte(s[:cut], ' '); sp > cut/2 {
		cut = sp
	}
	return strings.TrimRight(s[:cut], " ,;:.-") + "…"
}

// organization is the publisher, as schema.org describes one.
func (s *Server) organization() map[string]any {
	org := map[string]any{"@type": "Organization", "name": s.Site.Title, "url": s.Site.BaseURL + "/"}
	if s.Site.Logo != "" {
		org["logo"] = map[string]any{"@type": "ImageObject", "url": s.absoluteURL(s.Site.Logo)}
	}
	return org
}

// articleLinkedData describes an article for search engines: schema.org's
// NewsArticle with its author and publisher.
func (s *Server) articleLinkedData(a *newsdesk.Article, p *page) map[string]any {
	d := map[string]any{
		"@context":         "https://schema.org",
		"@type":            "NewsArticle",
		"headline":         excerpt(a.Title, 110),
		"url":              p.Canonical,
		"mainEntityOfPage": p.Canonical,
		"datePublished":    a.PublishedAt.UTC().Format("2006-01-02T15:04:05Z07:00"),
		"dateModified":     a.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z07:00"),
		"publisher":        s.organization(),
		"inLanguage":       s.Site.Language,
	}
	if p.Description != "" {
		d["description"] = p.Description
	}
	if a.Author != nil {
		d["author"] = []any{s.person(a.Author)}
	}
	if p.Image != nil {
		d["image"] = []string{p.Image.URL}
	}
	if len(a.Categories) > 0 {
		names := make([]string, len(a.Categories))
		for i, c := range a.Categories {
			names[i] = c.Name
		}
		d["articleSection"] = names
	}
	return d
}

// person describes an author as schema.org's Person.
func (s *Server) person(a *newsdesk.Author) map[string]any {
	p := map[string]any{"@type": "Person", "name": a.Name, "url": s.Site.BaseURL + "/author/" + url.PathEscape(a.Slug)}
	if a.URL != "" {
		p["sameAs"] = []string{a.URL}
	}
	return p
}

// siteLinkedData describes the front page: the site and its publisher.
func (s *Server) siteLinkedData() map[string]any {
	site := map[string]any{"@type": "WebSite", "name": s.Site.Title, "url": s.Site.BaseURL + "/",
		"inLanguage": s.Site.Language, "publisher": s.organization()}
	if s.Search != nil {
		site["potentialAction"] = map[string]any{
			"@type":       "SearchAction",
			"target":      s.Site.BaseURL + "/search?q={search_term_string}",
			"query-input": "required name=search_term_string",
		}
	}
	return map[string]any{"@context": "https://schema.org", "@graph": []any{site, s.organization()}}
}

// authorLinkedData describes an author's page as schema.org's ProfilePage.
func (s *Server) authorLinkedData(a *newsdesk.Author) map[string]any {
	return map[string]any{"@context": "https://schema.org", "@type": "ProfilePage", "mainEntity": s.person(a)}
}

// articleBody is the article's HTML as the page shows it: sanitised when
// saved, with image sizes added here.
func (s *Server) articleBody(a *newsdesk.Article) template.HTML {
	return template.HTML(s.images.sizeImages(a.HTML))
}

// searchPageSize is how many results a search page shows.
const searchPageSize = 20

// maxSearchLength bounds what a reader may search for.
const maxSearchLength = 200

// handleSearch shows the published articles that match ?q=, a page at a
// time (?page=N). Results are not cached: queries are endless.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if utf8.RuneCountInString(q) > maxSearchLength {
		s.Error(w, r, newsdesk.FieldErrorf("q", "Search for at most %d characters.", maxSearchLength))
		return
	}
	n := 1
	if v := r.URL.Query().Get("page"); v != "" {
		if i, err := strconv.Atoi(v); err == nil && i > 1 && i <= maxPageNumber {
			n = i
		}
	}
	p := &page{Title: "Search", Query: q, Description: "Search the articles of " + s.Site.Title + ".",
		Canonical: s.Site.BaseURL + "/search"}
	if q != "" {
		articles, total, err := s.Search.SearchArticles(r.Context(), q, searchPageSize, (n-1)*searchPageSize)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		p.Articles, p.Total = articles, total
		p.Title = "Search: " + q
		link := func(n int) string {
			v := url.Values{"q": {q}}
			if n > 1 {
				v.Set("page", strconv.Itoa(n))
			}
			return s.Site.BaseURL + "/search?" + v.Encode()
		}
		if n > 1 {
			p.PrevURL = link(n - 1)
		}
		if n*searchPageSize < total {
			p.NextURL = link(n + 1)
		}
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Robots-Tag", "noindex")
	s.render(w, r, "search.html", p)
}
