package web

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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

	Home        bool   // the front page, whose <h1> is the site's name
	Description string // meta description and link previews
	Image       *pageImage
	LinkedData  any           // schema.org JSON-LD, encoded by html/template
	Body        template.HTML // the article's content as the page shows it
	Query       string        // what was searched for
	Total       int           // search results in all
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
	body, err := s.renderPage(name, p)
	if err != nil {
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// renderPage executes the page template name with what every page shows.
func (s *Server) renderPage(name string, p *page) ([]byte, error) {
	p.Site = s.Site
	if p.Feeds == nil {
		p.Feeds = s.feedLinks(feeds.Scope{}, s.Site.Title)
	}
	var buf bytes.Buffer
	if err := s.Pages.ExecuteTemplate(&buf, name, p); err != nil {
		s.Logger.Error("render page", "template", name, "err", err)
		return nil, err
	}
	return buf.Bytes(), nil
}

func (s *Server) pageSize() int {
	if s.PageSize <= 0 {
		return 20
	}
	return s.PageSize
}

// maxPageNumber bounds page numbers in list paths.
const maxPageNumber = 100000

// listPath is the path of page n of the list at base ("/", "/category/x"):
// page 1 is the list's own address, the others /page/N/ below it, so that
// an export to a static host has every page under a plain file name.
func listPath(base string, n int) string {
	if n <= 1 {
		return base
	}
	return strings.TrimSuffix(base, "/") + "/page/" + strconv.Itoa(n) + "/"
}

// listPage reads the page number from the request's path and fills p with
// that page of the published articles that filter selects, and the links to
// its neighbours. A page past the last one is ENOTFOUND, except page 1 of an
// empty list.
func (s *Server) listPage(ctx context.Context, n int, p *page, filter newsdesk.ArticleFilter, base string) error {
	published := newsdesk.StatusPublished
	filter.Status, filter.Limit, filter.Offset = &published, s.pageSize(), (n-1)*s.pageSize()
	articles, total, err := s.Articles.FindArticles(ctx, filter)
	if err != nil {
		return err
	}
	if n > 1 && len(articles) == 0 {
		return newsdesk.Errorf(newsdesk.ENOTFOUND, "There is no page %d here.", n)
	}
	p.Articles = articles
	p.Canonical = s.Site.BaseURL + listPath(base, n)
	if n > 1 {
		p.PrevURL = s.Site.BaseURL + listPath(base, n-1)
	}
	if n*s.pageSize() < total {
		p.NextURL = s.Site.BaseURL + listPath(base, n+1)
	}
	return nil
}

// listNumber reads the page number of a list from the path ({n}) or, from
// links made before lists had paths, ?page=N. canonical is false when the
// request should be sent to the list's path for that page; n is 0 when the
// path names no page. Other query parameters (a campaign tag, say) do not
// change what a page shows, so the cache is keyed by the path alone.
func listNumber(r *http.Request) (n int, canonical bool) {
	if v := r.PathValue("n"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageNumber || strconv.Itoa(n) != v {
			return 0, true // not a page: ENOTFOUND below
		}
		return n, n > 1
	}
	if q := r.URL.Query().Get("page"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 || n > maxPageNumber {
			return 1, false
		}
		return n, false
	}
	return 1, true
}

// listHandler serves the pages of a list: base is the list's first page,
// fill sets what the list shows for the request.
func (s *Server) listHandler(base func(r *http.Request) string, fill func(ctx context.Context, r *http.Request, n int) (string, *page, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n, canonical := listNumber(r)
		if n == 0 {
			s.handleNotFound(w, r)
			return
		}
		if !canonical {
			http.Redirect(w, r, s.Site.BaseURL+listPath(base(r), n), http.StatusMovedPermanently)
			return
		}
		s.servePage(w, r, r.URL.Path, func(ctx context.Context) ([]byte, error) {
			name, p, err := fill(ctx, r, n)
			if err != nil {
				return nil, err
			}
			return s.renderPage(name, p)
		})
	}
}

func (s *Server) handleIndex() http.HandlerFunc {
	return s.listHandler(func(*http.Request) string { return "/" },
		func(ctx context.Context, r *http.Request, n int) (string, *page, error) {
			p := &page{Home: n == 1, Description: s.siteDescription()}
			if err := s.listPage(ctx, n, p, newsdesk.ArticleFilter{}, "/"); err != nil {
				return "", nil, err
			}
			if n == 1 {
				p.Subscribe = s.subscribeForm(ctx)
				p.LinkedData = s.siteLinkedData()
			} else {
				p.Title = "Page " + strconv.Itoa(n)
			}
			return "index.html", p, nil
		})
}

func (s *Server) handleArticle(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	s.servePage(w, r, r.URL.Path, func(ctx context.Context) ([]byte, error) {
		a, err := s.Articles.FindArticleBySlug(ctx, slug)
		if err == nil && a.Status != newsdesk.StatusPublished {
			err = newsdesk.Errorf(newsdesk.ENOTFOUND, "There is no page at this address.")
		}
		if err != nil {
			return nil, err
		}
		p := &page{
			Title:       a.Title,
			Article:     a,
			Related:     s.related(ctx, a),
			Canonical:   s.Site.BaseURL + "/articles/" + url.PathEscape(a.Slug),
			Description: articleDescription(a),
			Image:       s.leadImage(a),
			Body:        s.articleBody(a),
		}
		p.LinkedData = s.articleLinkedData(a, p)
		return s.renderPage("article.html", p)
	})
}

// relatedItems is how many related items an article page shows.
const relatedItems = 5

// related returns the article's related reading. Without it the page is
// still worth showing, so a failure is logged and not passed on.
func (s *Server) related(ctx context.Context, a *newsdesk.Article) []*newsdesk.Item {
	if s.Related == nil {
		return nil
	}
	items, err := s.Related.RelatedItems(ctx, []int64{a.ID}, relatedItems)
	if err != nil {
		s.Logger.Warn("related reading failed", "article", a.Slug, "err", err)
	}
	return items
}

func (s *Server) handleCategory() http.HandlerFunc {
	return s.listHandler(func(r *http.Request) string { return "/category/" + url.PathEscape(r.PathValue("slug")) },
		func(ctx context.Context, r *http.Request, n int) (string, *page, error) {
			c, err := s.Articles.FindCategoryBySlug(ctx, r.PathValue("slug"))
			if err != nil {
				return "", nil, err
			}
			scope := feeds.Scope{Kind: feeds.ScopeCategory, Slug: c.Slug}
			p := &page{Title: c.Name, Feeds: s.feedLinks(scope, s.Site.Title+": "+c.Name),
				Description: "Articles on " + c.Name + " from " + s.Site.Title + "."}
			err = s.listPage(ctx, n, p, newsdesk.ArticleFilter{Category: &c.Slug}, "/category/"+url.PathEscape(c.Slug))
			pageTitle(p, n)
			return "list.html", p, err
		})
}

func (s *Server) handleAuthor() http.HandlerFunc {
	return s.listHandler(func(r *http.Request) string { return "/author/" + url.PathEscape(r.PathValue("slug")) },
		func(ctx context.Context, r *http.Request, n int) (string, *page, error) {
			a, err := s.Articles.FindAuthorBySlug(ctx, r.PathValue("slug"))
			if err != nil {
				return "", nil, err
			}
			scope := feeds.Scope{Kind: feeds.ScopeAuthor, Slug: a.Slug}
			p := &page{Title: a.Name, Intro: a.Bio, Feeds: s.feedLinks(scope, s.Site.Title+": "+a.Name),
				Description: excerpt(a.Bio, descriptionLength), LinkedData: s.authorLinkedData(a)}
			if p.Description == "" {
				p.Description = "Articles by " + a.Name + " in " + s.Site.Title + "."
			}
			err = s.listPage(ctx, n, p, newsdesk.ArticleFilter{Author: &a.Slug}, "/author/"+url.PathEscape(a.Slug))
			pageTitle(p, n)
			return "list.html", p, err
		})
}

// pageTitle names the later pages of a list by their number.
func pageTitle(p *page, n int) {
	if n > 1 {
		p.Title += " · page " + strconv.Itoa(n)
	}
}

// siteDescription is the site's description, or a plain one made from its
// name: search engines want one on every page.
func (s *Server) siteDescription() string {
	if s.Site.Description != "" {
		return excerpt(s.Site.Description, descriptionLength)
	}
	return "The latest articles from " + s.Site.Title + "."
}
