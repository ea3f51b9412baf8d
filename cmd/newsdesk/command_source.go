package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/feeds"
)

func runSource(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "source", args, map[string]func(context.Context, *Env, []string) error{
		"add": sourceAdd, "list": sourceList, "remove": sourceRemove, "resume": sourceResume,
		"import": sourceImport, "export": sourceExport,
	})
}

func sourceAdd(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("source add", env, &g)
	category := fs.String("category", "", "category slug the source's items relate to")
	interval := fs.Duration("interval", 0, "how often to poll it, e.g. 1h (default ingest.interval)")
	title := fs.String("title", "", "name to credit it by (default: the feed's own title)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("source add: expected one feed URL, e.g. newsdesk source add https://example.org/feed.xml --category economy")
	}
	src := &newsdesk.Source{URL: newsdesk.NormalizeFeedURL(pos[0]), Title: *title, Interval: *interval}
	if *category != "" {
		src.Category = &newsdesk.Category{Slug: *category}
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	if err := app.sources.CreateSource(ctx, src); err != nil {
		return err
	}
	printf(env, "Source %d added: %s (the daemon fetches it within a minute; newsdesk ingest --source %d fetches it now).\n",
		src.ID, src.URL, src.ID)
	return nil
}

func sourceList(ctx context.Context, env *Env, args []string) error {
	app, err := openNoArgs(env, "source list", args)
	if err != nil {
		return err
	}
	defer app.close()
	sources, err := app.sources.FindSources(ctx, newsdesk.SourceFilter{})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tNEXT CHECK\tCATEGORY\tTITLE\tURL\tLAST ERROR")
	for _, s := range sources {
		category := "-"
		if s.Category != nil {
			category = s.Category.Slug
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, sourceState(s), s.NextCheckAt.UTC().Format(time.RFC3339),
			category, newsdesk.OneLine(s.Name()), s.URL, sourceProblem(s))
	}
	return tw.Flush()
}

// sourceState is a source's state in a word or two.
func sourceState(s *newsdesk.Source) string {
	switch {
	case s.Paused:
		return "paused"
	case s.ConsecutiveErrors > 0:
		return fmt.Sprintf("failing(%d)", s.ConsecutiveErrors)
	case s.LastCheckedAt.IsZero():
		return "new"
	}
	return "ok"
}

// sourceProblem is what an editor needs to know about a source that is
// not well: why it is paused, or its last error.
func sourceProblem(s *newsdesk.Source) string {
	if s.Paused {
		return newsdesk.OneLine("paused: " + s.PausedReason)
	}
	return newsdesk.OneLine(s.LastError)
}

func sourceRemove(ctx context.Context, env *Env, args []string) error {
	app, id, err := openWithID(env, "source remove", "source", "source list", args)
	if err != nil {
		return err
	}
	defer app.close()
	if err := app.sources.DeleteSource(ctx, id); err != nil {
		return err
	}
	printf(env, "Source %d removed, with its items.\n", id)
	return nil
}

func sourceResume(ctx context.Context, env *Env, args []string) error {
	app, id, err := openWithID(env, "source resume", "source", "source list", args)
	if err != nil {
		return err
	}
	defer app.close()
	src, err := app.sources.ResumeSource(ctx, id)
	if err != nil {
		return err
	}
	printf(env, "Source %d resumed: %s is due for a check now.\n", src.ID, src.URL)
	return nil
}

func sourceImport(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("source import", env, &g)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("source import: expected one OPML file, e.g. newsdesk source import subscriptions.opml")
	}
	b, err := os.ReadFile(pos[0])
	if err != nil {
		return newsdesk.Errorf(newsdesk.EINVALID, "%w", err)
	}
	sources, err := feeds.ParseOPML(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	for _, s := range sources {
		if err := s.Validate(); err != nil {
			return fmt.Errorf("%s: outline %q: %w", pos[0], s.Title, err)
		}
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	created, err := app.sources.ImportSources(ctx, sources)
	if err != nil {
		return err
	}
	printf(env, "Imported %d sources from %s (%d were there already).\n", created, pos[0], len(sources)-created)
	return nil
}

func sourceExport(ctx context.Context, env *Env, args []string) error {
	app, err := openNoArgs(env, "source export", args)
	if err != nil {
		return err
	}
	defer app.close()
	sources, err := app.sources.FindSources(ctx, newsdesk.SourceFilter{})
	if err != nil {
		return err
	}
	return feeds.WriteOPML(env.Stdout, app.cfg.Site.Title+" sources", app.clock.Now(), sources)
}
