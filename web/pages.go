package web

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/feeds"
)

// page is what every page template gets.
type page struct {
	Site      Site
	Title     string
	Intro     string
	Message   string
	Canonical string
	Feeds     []feedLink
	Article   *newsdesk.Article
	Articles  []*newsdesk.Article
	Related   []*newsdesk.Item
	PrevURL   string
	NextURL   string
	Subscribe *subscribePage // subscription forms and notices
}

// feedLink is one autodiscovery link.
type feedLink struct {
	// TypeAttr is the whole type="…" attribute, so that html/template does
	// not escape the "+" of the media type, which naive autodiscovery
	// code would then miss.
	TypeAttr          template.HTMLAttr
	Title, Label, URL string
}

// feedLinks returns the autodiscovery links of a scope's feeds, titled
// after what they hold.
func (s *Server) feedLinks(scope feeds.Scope, title string) []feedLink {
	labels := map[feeds.Format]string{feeds.RSS: "RSS", feeds.Atom: "Atom", feeds.JSON: "JSON Feed"}
	links := make([]feedLink, 0, len(feeds.Formats))
	for _, f := range feeds.Formats {
		links = append(links, feedLink{
			TypeAttr: template.HTMLAttr(`type="` + mediaType(f.ContentType()) + `"`),
			Title:    title + " (" + labels[f] + ")",
			Label:    labels[f],
			URL:      s.Site.BaseURL + scope.Path(f),
		})
	}
	return links
}

func mediaType(contentType string) string {
	for i := 0; i < len(contentType); i++ {
		if contentType[i] == ';' {
			return contentType[:i]
		}
	}
	return contentType
}

// Funcs are the helpers page templates use.
func (s *Server) Funcs() template.FuncMap {
	return PageFuncs(s.Site.BaseURL)
}

// PageFuncs returns the template helpers for a site at baseURL.
func PageFuncs(baseURL string) template.FuncMap {
	return template.FuncMap{
		"permalink":   func(a *newsdesk.Article) string { return baseURL + "/articles/" + url.PathEscape(a.Slug) },
		"authorURL":   func(a *newsdesk.Author) string { return baseURL + "/author/" + url.PathEscape(a.Slug) },
		"categoryURL": func(c *newsdesk.Category) string { return baseURL + "/category/" + url.PathEscape(c.Slug) },
		"isoTime":     func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"longDate":    func(t time.Time) string { return t.UTC().Format("2 January 2006") },
		"after":       func(a, b time.Time) bool { return a.Sub(b) > time.Minute },
		// trusted marks article HTML as safe: it was sanitised when saved.
		"trusted": func(s string) template.HTML { return template.HTML(s) },
	}
}

// render writes a page with status 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, p *page) {
	s.renderStatus(w, r, http.StatusOK, name, p)
}

// renderStatus executes the template into a buffer first, so that a
// template error becomes a clean 500 and not half a page.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	p.Site = s.Site
	if p.Feeds == nil {
		p.Feeds = s.feedLinks(feeds.Scope{}, s.Site.Title)
	}
	var buf bytes.Buffer
	if err := s.Pages.ExecuteTemplate(&buf, name, p); err != nil {
		s.Logger.Error("render page", "template", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

func (s *Server) pageSize() int {
	if s.PageSize <= 0 {
		return 20
	}
	return s.PageSize
}

// pageNumber reads ?page=N; anything that is not a positive number is page 1.
func pageNumber(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}

// listPage fills a page with one page of the published articles that filter
// selects, and the links to its neighbours.
func (s *Server) listPage(r *http.Request, p *page, filter newsdesk.ArticleFilter, path string) error {
	published := newsdesk.StatusPublished
	n := pageNumber(r)
	filter.Status, filter.Limit, filter.Offset = &published, s.pageSize(), (n-1)*s.pageSize()
	articles, total, err := s.Articles.FindArticles(r.Context(), filter)
	if err != nil {
		return err
	}
	p.Articles = articles
	p.Canonical = s.Site.BaseURL + path
	if n > 1 {
		p.PrevURL = s.Site.BaseURL + path + pageQuery(n-1)
		p.Canonical += pageQuery(n)
	}
	if n*s.pageSize() < total {
		p.NextURL = s.Site.BaseURL + path + pageQuery(n+1)
	}
	return nil
}

func pageQuery(n int) string {
	if n <= 1 {
		return ""
	}
	return "?page=" + strconv.Itoa(n)
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	p := &page{}
	if err := s.listPage(r, p, newsdesk.ArticleFilter{}, "/"); err != nil {
		s.Error(w, r, err)
		return
	}
	p.Subscribe = s.subscribeForm(r.Context())
	s.render(w, r, "index.html", p)
}

func (s *Server) handleArticle(w http.ResponseWriter, r *http.Request) {
	a, err := s.Articles.FindArticleBySlug(r.Context(), r.PathValue("slug"))
	if err == nil && a.Status != newsdesk.StatusPublished {
		err = newsdesk.Errorf(newsdesk.ENOTFOUND, "There is no page at this address.")
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, "article.html", &page{
		Title:     a.Title,
		Article:   a,
		Related:   s.related(r, a),
		Canonical: s.Site.BaseURL + "/articles/" + url.PathEscape(a.Slug),
	})
}

// relatedItems is how many related items an article page shows.
const relatedItems = 5

// related returns the article's related reading. Without it the page is
// still worth showing, so a failure is logged and not passed on.
func (s *Server) related(r *http.Request, a *newsdesk.Article) []*newsdesk.Item {
	if s.Related == nil {
		return nil
	}
	items, err := s.Related.RelatedItems(r.Context(), []int64{a.ID}, relatedItems)
	if err != nil {
		s.Logger.Warn("related reading failed", "article", a.Slug, "err", err)
	}
	return items
}

func (s *Server) handleCategory(w http.ResponseWriter, r *http.Request) {
	c, err := s.Articles.FindCategoryBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	scope := feeds.Scope{Kind: feeds.ScopeCategory, Slug: c.Slug}
	p := &page{Title: c.Name, Feeds: s.feedLinks(scope, s.Site.Title+": "+c.Name)}
	if err := s.listPage(r, p, newsdesk.ArticleFilter{Category: &c.Slug}, "/category/"+url.PathEscape(c.Slug)); err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, "list.html", p)
}

func (s *Server) handleAuthor(w http.ResponseWriter, r *http.Request) {
	a, err := s.Articles.FindAuthorBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	scope := feeds.Scope{Kind: feeds.ScopeAuthor, Slug: a.Slug}
	p := &page{Title: a.Name, Intro: a.Bio, Feeds: s.feedLinks(scope, s.Site.Title+": "+a.Name)}
	if err := s.listPage(r, p, newsdesk.ArticleFilter{Author: &a.Slug}, "/author/"+url.PathEscape(a.Slug)); err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, "list.html", p)
}
