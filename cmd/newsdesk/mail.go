package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer"
	"github.com/newsdesk/newsdesk/sqlite"
	"github.com/newsdesk/newsdesk/templates"
	"github.com/newsdesk/newsdesk/web"
)

// wireMail makes the subscriber, newsletter and outbox services.
func (a *app) wireMail() {
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
		return nil, usagef("%v", err)
	}
	return &mailer.Renderer{HTML: html, Text: text, Site: mailer.Site{Title: a.cfg.Site.Title,
		BaseURL: a.cfg.Site.BaseURL, Language: a.cfg.Site.Language, PostalAddress: a.cfg.Site.PostalAddress}}, nil
}

// builder writes messages as configured in [mail] and [dkim].
func (a *app) builder() (*mailer.Builder, error) {
	from, err := mailer.ParseAddress(a.cfg.Mail.From)
	if err != nil {
		return nil, usagef("config mail.from: %v", err)
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
			return nil, usagef("config mail.reply_to: %v", err)
		}
	}
	if d := a.cfg.DKIM; d.KeyFile != "" {
		if b.DKIM, err = mailer.LoadDKIM(d.Domain, d.Selector, d.KeyFile); err != nil {
			return nil, usagef("config %v", err)
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
		return nil, usagef("config %v", err)
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

// The outbox of a data directory is delivered by one process at a time,
// the daemon or a command sending an edition. That process listens on a
// Unix socket named after the database, and other processes connect to it
// to say that they queued mail. On Linux the socket is in the abstract
// namespace, so it vanishes with the process however it ends; elsewhere it
// is a file beside the database, and one left by a crash is replaced.

// ownerAddr is the socket of the process delivering the outbox of db.
func ownerAddr(db string) string {
	abs, err := filepath.Abs(db)
	if err != nil {
		abs = db
	}
	if runtime.GOOS != "linux" {
		return abs + ".outbox.sock"
	}
	sum := sha256.Sum256([]byte(abs))
	return "@newsdesk-outbox-" + hex.EncodeToString(sum[:12])
}

// errOwned means another process is delivering the outbox.
var errOwned = errors.New("another process is delivering this outbox")

// claimOutbox makes this process the one delivering the outbox, and
// returns the socket others wake it through.
func (a *app) claimOutbox() (net.Listener, error) {
	addr := ownerAddr(a.db.Path)
	ln, err := net.Listen("unix", addr)
	if err != nil && !strings.HasPrefix(addr, "@") && !a.wakeOwner() {
		os.Remove(addr) // left by a process that died
		ln, err = net.Listen("unix", addr)
	}
	if err != nil {
		return nil, errOwned
	}
	return ln, nil
}

// wakeOwner tells the process delivering the outbox that mail was queued,
// and reports whether there is one.
func (a *app) wakeOwner() bool {
	c, err := net.DialTimeout("unix", ownerAddr(a.db.Path), time.Second)
	if err != nil {
		return false
	}
	c.Write([]byte("wake\n"))
	c.Close()
	return true
}

// wake is called after mail is queued: the outbox of this process, if it
// delivers, or the process that does, looks at the queue now.
func (a *app) wake() {
	if o := a.delivering.Load(); o != nil {
		o.Wake()
		return
	}
	a.wakeOwner()
}

// acceptWakes wakes o for each connection to ln, until ln is closed.
func acceptWakes(ln net.Listener, o *mailer.Outbox) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Close()
		o.Wake()
	}
}

// deliver runs the outbox in this process until ctx ends, if no other
// process delivers it; it reports whether it ran.
func (a *app) deliver(ctx context.Context, o *mailer.Outbox) (bool, error) {
	ln, err := a.claimOutbox()
	if err != nil {
		return false, nil
	}
	defer ln.Close()
	go acceptWakes(ln, o)
	a.delivering.Store(o)
	defer a.delivering.Store(nil)
	return true, o.Run(ctx)
}

// runDelivery delivers the outbox for as long as ctx lasts, in the daemon:
// while another process holds the outbox it waits and tries again.
func (a *app) runDelivery(ctx context.Context, o *mailer.Outbox) {
	warned := false
	for ctx.Err() == nil {
		ran, err := a.deliver(ctx, o)
		if err != nil {
			a.logger.Error("outbox stopped", "err", err)
		}
		if !ran && !warned {
			a.logger.Warn("another process is delivering the outbox; this one will take over when it stops")
			warned = true
		}
		if ran {
			warned = false
		}
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
		}
	}
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
		a.runDelivery(ctx, a.outbox)
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
	s.Wake = a.wake
	return nil
}
