package editorial_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/digest"
	"github.com/newsdesk/newsdesk/editorial"
	"github.com/newsdesk/newsdesk/feeds"
	"github.com/newsdesk/newsdesk/mailer"
	"github.com/newsdesk/newsdesk/sqlite"
	"github.com/newsdesk/newsdesk/templates"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// fixture is an editor on a real SQLite store in a temporary directory,
// with a newsletter "weekly", an author and one published article.
type fixture struct {
	ed          *editorial.Editor
	clock       *newsdesk.FixedClock
	articles    *sqlite.ArticleService
	newsletters *sqlite.NewsletterService
	subscribers *sqlite.SubscriberService
	outbox      string // where the file transport writes
	invalidated int
	announced   []*newsdesk.Article
	kicked      int
}

func (f *fixture) Invalidate() { f.invalidated++ }

func newFixture(t testing.TB) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{clock: newsdesk.NewFixedClock(t0), outbox: filepath.Join(dir, "outbox")}
	db := sqlite.NewDB(filepath.Join(dir, "newsdesk.db"))
	db.Clock = f.clock
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.articles = sqlite.NewArticleService(db, feeds.NewMarkdown().Render, "news.example.org")
	f.newsletters = sqlite.NewNewsletterService(db)
	f.subscribers = sqlite.NewSubscriberService(db)
	tmpl, err := templates.DigestSet("", "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := digest.NewRenderer(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	maker := &digest.Maker{Store: f.newsletters, Articles: f.articles, Renderer: r, Clock: f.clock,
		Site: newsdesk.Site{Title: "The Example", BaseURL: "https://news.example.org", Language: "en"}}
	f.ed = &editorial.Editor{
		Articles: f.articles, Newsletters: f.newsletters, Subscribers: f.subscribers,
		Digests:   func() (editorial.DigestMaker, error) { return maker, nil },
		Templates: func(set string) error { _, err := templates.DigestSet("", set); return err },
		Builder: func() (*mailer.Builder, error) {
			from, err := mailer.ParseAddress("The Example <desk@news.example.org>")
			secret := []byte("0123456789abcdef0123456789abcdef")
			return &mailer.Builder{From: from, Host: "news.example.org", BaseURL: "https://news.example.org",
				Tokens: newsdesk.NewTokens(secret, f.clock), Secret: secret, Clock: f.clock}, err
		},
		Transport: func() (mailer.Transport, error) { return &mailer.File{Dir: f.outbox}, nil },
		Feeds:     f,
		Announce:  func(_ context.Context, as []*newsdesk.Article) { f.announced = append(f.announced, as...) },
		Kick:      func() { f.kicked++ },
		Clock:     f.clock,
	}
	ctx := context.Background()
	if err := f.articles.CreateAuthor(ctx, &newsdesk.Author{Slug: "ada", Name: "Ada Lovelace"}); err != nil {
		t.Fatal(err)
	}
	if err := f.articles.SaveCategory(ctx, &newsdesk.Category{Slug: "ports", Name: "Ports"}); err != nil {
		t.Fatal(err)
	}
	if err := f.ed.CreateNewsletter(ctx, &newsdesk.Newsletter{Slug: "weekly", Name: "The Weekly", Schedule: "0 8 * * MON"}); err != nil {
		t.Fatal(err)
	}
	f.article(t, "ports-and-power", newsdesk.StatusPublished, t0.Add(-time.Hour))
	return f
}

// article stores an article with the status and publication time given.
func (f *fixture) article(t testing.TB, slug string, st newsdesk.ArticleStatus, at time.Time) *newsdesk.Article {
	t.Helper()
	a := &newsdesk.Article{Title: "About " + slug, Slug: slug, Body: "The word of " + slug + ".", Status: st,
		PublishedAt: at, Author: &newsdesk.Author{Slug: "ada"}}
	if err := f.articles.CreateArticle(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}
