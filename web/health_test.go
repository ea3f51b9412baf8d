package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/templates"
)

func TestHealthz(t *testing.T) {
	for _, tc := range []struct {
		name   string
		health error
		status int
		body   string
	}{
		{"healthy", nil, 200, "ok\n"},
		{"database down", newsdesk.Errorf(newsdesk.EUNAVAILABLE, "database write lock not available within 5s"),
			503, "unavailable: database write lock not available within 5s\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{Logger: slog.New(slog.DiscardHandler),
				Health: func(context.Context) error { return tc.health }}
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			if w.Code != tc.status || w.Body.String() != tc.body || w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("GET /healthz: %d %q (Cache-Control %q), want %d %q", w.Code, w.Body.String(),
					w.Header().Get("Cache-Control"), tc.status, tc.body)
			}
		})
	}
}

// TestWritesWaitWhileTheDiskIsFull: while the data directory cannot be
// written, the health check and every request that may write answer 503
// with Retry-After (in JSON on the API), reads still work, and once the
// probe succeeds again writes go through.
func TestWritesWaitWhileTheDiskIsFull(t *testing.T) {
	var full error = newsdesk.Errorf(newsdesk.ESTORAGE, "data directory cannot be written: %w", syscall.ENOSPC)
	var probeErr atomic.Pointer[error]
	probeErr.Store(&full)
	probes := 0
	s := &Server{Logger: slog.New(slog.DiscardHandler),
		Health:   func(context.Context) error { return *probeErr.Load() },
		Writable: func(context.Context) error { probes++; return *probeErr.Load() },
		API:      http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) }),
		Admin: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable) // a 503 of the desk's own
		}),
	}
	h := s.Handler()
	serve := func(method, path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader("")))
		return w
	}
	if w := serve("GET", "/healthz"); w.Code != 503 || w.Header().Get("Retry-After") == "" ||
		!strings.Contains(w.Body.String(), "data directory cannot be written") {
		t.Errorf("healthz on a full disk: %d %q Retry-After %q", w.Code, w.Body.String(), w.Header().Get("Retry-After"))
	}
	if w := serve("POST", "/api/v1/subscribers"); w.Code != 503 || w.Header().Get("Retry-After") != RetryAfter ||
		!strings.Contains(w.Body.String(), `"code":"storage"`) {
		t.Errorf("API write on a full disk: %d %q Retry-After %q", w.Code, w.Body.String(), w.Header().Get("Retry-After"))
	}
	if w := serve("GET", "/api/v1/subscribers"); w.Code != 201 {
		t.Errorf("API read on a full disk: %d, want it through", w.Code)
	}
	if probes != 0 {
		t.Errorf("%d probes for a write right after the health check found the disk full", probes)
	}
	probeErr.Store(new(error))
	s.gate.until = time.Time{} // some seconds later
	if w := serve("POST", "/api/v1/subscribers"); w.Code != 201 {
		t.Errorf("API write once the disk has room: %d", w.Code)
	}
	if w := serve("POST", "/admin/x"); w.Code != 503 || w.Header().Get("Retry-After") != RetryAfter {
		t.Errorf("a 503 of the desk: Retry-After %q", w.Header().Get("Retry-After"))
	}
	if w := serve("GET", "/healthz"); w.Code != 200 {
		t.Errorf("healthz once the disk has room: %d", w.Code)
	}
}

// TestStorageFaultIs503: the error code of a full disk maps to 503 with
// Retry-After on the public pages' error answer.
func TestStorageFaultIs503(t *testing.T) {
	s := &Server{Logger: slog.New(slog.DiscardHandler)}
	pages, err := templates.Pages("", s.Funcs())
	if err != nil {
		t.Fatal(err)
	}
	s.Pages = pages
	w := httptest.NewRecorder()
	s.Error(w, httptest.NewRequest("POST", "/subscribe", nil), newsdesk.Errorf(newsdesk.ESTORAGE, "full: %w", syscall.ENOSPC))
	if w.Code != 503 || w.Header().Get("Retry-After") != RetryAfter {
		t.Errorf("%d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
}
