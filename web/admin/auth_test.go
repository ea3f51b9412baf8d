package admin

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// concretePath fills a route pattern's wildcards with plausible values.
func concretePath(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	r := strings.NewReplacer("{$}", "", "{id}", "1", "{slug}", "weekly", "{file}", "admin.js")
	return method, r.Replace(path)
}

// TestEveryRouteNeedsASession walks the route table, so that a route added
// later cannot be forgotten: without a session a page load goes to the
// login form and anything else is refused, never answered with content.
func TestEveryRouteNeedsASession(t *testing.T) {
	f := newFixture(t)
	var public []string
	for _, rt := range f.h.routes() {
		if rt.public {
			public = append(public, rt.pattern)
			continue
		}
		method, path := concretePath(rt.pattern)
		t.Run(rt.pattern, func(t *testing.T) {
			b := f.browser()
			var resp *http.Response
			var body string
			if method == http.MethodGet {
				resp, body = b.get(path)
				if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/admin/login?next=") {
					t.Errorf("GET %s: %d to %q, want 303 to the login form", path, resp.StatusCode, resp.Header.Get("Location"))
				}
			} else {
				resp, body = b.post(path, url.Values{"title": {"x"}})
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s %s: %d, want 401", method, path, resp.StatusCode)
				}
			}
			if strings.Contains(body, "Log out") || strings.Contains(body, "digest body") {
				t.Errorf("%s %s without a session shows desk content", method, path)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("%s %s: Cache-Control %q", method, path, cc)
			}
		})
	}
	if resp, _ := f.browser().get("/admin/no-such-page"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("unknown page without a session: %d, want a redirect to login", resp.StatusCode)
	}
	sort.Strings(public)
	want := []string{"GET /admin/login", "GET /admin/static/{file}", "POST /admin/login"}
	if strings.Join(public, "|") != strings.Join(want, "|") {
		t.Errorf("public routes %v, want only %v", public, want)
	}
}

func TestLoginAndLogout(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	resp, _ := b.post("/admin/login", url.Values{"email": {" Editor@Example.org "}, "password": {editorPass}, "next": {"/admin/articles"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/articles" {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookie := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"newsdesk_session=", "Path=/admin", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("cookie %q is Secure on an http site", cookie)
	}
	if resp, body := b.get("/admin/"); resp.StatusCode != 200 || !strings.Contains(body, "Dashboard") {
		t.Fatalf("dashboard: %d", resp.StatusCode)
	}
	if xfo := resp.Header.Get("X-Frame-Options"); xfo != "SAMEORIGIN" {
		t.Errorf("X-Frame-Options %q", xfo)
	}
	if resp, _ := b.post("/admin/logout", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/admin/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout: %d, want a redirect to login", resp.StatusCode)
	}
}

func TestSecureCookieOnHTTPS(t *testing.T) {
	f := newFixture(t)
	f.h.BaseURL = "https://news.example.org"
	f.h.Init()
	b := f.browser()
	resp, _ := b.post("/admin/login", url.Values{"email": {editorEmail}, "password": {editorPass}})
	if c := resp.Header.Get("Set-Cookie"); !strings.Contains(c, "Secure") {
		t.Errorf("cookie %q is not Secure with an https base URL", c)
	}
}

// TestCrossOriginRefused: a form another site makes a browser post, or a
// post with no browser headers at all, changes nothing.
func TestCrossOriginRefused(t *testing.T) {
	f := newFixture(t)
	b := f.loggedIn()
	form := url.Values{"slug": {"daily"}, "name": {"Daily"}, "timezone": {"UTC"}}
	for name, header := range map[string][]string{
		"other origin":        {"Origin", "https://evil.example"},
		"cross-site fetch":    {"Sec-Fetch-Site", "cross-site", "Origin", ""},
		"no browser headers":  {"Origin", ""},
		"same-site subdomain": {"Sec-Fetch-Site", "same-site"},
	} {
		resp, _ := b.post("/admin/newsletters/new", form, header...)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, resp.StatusCode)
		}
	}
	if _, err := f.letters.FindNewsletterBySlug(t.Context(), "daily"); err == nil {
		t.Fatal("a refused request created the newsletter")
	}
	if resp, _ := b.post("/admin/newsletters/new", form, "Sec-Fetch-Site", "same-origin"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin post: %d, want 303", resp.StatusCode)
	}
	if resp, _ := b.post("/admin/login", url.Values{"email": {editorEmail}, "password": {editorPass}}, "Origin", "https://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin login: %d, want 403", resp.StatusCode)
	}
}

// TestWrongPasswordRateLimited: after a burst of wrong passwords, even the
// right one is refused for that account, and so is another account from
// the same address once the address's own allowance (four times larger)
// is spent.
func TestWrongPasswordRateLimited(t *testing.T) {
	f := newFixture(t)
	f.h.LoginBurst = 3 // each unknown account costs a full bcrypt comparison
	f.h.Init()
	b := f.browser()
	for i := range 3 {
		resp, body := b.post("/admin/login", url.Values{"email": {editorEmail}, "password": {"wrong"}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "The email or password is not right.") {
			t.Fatalf("attempt %d: %d", i+1, resp.StatusCode)
		}
		if !strings.Contains(body, `value="editor@example.org"`) || strings.Contains(body, "wrong") {
			t.Errorf("attempt %d: the form should keep the email and drop the password", i+1)
		}
	}
	resp, body := b.post("/admin/login", url.Values{"email": {editorEmail}, "password": {editorPass}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many login attempts") {
		t.Errorf("4th attempt: %d, want 429", resp.StatusCode)
	}
	for i := range 9 {
		if resp, _ := b.post("/admin/login", url.Values{"email": {fmt.Sprintf("nobody%d@example.org", i)}, "password": {"x"}}); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("unknown account %d: %d, want 401", i, resp.StatusCode)
		}
	}
	if resp, _ := b.post("/admin/login", url.Values{"email": {"fresh@example.org"}, "password": {"x"}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after 12 failed attempts from one address: %d, want 429", resp.StatusCode)
	}
}

func TestSessionExpires(t *testing.T) {
	f := newFixture(t)
	b := f.loggedIn()
	f.clock.Add(f.h.IdleTimeout - time.Minute)
	if resp, _ := b.get("/admin/"); resp.StatusCode != 200 {
		t.Fatalf("within the idle limit: %d", resp.StatusCode)
	}
	f.clock.Add(f.h.IdleTimeout + time.Minute)
	if resp, _ := b.get("/admin/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("idle past the limit: %d, want a redirect to login", resp.StatusCode)
	}
	b = f.loggedIn()
	for elapsed := time.Duration(0); elapsed < f.h.MaxSession-time.Hour; elapsed += time.Hour {
		f.clock.Add(time.Hour)
		if resp, _ := b.get("/admin/articles"); resp.StatusCode != 200 {
			t.Fatalf("in use after %s: %d", elapsed+time.Hour, resp.StatusCode)
		}
	}
	f.clock.Add(2 * time.Hour)
	if resp, _ := b.get("/admin/articles"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("in use but older than %s: %d, want a redirect to login", f.h.MaxSession, resp.StatusCode)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/admin/articles?q=x": "/admin/articles?q=x", "": "/admin/", "https://evil.example/admin/": "/admin/",
		"//evil.example/admin/": "/admin/", "/admin/\\evil": "/admin/", "/feed.xml": "/admin/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
