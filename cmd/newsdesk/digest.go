package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer"
)

func runDigest(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "digest", args, map[string]func(context.Context, *Env, []string) error{
		"send": digestSend,
	})
}

// digestArticles is how many of the newest articles an edition lists until
// digests choose their content by window and topic.
const digestArticles = 10

// digestSend makes an edition of a newsletter and delivers it: through the
// daemon when one is running, otherwise from this process, showing
// progress until every delivery is done or waiting for a retry.
func digestSend(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("digest send", env, &g)
	slug := fs.String("newsletter", "", "newsletter slug (required)")
	fs.Bool("now", false, "send now (the only way until digests have schedules)")
	test := fs.String("test", "", "send only to this address, subject prefixed [TEST]; nothing is recorded")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 || *slug == "" {
		return usagef("digest send: expected --newsletter SLUG [--now] [--test EMAIL]")
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
	e, err := app.renderEdition(ctx, n)
	if err != nil || e == nil {
		if e == nil && err == nil {
			printf(env, "Nothing is published yet; no edition was made.\n")
		}
		return err
	}
	if *test != "" {
		return app.sendTest(ctx, env, e, *test)
	}
	if err := app.newsletters.CreateEdition(ctx, e); err != nil {
		return err
	}
	printf(env, "Edition %d of %s: %d recipients.\n", e.ID, n.Slug, e.Counts.Recipients)
	if e.Counts.Recipients == 0 {
		return nil
	}
	return app.deliverEdition(ctx, env, e.ID)
}

// renderEdition renders an edition listing the newest published articles,
// or returns nil when there are none.
func (a *app) renderEdition(ctx context.Context, n *newsdesk.Newsletter) (*newsdesk.Edition, error) {
	published := newsdesk.StatusPublished
	articles, _, err := a.articles.FindArticles(ctx, newsdesk.ArticleFilter{Status: &published, Limit: digestArticles})
	if err != nil || len(articles) == 0 {
		return nil, err
	}
	r, err := a.renderer()
	if err != nil {
		return nil, err
	}
	// One line, whatever the title holds: a line break would be a header.
	subject := strings.Join(strings.Fields(n.Name+": "+articles[0].Title), " ")
	c, err := r.Edition(n, subject, articles)
	if err != nil {
		return nil, err
	}
	return &newsdesk.Edition{Newsletter: n, Subject: subject, HTML: c.HTML, Text: c.Text}, nil
}

// sendTest sends an edition to one address straight through the
// transport, outside the outbox: nothing is recorded.
func (a *app) sendTest(ctx context.Context, env *Env, e *newsdesk.Edition, to string) error {
	email, err := newsdesk.NormalizeEmail(to)
	if err != nil {
		return err
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
	p := mailer.Prepare("[TEST] "+e.Subject, mailer.Content{HTML: e.HTML, Text: e.Text}, e.Newsletter, key)
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
	last, printed := "", time.Time{}
	for {
		e, err := a.newsletters.FindEditionByID(ctx, id)
		if err != nil {
			return err
		}
		done := e.Counts.Queued == 0
		if line := progressLine(e); line != last && (done || time.Since(printed) >= time.Second) {
			printf(env, "%s\n", line)
			last, printed = line, time.Now()
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
