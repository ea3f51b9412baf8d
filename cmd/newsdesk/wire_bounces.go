package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk/bounce"
	"github.com/newsdesk/newsdesk/sqlite"
	"github.com/newsdesk/newsdesk/web"
)

// bounceProcessor wires the classifier on the store with the configured
// policy; observe, when not nil, hears of each new event.
func (a *app) bounceProcessor() (*bounce.Processor, error) {
	b, err := a.builder()
	if err != nil {
		return nil, err
	}
	c := a.cfg.Bounces
	return &bounce.Processor{Store: sqlite.NewBounceService(a.db), Tokens: b.Tokens, MessageIDs: b,
		Address: c.Address, SoftLimit: c.SoftLimit, SoftWindow: c.SoftWindow.Duration,
		Clock: a.clock, Logger: a.logger}, nil
}

// startBounces starts the bounce receiver when bounces.listen is set and
// gives srv the provider webhooks that are configured; it returns the
// function that stops the receiver.
func (a *app) startBounces(ctx context.Context, srv *web.Server) (stop func(), err error) {
	c := a.cfg.Bounces
	p, err := a.bounceProcessor()
	if err != nil {
		return nil, err
	}
	if a.metrics != nil {
		p.Observe = a.metrics.BounceCounter()
	}
	if srv.Webhooks, err = a.webhooks(p); err != nil {
		return nil, err
	}
	stopIMAP, err := a.pollIMAP(ctx, p)
	if err != nil {
		return nil, err
	}
	if c.Listen == "" {
		return stopIMAP, nil
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return nil, usagef("serve: cannot listen for bounces on %s: %w", c.Listen, err)
	}
	r := &bounce.Receiver{Processor: p, Address: c.Address, Hostname: a.cfg.Host(), MaxSize: int64(c.MaxSize), Logger: a.logger}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := r.Serve(ln); err != nil && !errors.Is(err, net.ErrClosed) {
			a.logger.Error("bounce receiver stopped", "err", err)
		}
	}()
	a.logger.Info("receiving bounces", "addr", ln.Addr().String(), "address", c.Address)
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		r.Shutdown(sctx)
		<-done
		stopIMAP()
	}, nil
}

// pollIMAP polls bounces.imap_url every imap_interval until stopped.
func (a *app) pollIMAP(ctx context.Context, p *bounce.Processor) (stop func(), err error) {
	c := a.cfg.Bounces
	if c.IMAPURL == "" {
		return func() {}, nil
	}
	u, err := bounce.ParseIMAPURL(c.IMAPURL)
	if err != nil {
		return nil, usagef("config bounces.imap_url: %w", err)
	}
	a.redact.Add(c.IMAPPassword)
	m := &bounce.IMAP{Processor: p, URL: u, Password: c.IMAPPassword, Processed: c.IMAPFolder, Logger: a.logger}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	poll := a.job(ctx, "imap-bounces", func(ctx context.Context) ([]any, error) {
		n, err := m.Poll(ctx)
		return []any{"read", n}, err
	})
	go func() {
		defer close(done)
		t := time.NewTicker(c.IMAPInterval.Duration)
		defer t.Stop()
		for {
			poll()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { cancel(); <-done }, nil
}

// webhooks wires the providers configured in [bounces]; nil when none is.
func (a *app) webhooks(p *bounce.Processor) (http.Handler, error) {
	c := a.cfg.Bounces
	a.redact.Add(c.MailgunSigningKey)
	a.redact.Add(c.PostmarkPassword)
	h := &bounce.Webhooks{Processor: p, Clock: a.clock, Logger: a.logger}
	if c.MailgunSigningKey != "" {
		h.Mailgun = &bounce.Mailgun{SigningKey: c.MailgunSigningKey}
	}
	if c.PostmarkUsername != "" {
		h.Postmark = &bounce.Postmark{Username: c.PostmarkUsername, Password: c.PostmarkPassword}
	}
	if c.SendGridPublicKey != "" {
		key, err := bounce.ParseSendGridKey(c.SendGridPublicKey)
		if err != nil {
			return nil, usagef("config bounces.sendgrid_public_key: %w", err)
		}
		h.SendGrid = &bounce.SendGrid{PublicKey: key}
	}
	for _, arn := range strings.Split(c.SESTopicARNs, ",") {
		if arn = strings.TrimSpace(arn); arn != "" {
			if h.SES == nil {
				h.SES = &bounce.SES{}
			}
			h.SES.TopicARNs = append(h.SES.TopicARNs, arn)
		}
	}
	if h.Mailgun == nil && h.Postmark == nil && h.SendGrid == nil && h.SES == nil {
		return nil, nil
	}
	return h, nil
}

// pruneBounces drops raw reports older than bounces.keep_raw days.
func (a *app) pruneBounces(ctx context.Context) ([]any, error) {
	before := a.clock.Now().AddDate(0, 0, -a.cfg.Bounces.KeepRaw)
	n, err := sqlite.NewBounceService(a.db).PruneBounceRaw(ctx, before)
	return []any{"dropped", n}, err
}
