package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

// install is a data directory and config in a temporary directory, and the
// environment commands run with.
type install struct {
	t       *testing.T
	dir     string
	environ []string
	listen  string         // serve's address; default 127.0.0.1:0, a port the system picks
	clock   newsdesk.Clock // nil: the wall clock
}

func newInstall(t *testing.T, environ ...string) *install {
	return newInstallAt(t, nil, environ...)
}

// newInstallAt is newInstall with every command and the daemon on clock.
func newInstallAt(t *testing.T, clock newsdesk.Clock, environ ...string) *install {
	dir := t.TempDir()
	d := &install{t: t, dir: dir, environ: environ, clock: clock}
	d.mustRun("init", "--demo")
	return d
}

// main runs a command line as Main does, on the install's clock.
func (d *install) main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(ctx, &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Environ: d.environ, Clock: d.clock}, args)
}

// run runs one command the way main does and returns its output and exit code.
func (d *install) run(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	args = append(args, "--data", filepath.Join(d.dir, "data"), "--config", filepath.Join(d.dir, "newsdesk.toml"))
	code = d.main(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func (d *install) mustRun(args ...string) string {
	d.t.Helper()
	out, errs, code := d.run(args...)
	if code != 0 {
		d.t.Fatalf("newsdesk %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	return out
}

func (d *install) writeFile(name, content string) string {
	d.t.Helper()
	path := filepath.Join(d.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		d.t.Fatal(err)
	}
	return path
}

// serve starts the daemon on a port the system picks and returns its base
// URL; the daemon stops when the test ends.
func (d *install) serve() string {
	d.t.Helper()
	return d.serveLogging(io.Discard)
}

// serveLogging is serve with the daemon's log written to logw.
func (d *install) serveLogging(logw io.Writer) string {
	d.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		listen := d.listen
		if listen == "" {
			listen = "127.0.0.1:0"
		}
		args := []string{"serve", "--listen", listen, "--data", filepath.Join(d.dir, "data"),
			"--config", filepath.Join(d.dir, "newsdesk.toml")}
		done <- d.main(ctx, args, strings.NewReader(""), pw, logw)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		d.t.Fatalf("daemon did not start: %v", err)
	}
	go io.Copy(io.Discard, pr)
	d.t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			d.t.Errorf("serve exited %d", code)
		}
	})
	return strings.TrimSpace(strings.TrimPrefix(line, "newsdesk listening on "))
}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestDaemonServesSiteAndFeeds(t *testing.T) {
	d := newInstall(t)
	base := d.serve()
	for path, want := range map[string]int{
		"/": 200, "/feed.xml": 200, "/atom.xml": 200, "/feed.json": 200,
		"/category/economy/feed.xml": 200, "/author/aiko-tanaka/atom.xml": 200, "/category/cities": 200,
		"/articles/rents-and-wages": 200, "/healthz": 200, "/media/harbour.svg": 200,
		"/category/nope/feed.xml": 404, "/author/nope/feed.json": 404, "/articles/nope": 404, "/nope": 404,
		"/?utm_source=x": 200, "/articles/rents-and-wages?ref=a": 200,
		// Lists live at /page/N/ paths; old ?page= links are sent there.
		"/?page=-1": 301, "/?page=2": 301, "/category/economy?page=99999999999999999999": 301,
		"/page/1/": 301, "/page/2/": 404, "/page/x/": 404, "/page/02/": 404, "/category/economy/page/9/": 404,
	} {
		resp, _ := get(t, base+path)
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
	resp, body := get(t, base+"/feed.xml")
	if n := strings.Count(body, "<item>"); n != 15 {
		t.Errorf("/feed.xml has %d items, want the 15 demo articles", n)
	}
	etag := resp.Header.Get("ETag")
	if resp, _ := get(t, base+"/feed.xml", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s: %d, want 304", etag, resp.StatusCode)
	}
	lm := resp.Header.Get("Last-Modified")
	if resp, _ := get(t, base+"/feed.xml", "If-Modified-Since", lm); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since %s: %d, want 304", lm, resp.StatusCode)
	}
	if resp, _ := get(t, base+"/feed.xml", "If-None-Match", `"x"`, "If-Modified-Since", "garbage"); resp.StatusCode != 200 {
		t.Errorf("stale validators: %d, want 200", resp.StatusCode)
	}
	if resp, _ := get(t, base+"/feed.xml", "Accept-Encoding", "gzip"); resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("gzip not used when asked")
	}
	_, index := get(t, base+"/")
	for _, want := range []string{`rel="alternate" type="application/rss+xml"`, `type="application/atom+xml"`, `type="application/feed+json"`} {
		if !strings.Contains(index, want) {
			t.Errorf("index lacks autodiscovery %s", want)
		}
	}
}

// TestChangesFromTheCommandLineReachTheDaemon publishes with the command
// line while the daemon runs: a published article shows in the feed at
// once, a scheduled one only when the scheduler has published it.
func TestChangesFromTheCommandLineReachTheDaemon(t *testing.T) {
	d := newInstall(t)
	base := d.serve()
	_, before := get(t, base+"/feed.xml")
	body := d.writeFile("body.md", "Fresh **news**.")
	d.mustRun("article", "add", "--title", "Breaking now", "--body-file", body, "--author", "kwame-asante")
	at := time.Now().Add(3 * time.Second).UTC().Format(time.RFC3339)
	d.mustRun("article", "add", "--title", "Coming soon", "--body-file", body, "--publish-at", at)
	if strings.Contains(before, "Breaking now") {
		t.Fatal("article in the feed before it was added")
	}
	waitFor(t, 5*time.Second, func() bool {
		_, feed := get(t, base+"/feed.xml")
		return strings.Contains(feed, "Breaking now") && !strings.Contains(feed, "Coming soon")
	}, "the published article in the feed, the scheduled one not yet")
	waitFor(t, 30*time.Second, func() bool {
		_, feed := get(t, base+"/atom.xml")
		return strings.Contains(feed, "Coming soon")
	}, "the scheduled article published by the scheduler")
	if resp, _ := get(t, base+"/author/kwame-asante/feed.json"); resp.StatusCode != 200 {
		t.Fatalf("author feed %d", resp.StatusCode)
	}
}

func waitFor(t *testing.T, limit time.Duration, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", limit, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestBadInputExitsTwoAndWritesNothing(t *testing.T) {
	d := newInstall(t)
	countBefore := d.mustRun("article", "list", "--limit", "1000")
	files := map[string]string{
		"notitle.md":     "---\nslug: x\n---\nbody\n",
		"badfm.md":       "---\ntitle: [unclosed\n---\nbody\n",
		"baddate.md":     "---\ntitle: Dated\ndate: last tuesday\n---\nbody\n",
		"badauthor.md":   "---\ntitle: Who\nauthor: nobody\n---\nbody\n",
		"nofm.md":        "# Just markdown\n",
		"unclosed.md":    "---\ntitle: Open\nbody\n",
		"good.md":        "---\ntitle: Fine\n---\nbody\n",
		"tomlgood.md":    "+++\ntitle = \"Toml\"\ndate = 2026-11-01T10:00:00Z\n+++\nbody\n",
		"badcategory.md": "---\ntitle: Cat\ncategories: [\"Not A Slug\"]\n---\nbody\n",
	}
	paths := map[string]string{}
	for name, content := range files {
		paths[name] = d.writeFile(name, content)
	}
	for _, tc := range []struct {
		args []string
		want string // in the one-line error
	}{
		{[]string{"article", "import", paths["good.md"], paths["notitle.md"]}, "notitle.md: front matter has no title"},
		{[]string{"article", "import", paths["badfm.md"]}, "badfm.md: bad front matter"},
		{[]string{"article", "import", paths["baddate.md"]}, `baddate.md: date: "last tuesday" is not a date`},
		{[]string{"article", "import", paths["tomlgood.md"], paths["badauthor.md"]}, `unknown author "nobody"`},
		{[]string{"article", "import", paths["nofm.md"]}, "nofm.md: no front matter"},
		{[]string{"article", "import", paths["unclosed.md"]}, "unclosed.md: front matter is not closed"},
		{[]string{"article", "import", paths["badcategory.md"]}, `category slug "Not A Slug" is not valid`},
		{[]string{"article", "import", filepath.Join(d.dir, "missing.md")}, "missing.md"},
		{[]string{"article", "add", "--title", "T"}, "--title and --body-file are required"},
		{[]string{"article", "add", "--title", "T", "--body-file", paths["good.md"], "--publish-at", "tomorrow"}, `--publish-at: "tomorrow" is not an RFC 3339 time`},
		{[]string{"article", "add", "--title", "T", "--body-file", paths["good.md"], "--author", "ghost"}, `unknown author "ghost"`},
		{[]string{"article", "list", "--status", "lost"}, `--status "lost"`},
		{[]string{"article", "show", "no-such-slug"}, `article "no-such-slug" not found`},
		{[]string{"article", "frobnicate"}, `unknown subcommand "frobnicate"`},
		{[]string{"article", "list", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"init"}, "already initialised"},
		{[]string{"backup"}, "expected one FILE"},
		{[]string{"author", "list", "extra"}, `unexpected argument "extra"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, stderr, code := d.run(tc.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", code, stderr)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q, want one line containing %q", stderr, tc.want)
			}
		})
	}
	if after := d.mustRun("article", "list", "--limit", "1000"); after != countBefore {
		t.Errorf("bad input changed the articles:\n%s\nwas\n%s", after, countBefore)
	}
}

func TestBrokenConfigIsAUsageError(t *testing.T) {
	d := newInstall(t)
	for content, want := range map[string]string{
		"[site]\nbase_url = \"not a url\"\n": "site.base_url",
		"[site\n":                            "newsdesk.toml",
		"[feeds]\nitems = 0\n":               "feeds.items",
		"[feeds]\nmax_age = \"soon\"\n":      "not a duration",
		"[sitee]\ntitle = \"x\"\n":           `unknown key "sitee`,
	} {
		d.writeFile("newsdesk.toml", content)
		_, stderr, code := d.run("article", "list")
		if code != 2 || !strings.Contains(stderr, want) {
			t.Errorf("config %q: exit %d, stderr %q; want 2 and %q", content, code, stderr, want)
		}
	}
	d.writeFile("newsdesk.toml", "")
	d.environ = []string{"NEWSDESK_FEEDS_ITEMS=many"}
	if _, stderr, code := d.run("article", "list"); code != 2 || !strings.Contains(stderr, "NEWSDESK_FEEDS_ITEMS") {
		t.Errorf("bad environment: exit %d, stderr %q", code, stderr)
	}
}

func TestArticleLifecycleFromTheCommandLine(t *testing.T) {
	d := newInstall(t)
	body := d.writeFile("b.md", "Body with a [link](/articles/x).")
	out := d.mustRun("article", "add", "--title", "Draft piece", "--body-file", body, "--draft", "--category", "economy,new-topic")
	if !strings.Contains(out, "saved as draft") {
		t.Fatalf("add: %s", out)
	}
	show := d.mustRun("article", "show", "draft-piece")
	uid := lineValue(show, "UID:")
	d.mustRun("article", "edit", "draft-piece", "--title", "Renamed piece", "--summary", "Now with a summary")
	d.mustRun("article", "publish", "draft-piece")
	show = d.mustRun("article", "show", "draft-piece")
	if lineValue(show, "UID:") != uid || lineValue(show, "Status:") != "published" || lineValue(show, "Title:") != "Renamed piece" {
		t.Errorf("after edit and publish:\n%s", show)
	}
	d.mustRun("article", "unpublish", "draft-piece")
	d.mustRun("article", "delete", "draft-piece")
	if _, _, code := d.run("article", "show", "draft-piece"); code != 2 {
		t.Errorf("deleted article still shows (exit %d)", code)
	}
	out = d.mustRun("backup", filepath.Join(d.dir, "snapshot.db"))
	if !strings.Contains(out, "snapshot.db") {
		t.Errorf("backup: %s", out)
	}
	out = d.mustRun("export", "--out", filepath.Join(d.dir, "site"))
	for _, name := range []string{"index.html", "feed.xml", "atom.xml", "feed.json", "category/economy/atom.xml", "articles/rents-and-wages.html", "media/harbour.svg"} {
		if _, err := os.Stat(filepath.Join(d.dir, "site", name)); err != nil {
			t.Errorf("export: %v (%s)", err, out)
		}
	}
}

func lineValue(text, key string) string {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			return strings.TrimSpace(v)
		}
	}
	return fmt.Sprintf("<no %s>", key)
}

func TestBrokenTemplateOverrideStopsStart(t *testing.T) {
	d := newInstall(t)
	dir := filepath.Join(d.dir, "tpl", "pages")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	d.writeFile("tpl/pages/article.html", "{{template \"head\" .}}\n{{.Article.Title")
	d.environ = []string{"NEWSDESK_SITE_TEMPLATES=" + filepath.Join(d.dir, "tpl")}
	_, stderr, code := d.run("serve", "--listen", "127.0.0.1:0")
	want := filepath.Join(d.dir, "tpl", "pages", "article.html")
	if code != 2 || !strings.Contains(stderr, want) || !strings.Contains(stderr, ":2:") {
		t.Fatalf("exit %d, stderr %q; want 2 naming %s and line 2", code, stderr, want)
	}
}
