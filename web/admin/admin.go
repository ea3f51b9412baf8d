// Package admin serves the editors' desk under /admin: server-rendered
// pages to write and schedule articles, run newsletters and their editions,
// and look after subscribers and sources. Every page but the login form
// needs a session; every state-changing request must come from the desk's
// own pages (see csrf.go).
package admin

import (
	"context"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
	"golang.org/x/time/rate"
)

// Accounts holds editor accounts and their sessions.
type Accounts interface {
	FindUserByEmail(ctx context.Context, email string) (*newsdesk.User, error)
	CreateSession(ctx context.Context, tokenHash string, userID int64) (*newsdesk.Session, error)
	FindSession(ctx context.Context, tokenHash string) (*newsdesk.Session, error)
	TouchSession(ctx context.Context, tokenHash string) error
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteSessionsBefore(ctx context.Context, t time.Time) (int, error)
}

// Handler is the editors' desk. Set the fields, then call Routes or
// ServeHTTP; it is mounted at /admin.
type Handler struct {
	Accounts    Accounts
	Articles    ArticleStore
	Newsletters NewsletterStore
	Editor      Editor
	Subscribers SubscriberStore
	CSV         SubscriberCSV
	Sources     SourceStore
	Tokens      TokenStore
	// Markdown renders and sanitises an article body, for previews.
	Markdown  func(string) (string, error)
	Templates *template.Template // templates.Admin with Funcs
	Clock     newsdesk.Clock
	Logger    *slog.Logger
	SiteTitle string // names the OPML export
	// MediaDir is where uploaded images go, served by the site at /media/;
	// "" turns uploads off.
	MediaDir string
	// BaseURL is the site's address: https makes the session cookie
	// Secure, and its origin is trusted for state-changing requests.
	BaseURL string
	// IdleTimeout ends a session not used for that long, MaxSession one
	// that old whatever its use. Defaults: 2 hours and 12 hours.
	IdleTimeout, MaxSession time.Duration
	// LoginRate and LoginBurst limit failed logins at one account from
	// one client address; per client address the limits are four times as
	// generous (for offices behind one address), per account twenty times
	// the burst and ten times the rate (see loginlimit.go). Defaults: 5 at
	// once, then one a minute.
	LoginRate  rate.Limit
	LoginBurst int

	handler      http.Handler
	logins       *loginLimits
	csrf         *http.CrossOriginProtection
	secureCookie bool
}

//go:embed static
var static embed.FS

// route is one entry of the desk's route table. Every route but the
// public ones requires a session; the test walks this table.
type route struct {
	pattern string
	handler http.HandlerFunc
	public  bool
}

func (h *Handler) routes() []route {
	rs := []route{
		{pattern: "GET /admin/login", handler: h.loginForm, public: true},
		{pattern: "POST /admin/login", handler: h.login, public: true},
		{pattern: "GET /admin/static/{file}", handler: h.staticFile, public: true},
		{pattern: "POST /admin/logout", handler: h.logout},
		{pattern: "GET /admin/{$}", handler: h.dashboard},
	}
	rs = append(rs, h.articleRoutes()...)
	rs = append(rs, h.newsletterRoutes()...)
	rs = append(rs, h.editionRoutes()...)
	rs = append(rs, h.subscriberRoutes()...)
	rs = append(rs, h.sourceRoutes()...)
	rs = append(rs, h.tokenRoutes()...)
	rs = append(rs, h.oneOffRoutes()...)
	return rs
}

// Init applies defaults and builds the routes; ServeHTTP calls it once
// when it has not been called.
func (h *Handler) Init() http.Handler {
	if h.Clock == nil {
		h.Clock = newsdesk.SystemClock{}
	}
	if h.Logger == nil {
		h.Logger = slog.Default()
	}
	h.IdleTimeout = orDefault(h.IdleTimeout, 2*time.Hour)
	h.MaxSession = orDefault(h.MaxSession, 12*time.Hour)
	if h.LoginRate <= 0 {
		h.LoginRate = rate.Every(time.Minute)
	}
	if h.LoginBurst <= 0 {
		h.LoginBurst = 5
	}
	h.logins = newLoginLimits(h.LoginRate, h.LoginBurst, h.Clock.Now)
	h.secureCookie = strings.HasPrefix(h.BaseURL, "https://")
	h.csrf = h.crossOriginProtection()
	mux := http.NewServeMux()
	for _, rt := range h.routes() {
		fn := rt.handler
		if !rt.public {
			fn = h.requireSession(fn)
		}
		mux.HandleFunc(rt.pattern, fn)
	}
	mux.HandleFunc("GET /admin", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/", http.StatusMovedPermanently)
	})
	// Unknown addresses too: without a session they say nothing, not even
	// which pages do not exist.
	mux.HandleFunc("/admin/", h.requireSession(h.notFound))
	h.handler = h.protect(mux)
	return h
}

// ServeHTTP serves the desk.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.handler == nil {
		h.Init()
	}
	h.handler.ServeHTTP(w, r)
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// protect adds what every desk response needs: no caching, no framing by
// other sites, a content security policy, and the cross-origin check.
func (h *Handler) protect(next http.Handler) http.Handler {
	checked := h.csrf.Handler(requireBrowserHeaders(next, h.crossOrigin))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Frame-Options", "SAMEORIGIN")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Content-Security-Policy", pagePolicy)
		checked.ServeHTTP(w, r)
	})
}

// pagePolicy lets desk pages load only their own scripts, styles and
// frames; images may come from anywhere, as article bodies link them.
const pagePolicy = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src * data:; " +
	"frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'"

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.fail(w, r, newsdesk.Errorf(newsdesk.ENOTFOUND, "There is no page at this address."))
}

func (h *Handler) staticFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := static.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "/") {
		h.notFound(w, r)
		return
	}
	switch {
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	}
	w.Write(b)
}
