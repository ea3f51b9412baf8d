// Package api serves the JSON API under /api/v1 for editors' automation.
//
// Every request carries a bearer token (newsdesk token add). The API uses
// no cookies, so a page on another site cannot make a browser send an
// authenticated request: there is nothing for CSRF to ride on, and no CSRF
// check is needed.
package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/web"
	"golang.org/x/time/rate"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1/"

// TokenAuthenticator checks bearer tokens.
type TokenAuthenticator interface {
	AuthenticateAPIToken(ctx context.Context, secret string) (*newsdesk.APIToken, error)
}

// ArticleStore reads and writes articles.
type ArticleStore interface {
	FindArticleByID(ctx context.Context, id int64) (*newsdesk.Article, error)
	FindArticleBySlug(ctx context.Context, slug string) (*newsdesk.Article, error)
	FindArticles(ctx context.Context, filter newsdesk.ArticleFilter) ([]*newsdesk.Article, int, error)
	CreateArticle(ctx context.Context, a *newsdesk.Article) error
	UpdateArticle(ctx context.Context, id int64, upd newsdesk.ArticleUpdate) (*newsdesk.Article, error)
	DeleteArticle(ctx context.Context, id int64) error
}

// NewsletterStore reads newsletters and editions.
type NewsletterStore interface {
	FindNewsletterBySlug(ctx context.Context, slug string) (*newsdesk.Newsletter, error)
	FindNewsletters(ctx context.Context) ([]*newsdesk.Newsletter, error)
	FindEditionByID(ctx context.Context, id int64) (*newsdesk.Edition, error)
	FindEditions(ctx context.Context, f newsdesk.EditionFilter) ([]*newsdesk.Edition, error)
}

// SubscriberStore reads and writes subscribers.
type SubscriberStore interface {
	FindSubscriberByID(ctx context.Context, id int64) (*newsdesk.Subscriber, error)
	FindSubscriberByEmail(ctx context.Context, email string) (*newsdesk.Subscriber, error)
	FindSubscribers(ctx context.Context, f newsdesk.SubscriberFilter) ([]*newsdesk.Subscriber, error)
	Subscribe(ctx context.Context, req newsdesk.SubscribeRequest) (*newsdesk.Subscriber, error)
	ConfirmSubscriber(ctx context.Context, id int64) (*newsdesk.Subscriber, error)
	Unsubscribe(ctx context.Context, id, newsletterID int64) (*newsdesk.Subscriber, error)
	UpdateSubscriptions(ctx context.Context, id int64, newsletters, topics []string) (*newsdesk.Subscriber, error)
	DeleteSubscriber(ctx context.Context, id int64) error
}

// Editor is the editor's use cases the API runs (editorial.Editor), in
// three parts.
type Editor interface {
	ArticlePublisher
	NewsletterSaver
	EditionRunner
}

// ArticlePublisher publishes and unpublishes articles: feeds dropped, hub
// pinged.
type ArticlePublisher interface {
	PublishArticle(ctx context.Context, id int64, at time.Time) (*newsdesk.Article, error)
	UnpublishArticle(ctx context.Context, id int64) (*newsdesk.Article, error)
}

// NewsletterSaver saves a newsletter once its schedule, time zone and
// template set pass the one check there is.
type NewsletterSaver interface {
	CreateNewsletter(ctx context.Context, n *newsdesk.Newsletter) error
	UpdateNewsletter(ctx context.Context, slug string, upd newsdesk.NewsletterUpdate) (*newsdesk.Newsletter, error)
}

// EditionRunner previews, sends, makes and controls editions.
type EditionRunner interface {
	PreviewDigest(ctx context.Context, newsletter string, editionID int64, subscriber string) (*newsdesk.DigestPreview, error)
	SendTest(ctx context.Context, newsletter string, editionID int64, to string) error
	SendNow(ctx context.Context, newsletter string) (*newsdesk.Edition, error)
	CreateEdition(ctx context.Context, o newsdesk.OneOffEdition) (*newsdesk.Edition, error)
	ApproveEdition(ctx context.Context, id int64) (*newsdesk.Edition, error)
	PauseEdition(ctx context.Context, id int64) (*newsdesk.Edition, error)
	ResumeEdition(ctx context.Context, id int64) (*newsdesk.Edition, error)
	CancelEdition(ctx context.Context, id int64) (*newsdesk.Edition, error)
}

// ImportReport is what a subscriber import did: rows stored, rows refused,
// and the first messages about refused rows, each naming its line.
type ImportReport struct {
	Imported int
	Refused  int
	Errors   []string
}

// Server is the JSON API.
type Server struct {
	BaseURL     string // the site's address, for article URLs
	Tokens      TokenAuthenticator
	Articles    ArticleStore
	Newsletters NewsletterStore
	Subscribers SubscriberStore
	Editor      Editor
	// ImportCSV imports subscribers from a CSV file as the subscriber
	// import command does; nil leaves the import endpoint out.
	ImportCSV   func(ctx context.Context, csv io.Reader, newsletters []string, status newsdesk.SubscriberStatus) (*ImportReport, error)
	MaxCSVBytes int64  // the largest CSV file imported; default 64 MiB
	Wake        func() // called after mail is queued
	Logger      *slog.Logger
	// AuthFailRate and AuthFailBurst limit failed authentications per
	// client address: a burst of 20, then one every 6 seconds by default.
	AuthFailRate  rate.Limit
	AuthFailBurst int

	failures *web.Limiter
}

// route is one endpoint: a method and a ServeMux pattern under the prefix.
type route struct {
	method, pattern string
	handle          handler
}

// handler answers a request; an error becomes the JSON error envelope.
type handler func(w http.ResponseWriter, r *http.Request) error

func (s *Server) routes() []route {
	rs := slices.Concat(s.articleRoutes(), s.newsletterRoutes(), s.editionRoutes(), s.subscriberRoutes())
	if s.ImportCSV == nil {
		rs = slices.DeleteFunc(rs, func(r route) bool { return strings.HasSuffix(r.pattern, "/import") })
	}
	return rs
}

// Routes lists the endpoints as "METHOD /api/v1/pattern", for tests and
// documentation.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.routes() {
		out = append(out, r.method+" "+Prefix+r.pattern)
	}
	return out
}

// Handler returns the API, to be mounted at Prefix.
func (s *Server) Handler() http.Handler {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.AuthFailRate == 0 {
		s.AuthFailRate = rate.Every(6 * time.Second)
	}
	if s.MaxCSVBytes == 0 {
		s.MaxCSVBytes = defaultMaxCSV
	}
	if s.AuthFailBurst == 0 {
		s.AuthFailBurst = 20
	}
	s.failures = web.NewLimiter(s.AuthFailRate, s.AuthFailBurst)
	byPattern := map[string]map[string]handler{}
	var patterns []string
	for _, rt := range s.routes() {
		if byPattern[rt.pattern] == nil {
			byPattern[rt.pattern] = map[string]handler{}
			patterns = append(patterns, rt.pattern)
		}
		byPattern[rt.pattern][rt.method] = rt.handle
	}
	mux := http.NewServeMux()
	for _, p := range patterns {
		mux.Handle(Prefix+p, s.byMethod(byPattern[p]))
	}
	mux.Handle(Prefix, s.serve(func(w http.ResponseWriter, r *http.Request) error {
		return newsdesk.Errorf(newsdesk.ENOTFOUND, "there is no API endpoint %s %s", r.Method, r.URL.Path)
	}))
	return s.noStore(s.authenticate(mux))
}

// byMethod dispatches on the method, answering others with 405 and Allow;
// ServeMux would answer them in plain text.
func (s *Server) byMethod(hs map[string]handler) http.Handler {
	var allow []string
	for m := range hs {
		allow = append(allow, m)
	}
	slices.Sort(allow)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := hs[r.Method]
		if r.Method == http.MethodHead {
			h = hs[http.MethodGet] // net/http drops the body
		}
		if h != nil {
			s.serve(h).ServeHTTP(w, r)
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, codeMethodNotAllowed,
			"use "+strings.Join(allow, " or ")+" on "+r.URL.Path)
	})
}

// serve runs h and writes its error, if any, as the JSON envelope.
func (s *Server) serve(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

func (s *Server) noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// tokenKey is the context key of the authenticated token.
type tokenKey struct{}

// authenticate lets through requests with a valid bearer token and counts
// the failures of each client address; an address with too many is
// refused before its token is looked at.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := web.ClientKey(r)
		if s.failures.Blocked(ip) {
			w.Header().Set("Retry-After", "60")
			writeError(w, http.StatusTooManyRequests, newsdesk.EUNAVAILABLE,
				"too many failed authentications from this address; try again later")
			return
		}
		tok, err := s.token(r)
		if err != nil {
			if newsdesk.ErrorCode(err) == newsdesk.EUNAUTHORIZED {
				s.failures.Count(ip)
				w.Header().Set("WWW-Authenticate", `Bearer realm="newsdesk"`)
			}
			s.fail(w, r, err)
			return
		}
		ctx := newsdesk.WithActor(context.WithValue(r.Context(), tokenKey{}, tok), "api:"+tok.Name)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// token checks the request's Authorization header.
func (s *Server) token(r *http.Request) (*newsdesk.APIToken, error) {
	h := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	if h == "" {
		return nil, newsdesk.Errorf(newsdesk.EUNAUTHORIZED, "this API needs a bearer token: send Authorization: Bearer nd_… (make one with newsdesk token add)")
	} else if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return nil, newsdesk.Errorf(newsdesk.EUNAUTHORIZED, "the Authorization header must be Bearer followed by a token")
	}
	return s.Tokens.AuthenticateAPIToken(r.Context(), strings.TrimSpace(secret))
}
