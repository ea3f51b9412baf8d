package feeds_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/feeds"
	"github.com/newsdesk/newsdesk/sqlite"
	"golang.org/x/sync/errgroup"
)

// BenchmarkPublishAndRender times what one publication costs the feeds: an
// editor saves one more published article, the cached feeds are dropped,
// and the next reader gets the new feed's bytes. It runs on a real SQLite
// file holding a small and a large archive; the cost should not depend on
// the archive's size, since a feed holds only the newest articles.
//
// scripts/bench.sh runs it with -benchtime=20x. The fill of the archive is
// not timed; for 100,000 articles it takes a minute or so, and -short skips
// that size.
func BenchmarkPublishAndRender(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("articles=%d", n), func(b *testing.B) {
			if n > 10_000 && testing.Short() {
				b.Skip("large archive skipped in -short mode")
			}
			d := newBenchDesk(b, n)
			b.Run("feed=site", func(b *testing.B) { d.publishAndRender(b, feeds.Scope{}) })
			b.Run("feed=category", func(b *testing.B) {
				d.publishAndRender(b, feeds.Scope{Kind: feeds.ScopeCategory, Slug: benchCategories[0]})
			})
		})
	}
}

// benchDesk is a store with an archive and a publisher on it.
type benchDesk struct {
	store     *sqlite.ArticleService
	publisher *feeds.Publisher
	clock     *newsdesk.FixedClock
	rng       *rand.Rand
	next      int // number of the next article
}

var (
	benchCategories = []string{"economy", "climate", "politics", "technology", "culture"}
	benchAuthors    = []string{"jane-doe", "hanako-sato", "amara-okafor"}
	benchStart      = time.Date(2015, 1, 1, 6, 0, 0, 0, time.UTC)
)

// benchBatch is how many articles one ImportArticles call saves.
const benchBatch = 2_000

// newBenchDesk opens a database in a temporary directory and fills it with
// n published articles, one an hour from benchStart on.
func newBenchDesk(b *testing.B, n int) *benchDesk {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	db := sqlite.NewDB(filepath.Join(b.TempDir(), "newsdesk.db"))
	d := &benchDesk{clock: newsdesk.NewFixedClock(benchStart.Add(time.Duration(n+1) * time.Hour)),
		rng: rand.New(rand.NewPCG(1, 2))}
	db.Clock = d.clock
	if err := db.Open(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	md := feeds.NewMarkdown()
	html := &htmlCache{render: md.Render}
	d.store = sqlite.NewArticleService(db, html.Render, "example.org")
	for _, slug := range benchAuthors {
		au := &newsdesk.Author{Slug: slug, Name: benchTitle(slug), Email: slug + "@example.org"}
		if err := d.store.CreateAuthor(ctx, au); err != nil {
			b.Fatal(err)
		}
	}
	for d.next < n {
		batch := make([]*newsdesk.Article, 0, min(benchBatch, n-d.next))
		for len(batch) < cap(batch) {
			batch = append(batch, d.article(benchStart.Add(time.Duration(d.next)*time.Hour), false))
		}
		if err := html.prerender(batch); err != nil {
			b.Fatal(err)
		}
		if _, _, err := d.store.ImportArticles(ctx, batch); err != nil {
			b.Fatal(err)
		}
		html.reset()
	}
	d.publisher = &feeds.Publisher{Store: d.store, Items: 20, Epoch: benchStart,
		Site: newsdesk.Site{Title: "The Harbour Review", Description: "Ports and trade", BaseURL: "https://example.org", Language: "en"}}
	b.Logf("filled %d articles in %v", n, time.Since(start).Round(time.Millisecond))
	return d
}

// publishAndRender is the timed loop: save one article, invalidate, render
// the feed of scope and check that the article is in it.
func (d *benchDesk) publishAndRender(b *testing.B, scope feeds.Scope) {
	ctx := context.Background()
	d.publishOne(b, scope) // warm the connections and SQLite's page cache
	var store, render time.Duration
	for b.Loop() {
		t0 := time.Now()
		a := d.article(d.clock.Now(), true)
		if err := d.store.CreateArticle(ctx, a); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		d.publisher.Invalidate()
		doc, err := d.publisher.Feed(ctx, scope, feeds.RSS)
		if err != nil {
			b.Fatal(err)
		}
		render += time.Since(t1)
		store += t1.Sub(t0)
		if !bytes.Contains(doc.Body, []byte("/articles/"+a.Slug+"<")) {
			b.Fatalf("feed %s lacks the article just published", scope.Path(feeds.RSS))
		}
		d.clock.Add(time.Minute)
	}
	b.ReportMetric(float64(store.Nanoseconds())/float64(b.N), "store-ns/op")
	b.ReportMetric(float64(render.Nanoseconds())/float64(b.N), "render-ns/op")
}

// publishOne is one untimed round of the loop.
func (d *benchDesk) publishOne(b *testing.B, scope feeds.Scope) {
	ctx := context.Background()
	if err := d.store.CreateArticle(ctx, d.article(d.clock.Now(), true)); err != nil {
		b.Fatal(err)
	}
	d.publisher.Invalidate()
	if _, err := d.publisher.Feed(ctx, scope, feeds.RSS); err != nil {
		b.Fatal(err)
	}
	d.clock.Add(time.Minute)
}

// article returns a published article with a Markdown body of 2 to 5 KB,
// in one or two categories; with inFirst, one of them is the first
// category, whose feed the benchmark reads.
func (d *benchDesk) article(at time.Time, inFirst bool) *newsdesk.Article {
	d.next++
	title := fmt.Sprintf("%s %s in %s, report %d", benchWord(d.rng), benchWord(d.rng), benchTitle(benchCategories[d.rng.IntN(5)]), d.next)
	cats := []*newsdesk.Category{{Slug: benchCategories[d.rng.IntN(len(benchCategories))]}}
	if (inFirst || d.rng.IntN(4) == 0) && cats[0].Slug != benchCategories[0] {
		cats = append(cats, &newsdesk.Category{Slug: benchCategories[0]})
	}
	return &newsdesk.Article{
		Slug: fmt.Sprintf("report-%d", d.next), Title: title,
		Summary:    benchSentence(d.rng, 25),
		Body:       benchBody(d.rng, 2_000+d.rng.IntN(3_000)),
		Author:     &newsdesk.Author{Slug: benchAuthors[d.rng.IntN(len(benchAuthors))]},
		Categories: cats, Status: newsdesk.StatusPublished,
		PublishedAt: at, CreatedAt: at, UpdatedAt: at,
	}
}

// benchBody writes about size bytes of Markdown: headings, paragraphs with
// links (some relative, as editors write them), a list and an image.
func benchBody(rng *rand.Rand, size int) string {
	var sb strings.Builder
	for sb.Len() < size {
		switch rng.IntN(6) {
		case 0:
			fmt.Fprintf(&sb, "## %s\n\n", benchTitle(benchSentence(rng, 4)))
		case 1:
			for range 3 {
				fmt.Fprintf(&sb, "- %s\n", benchSentence(rng, 8))
			}
			sb.WriteString("\n")
		case 2:
			fmt.Fprintf(&sb, "![%s](/media/chart-%d.png)\n\n", benchSentence(rng, 3), rng.IntN(100))
		default:
			fmt.Fprintf(&sb, "%s [%s](../category/%s) %s *%s* %s\n\n", benchSentence(rng, 30),
				benchWord(rng), benchCategories[rng.IntN(5)], benchSentence(rng, 20), benchWord(rng), benchSentence(rng, 15))
		}
	}
	return sb.String()
}

var benchWords = strings.Fields(`port harbour trade tariff container ship crane dock freight
	cargo vessel customs quay berth pilot tide channel dredging levy budget council ministry
	emission carbon fuel hydrogen wind grid storage battery steel grain coffee market price
	index inflation rate wage union strike election policy reform report survey analysis`)

func benchWord(rng *rand.Rand) string { return benchWords[rng.IntN(len(benchWords))] }

func benchSentence(rng *rand.Rand, words int) string {
	ws := make([]string, words)
	for i := range ws {
		ws[i] = benchWord(rng)
	}
	return benchTitle(strings.Join(ws, " ")) + "."
}

func benchTitle(s string) string {
	s = strings.ReplaceAll(s, "-", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// htmlCache lets the fill render a batch's Markdown on every core before
// ImportArticles, which renders one article after another, asks for it.
type htmlCache struct {
	render func(string) (string, error)
	mu     sync.Mutex
	html   map[string]string
}

func (c *htmlCache) Render(md string) (string, error) {
	c.mu.Lock()
	h, ok := c.html[md]
	c.mu.Unlock()
	if ok {
		return h, nil
	}
	return c.render(md)
}

func (c *htmlCache) prerender(as []*newsdesk.Article) error {
	c.mu.Lock()
	c.html = make(map[string]string, len(as))
	c.mu.Unlock()
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, a := range as {
		g.Go(func() error {
			h, err := c.render(a.Body)
			c.mu.Lock()
			c.html[a.Body] = h
			c.mu.Unlock()
			return err
		})
	}
	return g.Wait()
}

func (c *htmlCache) reset() {
	c.mu.Lock()
	c.html = nil
	c.mu.Unlock()
}
