package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/config"
	"github.com/newsdesk/newsdesk/digest"
	"github.com/newsdesk/newsdesk/feeds"
	"github.com/newsdesk/newsdesk/logging"
	"github.com/newsdesk/newsdesk/mailer"
	"github.com/newsdesk/newsdesk/metrics"
	"github.com/newsdesk/newsdesk/sqlite"
	"github.com/newsdesk/newsdesk/templates"
	"github.com/newsdesk/newsdesk/web"
)

const dbFile = "newsdesk.db"

// app is the wired program: configuration, store and services.
type app struct {
	cfg       config.Config
	dataDir   string
	db        *sqlite.DB
	articles  *sqlite.ArticleService
	sources   *sqlite.SourceService
	ingester  *feeds.Ingester
	publisher *feeds.Publisher
	pinger    *feeds.Pinger
	logger    *slog.Logger
	redact    *logging.Redactor // keeps secrets out of the log
	clock     newsdesk.Clock

	subscribers *sqlite.SubscriberService
	newsletters *sqlite.NewsletterService
	outboxStore *sqlite.OutboxService
	outbox      *mailer.Outbox    // the daemon's outbox
	owner       *mailer.Owner     // delivers the outbox from one process at a time
	digests     *digestJob        // the daemon's digest job
	sets        *digest.Renderers // digest template sets, loaded once
	metrics     *metrics.Metrics  // the daemon's metrics; nil in commands
}

// loadConfig reads the config the globals name.
func loadConfig(g *globals, env *Env) (config.Config, error) {
	path, required := g.config, g.config != ""
	if path == "" {
		path = "newsdesk.toml"
	}
	cfg, err := config.Load(path, required, env.Environ)
	if err != nil {
		return cfg, usagef("%w", err)
	}
	return cfg, applyLogFlags(&cfg, g)
}

// openApp loads the config and opens an initialised data directory.
func openApp(g *globals, env *Env) (*app, error) {
	cfg, err := loadConfig(g, env)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(g.data, dbFile)
	if _, err := os.Stat(path); err != nil {
		return nil, usagef("no database at %s: run newsdesk init --data %s first", path, g.data)
	}
	return newApp(cfg, g.data, env)
}

// openWithID parses a command whose one argument is the ID of a thing (an
// edition, a source, a token) and opens the install; list is the command
// that shows the IDs.
func openWithID(env *Env, name, thing, list string, args []string) (*app, int64, error) {
	var g globals
	fs := newFlags(name, env, &g)
	pos, err := parse(fs, args)
	if err != nil {
		return nil, 0, err
	}
	if len(pos) != 1 {
		return nil, 0, usagef("%s: expected one %s ID, e.g. %s 3 (see %s)", name, thing, name, list)
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return nil, 0, usagef("%s: %q is not a valid %s ID (see %s)", name, pos[0], thing, list)
	}
	app, err := openApp(&g, env)
	return app, id, err
}

// openNoArgs parses a command that takes only the global flags and opens
// the install; a stray argument is bad usage rather than silently ignored.
func openNoArgs(env *Env, name string, args []string) (*app, error) {
	var g globals
	fs := newFlags(name, env, &g)
	pos, err := parse(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, usagef("%s: unexpected argument %q", name, pos[0])
	}
	return openApp(&g, env)
}

// newApp opens (creating if needed) the database in dataDir and wires the
// services on it.
func newApp(cfg config.Config, dataDir string, env *Env) (*app, error) {
	a := &app{cfg: cfg, dataDir: dataDir, clock: env.Clock}
	if a.clock == nil {
		a.clock = newsdesk.SystemClock{}
	}
	a.logger = logging.New(env.Stderr, cfg.Log, a.keepSecrets())
	a.sets = digestTemplates(cfg.Site.Templates)
	a.db = sqlite.NewDB(filepath.Join(dataDir, dbFile))
	a.db.Clock = a.clock
	if err := a.db.Open(); err != nil {
		return nil, err
	}
	a.redact.Add(a.meta("secret"))
	a.articles = sqlite.NewArticleService(a.db, feeds.NewMarkdown().Render, cfg.Host())
	a.sources = sqlite.NewSourceService(a.db)
	a.ingester = a.newIngester()
	a.publisher = &feeds.Publisher{
		Store:   a.articles,
		Related: a.sources,
		Site:    a.site(),
		Items:   cfg.Feeds.Items,
		Hub:     cfg.Feeds.Hub,
		Epoch:   a.epoch(),
	}
	a.pinger = &feeds.Pinger{Hub: cfg.Feeds.Hub}
	a.wireMail()
	return a, nil
}

// site is what pages, feeds and emails say about the publication.
func (a *app) site() newsdesk.Site {
	s := a.cfg.Site
	return newsdesk.Site{Title: s.Title, Description: s.Description, BaseURL: s.BaseURL, Language: s.Language,
		PostalAddress: s.PostalAddress, Logo: s.Logo, Favicon: s.Favicon, IDPrefix: a.meta("tag_prefix")}
}

// meta returns a stored setting, or "" when there is none.
func (a *app) meta(key string) string {
	v, _ := a.db.Meta(context.Background(), key)
	return v
}

// epoch is when the install was created; empty feeds use it as their date.
func (a *app) epoch() time.Time {
	v, err := a.db.Meta(context.Background(), "created_at")
	if err != nil {
		return time.Unix(0, 0).UTC()
	}
	t, _ := time.Parse(time.RFC3339, v)
	return t
}

func (a *app) close() {
	if err := a.db.Close(); err != nil {
		a.logger.Error("close database", "err", err)
	}
}

// server wires the HTTP side.
func (a *app) server() (*web.Server, error) {
	s := &web.Server{
		Site: web.Site{Title: a.cfg.Site.Title, Description: a.cfg.Site.Description, BaseURL: a.cfg.Site.BaseURL,
			Language: a.cfg.Site.Language, PostalAddress: a.cfg.Site.PostalAddress,
			Logo: a.cfg.Site.Logo, Favicon: a.cfg.Site.Favicon},
		Articles: a.articles,
		Related:  a.sources,
		Feeds:    a.publisher,
		MediaDir: filepath.Join(a.dataDir, "media"),
		MaxAge:   a.cfg.Feeds.MaxAge.Duration,
		Health:   a.db.Health,
		Writable: a.db.Writable,
		// Pages change with the feeds: one generation for both.
		Generations: a.publisher,
		Search:      a.articles,
		Redirects:   a.articles,
		Directory:   a.articles,
		Clock:       a.clock,
		PageMaxAge:  a.cfg.Site.MaxAge.Duration,
		FeedItems:   a.cfg.Feeds.Items,
		Logger:      a.logger,
	}
	pages, err := templates.Pages(a.cfg.Site.Templates, s.Funcs())
	if err != nil {
		return nil, usagef("%w", err)
	}
	s.Pages = pages
	s.API = a.apiServer().Handler()
	if s.Admin, err = a.admin(); err != nil {
		return nil, err
	}
	return s, a.wireWeb(s)
}

// announce tells the WebSub hub about newly published articles.
func (a *app) announce(ctx context.Context, published []*newsdesk.Article) {
	if a.cfg.Feeds.Hub == "" || len(published) == 0 {
		return
	}
	topics := feeds.TopicsOf(a.cfg.Site.BaseURL, published)
	if err := a.pinger.Ping(ctx, topics); err != nil {
		a.logger.Warn("websub ping failed", "hub", a.cfg.Feeds.Hub, "err", err)
		return
	}
	a.logger.Info("websub ping sent", "hub", a.cfg.Feeds.Hub, "topics", len(topics))
}

func printf(env *Env, format string, args ...any) {
	fmt.Fprintf(env.Stdout, format, args...)
}
