package mailer_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/digest"
	"github.com/newsdesk/newsdesk/digest/digesttest"
	"github.com/newsdesk/newsdesk/mailer"
	"github.com/newsdesk/newsdesk/sqlite"
	"github.com/newsdesk/newsdesk/templates"
)

var epoch = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

const baseURL = "https://news.example.org"

// fixture is a store in a temporary directory with one newsletter, and the
// mailer's parts wired on it.
type fixture struct {
	t          testing.TB
	db         *sqlite.DB
	subs       *sqlite.SubscriberService
	nls        *sqlite.NewsletterService
	outbox     *sqlite.OutboxService
	clock      newsdesk.Clock
	tokens     *newsdesk.Tokens
	renderer   *mailer.Renderer
	digests    *digest.Renderer
	builder    *mailer.Builder
	newsletter *newsdesk.Newsletter
}

func newFixture(t testing.TB, clock newsdesk.Clock) *fixture {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "test.db"))
	db.Clock = clock
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{t: t, db: db, clock: clock, subs: sqlite.NewSubscriberService(db),
		nls: sqlite.NewNewsletterService(db), outbox: sqlite.NewOutboxService(db)}
	html, text, err := templates.Emails("", mailer.TemplateFuncs(baseURL))
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("0123456789abcdef0123456789abcdef")
	f.tokens = newsdesk.NewTokens(secret, clock)
	f.renderer = &mailer.Renderer{HTML: html, Text: text,
		Site: newsdesk.Site{Title: "The Harbour Review", BaseURL: baseURL, Language: "en",
			PostalAddress: "1 Harbour Street, Bristol BS1 1AA"}}
	dt, err := templates.DigestSet("", "")
	if err != nil {
		t.Fatal(err)
	}
	if f.digests, err = digest.NewRenderer(dt); err != nil {
		t.Fatal(err)
	}
	from, _ := mailer.ParseAddress("The Harbour Review <news@example.org>")
	f.builder = &mailer.Builder{From: from, Host: "news.example.org", BaseURL: baseURL,
		Tokens: f.tokens, Secret: secret, Clock: clock}
	f.newsletter = &newsdesk.Newsletter{Slug: "weekly", Name: "The Weekly", Description: "The week's analysis."}
	if err := f.nls.CreateNewsletter(context.Background(), f.newsletter); err != nil {
		t.Fatal(err)
	}
	return f
}

// addSubscribers adds n confirmed subscribers of the newsletter,
// reader1@example.com and on.
func (f *fixture) addSubscribers(n int) {
	f.t.Helper()
	rows := make([]*newsdesk.SubscriberImport, n)
	for i := range rows {
		rows[i] = &newsdesk.SubscriberImport{Line: i + 2, Email: fmt.Sprintf("reader%d@example.com", i+1),
			Newsletters: []string{"weekly"}}
	}
	stored, bad, err := f.subs.ImportSubscribers(context.Background(), rows, newsdesk.SubscriberConfirmed)
	if err != nil || len(bad) > 0 || stored != n {
		f.t.Fatalf("import: %d stored, %v, %v", stored, bad, err)
	}
}

func demoArticles() []*newsdesk.Article {
	return []*newsdesk.Article{
		{UID: "tag:news.example.org,2026:article/1", Slug: "rents-and-wages", Title: "Rents & wages: the “gap” widens", Summary: "Rents rose twice as fast as pay.",
			PublishedAt: epoch.Add(-24 * time.Hour), Author: &newsdesk.Author{Name: "Aiko Tanaka"}},
		{UID: "tag:news.example.org,2026:article/2", Slug: "harbour-at-a-crossroads", Title: "The harbour at a crossroads", Summary: "Three futures for the old port.",
			PublishedAt: epoch.Add(-48 * time.Hour)},
	}
}

// editionSubject is the subject of the fixture's editions.
const editionSubject = "The Weekly: rents and the harbour"

// digestContent renders a digest of articles with the standard templates,
// with placeholders for each subscriber's links, as the digest maker does.
func (f *fixture) digestContent(articles []*newsdesk.Article) mailer.Content {
	f.t.Helper()
	_, _, html, text, err := f.digests.Render(digest.DigestData{Site: f.renderer.Site, Newsletter: f.newsletter.Name,
		Date: epoch, Articles: articles,
		UnsubscribeURL: baseURL + "/unsubscribe/" + mailer.Placeholder(mailer.SlotUnsubscribe),
		PreferencesURL: baseURL + "/preferences/" + mailer.Placeholder(mailer.SlotPreferences)})
	if err != nil {
		f.t.Fatal(err)
	}
	return mailer.Content{HTML: html, Text: text}
}

// createEdition makes an edition of the newsletter the way production
// does: stored, prepared as a digest (one variant, a delivery for each
// confirmed subscriber) and handed to the outbox.
func (f *fixture) createEdition() *newsdesk.Edition {
	f.t.Helper()
	ctx := context.Background()
	articles := demoArticles()
	c := f.digestContent(articles)
	e, err := digesttest.Edition(ctx, f.nls, f.newsletter, editionSubject, c.HTML, c.Text, articles[0].UID, articles[1].UID)
	if err != nil {
		f.t.Fatal(err)
	}
	if e, err = f.nls.FindEditionByID(ctx, e.ID); err != nil {
		f.t.Fatal(err)
	}
	return e
}

// library is the outbox's content source on the fixture's store.
func (f *fixture) library() *mailer.Library {
	return &mailer.Library{Editions: f.nls, Variants: f.nls, Subscribers: f.subs, Renderer: f.renderer}
}

// newOutbox returns an outbox on the fixture's store sending with transport.
func (f *fixture) newOutbox(transport mailer.Transport, connections int) *mailer.Outbox {
	return &mailer.Outbox{
		Store: f.outbox, Transport: transport, Builder: f.builder,
		Contents:    f.library(),
		Sender:      "bounces@example.org",
		Logger:      slog.New(slog.NewTextHandler(testWriter{f.t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Clock:       f.clock,
		Connections: connections,
		Backoff:     func(int) time.Duration { return 20 * time.Millisecond },
		Sweep:       50 * time.Millisecond,
		Journal:     filepath.Join(f.t.TempDir(), "journal"),
	}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
