package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/digest"
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
	n, err := app.newsletters.FindNewsletterBySlug(ctx, *slug)
	if err != nil {
		return err
	}
	desk, err := app.newDesk()
	if err != nil {
		return err
	}
	e, err := desk.NextEdition(ctx, n, app.clock.Now())
	if err != nil {
		return err
	}
	if *test != "" {
		return app.sendTest(ctx, env, desk, e, *test)
	}
	return app.sendNow(ctx, env, desk, e)
}

// sendNow stores an edition, prepares it and delivers it.
func (a *app) sendNow(ctx context.Context, env *Env, desk *digest.Desk, e *newsdesk.Edition) error {
	if err := a.newsletters.AddEdition(ctx, e); err != nil {
		return err
	}
	if _, err := desk.Prepare(ctx, e); err != nil {
		return err
	}
	e, err := a.newsletters.FindEditionByID(ctx, e.ID)
	if err != nil {
		return err
	}
	printf(env, "Edition %d of %s: %d recipients.\n", e.ID, e.Newsletter.Slug, e.Counts.Recipients)
	if e.Counts.Recipients == 0 {
		printf(env, "No subscriber has anything new to read; nothing is sent.\n")
		return nil
	}
	return a.deliverEdition(ctx, env, e.ID)
}

// sendTest sends the digest of an edition to one address straight through
// the transport, outside the outbox: nothing is recorded. It has every
// article of the edition, as a subscriber without topics gets it.
func (a *app) sendTest(ctx context.Context, env *Env, desk *digest.Desk, e *newsdesk.Edition, to string) error {
	email, err := newsdesk.NormalizeEmail(to)
	if err != nil {
		return err
	}
	rd, err := desk.Preview(ctx, e, newsdesk.Recipient{})
	if err != nil {
		return err
	} else if rd == nil {
		printf(env, "Nothing was published in the window of the next edition; no test was sent.\n")
		return nil
	}
	b, err := a.builder()
	if err != nil {
		return err
	}
	t, err := a.transport()
	if err != nil {
		return err
	}
	key := "x" + strconv.FormatInt(a.clock.Now().UnixNano(), 36) // a test is a new message each time
	p := mailer.PrepareRendered("[TEST] "+rd.Subject, mailer.Content{HTML: rd.HTML, Text: rd.Text}, e.Newsletter, key)
	msg, err := b.BuildBytes(p, mailer.Recipient{Email: email})
	if err != nil {
		return err
	}
	conn, err := t.Dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	env2 := mailer.Envelope{From: b.From.Address, To: email, ID: b.MessageID(key, 0)}
	if err := conn.Send(ctx, env2, msg, func() error { return nil }); err != nil {
		return err
	}
	printf(env, "Test of %s sent to %s.\n", e.Newsletter.Slug, email)
	return nil
}

// deliverEdition waits until an edition has nothing left to send now,
// printing its progress. The daemon delivers it if it runs; otherwise, or
// if the daemon stops meanwhile, this process does.
func (a *app) deliverEdition(ctx context.Context, env *Env, id int64) error {
	o, err := a.newOutbox()
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	var running chan error
	// The edition is looked at often, so the command ends soon after the
	// last delivery, and progress is printed once a second.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	printed, bar := time.Time{}, newProgress(env)
	defer bar.finish()
	for {
		e, err := a.newsletters.FindEditionByID(ctx, id)
		if err != nil {
			return err
		}
		done := e.Counts.Queued == 0 && e.Status != newsdesk.EditionPreparing && e.Status != newsdesk.EditionScheduled
		if bar.show(e, done || time.Since(printed) >= time.Second) {
			printed = time.Now()
		}
		if done {
			break
		}
		if running == nil && !a.wakeOwner() {
			running = a.deliverHere(runCtx, o)
		}
		select {
		case <-ctx.Done():
			stop()
			if running != nil {
				<-running
			}
			return errors.New("interrupted: the rest of the edition stays queued, and newsdesk serve sends it")
		case err := <-running:
			running = nil
			if err != nil && !errors.Is(err, errOwned) {
				return err
			}
		case <-tick.C:
		}
	}
	stop()
	if running != nil {
		if err := <-running; err != nil && !errors.Is(err, errOwned) {
			return err
		}
	}
	bar.finish()
	return a.reportEdition(env, id)
}

// deliverHere runs the outbox in this process until ctx ends; the channel
// gets its error, or errOwned when another process delivers.
func (a *app) deliverHere(ctx context.Context, o *mailer.Outbox) chan error {
	done := make(chan error, 1)
	go func() {
		ran, err := a.deliver(ctx, o)
		if !ran {
			err = errOwned
		}
		done <- err
	}()
	return done
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
