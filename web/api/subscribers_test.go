package api_test

import (
	"strings"
	"testing"

	"github.com/newsdesk/newsdesk/web/api"
)

func TestSubscribers(t *testing.T) {
	f := newFixture(t)
	f.run([]apiCase{
		// add
		{"POST", "/api/v1/subscribers", `{"email": "Ada@Example.org", "name": "Ada", "newsletters": ["weekly", "daily"], "topics": ["economy"]}`,
			201, []string{`"id":2`, `"email":"ada@example.org"`, `"status":"pending"`, `"newsletter":"weekly"`, `"topics":["economy"]`}},
		{"POST", "/api/v1/subscribers", `{"email": "cy@example.org", "newsletters": ["weekly"], "confirmed": true, "time_zone": "Europe/Paris"}`,
			201, []string{`"status":"confirmed"`, `"time_zone":"Europe/Paris"`, `"topics":[]`}},
		{"POST", "/api/v1/subscribers", `{"email": "not an address", "newsletters": ["weekly"]}`, 400, []string{`"code":"invalid"`, "is not a valid email address"}},
		{"POST", "/api/v1/subscribers", `{"email": "d@example.org"}`, 400, []string{"choose at least one newsletter"}},
		{"POST", "/api/v1/subscribers", `{"email": "d@example.org", "newsletters": ["nope"]}`, 400, []string{`newsletter \"nope\" does not exist`}},
		{"POST", "/api/v1/subscribers", `{"email": "d@example.org", "newsletters": ["weekly"], "time_zone": "Mars/Base"}`, 400, []string{"time zone"}},
		// list and search
		{"GET", "/api/v1/subscribers", "", 200, []string{`"email":"ben@example.com"`, `"email":"ada@example.org"`, `"next_after":null`}},
		{"GET", "/api/v1/subscribers?limit=1", "", 200, []string{`"email":"ben@example.com"`, `"next_after":1`}},
		{"GET", "/api/v1/subscribers?limit=1&after=1", "", 200, []string{`"email":"ada@example.org"`, `"next_after":2`}},
		{"GET", "/api/v1/subscribers?status=pending", "", 200, []string{`"email":"ada@example.org"`}},
		{"GET", "/api/v1/subscribers?q=CY%40", "", 200, []string{`"email":"cy@example.org"`}},
		{"GET", "/api/v1/subscribers?q=100%25", "", 200, []string{`"subscribers":[]`}},
		{"GET", "/api/v1/subscribers?newsletter=daily", "", 200, []string{`"email":"ada@example.org"`}},
		{"GET", "/api/v1/subscribers?status=gone", "", 400, []string{`status: \"gone\"`}},
		{"GET", "/api/v1/subscribers?after=x", "", 400, []string{"after"}},
		// get
		{"GET", "/api/v1/subscribers/2", "", 200, []string{`"email":"ada@example.org"`, `"confirmed_at":null`}},
		{"GET", "/api/v1/subscribers/ada@example.org", "", 200, []string{`"id":2`}},
		{"GET", "/api/v1/subscribers/99", "", 404, []string{`"code":"not_found"`}},
		{"GET", "/api/v1/subscribers/nobody@example.org", "", 404, []string{"not found"}},
		{"GET", "/api/v1/subscribers/garbage", "", 404, []string{`subscriber \"garbage\" not found`}},
		// update
		{"PATCH", "/api/v1/subscribers/2", `{"status": "confirmed"}`, 200, []string{`"status":"confirmed"`, `"confirmed_at":"2026-11-02T09:00:00Z"`}},
		{"PATCH", "/api/v1/subscribers/2", `{"topics": ["cities"]}`, 200, []string{`"topics":["cities"]`, `"newsletter":"daily"`, `"newsletter":"weekly"`}},
		{"PATCH", "/api/v1/subscribers/2", `{"newsletters": ["daily"]}`, 200, []string{`"newsletter":"daily"`, `"topics":["cities"]`}},
		{"PATCH", "/api/v1/subscribers/2", `{"status": "bounced"}`, 400, []string{`field \"status\": \"bounced\" cannot be set`}},
		{"PATCH", "/api/v1/subscribers/2", `{"newsletters": ["nope"]}`, 400, []string{`newsletter \"nope\" does not exist`}},
		{"PATCH", "/api/v1/subscribers/2", `{"status": "unsubscribed"}`, 200, []string{`"status":"unsubscribed"`, `"subscriptions":[]`}},
		{"PATCH", "/api/v1/subscribers/99", `{"status": "confirmed"}`, 404, []string{"not found"}},
		// remove
		{"DELETE", "/api/v1/subscribers/ada@example.org", "", 204, nil},
		{"DELETE", "/api/v1/subscribers/ada@example.org", "", 404, []string{"not found"}},
		{"DELETE", "/api/v1/subscribers/99", "", 404, []string{"not found"}},
	})
	if n := f.wakes.Load(); n != 2 {
		t.Errorf("%d wakes, want one per subscriber added", n)
	}
}

func TestSubscriberImport(t *testing.T) {
	f := newFixture(t, func(s *api.Server) { s.MaxCSVBytes = 1000 })
	csv := "email,newsletter\nnew@example.org,daily\nbad address,weekly\nother@example.org,nope\n"
	for _, c := range []struct {
		query, contentType, body string
		status                   int
		want                     []string
	}{
		{"?confirmed=true", "text/csv; charset=utf-8", csv, 200, []string{`"imported":1`, `"refused":2`, `line 3`, `line 4`}},
		{"?newsletter=weekly", "text/csv", "email\nthird@example.org\n", 200, []string{`"imported":1`, `"refused":0`, `"errors":[]`}},
		{"", "application/json", csv, 415, []string{`"code":"invalid"`, "Content-Type: text/csv"}},
		{"?newsletter=nope", "text/csv", csv, 400, []string{`newsletter \"nope\" does not exist`}},
		{"?confirmed=maybe", "text/csv", csv, 400, []string{`confirmed: \"maybe\"`}},
		{"", "text/csv", "email\n" + strings.Repeat("x@example.org\n", 100), 413, []string{`"code":"too_large"`}},
	} {
		status, _, body := f.do("POST", "/api/v1/subscribers/import"+c.query, c.body, "Content-Type", c.contentType)
		if status != c.status {
			t.Errorf("import%s: %d, want %d: %s", c.query, status, c.status, body)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("import%s: body lacks %s: %s", c.query, w, body)
			}
		}
	}
	f.run([]apiCase{
		{"GET", "/api/v1/subscribers/new@example.org", "", 200, []string{`"status":"confirmed"`, `"newsletter":"daily"`}},
		{"GET", "/api/v1/subscribers/third@example.org", "", 200, []string{`"status":"pending"`, `"newsletter":"weekly"`}},
	})
}
