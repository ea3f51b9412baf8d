package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/newsdesk/newsdesk"
)

// How long an answer of the Writable probe is trusted: a success for a
// second, so that a burst of writes costs one probe; a failure for five,
// as a disk that just filled tends to flicker while what is writing to it
// fails and frees its few pages.
const (
	writableFor   = time.Second
	unwritableFor = 5 * time.Second
)

// writeGate remembers the last answer of the Writable probe.
type writeGate struct {
	mu    sync.Mutex
	until time.Time
	err   error
}

// writable returns the Writable probe's answer, probing again when the
// last one is too old.
func (s *Server) writable(ctx context.Context) error {
	if s.Writable == nil {
		return nil
	}
	g := &s.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	if time.Now().After(g.until) {
		g.set(s.Writable(ctx))
	}
	return g.err
}

// set records an answer of the probe; the caller holds mu.
func (g *writeGate) set(err error) {
	g.err, g.until = err, time.Now().Add(writableFor)
	if err != nil {
		g.until = time.Now().Add(unwritableFor)
	}
}

// sawUnwritable records a storage fault found by the health check, so
// writes wait from now on rather than from their next probe.
func (s *Server) sawUnwritable(err error) {
	if newsdesk.ErrorCode(err) != newsdesk.ESTORAGE {
		return
	}
	s.gate.mu.Lock()
	s.gate.set(err)
	s.gate.mu.Unlock()
}

// gateWrites answers 503 with Retry-After to every request that may write
// (any method but GET, HEAD and OPTIONS) while the data directory cannot be
// written: a form posted to a full disk would otherwise half succeed, or
// fail with an internal error. Reads go through untouched.
func (s *Server) gateWrites(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		err := s.writable(r.Context())
		if err == nil {
			next.ServeHTTP(w, r)
			return
		}
		if newsdesk.ErrorCode(err) != newsdesk.ESTORAGE {
			err = newsdesk.Errorf(newsdesk.ESTORAGE, "the data directory cannot be written: %w", err)
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			s.Logger.Error("request refused: the data directory cannot be written", "method", r.Method, "route", route(r), "err", err)
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("Retry-After", RetryAfter)
			w.WriteHeader(http.StatusServiceUnavailable)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{
				"code": newsdesk.ESTORAGE, "message": newsdesk.ErrorMessage(err)}})
			return
		}
		s.Error(w, r, err)
	})
}
