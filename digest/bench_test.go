package digest

import (
	"fmt"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

// A personalised digest of 10 articles and related reading, as a sender
// renders it once per distinct selection (see Key).
func BenchmarkRender(b *testing.B) {
	r := newTestRenderer(b)
	d := weeklyDigest()
	for i := len(d.Articles); i < 10; i++ {
		a := article(int64(100+i), fmt.Sprintf("Another article about ports, number %d", i), d.Date.Add(-time.Duration(i)*time.Hour), catPorts)
		a.Summary, a.Author = "A summary of a sentence or two, as editors write them for the front page and the feeds.", authorJane
		d.Articles = append(d.Articles, a)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, _, err := r.Render(d); err != nil {
			b.Fatal(err)
		}
	}
}

// Selecting for one subscriber from an edition's 50 articles, as a sender
// does per subscriber after one InWindow per edition.
func BenchmarkForSubscriber(b *testing.B) {
	start := time.Date(2026, 11, 18, 8, 0, 0, 0, time.UTC)
	w := Window{Start: start, End: start.AddDate(0, 0, 7)}
	cats := []*newsdesk.Category{catHousing, catLabour, catClimate, catPorts}
	var articles []*newsdesk.Article
	for i := range 50 {
		articles = append(articles, article(int64(i+1), fmt.Sprintf("Article %d", i), start.Add(time.Duration(i+1)*time.Hour), cats[i%4]))
	}
	edition := InWindow(articles, w, nil)
	topics := []string{"housing", "climate"}
	sent := map[string]bool{articles[3].UID: true}
	b.ReportAllocs()
	for b.Loop() {
		if len(ForSubscriber(edition, topics, sent)) == 0 {
			b.Fatal("nothing selected")
		}
	}
}

// A subscriber whose digest was rendered already: the per-subscriber cost
// of rendering through a Memo.
func BenchmarkMemoHit(b *testing.B) {
	memo := NewMemo(newTestRenderer(b))
	d := weeklyDigest()
	if _, err := memo.Render(d); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := memo.Render(d); err != nil {
			b.Fatal(err)
		}
	}
}
