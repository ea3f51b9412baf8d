package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/newsdesk/newsdesk"
)

func runEdition(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "edition", args, map[string]func(context.Context, *Env, []string) error{
		"list": editionList, "show": editionShow,
	})
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
	fmt.Fprintln(tw, "ID\tNEWSLETTER\tSTATUS\tRECIPIENTS\tSENT\tFAILED\tPENDING\tCREATED\tSUBJECT")
	for _, e := range es {
		c := e.Counts
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", e.ID, e.Newsletter.Slug, e.Status, c.Recipients,
			c.Sent, c.Failed, c.Pending(), e.CreatedAt.Format("2006-01-02 15:04"), e.Subject)
	}
	return tw.Flush()
}

// editionFailures is how many failed deliveries edition show lists.
const editionFailures = 20

func editionShow(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("edition show", env, &g)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	var id int64
	if len(pos) == 1 {
		id, err = strconv.ParseInt(pos[0], 10, 64)
	}
	if len(pos) != 1 || err != nil || id <= 0 {
		return usagef("edition show: expected one edition ID, e.g. edition show 3")
	}
	app, err := openApp(&g, env)
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
		e.ID, e.Newsletter.Name, e.Newsletter.Slug, e.Subject, e.Status, rfc3339(e.CreatedAt))
	if !e.SentAt.IsZero() {
		printf(env, "Sent:        %s\n", rfc3339(e.SentAt))
	}
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
