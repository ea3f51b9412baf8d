package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/newsdesk/newsdesk"
)

// secretRE finds a token secret anywhere in a page.
var secretRE = regexp.MustCompile(newsdesk.APITokenPrefix + `[A-Za-z0-9_-]{43}`)

func TestTokenPages(t *testing.T) {
	f := newFixture(t)
	b := f.loggedIn()
	resp, body := b.post("/admin/tokens", url.Values{"name": {"  CMS sync  "}})
	if resp.StatusCode != 200 || resp.Header.Get("Location") != "" {
		t.Fatalf("create: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	secrets := secretRE.FindAllString(body, -1)
	if len(secrets) != 1 || !strings.Contains(body, `id="secret" value="`+secrets[0]+`" readonly`) ||
		!strings.Contains(body, "it cannot be shown again") {
		t.Fatalf("the creation page shows %d secrets, want one in the copy field with the warning:\n%s", len(secrets), body)
	}
	secret := secrets[0]
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the page with the secret may be cached: %q", cc)
	}
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Value, secret) {
			t.Errorf("cookie %s holds the secret", c.Name)
		}
	}
	tok, err := f.tokens.AuthenticateAPIToken(t.Context(), secret)
	if err != nil || tok.Name != "CMS sync" || tok.UserEmail != editorEmail {
		t.Fatalf("the shown secret authenticates as %+v, %v", tok, err)
	}

	_, body = b.get("/admin/tokens")
	if strings.Contains(body, secret) || !strings.Contains(body, "<code>"+secret[:9]+"…</code>") || !strings.Contains(body, editorEmail) {
		t.Errorf("the list shows the secret again or lacks the prefix and maker:\n%s", body)
	}
	if !strings.Contains(body, `<span class="badge confirmed">active</span>`) || !strings.Contains(body, `href="/admin/tokens"`) {
		t.Error("the list does not say the token is active, or the menu lacks the page")
	}

	revoke := "/admin/tokens/" + fmt.Sprint(tok.ID) + "/revoke"
	if resp, _ := b.post(revoke, nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/tokens?done=revoked" {
		t.Fatalf("revoke: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, err := f.tokens.AuthenticateAPIToken(t.Context(), secret); newsdesk.ErrorCode(err) != newsdesk.EUNAUTHORIZED {
		t.Errorf("a revoked token authenticates: %v", err)
	}
	_, body = b.get("/admin/tokens?done=revoked")
	if !strings.Contains(body, "Revoked: programs using this token") || !strings.Contains(body, "revoked</span>") || strings.Contains(body, revoke) {
		t.Errorf("after revoking, the page lacks the notice or the state, or still offers Revoke:\n%s", body)
	}
}

func TestTokenPagesRefuseBadInput(t *testing.T) {
	f := newFixture(t)
	b := f.loggedIn()
	long := strings.Repeat("x", 101)
	for _, name := range []string{"", "   ", long, "two\nlines"} {
		resp, body := b.post("/admin/tokens", url.Values{"name": {name}})
		if resp.StatusCode != http.StatusBadRequest || !errorNextTo(body, "name", "token name must be one line of 1 to 100 characters") {
			t.Errorf("name %q: %d\n%s", name, resp.StatusCode, body)
		}
		if name == long && !strings.Contains(body, `value="`+long+`"`) {
			t.Error("the refused form lost the name typed")
		}
		if secretRE.MatchString(body) {
			t.Errorf("name %q: a refused form shows a secret", name)
		}
	}
	if ts, _ := f.tokens.FindAPITokens(t.Context()); len(ts) != 0 {
		t.Errorf("%d tokens stored by refused forms", len(ts))
	}

	tok, _, err := f.tokens.CreateAPIToken(t.Context(), editorEmail, "old")
	if err != nil {
		t.Fatal(err)
	}
	b.post("/admin/tokens/"+fmt.Sprint(tok.ID)+"/revoke", nil)
	for _, tc := range []struct {
		path string
		code int
		msg  string
	}{
		{"/admin/tokens/" + fmt.Sprint(tok.ID) + "/revoke", http.StatusConflict, "API token " + fmt.Sprint(tok.ID) + " was already revoked"},
		{"/admin/tokens/999/revoke", http.StatusNotFound, "API token 999 not found"},
	} {
		resp, body := b.post(tc.path, nil)
		if resp.StatusCode != tc.code || !strings.Contains(body, `<p class="formerror" role="alert">`+tc.msg) || !strings.Contains(body, "<h1>API tokens</h1>") {
			t.Errorf("%s: %d, want %d with %q above the list:\n%s", tc.path, resp.StatusCode, tc.code, tc.msg, body)
		}
	}
}
