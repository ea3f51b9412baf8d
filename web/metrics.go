package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/newsdesk/newsdesk/feeds"
)

// Counter counts events; a prometheus.Counter is one.
type Counter interface{ Inc() }

// FeedMetrics gives the counters of one feed route: requests, and those
// answered 304 Not Modified. The server asks once per route when it builds
// its handlers, so that serving a feed costs an atomic add, not a lookup.
// scope is the route's kind (site, category, author, related), never the
// URL, which keeps the number of series bounded.
type FeedMetrics interface {
	FeedCounters(scope string, f feeds.Format) (requests, notModified Counter)
}

type noCounter struct{}

func (noCounter) Inc() {}

// feedCounters returns the route's counters, or ones that count nothing
// when no FeedMetrics is set.
func (s *Server) feedCounters(kind string, f feeds.Format) (requests, notModified Counter) {
	if s.FeedMetrics == nil {
		return noCounter{}, noCounter{}
	}
	return s.FeedMetrics.FeedCounters(kind, f)
}

// RequireToken serves next only to requests that carry
// Authorization: Bearer token, as Prometheus' bearer_token sends it, and
// answers others 401. An empty token lets every request through.
func RequireToken(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if !ok || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "This needs the metrics token: Authorization: Bearer TOKEN.", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// MetricsOnly serves h at GET /metrics and nothing else, for a listener of
// its own.
func MetricsOnly(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	return mux
}
