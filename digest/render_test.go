package digest

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/templates"
)

var testSite = newsdesk.Site{
	Title: "The Harbour Institute", BaseURL: "https://news.example.org", Language: "en-GB",
	PostalAddress: "The Harbour Institute\n12 Quay Street\nBristol BS1 4XE\nUnited Kingdom",
}

// weeklyDigest is one subscriber's weekly digest: awkward characters in
// titles, summaries and names, related reading with and without a source.
func weeklyDigest() DigestData {
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, london)
	rents := article(7, "Rents & wages: why the “gap” <widens> in port cities", at.Add(-20*time.Hour), catHousing, catLabour)
	rents.Summary = "Rents rose 9% while wages rose 4%. We look at what <that> means for dock workers & their families, city by city, with figures from 2020 to 2026."
	rents.Author = authorJane
	yokohama := article(6, "横浜港の未来：海面上昇への備え", at.Add(-50*time.Hour), catPorts, catClimate)
	yokohama.Slug = "yokohama-sea-level"
	yokohama.Summary = "横浜と神戸の港湾都市は、海面上昇にどう備えているのか。"
	yokohama.Author = authorHanako
	flood := article(5, "Flood defences, explained", at.Add(-6*24*time.Hour), catClimate)
	return DigestData{
		Site: testSite, Newsletter: "Weekly", Date: at, Location: london,
		Articles: []*newsdesk.Article{rents, yokohama, flood},
		Related: []Related{
			{Title: "Dockers' pay: a century of data", URL: "https://stats.example.com/dockers?from=1926&to=2026", Summary: "Tables & charts from the port authority.", SourceTitle: "Port Statistics", SourceURL: "https://stats.example.com/"},
			{Title: "Sea walls in Rotterdam", URL: "https://example.net/rotterdam", SourceTitle: "Delta Notes"},
			{Title: "An item with no source", URL: "https://example.com/orphan"},
		},
		UnsubscribeURL: "https://news.example.org/unsubscribe/sub-42-token",
		PreferencesURL: "https://news.example.org/preferences/sub-42-token",
	}
}

// oneOffDigest is a one-off edition with an editor's note, in New York.
func oneOffDigest() DigestData {
	at := time.Date(2026, 3, 8, 12, 0, 0, 0, newYork)
	a := article(9, "Our annual report is out", at.Add(-time.Hour), catHousing)
	a.Summary = "Everything we published this year, and what comes next."
	return DigestData{
		Site: newsdesk.Site{Title: "The Harbour Institute", BaseURL: "https://news.example.org"}, Newsletter: "Announcements",
		Date: at, Location: newYork,
		Intro:          "Dear readers,\n\nthis is a special edition: our annual report\nis out today.\n\nThank you for reading.",
		Articles:       []*newsdesk.Article{a},
		UnsubscribeURL: "https://news.example.org/unsubscribe/sub-43-token",
		PreferencesURL: "https://news.example.org/preferences/sub-43-token",
	}
}

func newTestRenderer(t testing.TB) *Renderer {
	t.Helper()
	tmpl, err := templates.Digest("")
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRenderer(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file; got:\n%s", name, got)
	}
}

func TestRenderGolden(t *testing.T) {
	r := newTestRenderer(t)
	for name, data := range map[string]DigestData{"weekly": weeklyDigest(), "oneoff": oneOffDigest()} {
		t.Run(name, func(t *testing.T) {
			subject, preheader, html, text, err := r.Render(data)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+".lines.golden", "Subject: "+subject+"\nPreheader: "+preheader+"\n")
			golden(t, name+".html.golden", html)
			golden(t, name+".txt.golden", text)
		})
	}
}

// The text part, subject and preheader are plain text: nothing in them is
// HTML-escaped. The HTML part escapes the same characters.
func TestRenderEscaping(t *testing.T) {
	subject, preheader, html, text, err := newTestRenderer(t).Render(weeklyDigest())
	if err != nil {
		t.Fatal(err)
	}
	title := "Rents & wages: why the “gap” <widens> in port cities"
	for part, s := range map[string]string{"subject": subject, "text": text} {
		if !strings.Contains(s, title) {
			t.Errorf("%s lacks the title as written: %q", part, s)
		}
	}
	for part, s := range map[string]string{"subject": subject, "preheader": preheader, "text": text} {
		for _, entity := range []string{"&amp;", "&lt;", "&#39;", "&#34;"} {
			if strings.Contains(s, entity) {
				t.Errorf("%s holds %s: %q", part, entity, s)
			}
		}
	}
	if !strings.Contains(text, "Dockers' pay") || !strings.Contains(text, "?from=1926&to=2026") {
		t.Error("text mangles an apostrophe or a link")
	}
	if strings.Contains(html, "<widens>") || !strings.Contains(html, "Rents &amp; wages: why the “gap” &lt;widens&gt;") {
		t.Error("HTML does not escape the title")
	}
}

// Subjects and preheaders are one line whatever the titles hold, and long
// ones are cut at a word with an ellipsis.
func TestRenderLines(t *testing.T) {
	r := newTestRenderer(t)
	d := weeklyDigest()
	a := *d.Articles[0]
	a.Title = "Injected\r\nBcc: victim@example.com\tand a very long headline that goes on and on about rents, wages and everything else in port cities"
	d.Articles = append([]*newsdesk.Article{&a}, d.Articles[1:]...)
	subject, preheader, _, _, err := r.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{subject, preheader} {
		if strings.ContainsAny(s, "\r\n\t") {
			t.Errorf("not one line: %q", s)
		}
	}
	want := "Weekly — 25 Nov 2026: Injected Bcc: victim@example.com and a very long headline…"
	if subject != want {
		t.Errorf("subject %q, want %q", subject, want)
	}
}

// Nobody gets an empty digest: rendering one without articles fails.
func TestRenderNoArticles(t *testing.T) {
	d := weeklyDigest()
	d.Articles = nil
	_, _, _, _, err := newTestRenderer(t).Render(d)
	if newsdesk.ErrorCode(err) != newsdesk.EINVALID {
		t.Errorf("err %v, want EINVALID", err)
	}
}

// Links from outside that are not http(s) do not reach the HTML, and the
// placeholders a sender fills per subscriber pass through unchanged.
func TestRenderLinks(t *testing.T) {
	d := weeklyDigest()
	d.Related = []Related{{Title: "Bad", URL: "javascript:alert(1)", SourceTitle: "Evil", SourceURL: "data:text/html,hi"}}
	d.UnsubscribeURL = "https://news.example.org/unsubscribe/x-newsdesk-unsubscribe-token"
	d.PreferencesURL = "https://news.example.org/preferences/x-newsdesk-preferences-token"
	_, _, html, text, err := newTestRenderer(t).Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html, "javascript:") || strings.Contains(html, "data:text") {
		t.Error("HTML carries a javascript: or data: link")
	}
	for part, s := range map[string]string{"html": html, "text": text} {
		if !strings.Contains(s, d.UnsubscribeURL) || !strings.Contains(s, d.PreferencesURL) {
			t.Errorf("%s lacks the placeholder links", part)
		}
	}
}

// Dates are the newsletter's: an edition cut off at 23:30 UTC is dated the
// next day in Tokyo and the same day in New York.
func TestRenderDateInZone(t *testing.T) {
	at := time.Date(2026, 11, 25, 23, 30, 0, 0, time.UTC)
	for zone, want := range map[string]string{"Asia/Tokyo": "26 Nov 2026", "America/New_York": "25 Nov 2026", "": "25 Nov 2026"} {
		d := DigestData{Date: at}
		if zone != "" {
			d.Location = mustZone(zone)
		}
		if got := d.Day(); got != want {
			t.Errorf("in %q: %s, want %s", zone, got, want)
		}
	}
}

// A template overridden with a mistake that only shows on real data (a
// misspelt field) is refused when the renderer is made, naming the file
// and line; one with a syntax error is refused when templates are loaded.
func TestRendererRefusesBadTemplates(t *testing.T) {
	tests := []struct {
		name, file, src, want string
		atLoad                bool
	}{
		{"misspelt field", "digest.html", "<p>{{.Newsletter}}</p>\n<p>{{.Newsleter}}</p>\n", "digest.html:2:", false},
		{"method on nil author", "digest.txt", "{{range .Articles}}\n{{.Author.Name}}\n{{end}}\n", "digest.txt:2:", false},
		{"syntax error", "subject.txt", "{{.Newsletter}\n", "subject.txt:1:", true},
		{"unclosed action", "digest.html", "<p>\n{{if .Intro}}\n</p>\n", "digest.html:", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "digest", tt.file)
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(tt.src), 0o644); err != nil {
				t.Fatal(err)
			}
			tmpl, err := templates.Digest(dir)
			if err == nil {
				if tt.atLoad {
					t.Fatal("templates.Digest accepted the template")
				}
				_, err = NewRenderer(tmpl)
			}
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			wantFile := filepath.Join(dir, "digest", tt.want)
			if newsdesk.ErrorCode(err) != newsdesk.EINVALID || !strings.Contains(err.Error(), wantFile) {
				t.Errorf("error %q (code %s) does not name %s", err, newsdesk.ErrorCode(err), wantFile)
			}
		})
	}
}

// countingTemplates counts renders of the HTML digest.
type countingTemplates struct {
	Templates
	mu   sync.Mutex
	html int
}

func (c *countingTemplates) Execute(w io.Writer, name string, data any) error {
	if name == "digest.html" {
		c.mu.Lock()
		c.html++
		c.mu.Unlock()
	}
	return c.Templates.Execute(w, name, data)
}

// Subscribers with the same selection and placeholder links share one
// render; a different selection or different links is another variant.
func TestMemo(t *testing.T) {
	tmpl, err := templates.Digest("")
	if err != nil {
		t.Fatal(err)
	}
	counter := &countingTemplates{Templates: tmpl}
	r, err := NewRenderer(counter)
	if err != nil {
		t.Fatal(err)
	}
	counter.html = 0 // NewRenderer's checks do not count
	memo := NewMemo(r)
	base := weeklyDigest()
	base.UnsubscribeURL = "https://news.example.org/unsubscribe/x-newsdesk-unsubscribe-token"
	first, err := memo.Render(base)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Variant) != 64 {
		t.Errorf("variant %q is not 64 hex digits", first.Variant)
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if d, err := memo.Render(base); err != nil || d != first {
				t.Errorf("same digest, another render (%v)", err)
			}
		})
	}
	wg.Wait()
	fewer := base
	fewer.Articles = base.Articles[:2]
	otherLinks := base
	otherLinks.UnsubscribeURL = "https://news.example.org/unsubscribe/someone-else"
	for name, d := range map[string]DigestData{"fewer articles": fewer, "other links": otherLinks} {
		v, err := memo.Render(d)
		if err != nil {
			t.Fatal(err)
		}
		if v.Variant == first.Variant {
			t.Errorf("%s: same variant", name)
		}
	}
	if counter.html != 3 {
		t.Errorf("%d renders of 3 distinct digests", counter.html)
	}
}
