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
		{Slug: "rents-and-wages", Title: "Rents & wages: the “gap” widens", Summary: "Rents rose twice as fast as pay.",
			PublishedAt: epoch.Add(-24 * time.Hour), Author: &newsdesk.Author{Name: "Aiko Tanaka"}},
		{Slug: "harbour-at-a-crossroads", Title: "The harbour at a crossroads", Summary: "Three futures for the old port.",
			PublishedAt: epoch.Add(-48 * time.Hour)},
	}
}

// createEdition renders and stores an edition of the newsletter, which
// queues a delivery for each confirmed subscriber.
func (f *fixture) createEdition() *newsdesk.Edition {
	f.t.Helper()
	subject := "The Weekly: rents and the harbour"
	c, err := f.renderer.Edition(f.newsletter, subject, demoArticles())
	if err != nil {
		f.t.Fatal(err)
	}
	e := &newsdesk.Edition{Newsletter: f.newsletter, Subject: subject, HTML: c.HTML, Text: c.Text}
	if err := f.nls.CreateEdition(context.Background(), e); err != nil {
		f.t.Fatal(err)
	}
	return e
}

// newOutbox returns an outbox on the fixture's store sending with transport.
func (f *fixture) newOutbox(transport mailer.Transport, connections int) *mailer.Outbox {
	return &mailer.Outbox{
		Store: f.outbox, Transport: transport, Builder: f.builder,
		Contents:    &mailer.Library{Editions: f.nls, Subscribers: f.subs, Renderer: f.renderer},
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
