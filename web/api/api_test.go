package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/sqlite"
	"github.com/newsdesk/newsdesk/web/api"
	"golang.org/x/time/rate"
)

var epoch = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// fixture is the API on a real store in a temporary file, with a token,
// an author, two newsletters, an article, a subscriber and two editions.
type fixture struct {
	t      testing.TB
	url    string
	token  string
	clock  *newsdesk.FixedClock
	tokens *sqlite.APITokenService
	server *api.Server
	wakes  atomic.Int32
}

type stores struct {
	db          *sqlite.DB
	articles    *sqlite.ArticleService
	newsletters *sqlite.NewsletterService
	subscribers *sqlite.SubscriberService
}

func newFixture(t testing.TB, configure ...func(*api.Server)) *fixture {
	t.Helper()
	clock := newsdesk.NewFixedClock(epoch)
	st := openStores(t, clock)
	f := &fixture{t: t, clock: clock, tokens: sqlite.NewAPITokenService(st.db)}
	seed(t, st)
	var err error
	if _, f.token, err = f.tokens.CreateAPIToken(context.Background(), "editor@example.org", "tests"); err != nil {
		t.Fatal(err)
	}
	f.server = &api.Server{BaseURL: "https://news.example.org", Tokens: f.tokens, Articles: st.articles,
		Newsletters: st.newsletters, Subscribers: st.subscribers, Editor: &storeEditor{st},
		ImportCSV: importCSV(st.subscribers), Wake: func() { f.wakes.Add(1) },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, c := range configure {
		c(f.server)
	}
	mux := http.NewServeMux()
	mux.Handle(api.Prefix, f.server.Handler())
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	f.url = ts.URL
	return f
}

func openStores(t testing.TB, clock newsdesk.Clock) stores {
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "newsdesk.db"))
	db.Clock = clock
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	render := func(md string) (string, error) { return "<p>" + md + "</p>", nil }
	return stores{db: db, articles: sqlite.NewArticleService(db, render, "example.org"),
		newsletters: sqlite.NewNewsletterService(db), subscribers: sqlite.NewSubscriberService(db)}
}

// seed makes what the tests refer to: category cities; article 1
// "first-piece" by ada in economy; newsletters weekly and daily; subscriber 1 ben@example.com,
// confirmed to weekly; edition 1 awaiting approval, edition 2 scheduled.
func seed(t testing.TB, st stores) {
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.db.CreateUser(ctx, "editor@example.org", "x"))
	must(st.articles.CreateAuthor(ctx, &newsdesk.Author{Slug: "ada", Name: "Ada Byron"}))
	must(st.articles.SaveCategory(ctx, &newsdesk.Category{Slug: "cities", Name: "Cities"}))
	must(st.articles.CreateArticle(ctx, &newsdesk.Article{Title: "First piece", Body: "Hello.", Status: newsdesk.StatusPublished,
		Author: &newsdesk.Author{Slug: "ada"}, Categories: []*newsdesk.Category{{Slug: "economy"}}}))
	weekly := &newsdesk.Newsletter{Slug: "weekly", Name: "The Weekly", Schedule: "0 8 * * MON", TimeZone: "Europe/London"}
	must(st.newsletters.CreateNewsletter(ctx, weekly))
	must(st.newsletters.CreateNewsletter(ctx, &newsdesk.Newsletter{Slug: "daily", Name: "The Daily"}))
	_, err := st.subscribers.Subscribe(ctx, newsdesk.SubscribeRequest{Email: "ben@example.com", Name: "Ben",
		Newsletters: []string{"weekly"}, Topics: []string{"economy"}, Confirmed: true})
	must(err)
	for _, status := range []newsdesk.EditionStatus{newsdesk.EditionAwaitingApproval, newsdesk.EditionScheduled} {
		must(st.newsletters.AddEdition(ctx, &newsdesk.Edition{Newsletter: weekly, Kind: newsdesk.EditionKindOneOff,
			Picked: []int64{1}, ScheduledFor: epoch.Add(time.Hour), Status: status}))
	}
}

// do sends a request with the fixture's token (unless a header says
// otherwise) and returns the status and body.
func (f *fixture) do(method, path, body string, header ...string) (int, http.Header, string) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.url+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+f.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// apiCase is one request and what must come back: the status and strings
// the body contains.
type apiCase struct {
	method, path, body string
	status             int
	want               []string
}

func (f *fixture) run(cases []apiCase) {
	f.t.Helper()
	for _, c := range cases {
		status, h, body := f.do(c.method, c.path, c.body)
		if status != c.status {
			f.t.Errorf("%s %s %s: status %d, want %d; body %s", c.method, c.path, c.body, status, c.status, body)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				f.t.Errorf("%s %s %s: body lacks %s:\n%s", c.method, c.path, c.body, w, body)
			}
		}
		if h.Get("Cache-Control") != "no-store" {
			f.t.Errorf("%s %s: Cache-Control %q", c.method, c.path, h.Get("Cache-Control"))
		}
		if status != http.StatusNoContent && !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			f.t.Errorf("%s %s: Content-Type %q", c.method, c.path, h.Get("Content-Type"))
		}
	}
}

// wildcard matches the {name} parts of a route pattern.
var wildcard = regexp.MustCompile(`\{[a-z]+\}`)

// TestEveryRouteNeedsAToken walks every route of the route table with no
// token, a malformed one, an unknown one and a revoked one: each gets 401
// with WWW-Authenticate and the error envelope, never content.
func TestEveryRouteNeedsAToken(t *testing.T) {
	f := newFixture(t, func(s *api.Server) { s.AuthFailBurst = 1000 })
	revoked, secret, err := f.tokens.CreateAPIToken(context.Background(), "editor@example.org", "old")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.tokens.RevokeAPIToken(context.Background(), revoked.ID); err != nil {
		t.Fatal(err)
	}
	routes := append(f.server.Routes(), "GET /api/v1/no-such-route", "PUT /api/v1/articles")
	if len(routes) < 30 {
		t.Fatalf("only %d routes: %v", len(routes), routes)
	}
	for _, auth := range []string{"", "Basic ZWRpdG9yOng=", "Bearer", "Bearer nd_unknown", "Bearer " + secret, "bearer " + f.token + "x"} {
		for _, rt := range routes {
			method, path, _ := strings.Cut(rt, " ")
			path = strings.TrimPrefix(wildcard.ReplaceAllString(path, "1"), strings.TrimSuffix(api.Prefix, "/"))
			status, h, body := f.do(method, "/api/v1"+path, `{"title":"x"}`, "Authorization", auth)
			if status != http.StatusUnauthorized || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") ||
				!strings.HasPrefix(body, `{"error":{"code":"unauthorized","message":`) {
				t.Errorf("%s with %q: %d %q %s", rt, auth, status, h.Get("WWW-Authenticate"), body)
			}
		}
	}
}

// Too many failed authentications from one address are refused for a
// while, even with a good token.
func TestFailedAuthIsRateLimited(t *testing.T) {
	f := newFixture(t, func(s *api.Server) { s.AuthFailRate, s.AuthFailBurst = rate.Every(time.Hour), 3 })
	for i := range 3 {
		if status, _, _ := f.do("GET", "/api/v1/articles", "", "Authorization", "Bearer nd_wrong"); status != 401 {
			t.Fatalf("failure %d: %d, want 401", i, status)
		}
	}
	status, h, body := f.do("GET", "/api/v1/articles", "")
	if status != http.StatusTooManyRequests || h.Get("Retry-After") == "" || !strings.Contains(body, `"code":"unavailable"`) {
		t.Errorf("after 3 failures: %d %s", status, body)
	}
}

// A good token keeps working however often it is used; its use is recorded.
func TestGoodTokenIsNotLimited(t *testing.T) {
	f := newFixture(t, func(s *api.Server) { s.AuthFailRate, s.AuthFailBurst = rate.Every(time.Hour), 1 })
	for range 5 {
		if status, _, body := f.do("GET", "/api/v1/newsletters", ""); status != 200 {
			t.Fatalf("%d %s", status, body)
		}
	}
	ts, err := f.tokens.FindAPITokens(context.Background())
	if err != nil || len(ts) != 1 || !ts[0].LastUsedAt.Equal(epoch) {
		t.Errorf("tokens after use: %+v %v", ts[0], err)
	}
}

// jsonBodyRoutes are the routes that read a JSON body, each with a body
// of the wrong type and the field the error must name.
var jsonBodyRoutes = map[string][2]string{
	"POST articles":               {`{"title": ["x"]}`, `field \"title\" must be a string, not array`},
	"PATCH articles/{ref}":        {`{"categories": "economy"}`, `field \"categories\" must be an array of strings, not string`},
	"POST articles/{ref}/publish": {`{"at": 5}`, `field \"at\" must be a string, not number`},
	"POST newsletters":            {`{"approval_required": "yes"}`, `field \"approval_required\" must be true or false, not string`},
	"PATCH newsletters/{slug}":    {`{"paused": 1}`, `field \"paused\" must be true or false, not number`},
	"POST editions":               {`{"articles": [1, 2]}`, `field \"articles\" must be an array of strings, not number`},
	"POST subscribers":            {`{"confirmed": "true"}`, `field \"confirmed\" must be true or false, not string`},
	"PATCH subscribers/{ref}":     {`{"topics": {"a": 1}}`, `field \"topics\" must be an array of strings, not object`},
}

// Every route that reads JSON refuses bad JSON, unknown fields, wrong
// types, trailing data and bodies that are too large, before doing anything.
func TestBadBodies(t *testing.T) {
	f := newFixture(t)
	seen := 0
	for _, rt := range f.server.Routes() {
		method, pattern, _ := strings.Cut(rt, " ")
		pattern = strings.TrimPrefix(pattern, api.Prefix)
		wrong, ok := jsonBodyRoutes[method+" "+pattern]
		if !ok {
			continue
		}
		seen++
		path := "/api/v1/" + strings.NewReplacer("{ref}", "1", "{slug}", "weekly").Replace(pattern)
		f.run([]apiCase{
			{method, path, `{"title": "x",`, 400, []string{`"code":"invalid"`, "not valid JSON"}},
			{method, path, `{"title" "x"}`, 400, []string{`"code":"invalid"`, "not valid JSON at byte 10"}},
			{method, path, `{"nonsense": 1}`, 400, []string{`"code":"invalid"`, `unknown field \"nonsense\"`}},
			{method, path, `[1]`, 400, []string{`must be a JSON object`}},
			{method, path, `{} {}`, 400, []string{`more after its JSON object`}},
			{method, path, wrong[0], 400, []string{`"code":"invalid"`, wrong[1]}},
			{method, path, `{"title": "` + strings.Repeat("x", 5<<20) + `"}`, 413, []string{`"code":"too_large"`}},
		})
	}
	if seen != len(jsonBodyRoutes) {
		t.Errorf("%d of %d JSON routes found in the route table", seen, len(jsonBodyRoutes))
	}
	for _, rt := range f.server.Routes() {
		method, pattern, _ := strings.Cut(rt, " ")
		pattern = strings.TrimPrefix(pattern, api.Prefix)
		if _, ok := jsonBodyRoutes[method+" "+pattern]; !ok && (method == "PATCH" || method == "POST") &&
			!strings.Contains(pattern, "/") {
			t.Errorf("%s reads a body but has no bad-body cases", rt)
		}
	}
}

func TestRoutingErrors(t *testing.T) {
	f := newFixture(t)
	status, h, body := f.do("PUT", "/api/v1/articles/1", "{}")
	if status != 405 || h.Get("Allow") != "DELETE, GET, PATCH" || !strings.Contains(body, `"code":"method_not_allowed"`) {
		t.Errorf("PUT article: %d Allow %q %s", status, h.Get("Allow"), body)
	}
	if status, _, body := f.do("HEAD", "/api/v1/articles/1", ""); status != 200 || body != "" {
		t.Errorf("HEAD article: %d %q", status, body)
	}
	f.run([]apiCase{
		{"GET", "/api/v1/nothing/here", "", 404, []string{`"code":"not_found"`, "no API endpoint"}},
		{"GET", "/api/v1/", "", 404, []string{`"code":"not_found"`}},
		{"DELETE", "/api/v1/newsletters", "", 405, []string{`"code":"method_not_allowed"`}},
	})
}

// FuzzRequestBodies sends arbitrary bodies to the routes that read JSON:
// whatever comes, the answer is JSON, an error is the envelope with a code
// and a message, and nothing is a 500.
func FuzzRequestBodies(f *testing.F) {
	fx := newFixture(f)
	var routes [][2]string
	for _, rt := range fx.server.Routes() {
		method, pattern, _ := strings.Cut(rt, " ")
		if method == "POST" || method == "PATCH" {
			routes = append(routes, [2]string{method, wildcard.ReplaceAllString(pattern, "1")})
		}
	}
	for _, body := range []string{`{"title": "x"}`, `{"slug": "a", "name": "A"}`, `{"email": "a@b.example", "newsletters": ["weekly"]}`,
		`{"newsletter": "weekly", "articles": ["first-piece"]}`, `{"at": "2026-11-02T10:00:00Z"}`, `{"status": "confirmed"}`, `[`, `null`} {
		f.Add(uint8(0), body)
	}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		rt := routes[int(route)%len(routes)]
		fx.t = t // a fuzz worker calls this function one input at a time
		status, h, got := fx.do(rt[0], rt[1], body)
		if status >= 500 {
			t.Fatalf("%s %s %q: %d %s", rt[0], rt[1], body, status, got)
		}
		if status == http.StatusNoContent {
			return
		}
		var env struct {
			Error *struct{ Code, Message string }
		}
		if err := json.Unmarshal([]byte(got), &env); err != nil || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			t.Fatalf("%s %s %q: not JSON: %v %s", rt[0], rt[1], body, err, got)
		}
		if status >= 400 && (env.Error == nil || env.Error.Code == "" || env.Error.Message == "") {
			t.Fatalf("%s %s %q: %d without the error envelope: %s", rt[0], rt[1], body, status, got)
		}
	})
}
