package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// Redirects finds where the addresses of a site imported from WordPress,
// Ghost or Substack went.
type Redirects interface {
	// FindRedirect returns the slug of the published article an old
	// address (a newsdesk.RedirectPath) moved to, or ENOTFOUND.
	FindRedirect(ctx context.Context, path string) (string, error)
}

// oldFeeds are the feed addresses of WordPress (/feed/, /?feed=rss2),
// Ghost (/rss/) and Substack (/feed), which readers subscribed to before
// the move.
var oldFeeds = map[string]string{
	"/feed": "/feed.xml", "/feed/rss2": "/feed.xml", "/feed/rss": "/feed.xml", "/feed/atom": "/atom.xml",
	"/rss": "/feed.xml", "/?feed=rss2": "/feed.xml", "/?feed=rss": "/feed.xml", "/?feed=atom": "/atom.xml",
}

// oldScopedFeed matches WordPress's category, tag and author feeds and
// pages, whose slugs the import keeps.
var oldScopedFeed = regexp.MustCompile(`^/(category|tag|author)/([a-z0-9-]+)(/feed(?:/rss2|/atom)?)?$`)

// oldAddresses answers 301 for an imported site's old addresses: before
// a 404, or at the site's root when it has a query, as WordPress's /?p=123
// does. Everything else goes to next as it would have.
func (s *Server) oldAddresses(mux *http.ServeMux) http.Handler {
	if s.Redirects == nil {
		return mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			if _, pattern := mux.Handler(r); mayBeOld(pattern, r) {
				if to := s.redirectTarget(r); to != "" {
					http.Redirect(w, r, s.Site.BaseURL+to, http.StatusMovedPermanently)
					return
				}
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// mayBeOld reports whether a request the router sends to pattern could be
// an old address: one no page here answers.
func mayBeOld(pattern string, r *http.Request) bool {
	switch pattern {
	case "GET /":
		return true
	case "GET /{$}":
		return r.URL.RawQuery != ""
	case "GET /{file}":
		name := strings.TrimPrefix(r.URL.Path, "/")
		return name != "robots.txt" && name != "favicon.ico" && !strings.HasPrefix(name, "sitemap")
	}
	return false
}

// redirectTarget returns the path an old address moved to, or "".
func (s *Server) redirectTarget(r *http.Request) string {
	path := r.URL.Path
	if path == "/index.php" {
		path = "/"
	}
	key := newsdesk.RedirectPath(path, r.URL.RawQuery)
	if to, ok := oldFeeds[key]; ok {
		return to
	}
	if m := oldScopedFeed.FindStringSubmatch(key); m != nil {
		kind := m[1]
		if kind == "tag" {
			kind = "category" // tags were imported as categories
		}
		to := "/" + kind + "/" + m[2]
		switch {
		case strings.HasSuffix(m[3], "/atom"):
			return to + "/atom.xml"
		case m[3] != "":
			return to + "/feed.xml"
		default: // WordPress's /category/x/, with its slash
			return to
		}
	}
	for _, k := range redirectKeys(path, r.URL.RawQuery, key) {
		if slug, err := s.Redirects.FindRedirect(r.Context(), k); err == nil {
			return "/articles/" + url.PathEscape(slug)
		}
	}
	return ""
}

// redirectKeys are the keys to try for an address, best first: all of it,
// then WordPress's post and page ids alone, then the path without its
// query (a link with tracking parameters added, say).
func redirectKeys(path, rawQuery, key string) []string {
	keys := []string{key}
	if rawQuery == "" {
		return keys
	}
	q, _ := url.ParseQuery(rawQuery)
	for _, id := range []string{"p", "page_id"} {
		if v := q.Get(id); v != "" {
			keys = append(keys, newsdesk.RedirectPath(path, id+"="+url.QueryEscape(v)))
		}
	}
	if k := newsdesk.RedirectPath(path, ""); k != "" {
		keys = append(keys, k)
	}
	return keys
}
