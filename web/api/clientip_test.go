package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk/web"
	"github.com/newsdesk/newsdesk/web/api"
	"golang.org/x/time/rate"
)

// TestFailedAuthLimitPerClientBehindProxy: behind a trusted proxy, one
// client's failed authentications do not lock out another's good token.
func TestFailedAuthLimitPerClientBehindProxy(t *testing.T) {
	f := newFixture(t, func(s *api.Server) { s.AuthFailRate, s.AuthFailBurst = rate.Every(time.Hour), 3 })
	mux := http.NewServeMux()
	mux.Handle(api.Prefix, f.server.Handler())
	ts := httptest.NewServer(web.ClientAddrs([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, mux))
	t.Cleanup(ts.Close)
	f.url = ts.URL
	for i := range 3 {
		if status, _, _ := f.do("GET", "/api/v1/articles", "", "Authorization", "Bearer nd_wrong", "X-Forwarded-For", "203.0.113.7"); status != 401 {
			t.Fatalf("failure %d: %d, want 401", i, status)
		}
	}
	if status, _, _ := f.do("GET", "/api/v1/articles", "", "X-Forwarded-For", "203.0.113.7"); status != http.StatusTooManyRequests {
		t.Errorf("the failing client afterwards: %d, want 429", status)
	}
	if status, _, body := f.do("GET", "/api/v1/articles", "", "X-Forwarded-For", "198.51.100.4"); status != 200 {
		t.Errorf("another client with a good token: %d %s", status, body)
	}
}
