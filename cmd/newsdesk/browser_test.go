//go:build browser

// Browser tests of the editors' desk: the real Debian Chromium, headless,
// driven with chromedp against the daemon. They run under `make
// conformance` (scripts/conformance.sh), not `make test`:
//
//	go test -tags browser -run TestBrowser -v ./cmd/newsdesk/
//
// The daemon runs in this process through Main, the same code the binary
// runs: the test can then run its SMTP server in process and read what
// arrived, and the publish job runs on its real 10-second tick. Each step
// saves a PNG screenshot in $SCREENSHOT_DIR (default
// /tmp/newsdesk-screenshots).
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/newsdesk/newsdesk/mailer/smtptest"
)

const chromiumPath = "/usr/bin/chromium"

// freeAddr returns a loopback address with a port free at the moment.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// tab is one browser tab on the desk, and where its screenshots go.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
	shot int
}

func newTab(t *testing.T, base string) *tab {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("no Chromium at %s (apt-get install chromium): %v", chromiumPath, err)
	}
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "newsdesk-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 900), chromedp.UserDataDir(t.TempDir()))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first Run starts the browser, and must not have a deadline.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	t.Logf("screenshots in %s", dir)
	return &tab{t: t, ctx: ctx, base: base, dir: dir}
}

// do runs browser steps with a time limit, failing the test on error.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.screenshot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open loads a desk page and waits for its heading.
func (b *tab) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS("h1")))
}

// waitText waits until the page's text holds s, as the page after a form
// is submitted does.
func (b *tab) waitText(s string) {
	b.t.Helper()
	b.waitJS(fmt.Sprintf("document.body !== null && document.body.innerText.includes(%q)", s))
}

// waitJS waits until a JavaScript expression is true. Evaluation fails
// while the page is being replaced, so errors only count when time runs out.
func (b *tab) waitJS(expr string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			b.screenshot("failed-wait")
			b.t.Fatalf("never true: %s (%v):\n%s", expr, err, b.text())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (b *tab) text() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// screenshot saves the whole page as NN-name.png.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	b.shot++
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.shot, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Error(err)
	}
}

// TestBrowserDesk is an editor's session: log in, write an article with a
// relative image and a category, schedule it a few seconds ahead and see
// it reach the site feed, create a newsletter, preview its digest and send
// a test to an SMTP server. Each step is a subtest, so conformance counts
// them; a failed step stops the ones after it.
func TestBrowserDesk(t *testing.T) {
	srv := smtptest.Start(t)
	// The site's base URL is the daemon's own address, so that the absolute
	// links and images in pages and feeds load in the browser.
	addr := freeAddr(t)
	d := newInstall(t, "NEWSDESK_SITE_BASE_URL=http://"+addr, "NEWSDESK_MAIL_TRANSPORT=smtp", "NEWSDESK_SMTP_HOST="+srv.Host, fmt.Sprintf("NEWSDESK_SMTP_PORT=%d", srv.Port),
		"NEWSDESK_SMTP_TLS=none", "NEWSDESK_MAIL_FROM=The Harbour Review <news@harbour.example>")
	d.addEditor("ed@example.org", "a long enough password")
	d.listen = addr
	base := d.serve()
	b := newTab(t, base)
	title := "Quay rents rise again"
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"login", func(t *testing.T) {
			b.open("/admin/articles")
			if !strings.Contains(b.text(), "Log in to the editors' desk") {
				t.Fatalf("no login form without a session:\n%s", b.text())
			}
			b.do("fill the wrong password", chromedp.SetValue(chromedp.ID("email"), "ed@example.org"),
				chromedp.SetValue(chromedp.ID("password"), "not the password"), chromedp.Click(chromedp.CSS("button[type=submit]")))
			b.waitText("The email or password is not right.")
			b.screenshot("login-refused")
			b.do("log in", chromedp.SetValue(chromedp.ID("password"), "a long enough password"), chromedp.Click(chromedp.CSS("main button[type=submit]")))
			b.waitText("New article") // back where it was sent from: the article list
			b.open("/admin/")
			b.screenshot("dashboard")
		}},
		{"write and preview an article", func(t *testing.T) {
			b.open("/admin/articles/new")
			b.do("write", chromedp.SetValue(chromedp.ID("title"), title),
				chromedp.SetValue(chromedp.ID("summary"), "Harbour-side rents are up a tenth in a year."),
				chromedp.SetValue(chromedp.ID("body"), "![The harbour at dusk](/media/harbour.svg)\n\nRents by the quay rose **11%** this year."),
				chromedp.SetValue(chromedp.ID("author"), "aiko-tanaka"),
				chromedp.Click(chromedp.CSS(`input[name=categories][value=economy]`)),
				chromedp.Click(chromedp.CSS(`button[value=preview]`)),
				chromedp.WaitVisible(chromedp.CSS(`#preview img[src="/media/harbour.svg"]`)))
			loaded, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector("#preview img").naturalWidth > 0`))
			if err != nil || !loaded {
				t.Errorf("the relative image did not load in the preview: %v", err)
			}
			b.screenshot("article-preview")
		}},
		{"schedule the article", func(t *testing.T) {
			at := time.Now().UTC().Add(20 * time.Second).Format("2006-01-02T15:04:05")
			b.do("schedule", chromedp.Click(chromedp.CSS(`input[name=when][value=schedule]`)),
				chromedp.SetValue(chromedp.ID("publish_at"), at), chromedp.Click(chromedp.CSS(`button[value=save]`)))
			b.waitText("Scheduled.")
			b.screenshot("article-scheduled")
		}},
		{"the article reaches the feed", func(t *testing.T) {
			var feed string
			waitFor(t, 60*time.Second, func() bool {
				_, feed = get(t, base+"/feed.xml")
				return strings.Contains(feed, title)
			}, "the scheduled article in /feed.xml")
			if !strings.Contains(feed, `src="`+base+`/media/harbour.svg"`) || !strings.Contains(feed, "<category>Economy</category>") {
				t.Errorf("the feed item lacks the absolute image URL or the category")
			}
			b.open("/articles/quay-rents-rise-again")
			b.screenshot("site-article")
			b.open("/admin/articles")
			b.screenshot("articles")
		}},
		{"create a newsletter", func(t *testing.T) {
			b.open("/admin/newsletters/new")
			b.do("fill in a bad schedule", chromedp.SetValue(chromedp.ID("slug"), "harbour-brief"),
				chromedp.SetValue(chromedp.ID("name"), "The Harbour Brief"), chromedp.SetValue(chromedp.ID("schedule"), "every morning"),
				chromedp.SetValue(chromedp.ID("timezone"), "Europe/London"),
				chromedp.Click(chromedp.CSS(`input[name=categories][value=economy]`)), chromedp.Click(chromedp.CSS("form.stack button[type=submit]")))
			b.waitText(`schedule "every morning"`)
			b.screenshot("newsletter-refused")
			b.do("fix it", chromedp.SetValue(chromedp.ID("schedule"), "0 7 * * *"), chromedp.Click(chromedp.CSS("form.stack button[type=submit]")))
			b.waitText("Created.")
			b.screenshot("newsletter")
		}},
		{"preview the digest", func(t *testing.T) {
			b.do("open the preview", chromedp.Click(chromedp.CSS(`a[href="/admin/newsletters/harbour-brief/preview"]`)),
				chromedp.WaitVisible(chromedp.CSS("iframe.digest")))
			b.waitText("The Harbour Brief")
			// The frame is sandboxed (an opaque origin), so its text is read
			// through the desk's own route rather than the frame's DOM.
			html, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
				`fetch(document.querySelector("iframe.digest").src).then(r => r.text())`, chromedp.EvalAwaitPromise))
			if err != nil || !strings.Contains(html, title) {
				t.Errorf("the digest preview lacks the article: %v", err)
			}
			b.do("let the frame render", chromedp.Sleep(time.Second))
			b.screenshot("digest-preview")
		}},
		{"send a test to SMTP", func(t *testing.T) {
			b.do("send", chromedp.SetValue(chromedp.ID("to"), "ed@example.org"), chromedp.Click(chromedp.CSS(`form[action$="/test"] button`)))
			b.waitText("Test sent.")
			b.screenshot("test-sent")
			msgs := srv.Wait(t, 1, 30*time.Second)
			data := string(msgs[0].Data)
			if msgs[0].To[0] != "ed@example.org" || !strings.Contains(data, "[TEST]") || !strings.Contains(data, "Quay rents rise") {
				t.Errorf("the SMTP server got a message to %v without [TEST] or the article:\n%.600s", msgs[0].To, data)
			}
		}},
		{"send now and follow the progress", func(t *testing.T) {
			b.open("/admin/newsletters/weekly")
			// Accept the confirmation the button asks for.
			b.do("send now", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
				chromedp.Click(chromedp.CSS(`form[action$="/send-now"] button`)))
			b.waitText("Sending has started.")
			b.screenshot("edition-sending")
			// The page polls its progress and reloads when the edition is done.
			b.waitJS(`document.querySelector("[data-status]") !== null && document.querySelector("[data-status]").textContent === "sent"`)
			b.screenshot("edition-sent")
			if msgs := srv.Wait(t, 4, 30*time.Second); len(msgs) != 4 {
				t.Errorf("the SMTP server has %d messages, want the test and 3 subscribers'", len(msgs))
			}
		}},
		{"add a source", func(t *testing.T) {
			b.open("/admin/sources")
			b.do("add", chromedp.SetValue(chromedp.ID("url"), "http://127.0.0.1:9/harbour.xml"),
				chromedp.SetValue(chromedp.ID("category"), "economy"), chromedp.Click(chromedp.CSS(`form[action="/admin/sources"] button`)))
			b.waitText("Created.")
			b.waitText("127.0.0.1:9/harbour.xml")
		}},
		{"create an API token", func(t *testing.T) {
			b.open("/admin/tokens")
			b.do("create", chromedp.SetValue(chromedp.ID("name"), "CMS sync"), chromedp.Click(chromedp.CSS(`form[action="/admin/tokens"] button`)))
			b.waitText("cannot be shown again")
			b.screenshot("api-token")
			secret, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.getElementById("secret").value`))
			if err != nil || !strings.HasPrefix(secret, "nd_") {
				t.Fatalf("no secret in the copy field: %q %v", secret, err)
			}
			if resp, _ := get(t, base+"/api/v1/articles", "Authorization", "Bearer "+secret); resp.StatusCode != 200 {
				t.Errorf("the API refuses the token the desk made: %d", resp.StatusCode)
			}
		}},
		{"create a one-off edition and preview it", func(t *testing.T) {
			b.open("/admin/newsletters/weekly")
			b.do("open the form", chromedp.Click(chromedp.CSS(`a[href="/admin/editions/new?newsletter=weekly"]`)),
				chromedp.WaitVisible(chromedp.ID("intro")))
			at := time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04")
			b.do("fill it in", chromedp.Click(chromedp.ID("pick-quay-rents-rise-again")), chromedp.Click(chromedp.ID("pick-harbour-at-a-crossroads")),
				chromedp.SetValue(chromedp.ID("intro"), "Two pieces on the harbour's money, picked by the desk."),
				chromedp.Click(chromedp.CSS(`input[name=when][value=schedule]`)), chromedp.SetValue(chromedp.ID("at"), at))
			b.screenshot("one-off-form")
			b.do("create", chromedp.Click(chromedp.CSS(`button[value=create]`)))
			b.waitText("Created.")
			b.waitText("2 hand-picked")
			b.screenshot("one-off-edition")
			b.do("open the preview", chromedp.Click(chromedp.CSS(`a[href*="/preview?edition="]`)), chromedp.WaitVisible(chromedp.CSS("iframe.digest")))
			html, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
				`fetch(document.querySelector("iframe.digest").src).then(r => r.text())`, chromedp.EvalAwaitPromise))
			if err != nil || !strings.Contains(html, "picked by the desk") || !strings.Contains(html, title) {
				t.Errorf("the one-off preview lacks the intro or the article: %v", err)
			}
			b.do("let the frame render", chromedp.Sleep(time.Second))
			b.screenshot("one-off-preview")
		}},
		{"the other pages", func(t *testing.T) {
			for _, p := range []string{"/admin/newsletters", "/admin/editions", "/admin/subscribers", "/admin/sources", "/admin/"} {
				b.open(p)
				if strings.Contains(b.text(), "Internal error") {
					t.Errorf("%s: internal error", p)
				}
				name := strings.Trim(strings.TrimPrefix(p, "/admin"), "/")
				if name == "" {
					name = "dashboard-at-the-end"
				}
				b.screenshot(name)
			}
			if text := b.text(); !strings.Contains(text, "The Harbour Brief") || strings.Contains(text, "No edition has been sent yet.") {
				t.Errorf("the dashboard lacks the new schedule or the edition sent:\n%s", text)
			}
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, func(t *testing.T) { b.t = t; s.run(t) }) {
			t.Fatalf("step %q failed; the later steps need it", s.name)
		}
	}
}
