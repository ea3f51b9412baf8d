package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/newsdesk/newsdesk"
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
