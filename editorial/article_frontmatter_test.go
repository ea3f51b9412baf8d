package editorial

import (
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

func TestParseArticleFile(t *testing.T) {
	src := "---\ntitle: \"Rents & wages: “<3%”\"\nauthor: ada\ncategories: [economy, cities]\n" +
		"date: 2026-10-01T09:00:00+01:00\nsummary: Short.\nimage: /media/a.svg\n---\nBody\n\n---\n\nAfter a rule.\n"
	a, err := ParseArticleFile("x.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Rents & wages: “<3%”" || a.Slug != "rents-wages-3" || a.Author.Slug != "ada" || len(a.Categories) != 2 {
		t.Errorf("got %+v", a)
	}
	if !a.PublishedAt.Equal(time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)) || !a.UpdatedAt.Equal(a.PublishedAt) {
		t.Errorf("published %v updated %v", a.PublishedAt, a.UpdatedAt)
	}
	if !strings.Contains(a.Body, "After a rule.") || strings.HasPrefix(a.Body, "---") {
		t.Errorf("body %q: a --- rule in the body must stay in the body", a.Body)
	}
}

func TestParseArticleFileForms(t *testing.T) {
	for name, tc := range map[string]struct {
		src    string
		status newsdesk.ArticleStatus
		date   time.Time
	}{
		"toml":         {"+++\ntitle = \"T\"\ndate = 2026-10-01T09:00:00Z\n+++\nb", newsdesk.StatusPublished, time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)},
		"date only":    {"---\ntitle: T\ndate: \"2026-10-01\"\n---\nb", newsdesk.StatusPublished, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)},
		"no date":      {"---\ntitle: T\n---\nb", newsdesk.StatusPublished, time.Time{}},
		"draft":        {"---\ntitle: T\ndraft: true\n---\nb", newsdesk.StatusDraft, time.Time{}},
		"crlf and bom": {"\ufeff---\r\ntitle: T\r\n---\r\nb", newsdesk.StatusPublished, time.Time{}},
		"empty body":   {"---\ntitle: T\n---", newsdesk.StatusPublished, time.Time{}},
	} {
		a, err := ParseArticleFile(name+".md", []byte(tc.src))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if a.Status != tc.status || !a.PublishedAt.Equal(tc.date) {
			t.Errorf("%s: status %s date %v", name, a.Status, a.PublishedAt)
		}
	}
}

// FuzzParseArticleFile feeds arbitrary files to the importer: it must
// return an article or an EINVALID error naming the file, never panic.
func FuzzParseArticleFile(f *testing.F) {
	f.Add([]byte("---\ntitle: T\ndate: 2026-10-01\n---\nbody"))
	f.Add([]byte("+++\ntitle = \"T\"\n+++\n"))
	f.Add([]byte("---\ntitle: [\n---\n"))
	f.Add([]byte("---\n---\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		a, err := ParseArticleFile("f.md", src)
		if err != nil {
			if newsdesk.ErrorCode(err) != newsdesk.EINVALID || !strings.HasPrefix(err.Error(), "f.md: ") {
				t.Fatalf("error %v (code %s) does not name the file as bad input", err, newsdesk.ErrorCode(err))
			}
			return
		}
		if a.Validate() != nil || strings.TrimSpace(a.Title) == "" {
			t.Fatalf("accepted an invalid article: %+v", a)
		}
	})
}
