package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

// TestDeskTokenWorksOnTheAPI makes a token on the desk of the real daemon,
// calls the API with the secret the page showed, revokes it on the desk,
// and is refused.
func TestDeskTokenWorksOnTheAPI(t *testing.T) {
	d := newInstall(t)
	d.addEditor("ed@example.org", "a long enough password")
	base := d.serve()
	c := newDeskClient(t, base)
	c.login("ed@example.org", "a long enough password")

	resp, body := c.post("/admin/tokens", url.Values{"name": {"CMS sync"}})
	secrets := regexp.MustCompile(newsdesk.APITokenPrefix+`[A-Za-z0-9_-]{43}`).FindAllString(body, -1)
	if resp.StatusCode != 200 || len(secrets) != 1 {
		t.Fatalf("create: %d with %d secrets, want 200 with one", resp.StatusCode, len(secrets))
	}
	secret := secrets[0]
	_, list := c.get("/admin/tokens")
	if strings.Contains(list, secret) || !strings.Contains(list, "CMS sync") {
		t.Errorf("the list shows the secret again, or not the token")
	}
	bearer := []string{"Authorization", "Bearer " + secret}
	if resp, body := get(t, base+"/api/v1/articles", bearer...); resp.StatusCode != 200 || !strings.Contains(body, "harbour-at-a-crossroads") {
		t.Fatalf("the API with the desk's token: %d %.200s", resp.StatusCode, body)
	}
	if out := d.mustRun("token", "list"); !strings.Contains(out, "CMS sync") || !strings.Contains(out, "ed@example.org") {
		t.Errorf("token list does not show the token as ed's:\n%s", out)
	}
	m := regexp.MustCompile(`action="(/admin/tokens/\d+/revoke)"`).FindStringSubmatch(list)
	if m == nil {
		t.Fatalf("no Revoke button:\n%s", list)
	}
	if resp, _ := c.post(m[1], nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if resp, body := get(t, base+"/api/v1/articles", bearer...); resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, "harbour") {
		t.Errorf("the API with a revoked token: %d %.200s", resp.StatusCode, body)
	}
}

// TestDeskOneOffEditionThroughTheDaemon makes a one-off edition on the desk
// with the real editor: a draft is refused next to the articles, and the
// edition made carries the intro and the articles in the order picked.
func TestDeskOneOffEditionThroughTheDaemon(t *testing.T) {
	d := newInstall(t)
	d.addEditor("ed@example.org", "a long enough password")
	base := d.serve()
	c := newDeskClient(t, base)
	c.login("ed@example.org", "a long enough password")
	if resp, _ := c.post("/admin/articles/new", url.Values{"title": {"Not yet"}, "body": {"b"}, "when": {"draft"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("draft: %d", resp.StatusCode)
	}

	form := url.Values{"newsletter": {"weekly"}, "articles": {"council-budget-gap", "not-yet"}, "intro": {"A note from the desk."}, "when": {"now"}}
	resp, body := c.post("/admin/editions/new", form)
	_, articles, _ := strings.Cut(body, `<fieldset id="articles"`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(articles, `<p class="error" role="alert">articles: &#34;not-yet&#34; is a draft`) ||
		!strings.Contains(body, "A note from the desk.</textarea>") {
		t.Fatalf("a draft picked: %d\n%s", resp.StatusCode, body)
	}

	at := time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04")
	form = url.Values{"newsletter": {"weekly"}, "articles": {"council-budget-gap", "harbour-at-a-crossroads"},
		"intro": {"A note from the desk."}, "when": {"schedule"}, "at": {at}}
	resp, body = c.post("/admin/editions/new", form)
	edition, ok := strings.CutSuffix(resp.Header.Get("Location"), "?done=created")
	if resp.StatusCode != http.StatusSeeOther || !ok {
		t.Fatalf("create: %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if _, body := c.get(edition); !strings.Contains(body, "one-off") || !strings.Contains(body, "2 hand-picked") || !strings.Contains(body, "scheduled") {
		t.Errorf("edition page:\n%s", body)
	}
	id := strings.TrimPrefix(edition, "/admin/editions/")
	resp, html := c.get("/admin/newsletters/weekly/preview/html?edition=" + id)
	council, harbour := strings.Index(html, "1.2bn gap"), strings.Index(html, "The harbour at a crossroads")
	if resp.StatusCode != 200 || !strings.Contains(html, "A note from the desk.") || council < 0 || harbour < council {
		t.Errorf("the preview lacks the intro or the articles in the order picked: %d\n%.3000s", resp.StatusCode, html)
	}
}
