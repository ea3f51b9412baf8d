package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/sqlite"
	"github.com/newsdesk/newsdesk/templates"
)

var epoch = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// subFixture is a site with two newsletters and two topics on a real store.
type subFixture struct {
	t      *testing.T
	url    string
	clock  *newsdesk.FixedClock
	tokens *newsdesk.Tokens
	subs   *sqlite.SubscriberService
	wakes  atomic.Int32
	server *Server
	db     *sqlite.DB
	logs   lockedBuffer
}

// lockedBuffer collects log output written by the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type subStore struct {
	*sqlite.SubscriberService
	*sqlite.NewsletterService
	*sqlite.ArticleService
}

func newSubFixture(t *testing.T) *subFixture {
	t.Helper()
	clock := newsdesk.NewFixedClock(epoch)
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "test.db"))
	db.Clock = clock
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	articles := sqlite.NewArticleService(db, func(s string) (string, error) { return s, nil }, "example.org")
	nls := sqlite.NewNewsletterService(db)
	for _, c := range []*newsdesk.Category{{Slug: "economy", Name: "Economy"}, {Slug: "cities", Name: "Cities"}} {
		articles.SaveCategory(ctx, c)
	}
	for _, n := range []*newsdesk.Newsletter{{Slug: "weekly", Name: "The Weekly"}, {Slug: "daily", Name: "The Daily"}} {
		if err := nls.CreateNewsletter(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	f := &subFixture{t: t, clock: clock, tokens: newsdesk.NewTokens([]byte("secret"), clock), subs: sqlite.NewSubscriberService(db), db: db}
	f.server = &Server{Site: Site{Title: "The Review", BaseURL: "https://news.example.org", Language: "en"},
		Articles: articles, Subscriptions: subStore{f.subs, nls, articles}, Tokens: f.tokens,
		Wake: func() { f.wakes.Add(1) }, Logger: slog.New(slog.NewTextHandler(&f.logs, nil)),
		SubscribeBurst: 1000}
	pages, err := templates.Pages("", f.server.Funcs())
	if err != nil {
		t.Fatal(err)
	}
	f.server.Pages = pages
	ts := httptest.NewServer(f.server.Handler())
	t.Cleanup(ts.Close)
	f.url = ts.URL
	return f
}

// post sends a form and returns the status and body.
func (f *subFixture) post(path, body string, header ...string) (int, string) {
	f.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (f *subFixture) get(path string) (int, string) {
	f.t.Helper()
	resp, err := http.Get(f.url + path)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// confirmLinks claims the confirmation emails due and returns the path of
// the confirm link each carries, by address, as the mailer writes it.
func (f *subFixture) confirmLinks() map[string]string {
	f.t.Helper()
	ds, err := sqlite.NewOutboxService(f.db).ClaimDeliveries(context.Background(), 100, time.Hour)
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range ds {
		if d.Kind == newsdesk.DeliveryConfirm {
			out[d.Subscriber.Email] = "/confirm/" + f.tokens.NewConfirm(d.Subscriber.ID, d.Subscriber.LinkKey, d.RequestID)
		}
	}
	return out
}

// link returns the path of an unsubscribe or preferences link of sub.
func (f *subFixture) link(purpose newsdesk.TokenPurpose, sub *newsdesk.Subscriber, newsletter int64) string {
	page := map[newsdesk.TokenPurpose]string{newsdesk.TokenUnsubscribe: "/unsubscribe/", newsdesk.TokenPreferences: "/preferences/"}[purpose]
	return page + f.tokens.New(purpose, sub.ID, sub.LinkKey, newsletter)
}

func (f *subFixture) status(email string) newsdesk.SubscriberStatus {
	f.t.Helper()
	s, err := f.subs.FindSubscriberByEmail(context.Background(), email)
	if err != nil {
		return "absent"
	}
	return s.Status
}

func (f *subFixture) stored() int {
	subs, err := f.subs.FindSubscribers(context.Background(), newsdesk.SubscriberFilter{Limit: 100})
	if err != nil {
		f.t.Fatal(err)
	}
	return len(subs)
}

// TestSubscribeRefusesBadInput: every bad form gets a 4xx and stores
// nothing; none gets a 500.
func TestSubscribeRefusesBadInput(t *testing.T) {
	f := newSubFixture(t)
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"malformed address", "email=not-an-address&newsletter=weekly", 400, "is not a valid email address"},
		{"address with a display name", "email=" + url.QueryEscape("Ann <ann@example.org>") + "&newsletter=weekly", 400, "not a valid email address"},
		{"header injection in the address", "email=" + url.QueryEscape("ann@example.org\r\nBcc: all@example.org") + "&newsletter=weekly", 400, "not a valid email address"},
		{"header injection in the name", "email=ann@example.org&newsletter=weekly&name=" + url.QueryEscape("Ann\r\nBcc: all@example.org"), 400, "one line"},
		{"no newsletter", "email=ann@example.org", 400, "choose at least one newsletter"},
		{"unknown newsletter", "email=ann@example.org&newsletter=monthly", 400, "newsletter &#34;monthly&#34; does not exist"},
		{"bad newsletter slug", "email=ann@example.org&newsletter=" + url.QueryEscape("<script>"), 400, "does not exist"},
		{"unknown topic", "email=ann@example.org&newsletter=weekly&topic=sport", 400, "topic &#34;sport&#34; does not exist"},
		{"empty", "", 400, "email address is required"},
		{"broken encoding", "email=%zz", 400, "could not be read"},
		{"oversized", "email=ann@example.org&newsletter=weekly&topic=" + strings.Repeat("x", 20000), 413, "too large"},
		{"huge address", "email=" + strings.Repeat("a", 300) + "@example.org&newsletter=weekly", 400, "not a valid email address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.post("/subscribe", tc.body)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("status %d, want %d with %q in\n%s", status, tc.status, tc.want, body)
			}
		})
	}
	if n := f.stored(); n != 0 || f.wakes.Load() != 0 {
		t.Errorf("bad input stored %d subscribers and woke the outbox %d times", n, f.wakes.Load())
	}
}

// TestSubscribeAnswersTheSameForAnyAddress: whether an address is new,
// pending, confirmed or unsubscribed, and whether a bot filled in the
// honeypot, the answer is the same.
func TestSubscribeAnswersTheSameForAnyAddress(t *testing.T) {
	f := newSubFixture(t)
	form := "email=reader@example.org&newsletter=weekly&topic=economy"
	_, first := f.post("/subscribe", form)
	if !strings.Contains(first, "Check your inbox") {
		t.Fatalf("answer: %s", first)
	}
	sub, err := f.subs.FindSubscriberByEmail(context.Background(), "reader@example.org")
	if err != nil || sub.Status != newsdesk.SubscriberPending || f.wakes.Load() != 1 {
		t.Fatalf("after subscribing: %v, %v, %d wakes", sub, err, f.wakes.Load())
	}
	steps := []func(){
		func() {}, // pending, asked again
		func() { f.subs.ConfirmSubscriber(context.Background(), sub.ID) },
		func() { f.subs.Unsubscribe(context.Background(), sub.ID, 0) },
	}
	for i, step := range steps {
		step()
		status, body := f.post("/subscribe", form)
		if status != 200 || body != first {
			t.Errorf("step %d: status %d, answer differs:\n%s", i, status, body)
		}
	}
	status, body := f.post("/subscribe", "email=bot@example.org&newsletter=weekly&website=http://spam.example")
	if status != 200 || strings.ReplaceAll(body, "bot@example.org", "reader@example.org") != first {
		t.Errorf("honeypot answer differs: %d\n%s", status, body)
	}
	if _, err := f.subs.FindSubscriberByEmail(context.Background(), "bot@example.org"); err == nil {
		t.Errorf("honeypot request stored a subscriber")
	}
}

func TestSubscribeRateLimit(t *testing.T) {
	f := newSubFixture(t)
	f.server.limiter = NewLimiter(0.001, 2)
	for i, want := range []int{200, 200, 429} {
		status, _ := f.post("/subscribe", "email=r"+string(rune('a'+i))+"@example.org&newsletter=weekly")
		if status != want {
			t.Errorf("request %d: %d, want %d", i+1, status, want)
		}
	}
	if n := f.stored(); n != 2 {
		t.Errorf("%d stored, want 2", n)
	}
}

// TestCrossOriginForms: a form posted from another site is refused, except
// the one-click unsubscribe, which mail clients post from anywhere.
func TestCrossOriginForms(t *testing.T) {
	f := newSubFixture(t)
	status, _ := f.post("/subscribe", "email=a@example.org&newsletter=weekly", "Sec-Fetch-Site", "cross-site")
	if status != 403 || f.stored() != 0 {
		t.Errorf("cross-site subscribe: %d, %d stored", status, f.stored())
	}
	sub, _ := f.subs.Subscribe(context.Background(), newsdesk.SubscribeRequest{Email: "a@example.org", Newsletters: []string{"weekly"}, Confirmed: true})
	prefs := f.link(newsdesk.TokenPreferences, sub, 0)
	if status, _ := f.post(prefs, "action=leave", "Sec-Fetch-Site", "cross-site"); status != 403 {
		t.Errorf("cross-site preferences: %d", status)
	}
	f.subs.Subscribe(context.Background(), newsdesk.SubscribeRequest{Email: "b@example.org", Newsletters: []string{"weekly"}})
	if status, _ := f.post(f.confirmLinks()["b@example.org"], "", "Sec-Fetch-Site", "cross-site"); status != 403 || f.status("b@example.org") != newsdesk.SubscriberPending {
		t.Errorf("cross-site confirm: %d, %s", status, f.status("b@example.org"))
	}
	unsub := f.link(newsdesk.TokenUnsubscribe, sub, 0)
	status, body := f.post(unsub, "List-Unsubscribe=One-Click", "Sec-Fetch-Site", "cross-site", "Origin", "https://mail.example.net")
	if status != 200 || !strings.Contains(body, "You are unsubscribed") {
		t.Errorf("one-click unsubscribe: %d\n%s", status, body)
	}
	if s, _ := f.subs.FindSubscriberByID(context.Background(), sub.ID); s.Status != newsdesk.SubscriberUnsubscribed {
		t.Errorf("after one-click: %s", s.Status)
	}
}

// TestLinkPages: confirm, unsubscribe and preferences work with their own
// tokens, and a forged, expired or other-purpose token gets a 4xx page and
// changes nothing.
func TestLinkPages(t *testing.T) {
	f := newSubFixture(t)
	ctx := context.Background()
	sub, _ := f.subs.Subscribe(ctx, newsdesk.SubscribeRequest{Email: "a@example.org", Newsletters: []string{"weekly", "daily"}})
	confirmPath := f.confirmLinks()["a@example.org"]
	confirm := strings.TrimPrefix(confirmPath, "/confirm/")
	tok, _, err := f.tokens.Verify(confirm, newsdesk.TokenConfirm, func(int64) (*newsdesk.Subscriber, error) { return sub, nil })
	if err != nil {
		t.Fatal(err)
	}
	forged := newsdesk.NewTokens([]byte("guess"), f.clock).NewConfirm(sub.ID, sub.LinkKey, tok.Request)
	expired := f.tokens.Sign(newsdesk.Token{Purpose: newsdesk.TokenConfirm, Subscriber: sub.ID, Request: tok.Request,
		Key: sub.LinkKey, Expires: epoch.Add(-time.Second)})
	otherRequest := f.tokens.NewConfirm(sub.ID, sub.LinkKey, tok.Request+1)
	unsubAsConfirm := f.tokens.New(newsdesk.TokenUnsubscribe, sub.ID, sub.LinkKey, 0)
	for name, path := range map[string]string{
		"forged": "/confirm/" + forged, "expired": "/confirm/" + expired, "other purpose": "/confirm/" + unsubAsConfirm,
		"other request": "/confirm/" + otherRequest,
		"garbage":       "/confirm/%00%ff", "confirm as unsubscribe": "/unsubscribe/" + confirm,
		"confirm as preferences": "/preferences/" + confirm,
	} {
		status, body := f.get(path)
		if status < 400 || status >= 500 || !strings.Contains(body, "link") {
			t.Errorf("%s: %d\n%s", name, status, body)
		}
		if strings.HasPrefix(path, "/confirm/") {
			if status, _ := f.post(path, ""); status < 400 || status >= 500 {
				t.Errorf("%s posted: %d", name, status)
			}
		}
	}
	forgedUnsub := newsdesk.NewTokens([]byte("guess"), f.clock).New(newsdesk.TokenUnsubscribe, sub.ID, sub.LinkKey, 0)
	for _, token := range []string{forgedUnsub, confirm, "%00%ff", unsubAsConfirm[:10]} {
		if status, _ := f.post("/unsubscribe/"+token, "List-Unsubscribe=One-Click"); status < 400 || status >= 500 {
			t.Errorf("unsubscribe with %q: %d", token, status)
		}
		if status, _ := f.post("/preferences/"+token, "action=leave"); status < 400 || status >= 500 {
			t.Errorf("preferences with %q: %d", token, status)
		}
	}
	if s, _ := f.subs.FindSubscriberByID(ctx, sub.ID); s.Status != newsdesk.SubscriberPending {
		t.Fatalf("bad links changed the subscriber to %s", s.Status)
	}
	if status, body := f.post(confirmPath, ""); status != 200 || !strings.Contains(body, "The Daily and The Weekly") {
		t.Fatalf("confirm: %d\n%s", status, body)
	}
	if status, body := f.post(confirmPath, ""); status != http.StatusConflict || !strings.Contains(body, "confirmed already") {
		t.Errorf("confirm twice: %d\n%s", status, body)
	}
	unsub := f.link(newsdesk.TokenUnsubscribe, sub, 1)
	status, body := f.get(unsub)
	if s, _ := f.subs.FindSubscriberByID(ctx, sub.ID); status != 200 || !strings.Contains(body, "<strong>The Weekly</strong>") || len(s.Subscriptions) != 2 {
		t.Fatalf("unsubscribe page (which must not unsubscribe): %d, %d subscriptions\n%s", status, len(s.Subscriptions), body)
	}
	if status, body := f.post(unsub, "List-Unsubscribe=One-Click"); status != 200 || !strings.Contains(body, "no more of The Weekly") {
		t.Fatalf("unsubscribe from weekly: %d\n%s", status, body)
	}
	prefs := f.link(newsdesk.TokenPreferences, sub, 0)
	if status, body := f.get(prefs); status != 200 || !strings.Contains(body, `value="daily" checked`) || strings.Contains(body, `value="weekly" checked`) {
		t.Fatalf("preferences: %d\n%s", status, body)
	}
	if status, body := f.post(prefs, "newsletter=weekly&topic=cities"); status != 200 || !strings.Contains(body, "saved") {
		t.Fatalf("save preferences: %d\n%s", status, body)
	}
	s, _ := f.subs.FindSubscriberByID(ctx, sub.ID)
	if len(s.Subscriptions) != 1 || s.Subscriptions[0].Newsletter.Slug != "weekly" || strings.Join(s.Subscriptions[0].Topics, "") != "cities" {
		t.Errorf("after saving: %+v", s.Subscriptions)
	}
	f.post(prefs, "action=leave")
	if s, _ := f.subs.FindSubscriberByID(ctx, sub.ID); s.Status != newsdesk.SubscriberUnsubscribed {
		t.Errorf("after leaving: %s", s.Status)
	}
}

// TestConfirmLinkNeedsAPost: a GET or HEAD of a confirm link, as a mail
// scanner makes, shows a page with a button and confirms nothing; the
// button's POST confirms.
func TestConfirmLinkNeedsAPost(t *testing.T) {
	f := newSubFixture(t)
	f.post("/subscribe", "email=a@example.org&newsletter=weekly")
	link := f.confirmLinks()["a@example.org"]
	status, body := f.get(link)
	for _, want := range []string{`<form class="subscribe" method="post" action="https://news.example.org` + link + `"`,
		"<button type=\"submit\">Confirm my subscription</button>", "<strong>The Weekly</strong>", "a@example.org"} {
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("confirm page: %d, lacks %s\n%s", status, want, body)
		}
	}
	if n := strings.Count(body, "<h1"); n != 1 {
		t.Errorf("confirm page has %d h1", n)
	}
	resp, err := http.Head(f.url + link)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("HEAD: %v, %v", resp, err)
	}
	resp.Body.Close()
	if st := f.status("a@example.org"); st != newsdesk.SubscriberPending {
		t.Fatalf("GET and HEAD changed the subscriber to %s", st)
	}
	if status, body := f.post(link, ""); status != 200 || !strings.Contains(body, "You are subscribed") {
		t.Fatalf("POST: %d\n%s", status, body)
	}
	if st := f.status("a@example.org"); st != newsdesk.SubscriberConfirmed {
		t.Errorf("after the POST: %s", st)
	}
}

// TestLinksOfADeletedSubscriber: the confirm, preferences and unsubscribe
// links of a deleted subscriber do nothing to whoever subscribes next.
func TestLinksOfADeletedSubscriber(t *testing.T) {
	f := newSubFixture(t)
	ctx := context.Background()
	f.post("/subscribe", "email=a@example.org&newsletter=weekly")
	confirmA := f.confirmLinks()["a@example.org"]
	a, _ := f.subs.FindSubscriberByEmail(ctx, "a@example.org")
	prefsA, unsubA := f.link(newsdesk.TokenPreferences, a, 0), f.link(newsdesk.TokenUnsubscribe, a, 0)
	if err := f.subs.DeleteSubscriber(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	f.post("/subscribe", "email=b@example.org&newsletter=weekly")
	for name, try := range map[string]func() (int, string){
		"GET confirm":      func() (int, string) { return f.get(confirmA) },
		"POST confirm":     func() (int, string) { return f.post(confirmA, "") },
		"GET preferences":  func() (int, string) { return f.get(prefsA) },
		"POST preferences": func() (int, string) { return f.post(prefsA, "newsletter=daily") },
		"GET unsubscribe":  func() (int, string) { return f.get(unsubA) },
		"one-click":        func() (int, string) { return f.post(unsubA, "List-Unsubscribe=One-Click") },
	} {
		status, body := try()
		if status < 400 || status >= 500 || strings.Contains(body, "b@example.org") {
			t.Errorf("%s of A's link: %d\n%s", name, status, body)
		}
	}
	b, _ := f.subs.FindSubscriberByEmail(ctx, "b@example.org")
	if b.Status != newsdesk.SubscriberPending || len(b.Subscriptions) != 1 || b.Subscriptions[0].Newsletter.Slug != "weekly" {
		t.Errorf("A's links changed B: %s %+v", b.Status, b.Subscriptions)
	}
}

// TestFirstLinkDoesNotConfirmASecondRequest: a link confirms the request
// it was mailed for; a newer request is confirmed only by its own link.
func TestFirstLinkDoesNotConfirmASecondRequest(t *testing.T) {
	f := newSubFixture(t)
	f.post("/subscribe", "email=a@example.org&newsletter=weekly")
	first := f.confirmLinks()["a@example.org"]
	f.clock.Add(time.Hour)
	f.post("/subscribe", "email=a@example.org&newsletter=daily")
	second := f.confirmLinks()["a@example.org"]
	if status, body := f.post(first, ""); status != http.StatusConflict || !strings.Contains(body, "newer request") {
		t.Errorf("first link after a second request: %d\n%s", status, body)
	}
	if st := f.status("a@example.org"); st != newsdesk.SubscriberPending {
		t.Fatalf("the first link confirmed the second request: %s", st)
	}
	if status, _ := f.post(second, ""); status != 200 || f.status("a@example.org") != newsdesk.SubscriberConfirmed {
		t.Errorf("second link: %d, %s", status, f.status("a@example.org"))
	}
}

func TestIndexHasSubscribeForm(t *testing.T) {
	f := newSubFixture(t)
	status, body := f.get("/")
	for _, want := range []string{`action="https://news.example.org/subscribe"`, `name="email"`, `name="website"`, `value="weekly"`} {
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("index lacks %s", want)
		}
	}
}

// FuzzParseSubscribeForm: any form body parses without panicking, and
// what it accepts is a clean request.
func FuzzParseSubscribeForm(f *testing.F) {
	f.Add("email=a%40example.org&newsletter=weekly&topic=economy&timezone=Europe%2FLondon")
	f.Add("email=a@example.org&newsletter=weekly&newsletter=weekly&website=x")
	f.Add("email=%0D%0A&newsletter=&name=%0A")
	f.Add("email=a@b.c&newsletter=a-b&topic=c&name=Z%C3%B6e")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		req, _, err := parseSubscribeForm(form)
		if err != nil {
			if newsdesk.ErrorCode(err) != newsdesk.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if again, err := newsdesk.NormalizeEmail(req.Email); err != nil || again != req.Email {
			t.Fatalf("accepted address %q", req.Email)
		}
		if !newsdesk.HeaderSafe(req.Name) || !newsdesk.ValidTimeZone(req.TimeZone) || len(req.Newsletters) == 0 {
			t.Fatalf("accepted %+v", req)
		}
		for _, s := range append(req.Newsletters, req.Topics...) {
			if !newsdesk.ValidSlug(s) {
				t.Fatalf("accepted slug %q", s)
			}
		}
	})
}

// A link that fails inside is logged by its route: the path holds the
// subscriber's token, which must not reach the logs.
func TestLinkFailureLogsNoToken(t *testing.T) {
	f := newSubFixture(t)
	sub, err := f.subs.Subscribe(context.Background(), newsdesk.SubscribeRequest{Email: "a@example.org", Newsletters: []string{"weekly"}})
	if err != nil {
		t.Fatal(err)
	}
	token := f.tokens.NewConfirm(sub.ID, sub.LinkKey, 1)
	f.db.Close() // every store call fails from here on
	if status, _ := f.get("/confirm/" + token); status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", status)
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "request failed") || !strings.Contains(logs, "/confirm/{token}") {
		t.Errorf("failure not logged by route:\n%s", logs)
	}
	if strings.Contains(logs, token) {
		t.Errorf("the token reached the logs:\n%s", logs)
	}
}
