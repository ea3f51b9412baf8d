package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/newsdesk/newsdesk"
)

func runNewsletter(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "newsletter", args, map[string]func(context.Context, *Env, []string) error{
		"add": newsletterAdd, "edit": newsletterEdit, "list": newsletterList,
	})
}

// newsletterFields are the flags add and edit share. Schedules, time zones,
// categories and approval come with digests.
type newsletterFields struct {
	slug, name, description string
}

func (f *newsletterFields) register(fs *flags) {
	fs.StringVar(&f.slug, "slug", "", "short name used in links and commands, e.g. weekly")
	fs.StringVar(&f.name, "name", "", "name shown to subscribers, e.g. \"The Weekly\"")
	fs.StringVar(&f.description, "description", "", "one or two sentences shown on the subscribe form")
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
	if len(pos) == 1 && f.slug == "" {
		f.slug = pos[0]
	} else if len(pos) > 0 {
		return usagef("newsletter add: unexpected argument %q", pos[0])
	}
	if f.slug == "" || f.name == "" {
		return usagef("newsletter add: --slug and --name are required, e.g. newsletter add --slug weekly --name \"The Weekly\"")
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	n := &newsdesk.Newsletter{Slug: f.slug, Name: f.name, Description: f.description}
	if err := app.newsletters.CreateNewsletter(ctx, n); err != nil {
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
	if len(pos) == 1 && f.slug == "" {
		f.slug = pos[0]
	} else if len(pos) > 0 || f.slug == "" {
		return usagef("newsletter edit: expected one SLUG (or --slug), e.g. newsletter edit weekly --name \"Weekly\"")
	}
	var upd newsdesk.NewsletterUpdate
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "name":
			upd.Name = &f.name
		case "description":
			upd.Description = &f.description
		}
	})
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	n, err := app.newsletters.UpdateNewsletter(ctx, f.slug, upd)
	if err != nil {
		return err
	}
	printf(env, "Newsletter %q saved.\n", n.Slug)
	return nil
}

func newsletterList(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("newsletter list", env, &g)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	ns, err := app.newsletters.FindNewsletters(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tNAME\tSUBSCRIBERS\tDESCRIPTION")
	for _, n := range ns {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", n.Slug, n.Name, n.Subscribers, n.Description)
	}
	return tw.Flush()
}
