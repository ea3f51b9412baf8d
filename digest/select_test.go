package digest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

// windowArticles are a week's articles around the window
// (18 Nov 08:00, 25 Nov 08:00] UTC, in no particular order.
func windowArticles() (Window, []*newsdesk.Article) {
	w := Window{Start: time.Date(2026, 11, 18, 8, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)}
	day := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
	draft := article(9, "A draft", day(20, 9), catHousing)
	draft.Status, draft.PublishedAt = newsdesk.StatusDraft, time.Time{}
	scheduled := article(10, "Scheduled for later", day(26, 9), catHousing)
	scheduled.Status = newsdesk.StatusScheduled
	return w, []*newsdesk.Article{
		article(3, "Wages in ports", day(20, 12), catLabour),
		article(1, "Published at the window's start", day(18, 8), catHousing),  // belongs to the edition before
		article(2, "Just after the start", day(18, 9), catHousing, catClimate), // first in the window
		article(5, "Sea walls", day(22, 7), catClimate),
		article(4, "Rents and wages", day(21, 10), catHousing, catLabour),
		article(6, "Uncategorised", day(23, 11)),
		article(7, "Published at the cutoff", day(25, 8), catPorts), // last in the window
		article(8, "After the cutoff", day(25, 9), catHousing),      // belongs to the next edition
		draft, scheduled,
	}
}

// Category and topic filters select exactly the expected articles, newest
// first; an empty list means every category.
func TestSelect(t *testing.T) {
	w, articles := windowArticles()
	tests := []struct {
		name               string
		categories, topics []string
		want               []int64
	}{
		{"everything", nil, nil, []int64{7, 6, 5, 4, 3, 2}},
		{"newsletter categories", []string{"housing", "labour"}, nil, []int64{4, 3, 2}},
		{"subscriber topics", nil, []string{"climate"}, []int64{5, 2}},
		{"both: an article must be in each", []string{"housing", "labour"}, []string{"climate", "labour"}, []int64{4, 3, 2}},
		{"both, narrower", []string{"housing"}, []string{"labour"}, []int64{4}},
		{"topics outside the newsletter's categories", []string{"housing"}, []string{"ports"}, nil},
		{"unknown topic", nil, []string{"astronomy"}, nil},
		{"an uncategorised article is only in unfiltered digests", []string{"ports"}, nil, []int64{7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(Select(articles, w, tt.categories, tt.topics, nil))
			if !slices.Equal(got, tt.want) {
				t.Errorf("selected %v, want %v", got, tt.want)
			}
		})
	}
}

// The input is left as it was: a sender shares one slice of the window's
// articles among all subscribers.
func TestSelectLeavesInput(t *testing.T) {
	w, articles := windowArticles()
	before := ids(articles)
	Select(articles, w, nil, []string{"housing"}, map[string]bool{articles[0].UID: true})
	if got := ids(articles); !slices.Equal(got, before) {
		t.Errorf("input reordered: %v, was %v", got, before)
	}
}

func TestSelectEmptyWindow(t *testing.T) {
	_, articles := windowArticles()
	quiet := Window{Start: time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 11, 8, 0, 0, 0, time.UTC)}
	if got := Select(articles, quiet, nil, nil, nil); len(got) != 0 {
		t.Errorf("a window with nothing published selects %v", ids(got))
	}
	if got := Select(nil, quiet, nil, nil, nil); len(got) != 0 {
		t.Errorf("no articles selects %v", ids(got))
	}
}

// Someone who subscribed after an article was published gets it if it is
// in the edition's window, and not if it is older: selection goes by the
// window, not by what the subscriber has not seen yet.
func TestSelectSubscriberJoinedLater(t *testing.T) {
	daily := mustSchedule(t, "0 8 * * *", "Europe/London")
	old := article(1, "Last week's analysis", utc(t, "2026-11-19T09:00:00Z"), catHousing)
	fresh := article(2, "Yesterday's news", utc(t, "2026-11-24T09:00:00Z"), catHousing)
	joined := utc(t, "2026-11-24T21:00:00Z") // after both were published
	// The subscriber has never received anything.
	var sentToNewcomer map[string]bool
	last := utc(t, "2026-11-24T08:00:00Z")
	cutoff, ok := Due(daily, last, time.Time{}, utc(t, "2026-11-25T08:00:30Z"))
	if !ok {
		t.Fatal("edition not due")
	}
	w := WindowFor(daily, last, cutoff)
	if !w.Contains(fresh.PublishedAt) || !w.Contains(joined) || w.Contains(old.PublishedAt) {
		t.Fatalf("fixture: window %s – %s", w.Start, w.End)
	}
	got := ids(Select([]*newsdesk.Article{old, fresh}, w, nil, nil, sentToNewcomer))
	if !slices.Equal(got, []int64{2}) {
		t.Errorf("newcomer gets %v, want only the article in the window, [2]", got)
	}
}

// An article sent once is not sent again in the same newsletter when it is
// re-published (a new publication time, in a later window) or edited:
// what was sent is recorded by the article's immutable UID.
func TestSelectRepublishedNotResent(t *testing.T) {
	w, articles := windowArticles()
	sent := map[string]bool{}
	for _, a := range Select(articles, w, nil, nil, nil) {
		sent[a.UID] = true
	}
	next := Window{Start: w.End, End: w.End.AddDate(0, 0, 7)}
	republished := *articles[4] // "Rents and wages", sent above
	republished.PublishedAt = next.Start.Add(24 * time.Hour)
	republished.Title, republished.Slug = "Rents and wages (corrected)", "rents-and-wages-corrected"
	fresh := article(11, "New this week", next.Start.Add(48*time.Hour), catHousing)
	got := ids(Select([]*newsdesk.Article{&republished, fresh}, next, nil, nil, sent))
	if !slices.Equal(got, []int64{11}) {
		t.Errorf("next edition selects %v, want [11] without the re-published article", got)
	}
	// Someone who did not get it the first time does get it now.
	if got := ids(Select([]*newsdesk.Article{&republished, fresh}, next, nil, nil, nil)); !slices.Equal(got, []int64{11, 4}) {
		t.Errorf("without history: %v, want [11 4]", got)
	}
}

// A digest lists at most MaxArticles, the newest ones, and an article
// given twice is listed once.
func TestSelectCapAndDuplicates(t *testing.T) {
	w := Window{Start: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	var articles []*newsdesk.Article
	for i := range 30 {
		a := article(int64(i+1), fmt.Sprintf("Article %d", i+1), w.Start.Add(time.Duration(i+1)*time.Hour))
		articles = append(articles, a, a)
	}
	got := Select(articles, w, nil, nil, nil)
	if len(got) != MaxArticles || got[0].ID != 30 || got[MaxArticles-1].ID != 11 {
		t.Errorf("selected %v, want 30 down to 11", ids(got))
	}
}

// A one-off edition's hand-picked articles keep the editor's order, and
// still respect topics and what was sent before.
func TestForSubscriberKeepsOrder(t *testing.T) {
	_, articles := windowArticles()
	picked := []*newsdesk.Article{articles[0], articles[3], articles[4], articles[2]} // 3, 5, 4, 2
	if got := ids(ForSubscriber(picked, nil, nil)); !slices.Equal(got, []int64{3, 5, 4, 2}) {
		t.Errorf("picked %v, want the editor's order [3 5 4 2]", got)
	}
	sent := map[string]bool{articles[4].UID: true}
	if got := ids(ForSubscriber(picked, []string{"housing", "climate"}, sent)); !slices.Equal(got, []int64{5, 2}) {
		t.Errorf("picked for a subscriber %v, want [5 2]", got)
	}
}

func TestRelatedFor(t *testing.T) {
	a1, a2, a3 := article(1, "One", time.Time{}), article(2, "Two", time.Time{}), article(3, "Three", time.Time{})
	item := func(n int) Related {
		return Related{Title: fmt.Sprintf("Item %d", n), URL: fmt.Sprintf("https://example.com/%d", n), SourceTitle: "Src"}
	}
	byArticle := map[int64][]Related{
		1: {item(1), item(2), item(3), item(4)},
		2: {item(2), item(5), {Title: "No link"}, item(6)},
		3: {item(7)},
		4: {item(99)}, // an article not selected
	}
	got := RelatedFor([]*newsdesk.Article{a1, a2, a3}, byArticle)
	var titles []string
	for _, r := range got {
		titles = append(titles, r.Title)
	}
	// Best of each article first, then the second best of each; item 2
	// once; the item without a link left out; at most MaxRelated.
	want := []string{"Item 1", "Item 2", "Item 7", "Item 5", "Item 3", "Item 4"}
	if !slices.Equal(titles, want) {
		t.Errorf("related %v, want %v", titles, want)
	}
	if got := RelatedFor(nil, byArticle); len(got) != 0 {
		t.Errorf("no articles, related %v", got)
	}
}

func TestKey(t *testing.T) {
	a, b := article(1, "One", time.Time{}), article(2, "Two", time.Time{})
	a2, b2 := article(1, "One", time.Time{}), article(2, "Two", time.Time{})
	if Key([]*newsdesk.Article{a, b}) != Key([]*newsdesk.Article{a2, b2}) {
		t.Error("same selection, different keys")
	}
	if Key([]*newsdesk.Article{a, b}) == Key([]*newsdesk.Article{b, a}) {
		t.Error("different order, same key")
	}
	if Key([]*newsdesk.Article{a}) == Key([]*newsdesk.Article{a, b}) {
		t.Error("different selections, same key")
	}
}
