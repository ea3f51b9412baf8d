package main

import (
	"context"
	"sync"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/digest"
	"github.com/newsdesk/newsdesk/mailer"
	"github.com/newsdesk/newsdesk/sqlite"
	"github.com/newsdesk/newsdesk/templates"
)

// The store as the digest desk sees it.
var _ digest.Store = (*sqlite.NewsletterService)(nil)

// clockForTests, when set by a test, replaces the wall clock, so that the
// real daemon can be run through its schedule.
var clockForTests newsdesk.Clock

// digestRenderer loads the digest templates, with overrides from the
// configured directory, and renders a sample: a template that does not
// parse or run is refused here, naming its file and line.
func (a *app) digestRenderer() (*digest.Renderer, error) {
	t, err := templates.Digest(a.cfg.Site.Templates)
	if err != nil {
		return nil, usagef("%v", err)
	}
	r, err := digest.NewRenderer(t)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return r, nil
}

// newDesk wires the digest desk: it cuts and prepares editions.
func (a *app) newDesk() (*digest.Desk, error) {
	r, err := a.digestRenderer()
	if err != nil {
		return nil, err
	}
	base := a.cfg.Site.BaseURL
	return &digest.Desk{
		Store: a.newsletters, Articles: a.articles, Related: a.sources, Renderer: r,
		Site: digest.Site{Title: a.cfg.Site.Title, BaseURL: base, Language: a.cfg.Site.Language,
			PostalAddress: a.cfg.Site.PostalAddress},
		UnsubscribeURL: base + "/unsubscribe/" + mailer.Placeholder(mailer.SlotUnsubscribe),
		PreferencesURL: base + "/preferences/" + mailer.Placeholder(mailer.SlotPreferences),
		Clock:          a.clock, Logger: a.logger, Wake: a.wake,
	}, nil
}

// digestJob runs the desk's pass at most once at a time: the scheduler's
// runs (every ten seconds, so an approved or one-off edition goes soon)
// and the one at start-up share it.
type digestJob struct {
	mu   sync.Mutex
	desk *digest.Desk
}

// runDigests cuts the editions that are due and prepares those whose time
// has come. The schedules are read from the store each time, so an edited
// schedule applies without a restart.
func (a *app) runDigests(ctx context.Context) ([]any, error) {
	j := a.digests
	if j == nil || !j.mu.TryLock() {
		return nil, nil
	}
	defer j.mu.Unlock()
	return nil, j.desk.RunDue(ctx, a.clock.Now())
}
