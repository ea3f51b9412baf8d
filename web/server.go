// Package web serves newsdesk over HTTP: the public site and its feeds.
package web

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/feeds"
	"golang.org/x/time/rate"
)

// ArticleStore is what the site reads articles from.
type ArticleStore interface {
	FindArticleBySlug(ctx context.Context, slug string) (*newsdesk.Article, error)
	FindArticles(ctx context.Context, filter newsdesk.ArticleFilter) ([]*newsdesk.Article, int, error)
	FindAuthorBySlug(ctx context.Context, slug string) (*newsdesk.Author, error)
	FindCategoryBySlug(ctx context.Context, slug string) (*newsdesk.Category, error)
}

// RelatedReader finds the ingested items related to articles.
type RelatedReader interface {
	RelatedItems(ctx context.Context, articleIDs []int64, limit int) ([]*newsdesk.Item, error)
}

// FeedSource renders (or returns cached) feed documents.
type FeedSource interface {
	Feed(ctx context.Context, scope feeds.Scope, f feeds.Format) (*feeds.Document, error)
}

// Searcher finds published articles by their words, bodies included.
type Searcher interface {
	SearchArticles(ctx context.Context, query string, limit, offset int) ([]*newsdesk.Article, int, error)
}

// Site is what pages say about the publication.
type Site struct {
	Title         string
	Description   string
	BaseURL       string
	Language      string
	PostalAddress string
	Logo          string // the publication's logo: a URL, or a path on the site
	Favicon       string // the site's icon: a URL, or a path on the site
}

// Server holds the HTTP side of the daemon.
type Server struct {
	Site     Site
	Articles ArticleStore
	Related  RelatedReader // nil: article pages show no related reading
	Feeds    FeedSource
	Pages    *template.Template
	MediaDir string        // served under /media/; "" serves nothing
	MaxAge   time.Duration // Cache-Control max-age for feeds
	PageSize int
	// FeedItems is how many articles a feed holds, as the publisher was
	// told (feeds.items); export needs it to list the feeds' archives.
	FeedItems int
	Health    func(context.Context) error
	// Writable probes that the data directory can be written; while it
	// cannot, requests that may write get 503. nil checks nothing.
	Writable func(context.Context) error
	Logger   *slog.Logger

	// Admin serves the editors' desk at /admin; nil leaves it out.
	Admin http.Handler

	Metrics     http.Handler // served at /metrics; nil serves nothing there
	FeedMetrics FeedMetrics  // counts feed requests; nil counts nothing

	// Subscriptions serves the subscription pages; nil leaves them out.
	Subscriptions  Subscriptions
	Tokens         *newsdesk.Tokens // signs and checks the links in emails
	Wake           func()           // called after mail is queued
	SubscribeRate  rate.Limit       // sign-ups per second per address; default one a minute
	SubscribeBurst int              // sign-ups per address before the rate applies; default 10

	API http.Handler // the JSON API, mounted at /api/v1/; nil leaves it out

	// Webhooks takes the mail providers' bounce and complaint events at
	// POST /webhooks/{provider}; nil leaves them out.
	Webhooks http.Handler

	// TrustedProxies are the proxies whose X-Forwarded-For or Forwarded
	// header names the client (see ClientAddr); empty trusts no header.
	TrustedProxies []netip.Prefix

	Redirects Redirects      // old addresses of an imported site; nil: none
	Search    Searcher       // nil: no search page
	Directory Directory      // lists pages for sitemaps; nil: no sitemaps
	Clock     newsdesk.Clock // for the news sitemap; nil: the system clock
	// Generations tells when cached pages are stale; nil: only Invalidate
	// does. The feed publisher fits, so pages and feeds change together.
	Generations    Generations
	PageMaxAge     time.Duration // Cache-Control max-age for pages
	PageCacheBytes int64         // memory for cached pages; 0: DefaultPageCacheBytes

	cacheControl     []string
	pageCacheControl []string
	pageCache        *pageCache
	images           *imageSizes
	generations      Generations
	limiter          *Limiter
	gate             writeGate
}

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	s.cacheControl = feeds.CacheControl(s.MaxAge)
	s.initPageCache()
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	s.pageRoutes(mux)
	for _, f := range feeds.Formats {
		for _, kind := range []string{feeds.ScopeSite, feeds.ScopeCategory, feeds.ScopeAuthor} {
			mux.HandleFunc("GET "+feedPattern(kind, f), s.feedHandler(kind, f))
			mux.HandleFunc("GET "+archivePattern(kind, f), s.feedHandler(kind, f))
		}
	}
	for _, f := range []feeds.Format{feeds.RSS, feeds.Atom} {
		mux.HandleFunc("GET "+feeds.Scope{Kind: feeds.ScopeRelated}.Path(f), s.feedHandler(feeds.ScopeRelated, f))
	}
	if s.MediaDir != "" {
		mux.Handle("GET /media/", http.StripPrefix("/media/", s.mediaCaching(noListing(http.FileServer(http.Dir(s.MediaDir))))))
	}
	if s.Subscriptions != nil {
		s.subscriptionRoutes(mux)
	}
	if s.API != nil {
		// One pattern per method: a pattern without one would conflict with "GET /".
		for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
			mux.Handle(m+" /api/v1/", retryAfter(s.API))
		}
	}
	if s.Admin != nil { // by method too: the desk has pages and forms only
		for _, p := range []string{"GET /admin", "GET /admin/", "POST /admin/"} {
			mux.Handle(p, retryAfter(s.Admin))
		}
	}
	if s.Webhooks != nil {
		mux.Handle("POST /webhooks/", s.Webhooks)
	}
	mux.HandleFunc("GET /healthz", s.handleHealth)
	if s.Metrics != nil {
		mux.Handle("GET /metrics", s.Metrics)
	}
	mux.HandleFunc("GET /", s.handleNotFound)
	return ClientAddrs(s.TrustedProxies, s.recoverer(s.siteFeeds(s.gateWrites(s.oldAddresses(mux)))))
}

// feedPattern is the route pattern of a scope kind's feed in format f.
func feedPattern(kind string, f feeds.Format) string {
	path := feeds.Scope{Kind: kind}.Path(f)
	if kind == feeds.ScopeSite {
		return path
	}
	return "/" + kind + "/{slug}" + path[len("/"+kind+"/"):]
}

// archivePattern is the route pattern of the archives of a scope kind's
// feed in format f.
func archivePattern(kind string, f feeds.Format) string {
	path := feedPattern(kind, f)
	i := strings.LastIndexByte(path, '/')
	return path[:i] + "/archive/{n}" + path[i:]
}

// siteFeeds answers GET and HEAD of the site's own feeds, the most requested
// paths by far, before the router: a map lookup instead of pattern matching.
func (s *Server) siteFeeds(next http.Handler) http.Handler {
	fast := map[string]http.HandlerFunc{}
	for _, f := range feeds.Formats {
		fast[feeds.Scope{}.Path(f)] = s.feedHandler(feeds.ScopeSite, f)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := fast[r.URL.Path]; h != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			h(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// recoverer turns a panic in a handler into a logged 500 instead of a
// dropped connection.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil && v != http.ErrAbortHandler {
				s.Logger.Error("panic in handler", "route", route(r), "panic", v)
				http.Error(w, "Internal error.", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// noListing refuses directory listings, which would show the media folder's
// contents to anyone.
func noListing(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || r.URL.Path[len(r.URL.Path)-1] == '/' {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) feedHandler(kind string, f feeds.Format) http.HandlerFunc {
	requests, notModified := s.feedCounters(kind, f)
	return func(w http.ResponseWriter, r *http.Request) {
		requests.Inc()
		scope := feeds.Scope{Kind: kind, Slug: r.PathValue("slug")}
		if n := r.PathValue("n"); n != "" {
			var err error
			if scope.Archive, err = strconv.Atoi(n); err != nil || scope.Archive < 1 || strconv.Itoa(scope.Archive) != n {
				s.handleNotFound(w, r)
				return
			}
		}
		doc, err := s.Feeds.Feed(r.Context(), scope, f)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		if doc.Serve(w, r, s.cacheControl) {
			notModified.Inc()
		}
	}
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.Health != nil {
		if err := s.Health(r.Context()); err != nil {
			s.Logger.Error("health check failed", "err", err)
			s.sawUnwritable(err)
			w.Header().Set("Retry-After", RetryAfter)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("unavailable: " + newsdesk.ErrorMessage(err) + "\n"))
			return
		}
	}
	w.Write([]byte("ok\n"))
}
