package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"path/filepath"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer"
	"github.com/newsdesk/newsdesk/sqlite"
	"github.com/newsdesk/newsdesk/templates"
	"github.com/newsdesk/newsdesk/web"
)

// wireMail makes the subscriber, newsletter and outbox services.
func (a *app) wireMail() {
	a.owner = &mailer.Owner{DB: a.db.Path}
	a.subscribers = sqlite.NewSubscriberService(a.db)
	a.newsletters = sqlite.NewNewsletterService(a.db)
	a.outboxStore = sqlite.NewOutboxService(a.db)
}

// tokens returns the signer of links, keyed by the secret made at init.
func (a *app) tokens() (*newsdesk.Tokens, error) {
	secret, err := a.secret()
	if err != nil {
		return nil, err
	}
	return newsdesk.NewTokens(secret, a.clock), nil
}

func (a *app) secret() ([]byte, error) {
	v, err := a.db.Meta(context.Background(), "secret")
	if err != nil {
		return nil, fmt.Errorf("the database has no signing secret: %w", err)
	}
	return hex.DecodeString(v)
}

// renderer renders email content with the configured templates.
func (a *app) renderer() (*mailer.Renderer, error) {
	html, text, err := templates.Emails(a.cfg.Site.Templates, mailer.TemplateFuncs(a.cfg.Site.BaseURL))
	if err != nil {
		return nil, usagef("%w", err)
	}
	return &mailer.Renderer{HTML: html, Text: text, Site: a.site()}, nil
}

// builder writes messages as configured in [mail] and [dkim].
func (a *app) builder() (*mailer.Builder, error) {
	from, err := mailer.ParseAddress(a.cfg.Mail.From)
	if err != nil {
		return nil, usagef("config mail.from: %w", err)
	}
	tokens, err := a.tokens()
	if err != nil {
		return nil, err
	}
	secret, _ := a.secret()
	b := &mailer.Builder{From: from, Host: a.cfg.Host(), BaseURL: a.cfg.Site.BaseURL, Tokens: tokens,
		Secret: secret, Clock: a.clock, Bounces: a.cfg.Bounces.Address}
	if a.cfg.Mail.ReplyTo != "" {
		if b.ReplyTo, err = mailer.ParseAddress(a.cfg.Mail.ReplyTo); err != nil {
			return nil, usagef("config mail.reply_to: %w", err)
		}
	}
	if d := a.cfg.DKIM; d.KeyFile != "" {
		if b.DKIM, err = mailer.LoadDKIM(d.Domain, d.Selector, d.KeyFile); err != nil {
			return nil, usagef("config %w", err)
		}
	}
	return b, nil
}

// transport is where mail goes: files under DATA/outbox, or SMTP.
func (a *app) transport() (mailer.Transport, error) {
	if a.cfg.Mail.Transport != "smtp" {
		return &mailer.File{Dir: filepath.Join(a.dataDir, "outbox")}, nil
	}
	s := a.cfg.SMTP
	t, err := mailer.NewSMTP(mailer.SMTPConfig{Host: s.Host, Port: s.Port, TLS: s.TLS,
		Username: s.Username, Password: s.Password})
	if err != nil {
		return nil, usagef("config %w", err)
	}
	return t, nil
}

// newOutbox wires an outbox on the store with the configured transport.
func (a *app) newOutbox() (*mailer.Outbox, error) {
	r, err := a.renderer()
	if err != nil {
		return nil, err
	}
	b, err := a.builder()
	if err != nil {
		return nil, err
	}
	t, err := a.transport()
	if err != nil {
		return nil, err
	}
	conns := a.cfg.SMTP.Connections
	if a.cfg.Mail.Transport != "smtp" {
		conns = 1 // writing files gains nothing from more
	}
	return &mailer.Outbox{
		Store: a.outboxStore, Transport: t, Builder: b, Sender: b.From.Address,
		Contents: &mailer.Library{Editions: a.newsletters, Variants: a.newsletters, Subscribers: a.subscribers, Renderer: r},
		Logger:   a.logger, Clock: a.clock,
		Connections: conns, Rate: float64(a.cfg.SMTP.Rate),
		Journal: filepath.Join(a.dataDir, "journal"),
	}, nil
}

// startDelivery runs the daemon's outbox until ctx ends; the channel closes
// when it has stopped.
func (a *app) startDelivery(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	if a.outbox == nil {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		a.owner.DeliverWhileOwned(ctx, a.outbox, a.logger)
	}()
	return done
}

// subscriptionStore is what the subscription pages read and write.
type subscriptionStore struct {
	*sqlite.SubscriberService
	*sqlite.NewsletterService
	*sqlite.ArticleService
}

// wireWeb gives the HTTP side the subscription pages.
func (a *app) wireWeb(s *web.Server) error {
	tokens, err := a.tokens()
	if err != nil {
		return err
	}
	s.Subscriptions = subscriptionStore{a.subscribers, a.newsletters, a.articles}
	s.Tokens = tokens
	s.Wake = a.owner.Wake
	return nil
}
