package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/editorial"
)

func runEdition(ctx context.Context, env *Env, args []string) error {
	subs := editionControls()
	subs["list"], subs["show"], subs["create"] = editionList, editionShow, editionCreate
	return subcommand(ctx, env, "edition", args, subs)
}

func editionList(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("edition list", env, &g)
	newsletter := fs.String("newsletter", "", "only editions of this newsletter")
	limit := fs.Int("limit", 20, "how many, newest first")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	f := newsdesk.EditionFilter{Limit: *limit}
	if *newsletter != "" {
		f.Newsletter = newsletter
	}
	es, err := app.newsletters.FindEditions(ctx, f)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNEWSLETTER\tKIND\tSTATUS\tRECIPIENTS\tSENT\tFAILED\tPENDING\tFOR\tSUBJECT")
	for _, e := range es {
		c := e.Counts
		when := e.ScheduledFor
		if when.IsZero() {
			when = e.CreatedAt
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", e.ID, e.Newsletter.Slug, orDash(string(e.Kind)),
			e.Status, c.Recipients, c.Sent, c.Failed, c.Pending(), when.UTC().Format("2006-01-02 15:04"), e.Subject)
	}
	return tw.Flush()
}

// editionFailures is how many failed deliveries edition show lists.
const editionFailures = 20

func editionShow(ctx context.Context, env *Env, args []string) error {
	app, id, err := openWithID(env, "edition show", "edition", "edition list", args)
	if err != nil {
		return err
	}
	defer app.close()
	e, err := app.newsletters.FindEditionByID(ctx, id)
	if err != nil {
		return err
	}
	c := e.Counts
	printf(env, "ID:          %d\nNewsletter:  %s (%s)\nSubject:     %s\nStatus:      %s\nCreated:     %s\n",
		e.ID, e.Newsletter.Name, e.Newsletter.Slug, e.Subject, e.Status, editorial.RFC3339(e.CreatedAt))
	if !e.SentAt.IsZero() {
		printf(env, "Sent:        %s\n", editorial.RFC3339(e.SentAt))
	}
	showDigestFields(env, e)
	printf(env, "Recipients:  %d\nSent:        %d\nFailed:      %d\nSkipped:     %d\nQueued:      %d\nDeferred:    %d\n",
		c.Recipients, c.Sent, c.Failed, c.Skipped, c.Queued, c.Deferred)
	if c.Failed == 0 {
		return nil
	}
	failed, err := app.newsletters.FindDeliveries(ctx, e.ID, newsdesk.DeliveryFailed, editionFailures)
	if err != nil {
		return err
	}
	printf(env, "Failures:\n")
	for _, d := range failed {
		printf(env, "  %s: %s\n", d.Subscriber.Email, d.Error)
	}
	return nil
}

// showDigestFields prints what makes a digest edition: its kind, window or
// picked articles, and note.
func showDigestFields(env *Env, e *newsdesk.Edition) {
	if e.Kind == "" {
		return
	}
	printf(env, "Kind:        %s\n", e.Kind)
	if !e.Cutoff.IsZero() {
		printf(env, "Window:      after %s, until %s\n", editorial.RFC3339(e.WindowStart), editorial.RFC3339(e.Cutoff))
	}
	if !e.ScheduledFor.IsZero() {
		printf(env, "Goes at:     %s\n", editorial.RFC3339(e.ScheduledFor))
	}
	if len(e.Picked) > 0 {
		printf(env, "Articles:    %v\n", e.Picked)
	}
	if e.Intro != "" {
		printf(env, "Intro:       %s\n", e.Intro)
	}
}
