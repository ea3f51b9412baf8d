package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/bounce"
	"github.com/newsdesk/newsdesk/editorial"
	"github.com/newsdesk/newsdesk/sqlite"
)

func runBounce(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "bounce", args, map[string]func(context.Context, *Env, []string) error{
		"list": bounceList, "show": bounceShow, "import": bounceImport,
	})
}

func bounceImport(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("bounce import", env, &g)
	files, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("bounce import: expected one or more FILE.eml")
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	p, err := app.bounceProcessor()
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := importOne(ctx, env, p, f); err != nil {
			return err
		}
	}
	return nil
}

func importOne(ctx context.Context, env *Env, p *bounce.Processor, file string) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return usagef("bounce import: %w", err)
	}
	res, err := p.Process(ctx, raw, newsdesk.BounceImport, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if len(res.Events) == 0 {
		printf(env, "%s: %s, ignored\n", file, res.Report.Kind)
	}
	for i, ev := range res.Events {
		out := res.Outcomes[i]
		effect := ""
		switch {
		case out.Duplicate:
			effect = ", seen before"
		case out.Bounced:
			effect = ", subscriber marked bounced"
		case out.Unsubscribed:
			effect = ", subscriber unsubscribed and suppressed"
		}
		printf(env, "%s: bounce %d %s %s %s, %s%s\n", file, ev.ID, ev.Type, orDash(ev.Status), orDash(ev.Recipient),
			matchText(ev), effect)
	}
	return nil
}

func matchText(ev *newsdesk.BounceEvent) string {
	if ev.MatchedBy == newsdesk.BounceUnmatched {
		return "unmatched"
	}
	return fmt.Sprintf("delivery %d by %s", ev.DeliveryID, ev.MatchedBy)
}

func bounceList(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("bounce list", env, &g)
	subscriber := fs.String("subscriber", "", "only this subscriber's history (address or ID)")
	edition := fs.Int64("edition", 0, "only this edition's, with its counts")
	typ := fs.String("type", "", "only this type: hard, soft, complaint, delayed, unknown")
	limit := fs.Int("limit", 50, "how many, newest first")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *typ != "" && !newsdesk.BounceType(*typ).Valid() {
		return usagef("bounce list: --type %q must be hard, soft, complaint, delayed or unknown", *typ)
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	store := sqlite.NewBounceService(app.db)
	f := newsdesk.BounceFilter{EditionID: *edition, Type: newsdesk.BounceType(*typ), Limit: *limit}
	if f.SubscriberID, err = app.subscriberRef(ctx, *subscriber); err != nil {
		return err
	}
	if *edition != 0 {
		c, err := store.EditionBounceCounts(ctx, *edition)
		if err != nil {
			return err
		}
		printf(env, "Edition %d: %d bounced, %d soft, %d complaints\n", *edition, c.Bounced, c.Soft, c.Complaints)
	}
	evs, err := store.FindBounces(ctx, f)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECEIVED\tTYPE\tSTATUS\tSOURCE\tRECIPIENT\tMATCHED\tDIAGNOSTIC")
	for _, ev := range evs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%.60s\n", ev.ID, editorial.RFC3339(ev.ReceivedAt), ev.Type, orDash(ev.Status),
			ev.Source, orDash(ev.Recipient), matchText(ev), ev.Diagnostic)
	}
	return tw.Flush()
}

// subscriberRef reads a subscriber given by address or ID; "" is none.
func (a *app) subscriberRef(ctx context.Context, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	if id, err := strconv.ParseInt(s, 10, 64); err == nil {
		return id, nil
	}
	sub, err := a.subscribers.FindSubscriberByEmail(ctx, s)
	if err != nil {
		return 0, err
	}
	return sub.ID, nil
}

func bounceShow(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("bounce show", env, &g)
	raw := fs.Bool("raw", false, "print only the report as received")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("bounce show: expected one bounce ID, e.g. bounce show 3 (see bounce list)")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return usagef("bounce show: %q is not a valid bounce ID (see bounce list)", pos[0])
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	ev, err := sqlite.NewBounceService(app.db).FindBounceByID(ctx, id)
	if err != nil {
		return err
	}
	if *raw {
		_, err := env.Stdout.Write(ev.Raw)
		return err
	}
	printf(env, "ID:          %d\nReceived:    %s\nType:        %s\nStatus:      %s\nDiagnostic:  %s\nSource:      %s\n",
		ev.ID, editorial.RFC3339(ev.ReceivedAt), ev.Type, orDash(ev.Status), orDash(ev.Diagnostic), ev.Source)
	printf(env, "Recipient:   %s\nMatched:     %s\nEdition:     %d\nSubscriber:  %d\nOriginal:    %s\nReport:      %s\n",
		orDash(ev.Recipient), matchText(ev), ev.EditionID, ev.SubscriberID, orDash(ev.OriginalMessageID), orDash(ev.ReportID))
	if ev.Raw == nil {
		printf(env, "Raw report:  dropped after bounces.keep_raw days\n")
	} else {
		printf(env, "Raw report:  %d bytes (--raw prints it)\n", len(ev.Raw))
	}
	return nil
}
