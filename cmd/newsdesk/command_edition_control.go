package main

import (
	"context"
	"os/user"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/editorial"
)

// editionAction runs one of the editor's controls on an edition given by ID.
func editionAction(name string, act func(*editorial.Editor, context.Context, int64) (*newsdesk.Edition, error)) func(context.Context, *Env, []string) error {
	return func(ctx context.Context, env *Env, args []string) error {
		app, id, err := openWithID(env, "edition "+name, "edition", "edition list", args)
		if err != nil {
			return err
		}
		defer app.close()
		e, err := act(app.editor(), newsdesk.WithActor(ctx, cliActor()), id)
		if err != nil {
			return err
		}
		printf(env, "Edition %d of %s is %s.\n", e.ID, e.Newsletter.Slug, e.Status)
		return nil
	}
}

// editionControls are the editor's controls on an edition, by
// subcommand (editorial.Editor).
func editionControls() map[string]func(context.Context, *Env, []string) error {
	return map[string]func(context.Context, *Env, []string) error{
		"approve": editionAction("approve", (*editorial.Editor).ApproveEdition),
		"pause":   editionAction("pause", (*editorial.Editor).PauseEdition),
		"resume":  editionAction("resume", (*editorial.Editor).ResumeEdition),
		"cancel":  editionAction("cancel", (*editorial.Editor).CancelEdition),
	}
}

// editionCreate makes a one-off edition: hand-picked articles with an
// editor's note, to go at a chosen time (the daemon sends it then).
func editionCreate(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("edition create", env, &g)
	slug := fs.String("newsletter", "", "newsletter slug (required)")
	at := fs.String("at", "", "when it goes, RFC 3339 (default now)")
	intro := fs.String("intro", "", "an editor's note shown above the articles; blank lines separate paragraphs")
	articles := fs.String("articles", "", "article slugs in the order shown, e.g. rents-and-wages,ports-and-power (required)")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 || *slug == "" || *articles == "" {
		return usagef("edition create: expected --newsletter SLUG --articles SLUG,SLUG [--at TIME] [--intro TEXT]")
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	var when time.Time
	if *at != "" {
		if when, err = parseTimeFlag("at", *at); err != nil {
			return err
		}
	}
	e, err := app.editor().CreateEdition(ctx, newsdesk.OneOffEdition{
		Newsletter: *slug, At: when, Intro: *intro, Articles: splitList(*articles)})
	if err != nil {
		return err
	}
	printf(env, "Edition %d of %s: %d articles, goes at %s (newsdesk serve sends it; edition cancel %d stops it).\n",
		e.ID, e.Newsletter.Slug, len(e.Picked), editorial.RFC3339(e.ScheduledFor), e.ID)
	return nil
}

// cliActor names who acts from the command line in an edition's log.
func cliActor() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}
