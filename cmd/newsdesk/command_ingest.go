package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/feeds"
)

// newIngester wires the poller from the [ingest] settings.
func (a *app) newIngester() *feeds.Ingester {
	c := a.cfg.Ingest
	return &feeds.Ingester{
		Store:       a.sources,
		Client:      feeds.NewIngestClient(c.AllowPrivate),
		Clock:       a.clock,
		UserAgent:   fmt.Sprintf("newsdesk/%s (+%s)", newsdesk.Version, a.cfg.Site.BaseURL),
		Interval:    c.Interval.Duration,
		Timeout:     c.Timeout.Duration,
		MaxBody:     int64(c.MaxBody),
		MaxErrors:   c.MaxErrors,
		Retention:   c.Retention.Duration,
		Concurrency: c.Concurrency,
		Slack:       ingestTick / 2,
		Logger:      a.logger,
	}
}

// ingestDue is the scheduler's ingest job: one cycle over the sources due.
func (a *app) ingestDue(ctx context.Context) ([]any, error) {
	results, err := a.ingester.RunDue(ctx)
	var t feeds.IngestResult
	var failed, notModified int
	for _, r := range results {
		t.New, t.Updated = t.New+r.New, t.Updated+r.Updated
		if r.Err != nil {
			failed++
		} else if r.NotModified {
			notModified++
		}
	}
	return []any{"sources", len(results), "not_modified", notModified, "new", t.New, "updated", t.Updated,
		"failed", failed}, err
}

// pruneItems is the scheduler's job that forgets items past retention.
func (a *app) pruneItems(ctx context.Context) ([]any, error) {
	n, err := a.ingester.Prune(ctx)
	return []any{"deleted", n}, err
}

func runIngest(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("ingest", env, &g)
	id := fs.Int64("source", 0, "fetch only this source, even when paused or not due")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("ingest: unexpected argument %q (use --source ID for one source)", pos[0])
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	sources, err := app.ingestTargets(ctx, *id)
	if err != nil {
		return err
	}
	if len(sources) == 0 {
		printf(env, "No sources to ingest: none are active and due (see newsdesk source list; newsdesk source add URL adds one, --source ID fetches one now).\n")
		return nil
	}
	// Each outcome is printed below; the log would say it all again.
	app.ingester.Logger = slog.New(slog.DiscardHandler)
	failed := 0
	total := feeds.IngestResult{}
	app.ingester.Run(ctx, sources, func(r *feeds.IngestResult) {
		printf(env, "%s\n", resultLine(r))
		total.New, total.Updated, total.Unchanged = total.New+r.New, total.Updated+r.Updated, total.Unchanged+r.Unchanged
		if r.Err != nil {
			failed++
		}
	})
	printf(env, "ingest: %d sources, %d new, %d updated, %d unchanged items, %d failed\n",
		len(sources), total.New, total.Updated, total.Unchanged, failed)
	if failed > 0 {
		return fmt.Errorf("ingest: %d of %d sources failed (see newsdesk source list)", failed, len(sources))
	}
	return nil
}

// ingestTargets are the sources one pass fetches: the one asked for; or
// every active source, except those waiting out a failure or a server's
// Retry-After, which are fetched only when due.
func (a *app) ingestTargets(ctx context.Context, id int64) ([]*newsdesk.Source, error) {
	if id != 0 {
		src, err := a.sources.FindSourceByID(ctx, id)
		if err != nil {
			return nil, err
		}
		return []*newsdesk.Source{src}, nil
	}
	active := false
	all, err := a.sources.FindSources(ctx, newsdesk.SourceFilter{Paused: &active})
	if err != nil {
		return nil, err
	}
	now := a.clock.Now()
	var out []*newsdesk.Source
	for _, s := range all {
		if s.FetchNow(now) {
			out = append(out, s)
		}
	}
	return out, nil
}

// resultLine is one source's outcome, e.g.
// "source 3 (Harbour Watch): 12 new, 1 updated, 17 unchanged".
func resultLine(r *feeds.IngestResult) string {
	s := r.Source
	head := fmt.Sprintf("source %d (%s)", s.ID, newsdesk.OneLine(s.Name()))
	switch {
	case r.Err != nil && s.Paused:
		return fmt.Sprintf("%s: failed: %s; paused: %s", head, newsdesk.OneLine(r.Err.Error()), newsdesk.OneLine(s.PausedReason))
	case r.Err != nil:
		return fmt.Sprintf("%s: failed: %s (next try %s)", head, newsdesk.OneLine(r.Err.Error()), s.NextCheckAt.UTC().Format(time.RFC3339))
	case r.NotModified:
		return head + ": not modified"
	}
	return fmt.Sprintf("%s: %d new, %d updated, %d unchanged", head, r.New, r.Updated, r.Unchanged)
}
