package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/newsdesk/newsdesk"
)

func runNewsletter(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "newsletter", args, map[string]func(context.Context, *Env, []string) error{
		"add": newsletterAdd, "edit": newsletterEdit, "list": newsletterList,
		"pause": newsletterPause, "resume": newsletterResume,
	})
}

// newsletterFields are the flags add and edit share.
type newsletterFields struct {
	slug, name, description string
	schedule, timezone      string
	categories, template    string
	approval                bool
}

func (f *newsletterFields) register(fs *flags) {
	fs.StringVar(&f.slug, "slug", "", "short name used in links and commands, e.g. weekly")
	fs.StringVar(&f.name, "name", "", "name shown to subscribers, e.g. \"The Weekly\"")
	fs.StringVar(&f.description, "description", "", "one or two sentences shown on the subscribe form")
	fs.StringVar(&f.schedule, "schedule", "", "when digests are cut, as cron: \"0 8 * * MON\" is Mondays at 8:00; \"\" for none")
	fs.StringVar(&f.timezone, "timezone", "", "IANA time zone of the schedule, e.g. Europe/London (default UTC)")
	fs.StringVar(&f.categories, "categories", "", "only articles in these categories, e.g. economy,cities (default all)")
	fs.BoolVar(&f.approval, "approval", false, "hold each scheduled edition until an editor approves it")
	fs.StringVar(&f.template, "template", "", "digest template set: a directory under site.templates/digest (default: the standard templates)")
}

// slugArg takes the slug from the one argument when --slug is not given;
// false means the arguments do not fit.
func (f *newsletterFields) slugArg(pos []string) bool {
	switch {
	case len(pos) == 0:
		return true
	case len(pos) == 1 && f.slug == "":
		f.slug = pos[0]
		return true
	}
	return false
}

func newsletterAdd(ctx context.Context, env *Env, args []string) error {
	var g globals
	var f newsletterFields
	fs := newFlags("newsletter add", env, &g)
	f.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if !f.slugArg(pos) || f.slug == "" || f.name == "" {
		return usagef("newsletter add: --slug and --name are required, e.g. newsletter add --slug weekly --name \"The Weekly\"")
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	n := &newsdesk.Newsletter{Slug: f.slug, Name: f.name, Description: f.description, Schedule: f.schedule,
		TimeZone: f.timezone, Categories: splitList(f.categories), ApprovalRequired: f.approval, Template: f.template}
	if err := app.editor().CreateNewsletter(ctx, n); err != nil {
		return err
	}
	printf(env, "Newsletter %q added.\n", n.Slug)
	return nil
}

func newsletterEdit(ctx context.Context, env *Env, args []string) error {
	var g globals
	var f newsletterFields
	fs := newFlags("newsletter edit", env, &g)
	f.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if !f.slugArg(pos) || f.slug == "" {
		return usagef("newsletter edit: expected one SLUG (or --slug), e.g. newsletter edit weekly --name \"Weekly\"")
	}
	var upd newsdesk.NewsletterUpdate
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "name":
			upd.Name = &f.name
		case "description":
			upd.Description = &f.description
		case "schedule":
			upd.Schedule = &f.schedule
		case "timezone":
			upd.TimeZone = &f.timezone
		case "categories":
			cats := splitList(f.categories)
			upd.Categories = &cats
		case "approval":
			upd.Approval = &f.approval
		case "template":
			upd.Template = &f.template
		}
	})
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	n, err := app.editor().UpdateNewsletter(ctx, f.slug, upd)
	if err != nil {
		return err
	}
	printf(env, "Newsletter %q saved.\n", n.Slug)
	return nil
}

func newsletterList(ctx context.Context, env *Env, args []string) error {
	app, err := openNoArgs(env, "newsletter list", args)
	if err != nil {
		return err
	}
	defer app.close()
	ns, err := app.newsletters.FindNewsletters(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tNAME\tSUBSCRIBERS\tSCHEDULE\tZONE\tCATEGORIES\tAPPROVAL\tTEMPLATE\tDESCRIPTION")
	for _, n := range ns {
		schedule := n.Schedule
		if schedule == "" {
			schedule = "-"
		} else if n.Paused {
			schedule += " (paused)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%t\t%s\t%s\n", n.Slug, n.Name, n.Subscribers, schedule, n.TimeZone,
			orDash(strings.Join(n.Categories, ",")), n.ApprovalRequired, orDash(n.Template), n.Description)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newsletterPause(ctx context.Context, env *Env, args []string) error {
	return setPaused(ctx, env, "pause", args, true)
}

func newsletterResume(ctx context.Context, env *Env, args []string) error {
	return setPaused(ctx, env, "resume", args, false)
}

// setPaused pauses or resumes a newsletter's schedule. Ticks missed while
// paused are not caught up; the next edition after resuming covers
// everything since the last one.
func setPaused(ctx context.Context, env *Env, action string, args []string, paused bool) error {
	var g globals
	fs := newFlags("newsletter "+action, env, &g)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	} else if len(pos) != 1 {
		return usagef("newsletter %s: expected one SLUG, e.g. newsletter %s weekly", action, action)
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	n, err := app.editor().UpdateNewsletter(ctx, pos[0], newsdesk.NewsletterUpdate{Paused: &paused})
	if err != nil {
		return err
	}
	printf(env, "Newsletter %q %sd.\n", n.Slug, action)
	return nil
}
