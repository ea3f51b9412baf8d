package feeds_test

import (
	"strings"
	"testing"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/feeds"
)

// Two articles in one category share its feeds: a ping names each once.
func TestTopicsOfNamesEachFeedOnce(t *testing.T) {
	econ := &newsdesk.Category{Slug: "economy"}
	as := []*newsdesk.Article{
		{Slug: "a", Categories: []*newsdesk.Category{econ}, Author: &newsdesk.Author{Slug: "ada"}},
		{Slug: "b", Categories: []*newsdesk.Category{econ}},
	}
	got := feeds.TopicsOf("https://example.org", as)
	if len(got) != 9 { // site, category and author, in three formats each
		t.Fatalf("%d topics: %v", len(got), got)
	}
	seen := map[string]bool{}
	for _, u := range got {
		if seen[u] || !strings.HasPrefix(u, "https://example.org/") {
			t.Errorf("topic %q twice or elsewhere", u)
		}
		seen[u] = true
	}
}
