package main

import (
	"context"
	"fmt"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer"
)

func runDigest(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "digest", args, map[string]func(context.Context, *Env, []string) error{
		"send": digestSend, "preview": digestPreview,
	})
}

// digestSend makes an edition of a newsletter now, with the articles
// published since its last scheduled edition, and delivers it: through the
// daemon when one is running, otherwise from this process, showing
// progress until every delivery is done or waiting for a retry. With
// --test it sends one digest to one address and records nothing.
func digestSend(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("digest send", env, &g)
	slug := fs.String("newsletter", "", "newsletter slug (required)")
	now := fs.Bool("now", false, "make an edition now, outside the schedule, and send it")
	test := fs.String("test", "", "send only to this address, subject prefixed [TEST]; nothing is recorded")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 || *slug == "" || (*now == (*test != "")) {
		return usagef("digest send: expected --newsletter SLUG and either --now or --test EMAIL")
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	ed := app.editor()
	if *test != "" {
		if err := ed.SendTest(ctx, *slug, 0, *test); err != nil {
			return err
		}
		printf(env, "Test of %s sent to %s.\n", *slug, *test)
		return nil
	}
	e, err := ed.AddEditionNow(newsdesk.WithActor(ctx, cliActor()), *slug)
	if err != nil {
		return err
	}
	printf(env, "Edition %d of %s goes to up to %d confirmed subscribers (those with something new to read).\n",
		e.ID, e.Newsletter.Slug, e.Newsletter.Subscribers)
	return app.sendNow(ctx, env, e)
}

// sendNow prepares a stored edition here and delivers it. Delivery starts
// with the first batch queued, not after the last: preparing 100,000
// digests takes seconds that the connections would otherwise sit idle.
func (a *app) sendNow(ctx context.Context, env *Env, e *newsdesk.Edition) error {
	maker, err := a.digestMaker()
	if err != nil {
		return err
	}
	prepared := make(chan error, 1)
	go func() {
		_, err := maker.Prepare(ctx, e)
		prepared <- err
	}()
	return a.deliverEdition(ctx, env, e.ID, prepared)
}

// reportPrepared says how many subscribers an edition goes to, once its
// preparation is done.
func (a *app) reportPrepared(ctx context.Context, env *Env, id int64) error {
	e, err := a.newsletters.FindEditionByID(ctx, id)
	if err != nil {
		return err
	}
	printf(env, "Edition %d of %s: %d recipients.\n", e.ID, e.Newsletter.Slug, e.Counts.Recipients)
	if e.Counts.Recipients == 0 {
		printf(env, "No subscriber has anything new to read; nothing is sent.\n")
	}
	return nil
}

// deliverEdition waits until an edition, being prepared until prepared
// says so, has nothing left to send now, printing its progress
// (mailer.Owner.DeliverEdition).
func (a *app) deliverEdition(ctx context.Context, env *Env, id int64, prepared <-chan error) error {
	o, err := a.newOutbox()
	if err != nil {
		return err
	}
	bar := newProgress(env)
	defer bar.finish()
	err = a.owner.DeliverEdition(ctx, o, a.newsletters, id, prepared, mailer.EditionProgress{Show: bar.show,
		Prepared: func() error { return a.reportPrepared(ctx, env, id) }})
	if err != nil {
		return err
	}
	bar.finish()
	return a.reportEdition(env, id)
}

func progressLine(e *newsdesk.Edition) string {
	c := e.Counts
	return fmt.Sprintf("edition %d: %d of %d sent, %d failed, %d deferred, %d to go",
		e.ID, c.Sent, c.Recipients, c.Failed, c.Deferred, c.Queued)
}

func (a *app) reportEdition(env *Env, id int64) error {
	e, err := a.newsletters.FindEditionByID(context.Background(), id)
	if err != nil {
		return err
	}
	c := e.Counts
	printf(env, "Edition %d %s: %d sent, %d failed, %d skipped.\n", e.ID, e.Status, c.Sent, c.Failed, c.Skipped)
	if c.Deferred > 0 {
		printf(env, "%d deliveries are waiting to be retried; newsdesk serve retries them.\n", c.Deferred)
	}
	return nil
}
