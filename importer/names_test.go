package importer

import (
	"testing"

	"github.com/newsdesk/newsdesk"
)

// Whatever script names are written in, authors, categories and articles
// get valid slugs, the same each time.
func TestSlugsForAnyScript(t *testing.T) {
	for _, c := range []struct{ login, name, fallback string }{
		{"иван", "Иван Петров", "author-"},
		{"", "", ""},
		{"jdoe", "Jane Doe", "author-1"},
		{"日本", "", "author-7"},
	} {
		a, b := newAuthor(c.login, c.name, "", c.fallback), newAuthor(c.login, c.name, "", c.fallback)
		if !newsdesk.ValidSlug(a.Slug) || a.Slug != b.Slug || a.Name == "" {
			t.Errorf("author %q %q: slug %q, name %q", c.login, c.name, a.Slug, a.Name)
		}
	}
	for _, c := range [][2]string{{"%e6%97%a5%e6%9c%ac", "日本"}, {"", ""}, {"News", "News"}, {"a b", "A b"}} {
		if s := categorySlug(c[0], c[1]); !newsdesk.ValidSlug(s) || s != categorySlug(c[0], c[1]) {
			t.Errorf("category %q %q: slug %q", c[0], c[1], s)
		}
	}
	for _, c := range []struct{ old, title, want string }{
		{"hello-world", "Hello", "hello-world"},
		{"Hello-World", "Hello", "hello-world"},
		{"%d0%bf%d1%80%d0%b8", "При", "post-9"},
		{"", "A title, here", "a-title-here"},
		{"caf%c3%a9", "Café", "caf"},
	} {
		var notes []string
		got := slugFor(c.old, c.title, "post-9", func(f string, a ...any) { notes = append(notes, f) })
		if got != c.want {
			t.Errorf("slugFor(%q, %q) = %q, want %q", c.old, c.title, got, c.want)
		}
		if got != c.old && c.old != "" && len(notes) == 0 && got != "hello-world" {
			t.Errorf("slugFor(%q) changed the slug without a note", c.old)
		}
	}
}
