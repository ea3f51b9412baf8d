package main

import (
	"context"
	"sync"

	"github.com/newsdesk/newsdesk/digest"
	"github.com/newsdesk/newsdesk/mailer"
	"github.com/newsdesk/newsdesk/sqlite"
	"github.com/newsdesk/newsdesk/templates"
)

// The store as the digest maker sees it.
var _ digest.Store = (*sqlite.NewsletterService)(nil)

// digestTemplates loads the digest template sets, with overrides from
// the configured directory, once each.
func digestTemplates(dir string) *digest.Renderers {
	return &digest.Renderers{Load: func(set string) (digest.Templates, error) {
		t, err := templates.DigestSet(dir, set)
		if err != nil {
			return nil, err
		}
		return t, nil
	}}
}

// newDigestMaker wires the digest maker: it cuts and prepares editions. Every
// template set in use is loaded here, so that one with an error stops the
// daemon and the digest commands at start.
func (a *app) newDigestMaker() (*digest.Maker, error) {
	r, err := a.sets.Renderer("")
	if err != nil {
		return nil, usagef("%w", err)
	}
	ns, err := a.newsletters.FindNewsletters(context.Background())
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		if _, err := a.sets.Renderer(n.Template); err != nil {
			return nil, usagef("newsletter %s: %w", n.Slug, err)
		}
	}
	base := a.cfg.Site.BaseURL
	return &digest.Maker{
		Store: a.newsletters, Articles: a.articles, Related: a.sources, Renderer: r, Templates: a.sets.Renderer,
		Site:           a.site(),
		UnsubscribeURL: base + "/unsubscribe/" + mailer.Placeholder(mailer.SlotUnsubscribe),
		PreferencesURL: base + "/preferences/" + mailer.Placeholder(mailer.SlotPreferences),
		Clock:          a.clock, Logger: a.logger, Wake: a.owner.Wake,
	}, nil
}

// digestJob runs the digest maker's pass at most once at a time: the scheduler's
// runs (every ten seconds, so an approved or one-off edition goes soon)
// and the one at start-up share it.
type digestJob struct {
	mu    sync.Mutex
	maker *digest.Maker
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
	return nil, j.maker.RunDue(ctx, a.clock.Now())
}
