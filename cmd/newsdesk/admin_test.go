package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk/mailer/smtptest"
)

// deskClient is a browser on the editors' desk of a running daemon: it
// keeps cookies, sends Origin with posts and does not follow redirects.
type deskClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newDeskClient(t *testing.T, base string) *deskClient {
	jar, _ := cookiejar.New(nil)
	return &deskClient{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (c *deskClient) do(method, path, contentType string, body io.Reader) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, body)
	if method == http.MethodPost {
		req.Header.Set("Origin", c.base)
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *deskClient) get(path string) (*http.Response, string) {
	return c.do(http.MethodGet, path, "", nil)
}

func (c *deskClient) post(path string, form url.Values) (*http.Response, string) {
	return c.do(http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// upload posts a multipart form with one file.
func (c *deskClient) upload(path, field, name, content string, form url.Values) (*http.Response, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile(field, name)
	io.WriteString(fw, content)
	mw.Close()
	return c.do(http.MethodPost, path, mw.FormDataContentType(), &buf)
}

// addEditor makes an account with a known password through the command.
func (d *install) addEditor(email, password string) {
	d.t.Helper()
	var out, errb bytes.Buffer
	args := []string{"user", "add", email, "--password-stdin", "--data", filepath.Join(d.dir, "data"), "--config", filepath.Join(d.dir, "newsdesk.toml")}
	if code := d.main(context.Background(), args, strings.NewReader(password+"\n"), &out, &errb); code != 0 {
		d.t.Fatalf("user add: %d %s", code, errb.String())
	}
	if strings.Contains(out.String(), password) {
		d.t.Errorf("user add printed a password it was given")
	}
}

func (c *deskClient) login(email, password string) {
	c.t.Helper()
	if resp, body := c.post("/admin/login", url.Values{"email": {email}, "password": {password}}); resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
}

func TestUserCommands(t *testing.T) {
	d := newInstall(t)
	out := d.mustRun("user", "add", "second@example.org")
	if !strings.Contains(out, "Password (shown only now): ") {
		t.Errorf("user add did not print the generated password:\n%s", out)
	}
	if _, errs, code := d.run("user", "add", "second@example.org"); code != 2 || !strings.Contains(errs, "already exists") {
		t.Errorf("duplicate: %d %s", code, errs)
	}
	if _, errs, code := d.run("user", "add", "not an address"); code != 2 || !strings.Contains(errs, "not a valid address") {
		t.Errorf("bad address: %d %s", code, errs)
	}
	if _, errs, code := d.run("user", "add", "third@example.org", "--password-stdin"); code != 2 || !strings.Contains(errs, "no password") {
		t.Errorf("empty stdin: %d %s", code, errs)
	}
	if list := d.mustRun("user", "list"); !strings.Contains(list, "editor@localhost") || !strings.Contains(list, "second@example.org") {
		t.Errorf("user list:\n%s", list)
	}
	if out := d.mustRun("user", "passwd", "second@example.org"); !strings.Contains(out, "Password (shown only now)") {
		t.Errorf("passwd: %s", out)
	}
	d.mustRun("user", "remove", "second@example.org")
	if _, errs, code := d.run("user", "remove", "second@example.org"); code != 2 || !strings.Contains(errs, "no user") {
		t.Errorf("remove twice: %d %s", code, errs)
	}
}

// TestDeskThroughTheDaemon drives the desk of the real daemon: the real
// editor publishes into the feed and sends a test digest over SMTP, and
// the subscriber and source pages read and write CSV and OPML.
func TestDeskThroughTheDaemon(t *testing.T) {
	srv := smtptest.Start(t)
	d := newInstall(t, "NEWSDESK_MAIL_TRANSPORT=smtp", "NEWSDESK_SMTP_HOST="+srv.Host, fmt.Sprintf("NEWSDESK_SMTP_PORT=%d", srv.Port),
		"NEWSDESK_SMTP_TLS=none", "NEWSDESK_MAIL_FROM=Desk <news@harbour.example>")
	d.addEditor("ed@example.org", "a long enough password")
	base := d.serve()
	c := newDeskClient(t, base)
	if resp, _ := c.get("/admin/articles"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/admin/login") {
		t.Fatalf("the daemon's desk without a session: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	c.login("ed@example.org", "a long enough password")

	form := url.Values{"title": {"Desk scoop"}, "body": {"![Harbour](/media/harbour.svg) Fresh."}, "categories": {"economy"}, "when": {"now"}}
	if resp, body := c.post("/admin/articles/new", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d %s", resp.StatusCode, body)
	}
	if _, feed := get(t, base+"/feed.xml"); !strings.Contains(feed, "Desk scoop") || !strings.Contains(feed, "/media/harbour.svg") {
		t.Error("the article published from the desk is not in the feed")
	}

	resp, body := c.get("/admin/newsletters/weekly/preview?subscriber=chloe.martin@example.net")
	if resp.StatusCode != 200 || !strings.Contains(body, "chloe.martin@example.net") {
		t.Fatalf("preview page: %d\n%s", resp.StatusCode, body)
	}
	if resp, html := c.get("/admin/newsletters/weekly/preview/html?subscriber=chloe.martin@example.net"); resp.StatusCode != 200 ||
		!strings.Contains(html, "</html>") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("preview HTML: %d", resp.StatusCode)
	}
	if resp, body := c.post("/admin/newsletters/weekly/test", url.Values{"to": {"ed@example.org"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("test send: %d %s", resp.StatusCode, body)
	}
	msgs := srv.Wait(t, 1, 20*time.Second)
	if msgs[0].To[0] != "ed@example.org" || !bytes.Contains(msgs[0].Data, []byte("[TEST]")) {
		t.Errorf("test message to %v", msgs[0].To)
	}

	resp, body = c.post("/admin/newsletters/weekly", url.Values{"name": {"The Weekly Review"}, "timezone": {"UTC"}, "template": {"no-such-set"}})
	if resp.StatusCode != 400 || !strings.Contains(body, `name="template" value="no-such-set" class="invalid"`) {
		t.Errorf("unknown template set: %d\n%s", resp.StatusCode, body)
	}

	csv := "email,name,newsletter\nnew.one@example.com,New One,weekly\nnot-an-address,Bad,weekly\nnew.two@example.com,,daily\n"
	resp, body = c.upload("/admin/subscribers/import", "file", "list.csv", csv, url.Values{"confirmed": {"on"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "Imported 2 subscribers; 1 row refused.") || !strings.Contains(body, "line 3") {
		t.Errorf("import report: %d\n%s", resp.StatusCode, body)
	}
	if _, body := c.get("/admin/subscribers?q=new.one"); !strings.Contains(body, "new.one@example.com") || strings.Contains(body, "new.two@") {
		t.Error("search did not find exactly the one subscriber")
	}
	resp, export := c.get("/admin/subscribers/export.csv?status=confirmed")
	if resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(export, "new.two@example.com,,confirmed,daily") {
		t.Errorf("export:\n%s", export)
	}
	if resp, body := c.upload("/admin/subscribers/import", "file", "x.csv", "name\nx\n", nil); resp.StatusCode != 400 || !strings.Contains(body, "no email column") {
		t.Errorf("import without an email column: %d", resp.StatusCode)
	}

	if resp, body := c.post("/admin/sources", url.Values{"url": {"ftp://example.org/feed"}, "title": {"Kept"}}); resp.StatusCode != 400 ||
		!strings.Contains(body, "is not an absolute http(s) URL") || !strings.Contains(body, `value="Kept"`) {
		t.Errorf("bad source URL: %d", resp.StatusCode)
	}
	if resp, _ := c.post("/admin/sources", url.Values{"url": {"https://example.org/feed.xml"}, "category": {"economy"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add source: %d", resp.StatusCode)
	}
	_, opml := c.get("/admin/sources/export.opml")
	if !strings.Contains(opml, `xmlUrl="https://example.org/feed.xml"`) {
		t.Errorf("OPML export:\n%s", opml)
	}
	opmlIn := `<opml version="2.0"><body><outline text="Other" xmlUrl="https://other.example/rss"/></body></opml>`
	if resp, body := c.upload("/admin/sources/import", "opml", "s.opml", opmlIn, nil); resp.StatusCode != 200 || !strings.Contains(body, "Imported 1 new source") {
		t.Errorf("OPML import: %d", resp.StatusCode)
	}
	for _, act := range []string{"retry", "remove"} {
		if resp, _ := c.post("/admin/sources/1/"+act, nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: %d", act, resp.StatusCode)
		}
	}
	if resp, body := c.get("/admin/"); resp.StatusCode != 200 || !strings.Contains(body, "confirmed") {
		t.Errorf("dashboard: %d", resp.StatusCode)
	}
}
