package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/editorial"
	"github.com/newsdesk/newsdesk/sqlite"
)

func runToken(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "token", args, map[string]func(context.Context, *Env, []string) error{
		"add": tokenAdd, "list": tokenList, "revoke": tokenRevoke,
	})
}

// apiTokens is the store of the JSON API's bearer tokens.
func (a *app) apiTokens() *sqlite.APITokenService {
	return sqlite.NewAPITokenService(a.db)
}

func tokenAdd(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("token add", env, &g)
	user := fs.String("user", "", "email of the editor account the token acts for (required)")
	name := fs.String("name", "", "what the token is for, e.g. \"CMS sync\" (required)")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 || *user == "" || *name == "" {
		return usagef("token add: expected --user EMAIL --name NAME")
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	t, secret, err := app.apiTokens().CreateAPIToken(ctx, *user, *name)
	if err != nil {
		return err
	}
	printf(env, "API token %d %q for %s (shown only now):\n%s\n", t.ID, t.Name, t.UserEmail, secret)
	return nil
}

func tokenList(ctx context.Context, env *Env, args []string) error {
	app, err := openNoArgs(env, "token list", args)
	if err != nil {
		return err
	}
	defer app.close()
	ts, err := app.apiTokens().FindAPITokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPREFIX\tNAME\tUSER\tCREATED\tLAST USED\tREVOKED")
	for _, t := range ts {
		fmt.Fprintf(tw, "%d\t%s…\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Prefix, t.Name, t.UserEmail,
			editorial.RFC3339(t.CreatedAt), orDash(editorial.RFC3339(t.LastUsedAt)), orDash(editorial.RFC3339(t.RevokedAt)))
	}
	return tw.Flush()
}

func tokenRevoke(ctx context.Context, env *Env, args []string) error {
	app, id, err := openWithID(env, "token revoke", "token", "token list", args)
	if err != nil {
		return err
	}
	defer app.close()
	var t *newsdesk.APIToken
	if t, err = app.apiTokens().RevokeAPIToken(ctx, id); err != nil {
		return err
	}
	printf(env, "API token %d %q revoked.\n", t.ID, t.Name)
	return nil
}
