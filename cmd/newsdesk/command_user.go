package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/editorial"
)

func runUser(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "user", args, map[string]func(context.Context, *Env, []string) error{
		"add": userAdd, "list": userList, "passwd": userPasswd, "remove": userRemove,
	})
}

// passwordFlags reads the password a command sets: the first line of
// standard input with --password-stdin, else a generated one that is printed.
type passwordFlags struct{ stdin bool }

func (p *passwordFlags) register(fs *flags) {
	fs.BoolVar(&p.stdin, "password-stdin", false, "read the password from the first line of standard input instead of generating one")
}

func (p *passwordFlags) password(env *Env) (pw string, generated bool, err error) {
	if !p.stdin {
		return editorial.NewPassword(), true, nil
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" && err != nil {
		return "", false, newsdesk.Errorf(newsdesk.EINVALID, "--password-stdin: no password on standard input")
	}
	if len(line) < editorial.MinPassword {
		return "", false, newsdesk.Errorf(newsdesk.EINVALID, "--password-stdin: the password must have at least %d characters", editorial.MinPassword)
	}
	return line, false, nil
}

// oneUser parses a command that takes one EMAIL and the password flags.
func oneUser(env *Env, name string, args []string, p *passwordFlags) (*globals, string, error) {
	var g globals
	fs := newFlags(name, env, &g)
	if p != nil {
		p.register(fs)
	}
	pos, err := parse(fs, args)
	if err != nil {
		return nil, "", err
	}
	if len(pos) != 1 {
		return nil, "", usagef("%s: expected one EMAIL", name)
	}
	return &g, pos[0], nil
}

func userAdd(ctx context.Context, env *Env, args []string) error {
	return setPassword(ctx, env, "user add", args, func(a *app, email, hash string) error {
		return a.db.CreateUser(ctx, email, hash)
	})
}

func userPasswd(ctx context.Context, env *Env, args []string) error {
	return setPassword(ctx, env, "user passwd", args, func(a *app, email, hash string) error {
		return a.db.SetUserPassword(ctx, email, hash)
	})
}

// setPassword runs user add and user passwd: both take a password, hash
// it and store it, and print it when it was generated.
func setPassword(ctx context.Context, env *Env, name string, args []string, store func(a *app, email, hash string) error) error {
	var p passwordFlags
	g, email, err := oneUser(env, name, args, &p)
	if err != nil {
		return err
	}
	pw, generated, err := p.password(env)
	if err != nil {
		return err
	}
	hash, err := editorial.HashPassword(pw)
	if err != nil {
		return err
	}
	app, err := openApp(g, env)
	if err != nil {
		return err
	}
	defer app.close()
	if err := store(app, email, hash); err != nil {
		return err
	}
	printf(env, "Editor account: %s\n", email)
	if generated {
		printf(env, "Password (shown only now): %s\n", pw)
	}
	return nil
}

func userList(ctx context.Context, env *Env, args []string) error {
	app, err := openNoArgs(env, "user list", args)
	if err != nil {
		return err
	}
	defer app.close()
	users, err := app.db.FindUsers(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	for _, u := range users {
		fmt.Fprintf(tw, "%s\tcreated %s\n", u.Email, u.CreatedAt.Format(time.RFC3339))
	}
	return nil
}

func userRemove(ctx context.Context, env *Env, args []string) error {
	g, email, err := oneUser(env, "user remove", args, nil)
	if err != nil {
		return err
	}
	app, err := openApp(g, env)
	if err != nil {
		return err
	}
	defer app.close()
	if err := app.db.DeleteUser(ctx, email); err != nil {
		return err
	}
	printf(env, "Editor account %s removed.\n", email)
	return nil
}
