package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/newsdesk/newsdesk"
)

func runAuthor(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "author", args, map[string]func(context.Context, *Env, []string) error{
		"add": authorAdd, "list": authorList,
	})
}

func authorAdd(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("author add", env, &g)
	au := &newsdesk.Author{}
	fs.StringVar(&au.Name, "name", "", "display name (required)")
	fs.StringVar(&au.Email, "email", "", "email address")
	fs.StringVar(&au.URL, "url", "", "home page")
	fs.StringVar(&au.Bio, "bio", "", "one-line biography")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("author add: expected one SLUG, e.g. newsdesk author add jane-doe --name \"Jane Doe\"")
	}
	au.Slug = pos[0]
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	if err := app.articles.CreateAuthor(ctx, au); err != nil {
		return err
	}
	printf(env, "Author %q added.\n", au.Slug)
	return nil
}

func authorList(ctx context.Context, env *Env, args []string) error {
	app, err := openNoArgs(env, "author list", args)
	if err != nil {
		return err
	}
	defer app.close()
	authors, err := app.articles.FindAuthors(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tNAME\tEMAIL")
	for _, au := range authors {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", au.Slug, au.Name, au.Email)
	}
	return tw.Flush()
}
