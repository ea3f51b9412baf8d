package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/newsdesk/newsdesk/config"
	"github.com/newsdesk/newsdesk/data"
	"github.com/newsdesk/newsdesk/editorial"
)

func runInit(ctx context.Context, env *Env, args []string) error {
	var g globals
	flags := newFlags("init", env, &g)
	demo := flags.Bool("demo", false, "load demo articles, authors and categories")
	email := flags.String("email", "editor@localhost", "email of the first editor account")
	if _, err := parse(flags, args); err != nil {
		return err
	}
	cfg, err := loadInitConfig(&g, env)
	if err != nil {
		return err
	}
	if *demo {
		demoSite(&cfg.Site)
	}
	if _, err := os.Stat(filepath.Join(g.data, dbFile)); err == nil {
		return usagef("%s is already initialised (found %s)", g.data, dbFile)
	}
	if err := os.MkdirAll(filepath.Join(g.data, "media"), 0o750); err != nil {
		return err
	}
	a, err := newApp(cfg, g.data, env)
	if err != nil {
		return err
	}
	defer a.close()
	password, err := a.initInstall(ctx, *email)
	if err != nil {
		return err
	}
	if err := writeExampleConfig(env, g.config, cfg); err != nil {
		return err
	}
	printf(env, "Initialised %s.\nEditor account: %s\nPassword (shown only now): %s\n", g.data, *email, password)
	if *demo {
		return a.loadDemo(ctx, env)
	}
	return nil
}

// loadInitConfig is loadConfig for init, which may be asked to write the
// config file it names, so the file need not exist yet.
func loadInitConfig(g *globals, env *Env) (config.Config, error) {
	if g.config != "" {
		if _, err := os.Stat(g.config); errors.Is(err, fs.ErrNotExist) {
			cfg, err := config.Load("", false, env.Environ)
			if err != nil {
				return cfg, usagef("%w", err)
			}
			return cfg, applyLogFlags(&cfg, g)
		}
	}
	return loadConfig(g, env)
}

// initInstall sets the install up (editorial.Install) and returns the
// first editor's password.
func (a *app) initInstall(ctx context.Context, email string) (string, error) {
	prefix, password, err := editorial.Install(ctx, a.db, a.cfg.Host(), a.clock.Now(), email)
	if err != nil {
		return "", err
	}
	a.publisher.Site.IDPrefix, a.publisher.Epoch = prefix, a.epoch()
	return password, nil
}

// writeExampleConfig writes the commented example config where the
// config is looked for, unless a file is already there. The site's title
// and address are those init ran with, from the environment or defaults.
func writeExampleConfig(env *Env, path string, cfg config.Config) error {
	if path == "" {
		path = "newsdesk.toml"
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if errors.Is(err, fs.ErrExist) {
		return nil
	} else if err != nil {
		return err
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, config.Example, cfg.Site.Title, cfg.Site.Description, cfg.Site.BaseURL, cfg.Site.Logo, cfg.Site.Favicon); err != nil {
		return err
	}
	printf(env, "Wrote an example configuration to %s.\n", path)
	return f.Close()
}

// demoSite names and describes the site after the demo publication, with
// its logo and icon, where the configuration left the defaults.
func demoSite(site *config.SiteConfig) {
	if site.Title == config.Default().Site.Title {
		site.Title = "The Harbour Review"
	}
	if site.Description == "" {
		site.Description = "Analysis and commentary on the city and its harbour"
	}
	if site.Logo == "" {
		site.Logo = "/media/logo.svg"
	}
	if site.Favicon == "" {
		site.Favicon = "/media/favicon.svg"
	}
}

// loadDemo loads the embedded demo content.
func (a *app) loadDemo(ctx context.Context, env *Env) error {
	d, err := a.editor().LoadDemo(ctx, a.articles, data.Demo, filepath.Join(a.dataDir, "media"))
	if err != nil {
		return err
	}
	printf(env, "Loaded demo content: %d authors, %d categories, %d articles.\n", d.Authors, d.Categories, d.Articles)
	printf(env, "Loaded demo newsletters and subscribers: %d newsletters, %d subscribers.\n", d.Newsletters, d.Subscribers)
	return nil
}
