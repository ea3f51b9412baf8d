package main

import (
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk/mailer/smtptest"
)

// apiClient calls the daemon's JSON API with a bearer token.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

// call sends body (JSON unless contentType says otherwise), checks the
// status and decodes the answer into out, if given.
func (c *apiClient) call(method, path, contentType, body string, status int, out any) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+"/api/v1"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// edition is the part of an edition's JSON the test follows.
type edition struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	Done   bool   `json:"done"`
	Counts struct {
		Recipients, Sent, Failed, Pending int
	} `json:"counts"`
}

// TestAPIEndToEnd drives the real daemon through its API with a token made
// by the command: an article published over the API shows in the feed,
// and an edition sent over the API reaches an SMTP server while its
// progress is followed to the end, then a test of it goes to one address. The revoked token then stops working.
func TestAPIEndToEnd(t *testing.T) {
	srv := smtptest.Start(t)
	d := newInstall(t, smtpEnv(srv)...)
	out := d.mustRun("token", "add", "--user", "editor@localhost", "--name", "e2e")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	c := &apiClient{t: t, base: d.serve(), token: lines[len(lines)-1]}
	if !strings.HasPrefix(c.token, "nd_") {
		t.Fatalf("token add printed %q", out)
	}

	var art struct{ Status, Slug string }
	c.call("POST", "/articles", "application/json",
		`{"title": "Ferry fares frozen", "body": "The council froze **ferry** fares.", "author": "aiko-tanaka", "categories": ["economy"]}`,
		201, &art)
	if art.Status != "published" {
		t.Fatalf("article %+v", art)
	}
	if _, feed := get(t, c.base+"/feed.xml"); !strings.Contains(feed, "Ferry fares frozen") {
		t.Error("the article published over the API is not in /feed.xml at once")
	}

	c.call("POST", "/newsletters", "application/json", `{"slug": "styled", "name": "Styled", "template": "no-such-set"}`, 400, nil)
	c.call("POST", "/newsletters", "application/json", `{"slug": "hourly", "name": "Hourly", "schedule": "@every 1h"}`, 400, nil)

	var e edition
	c.call("POST", "/newsletters/weekly/send", "application/json", "", 202, &e)
	waitFor(t, 60*time.Second, func() bool {
		c.call("GET", "/editions/"+strconv.FormatInt(e.ID, 10), "application/json", "", 200, &e)
		return e.Done
	}, "the edition sent over the API to be done")
	if e.Status != "sent" || e.Counts.Recipients == 0 || e.Counts.Sent != e.Counts.Recipients || e.Counts.Pending != 0 {
		t.Errorf("edition at the end: %+v", e)
	}
	msgs := srv.Wait(t, e.Counts.Sent, 10*time.Second)
	if n := strings.Count(string(msgs[0].Data), "Ferry fares frozen"); n == 0 {
		t.Errorf("the digest does not carry the new article:\n%.800s", msgs[0].Data)
	}
	c.call("POST", "/newsletters/weekly/test", "application/json", `{"to": "Editor@Example.org"}`, 200, nil)
	msgs = srv.Wait(t, e.Counts.Sent+1, 10*time.Second)
	last := msgs[len(msgs)-1]
	h, _ := textPart(t, last.Data)
	subject, _ := new(mime.WordDecoder).DecodeHeader(h.Header.Get("Subject"))
	if last.To[0] != "editor@example.org" || !strings.HasPrefix(subject, "[TEST] The Weekly Review") {
		t.Errorf("test message to %v, subject %q", last.To, subject)
	}

	var rep struct {
		Imported, Refused int
		Errors            []string
	}
	c.call("POST", "/subscribers/import?newsletter=weekly", "text/csv",
		"Email Address,First Name,Last Name,CONFIRM_TIME\nnew.reader@example.org,New,Reader,2026-01-01\nnot-an-address,X,Y,\n", 200, &rep)
	if rep.Imported != 1 || rep.Refused != 1 || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0], "line 3") {
		t.Errorf("import report %+v", rep)
	}

	list := d.mustRun("token", "list")
	if f := strings.Fields(strings.Split(list, "\n")[1]); len(f) != 7 || f[2] != "e2e" || f[5] == "-" || f[6] != "-" {
		t.Errorf("token list after use, want a last-used time and no revocation:\n%s", list)
	}
	d.mustRun("token", "revoke", "1")
	c.call("GET", "/articles", "application/json", "", 401, nil)
	if _, errs, code := d.run("token", "revoke", "1"); code != 2 || !strings.Contains(errs, "already revoked") {
		t.Errorf("revoke twice: exit %d, %q", code, errs)
	}
}

// Bad token commands exit 2 with one line naming the problem.
func TestTokenCommandsBadInput(t *testing.T) {
	d := newInstall(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"token", "add", "--name", "x"}, "expected --user EMAIL --name NAME"},
		{[]string{"token", "add", "--user", "nobody@example.org", "--name", "x"}, `no editor account "nobody@example.org"`},
		{[]string{"token", "add", "--user", "editor@localhost", "--name", "two\nlines"}, "token name must be one line"},
		{[]string{"token", "revoke", "x"}, `"x" is not a valid token ID`},
		{[]string{"token", "revoke", "7"}, "API token 7 not found"},
		{[]string{"token", "list", "extra"}, `unexpected argument "extra"`},
	} {
		_, errs, code := d.run(c.args...)
		if code != 2 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
}

// fromAddress is a client whose connections come from 127.0.0.n, so that
// requests from different "clients" do not share a rate limit.
func fromAddress(n byte) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, n)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// Every API route, as the daemon mounts it among the site's routes, answers
// 401 without a token. Each request comes from its own address, as failed
// authentications from one address are limited to 20 before 429.
func TestDaemonAPIRoutesNeedAToken(t *testing.T) {
	d := newInstall(t)
	base := d.serve()
	app, err := openApp(&globals{data: filepath.Join(d.dir, "data"), config: filepath.Join(d.dir, "newsdesk.toml")}, &Env{Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	routes := app.apiServer().Routes()
	app.close()
	if len(routes) < 30 {
		t.Fatalf("%d routes", len(routes))
	}
	for i, rt := range append(routes, "GET /api/v1/", "OPTIONS /api/v1/articles") {
		method, path, _ := strings.Cut(rt, " ")
		path = strings.NewReplacer("{ref}", "1", "{slug}", "weekly", "{id}", "1").Replace(path)
		req, _ := http.NewRequest(method, base+path, strings.NewReader(`{"title": "x"}`))
		resp, err := fromAddress(byte(2 + i)).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.Contains(string(b), `"code":"unauthorized"`) {
			t.Errorf("%s: %d %s", rt, resp.StatusCode, b)
		}
	}
}
