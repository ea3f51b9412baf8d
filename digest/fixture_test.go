package digest

import (
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

var update = flag.Bool("update", false, "rewrite golden files")

var (
	london  = mustZone("Europe/London")
	newYork = mustZone("America/New_York")

	catHousing = &newsdesk.Category{ID: 1, Slug: "housing", Name: "Housing"}
	catLabour  = &newsdesk.Category{ID: 2, Slug: "labour", Name: "Labour"}
	catClimate = &newsdesk.Category{ID: 3, Slug: "climate", Name: "Climate"}
	catPorts   = &newsdesk.Category{ID: 4, Slug: "ports", Name: "港湾"}

	authorJane   = &newsdesk.Author{ID: 1, Slug: "jane-oneil", Name: "Jane O’Neil & Co"}
	authorHanako = &newsdesk.Author{ID: 2, Slug: "hanako-sato", Name: "佐藤 花子"}
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// utc parses an RFC 3339 instant, for tables of expected times.
func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

// mustSchedule parses a schedule the test knows to be valid.
func mustSchedule(t testing.TB, spec, tz string) Schedule {
	t.Helper()
	s, err := ParseSchedule(spec, tz)
	if err != nil {
		t.Fatalf("ParseSchedule(%q, %q): %v", spec, tz, err)
	}
	return s
}

// article makes a published article with an ID, a UID from it, a slug and
// categories.
func article(id int64, title string, published time.Time, cats ...*newsdesk.Category) *newsdesk.Article {
	return &newsdesk.Article{
		ID: id, UID: fmt.Sprintf("tag:news.example.org,2026:article/%d", id),
		Slug: newsdesk.Slugify(title), Title: title, Status: newsdesk.StatusPublished,
		Categories: cats, PublishedAt: published, CreatedAt: published, UpdatedAt: published,
	}
}

// ids lists the articles' IDs, for comparing selections.
func ids(articles []*newsdesk.Article) []int64 {
	out := make([]int64, len(articles))
	for i, a := range articles {
		out[i] = a.ID
	}
	return out
}
