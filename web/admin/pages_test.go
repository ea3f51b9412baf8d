package admin

import (
	"bytes"
	"image"
	pngenc "image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/newsdesk/newsdesk"
)

// errorNextTo reports whether body shows msg right after the field's input,
// where the templates put a field's message.
func errorNextTo(body, field, msg string) bool {
	i := strings.Index(body, `name="`+field+`"`)
	if i < 0 {
		return false
	}
	rest := body[i:]
	if end := strings.Index(rest[1:], `<label`); end > 0 {
		rest = rest[:end+1]
	}
	return strings.Contains(rest, `<p class="error" role="alert">`+msg)
}

func TestFormsShowErrorsNextToFieldsAndKeepInput(t *testing.T) {
	f := newFixture(t)
	b := f.loggedIn()
	for _, tc := range []struct {
		name, path string
		form       url.Values
		field, msg string
		kept       []string
	}{
		{"article without title", "/admin/articles/new",
			url.Values{"title": {" "}, "body": {"Keep *this* body"}, "summary": {"my summary"}, "categories": {"cities"}, "author": {"ada"}},
			"title", "article title is required", []string{"Keep *this* body", `value="my summary"`, `value="cities" checked`, `value="ada" selected`}},
		{"article with a bad time", "/admin/articles/new",
			url.Values{"title": {"Harbour"}, "body": {"b"}, "when": {"schedule"}, "publish_at": {"next tuesday"}},
			"publish_at", "&#34;next tuesday&#34; is not a date", []string{`value="Harbour"`, `value="next tuesday"`, `value="schedule" checked`}},
		{"article in the past", "/admin/articles/new",
			url.Values{"title": {"Harbour"}, "body": {"b"}, "when": {"schedule"}, "publish_at": {"2020-01-01T10:00"}},
			"publish_at", "This time has passed", []string{`value="2020-01-01T10:00"`}},
		{"article with a bad slug", "/admin/articles/new",
			url.Values{"title": {"Harbour"}, "slug": {"Not A Slug"}, "body": {"b"}},
			"slug", "article slug &#34;Not A Slug&#34; is not valid", []string{`value="Not A Slug"`}},
		{"newsletter with a bad schedule", "/admin/newsletters/new",
			url.Values{"slug": {"daily"}, "name": {"The Daily"}, "schedule": {"every morning"}, "timezone": {"UTC"}},
			"schedule", "schedule &#34;every morning&#34;", []string{`value="The Daily"`, `value="every morning"`}},
		{"newsletter with an unknown zone", "/admin/newsletters/new",
			url.Values{"slug": {"daily"}, "name": {"The Daily"}, "schedule": {"0 7 * * *"}, "timezone": {"Mars/Olympus"}},
			"timezone", "time zone &#34;Mars/Olympus&#34;: unknown", []string{`value="Mars/Olympus"`, `value="0 7 * * *"`}},
		{"newsletter slug taken", "/admin/newsletters/new",
			url.Values{"slug": {"weekly"}, "name": {"Another"}, "timezone": {"UTC"}},
			"slug", "a newsletter with slug &#34;weekly&#34; already exists", []string{`value="Another"`}},
		{"newsletter without a name", "/admin/newsletters/weekly",
			url.Values{"name": {""}, "description": {"kept words"}, "timezone": {"UTC"}},
			"name", "newsletter name is required", []string{`value="kept words"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := b.post(tc.path, tc.form)
			if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusConflict {
				t.Fatalf("status %d, want 400 (409 for a slug taken)", resp.StatusCode)
			}
			if !errorNextTo(body, tc.field, tc.msg) {
				t.Errorf("no %q next to %s in\n%s", tc.msg, tc.field, body)
			}
			for _, k := range tc.kept {
				if !strings.Contains(body, k) {
					t.Errorf("the form lost %s", k)
				}
			}
		})
	}
	if _, n, _ := f.articles.FindArticles(t.Context(), newsdesk.ArticleFilter{}); n != 0 {
		t.Errorf("%d articles stored by refused forms", n)
	}
}

func TestArticlePages(t *testing.T) {
	f := newFixture(t)
	b := f.loggedIn()
	form := url.Values{"title": {"Harbour cities"}, "body": {"![Harbour](/media/harbour.svg)\n\nRents **rise**."},
		"author": {"ada"}, "categories": {"cities", "economy"}, "when": {"draft"}, "action": {"preview"}}
	resp, body := b.post("/admin/articles/new", form)
	if resp.StatusCode != 200 || !strings.Contains(body, `<img src="/media/harbour.svg" alt="Harbour">`) || !strings.Contains(body, "<strong>rise</strong>") {
		t.Fatalf("preview: %d\n%s", resp.StatusCode, body)
	}
	form.Set("action", "save")
	form.Set("when", "schedule")
	form.Set("publish_at", "2026-11-25T09:30")
	resp, _ = b.post("/admin/articles/new", form)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "?done=scheduled") {
		t.Fatalf("create: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	a, err := f.articles.FindArticleBySlug(t.Context(), "harbour-cities")
	if err != nil || a.Status != newsdesk.StatusScheduled || len(a.Categories) != 2 || a.Author.Slug != "ada" {
		t.Fatalf("stored %+v, %v", a, err)
	}
	edit := resp.Header.Get("Location")
	if resp, body := b.get(edit); resp.StatusCode != 200 || !strings.Contains(body, "Scheduled.") || !strings.Contains(body, "2026-11-25 09:30 UTC") {
		t.Errorf("edit page: %d", resp.StatusCode)
	}
	path := strings.TrimSuffix(edit, "?done=scheduled")
	form = url.Values{"title": {"Harbour cities, revised"}, "slug": {"harbour-cities"}, "body": {"New body"}, "when": {"keep"}}
	if resp, _ := b.post(path, form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	if a, _ = f.articles.FindArticleByID(t.Context(), a.ID); a.Title != "Harbour cities, revised" || len(a.Categories) != 0 || a.Author != nil {
		t.Errorf("after save: %+v", a)
	}
	for _, step := range []struct {
		action string
		want   newsdesk.ArticleStatus
	}{{"/publish", newsdesk.StatusPublished}, {"/unpublish", newsdesk.StatusDraft}} {
		if resp, _ := b.post(path+step.action, nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: %d", step.action, resp.StatusCode)
		}
		if a, _ = f.articles.FindArticleByID(t.Context(), a.ID); a.Status != step.want {
			t.Errorf("after %s: %s", step.action, a.Status)
		}
	}
	for q, want := range map[string]bool{"?q=revised": true, "?q=nothing": false, "?status=draft": true, "?status=published": false} {
		_, body := b.get("/admin/articles" + q)
		if strings.Contains(body, "Harbour cities, revised") != want {
			t.Errorf("list %s: shown %t, want %t", q, !want, want)
		}
	}
	if resp, _ := b.get("/admin/articles/999"); resp.StatusCode != 404 {
		t.Errorf("unknown article: %d", resp.StatusCode)
	}
}

func TestNewsletterAndEditionPages(t *testing.T) {
	f := newFixture(t)
	b := f.loggedIn()
	form := url.Values{"slug": {"daily"}, "name": {"The Daily"}, "schedule": {"0 7 * * *"}, "timezone": {"Europe/London"},
		"categories": {"economy"}, "approval": {"on"}}
	if resp, body := b.post("/admin/newsletters/new", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	n, err := f.letters.FindNewsletterBySlug(t.Context(), "daily")
	if err != nil || n.TimeZone != "Europe/London" || !n.ApprovalRequired || len(n.Categories) != 1 {
		t.Fatalf("stored %+v %v", n, err)
	}
	if _, body := b.get("/admin/newsletters"); !strings.Contains(body, "The Daily") || !strings.Contains(body, "0 7 * * *") {
		t.Error("list lacks the new newsletter")
	}
	b.post("/admin/newsletters/daily/pause", nil)
	if n, _ = f.letters.FindNewsletterBySlug(t.Context(), "daily"); !n.Paused {
		t.Error("pause did not pause")
	}
	b.post("/admin/newsletters/daily/resume", nil)
	form = url.Values{"name": {"The Daily Brief"}, "schedule": {"0 8 * * *"}, "timezone": {"Europe/London"}}
	if resp, _ := b.post("/admin/newsletters/daily", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	if n, _ = f.letters.FindNewsletterBySlug(t.Context(), "daily"); n.Paused || n.Name != "The Daily Brief" || n.Schedule != "0 8 * * *" || n.ApprovalRequired {
		t.Errorf("after resume and save: %+v", n)
	}

	resp, _ := b.post("/admin/newsletters/weekly/send-now", nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/admin/editions/") {
		t.Fatalf("send now: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	edition := strings.TrimSuffix(resp.Header.Get("Location"), "?done=sending")
	if resp, body := b.get(edition); resp.StatusCode != 200 || !strings.Contains(body, "Preview and test") {
		t.Errorf("edition page: %d", resp.StatusCode)
	}
	if _, body := b.get(edition + "/progress"); !strings.Contains(body, `"status":`) {
		t.Errorf("progress: %s", body)
	}
	if _, body := b.get("/admin/editions"); !strings.Contains(body, edition) {
		t.Error("edition list lacks the edition")
	}
	_, body := b.get("/admin/")
	if !strings.Contains(body, edition) {
		t.Error("dashboard lacks the edition")
	}
	// The Daily Brief cuts at 8:00 in London, which is UTC in November.
	if !strings.Contains(body, `<td class="t">2026-11-26 08:00 UTC</td>`) {
		t.Error("dashboard lacks the next tick of the daily schedule")
	}

	_, body = b.get("/admin/newsletters/weekly/preview?subscriber=")
	if !strings.Contains(body, `sandbox src="/admin/newsletters/weekly/preview/html?subscriber="`) || !strings.Contains(body, "The Weekly: rents") {
		t.Errorf("preview page lacks the sandboxed frame or the subject:\n%s", body)
	}
	resp, body = b.get("/admin/newsletters/weekly/preview/html")
	if body != "<p>digest body</p>" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("preview HTML: %q, CSP %q", body, resp.Header.Get("Content-Security-Policy"))
	}
	if resp, body := b.get("/admin/newsletters/weekly/preview?subscriber=stranger@example.com"); resp.StatusCode != 400 ||
		!errorNextTo(body, "subscriber", "stranger@example.com is not subscribed") {
		t.Errorf("preview for a stranger: %d", resp.StatusCode)
	}
	if resp, _ := b.post("/admin/newsletters/weekly/test", url.Values{"to": {"me@example.org"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("test send: %d", resp.StatusCode)
	}
	if resp, body := b.post("/admin/newsletters/weekly/test", url.Values{"to": {"not an address"}}); resp.StatusCode != 400 ||
		!errorNextTo(body, "to", "&#34;not an address&#34; is not a valid email address") || !strings.Contains(body, `value="not an address"`) {
		t.Errorf("test send to a bad address: %d", resp.StatusCode)
	}
	if got := strings.Join(f.editor.calls, ","); !strings.Contains(got, "test weekly me@example.org") || strings.Count(got, "test ") != 1 {
		t.Errorf("editor calls %s", got)
	}
	for _, act := range []string{"pause", "resume", "cancel"} {
		if resp, body := b.post(edition+"/"+act, nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: %d %s", act, resp.StatusCode, body)
		}
	}
	if resp, _ := b.post(edition+"/approve", nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("approving a cancelled edition: %d, want 409", resp.StatusCode)
	}
}

func TestImageUpload(t *testing.T) {
	f := newFixture(t)
	f.h.MediaDir = t.TempDir()
	b := f.loggedIn()
	var png bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	if err := pngenc.Encode(&png, img); err != nil {
		t.Fatal(err)
	}
	fields := url.Values{"title": {"Cranes"}, "body": {"Typed text."}, "action": {"preview"}}
	resp, body := b.upload("/admin/articles/new", fields, "upload", "Quay Cranes.png", png.Bytes())
	if resp.StatusCode != 200 {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	m := regexp.MustCompile(`!\[Quay Cranes\]\(/media/(quay-cranes-[0-9a-f]{16}\.png)\)`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "Typed text.") || !strings.Contains(body, `<img src="/media/`+m[1]+`"`) {
		t.Fatalf("the body does not show the stored image:\n%s", body)
	}
	if got, err := os.ReadFile(filepath.Join(f.h.MediaDir, m[1])); err != nil || !bytes.Equal(got, png.Bytes()) {
		t.Errorf("stored image: %v", err)
	}
	// The same image again (a second preview) is the same file, stored once.
	_, again := b.upload("/admin/articles/new", fields, "upload", "Quay Cranes.png", png.Bytes())
	if !strings.Contains(again, "/media/"+m[1]) {
		t.Errorf("the same image got another name:\n%s", again)
	}
	resp, body = b.upload("/admin/articles/new", fields, "upload", "notes.png", []byte("<svg onload=alert(1)>"))
	if resp.StatusCode != 200 || !errorNextTo(body, "upload", "&#34;notes.png&#34; is not a PNG, JPEG, GIF or WebP image.") || !strings.Contains(body, "Typed text.") {
		t.Errorf("a file that is not an image: %d\n%s", resp.StatusCode, body)
	}
	if entries, _ := os.ReadDir(f.h.MediaDir); len(entries) != 1 {
		t.Errorf("%d files in the media folder, want the one image", len(entries))
	}
}
