package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/bounce"
	"github.com/newsdesk/newsdesk/editorial"
	"github.com/newsdesk/newsdesk/sqlite"
	"github.com/newsdesk/newsdesk/web"
)

func runBounce(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "bounce", args, map[string]func(context.Context, *Env, []string) error{
		"list": bounceList, "show": bounceShow, "import": bounceImport,
	})
}

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

func bounceImport(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("bounce import", env, &g)
	files, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("bounce import: expected one or more FILE.eml")
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	p, err := app.bounceProcessor()
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := importOne(ctx, env, p, f); err != nil {
			return err
		}
	}
	return nil
}

func importOne(ctx context.Context, env *Env, p *bounce.Processor, file string) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return usagef("bounce import: %w", err)
	}
	res, err := p.Process(ctx, raw, newsdesk.BounceImport, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if len(res.Events) == 0 {
		printf(env, "%s: %s, ignored\n", file, res.Report.Kind)
	}
	for i, ev := range res.Events {
		out := res.Outcomes[i]
		effect := ""
		switch {
		case out.Duplicate:
			effect = ", seen before"
		case out.Bounced:
			effect = ", subscriber marked bounced"
		case out.Unsubscribed:
			effect = ", subscriber unsubscribed and suppressed"
		}
		printf(env, "%s: bounce %d %s %s %s, %s%s\n", file, ev.ID, ev.Type, orDash(ev.Status), orDash(ev.Recipient),
			matchText(ev), effect)
	}
	return nil
}

func matchText(ev *newsdesk.BounceEvent) string {
	if ev.MatchedBy == newsdesk.BounceUnmatched {
		return "unmatched"
	}
	return fmt.Sprintf("delivery %d by %s", ev.DeliveryID, ev.MatchedBy)
}

func bounceList(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("bounce list", env, &g)
	subscriber := fs.String("subscriber", "", "only this subscriber's history (address or ID)")
	edition := fs.Int64("edition", 0, "only this edition's, with its counts")
	typ := fs.String("type", "", "only this type: hard, soft, complaint, delayed, unknown")
	limit := fs.Int("limit", 50, "how many, newest first")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *typ != "" && !newsdesk.BounceType(*typ).Valid() {
		return usagef("bounce list: --type %q must be hard, soft, complaint, delayed or unknown", *typ)
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	store := sqlite.NewBounceService(app.db)
	f := newsdesk.BounceFilter{EditionID: *edition, Type: newsdesk.BounceType(*typ), Limit: *limit}
	if f.SubscriberID, err = app.subscriberRef(ctx, *subscriber); err != nil {
		return err
	}
	if *edition != 0 {
		c, err := store.EditionBounceCounts(ctx, *edition)
		if err != nil {
			return err
		}
		printf(env, "Edition %d: %d bounced, %d soft, %d complaints\n", *edition, c.Bounced, c.Soft, c.Complaints)
	}
	evs, err := store.FindBounces(ctx, f)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECEIVED\tTYPE\tSTATUS\tSOURCE\tRECIPIENT\tMATCHED\tDIAGNOSTIC")
	for _, ev := range evs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%.60s\n", ev.ID, editorial.RFC3339(ev.ReceivedAt), ev.Type, orDash(ev.Status),
			ev.Source, orDash(ev.Recipient), matchText(ev), ev.Diagnostic)
	}
	return tw.Flush()
}

// subscriberRef reads a subscriber given by address or ID; "" is none.
func (a *app) subscriberRef(ctx context.Context, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	if id, err := strconv.ParseInt(s, 10, 64); err == nil {
		return id, nil
	}
	sub, err := a.subscribers.FindSubscriberByEmail(ctx, s)
	if err != nil {
		return 0, err
	}
	return sub.ID, nil
}

func bounceShow(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("bounce show", env, &g)
	raw := fs.Bool("raw", false, "print only the report as received")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("bounce show: expected one bounce ID, e.g. bounce show 3 (see bounce list)")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return usagef("bounce show: %q is not a valid bounce ID (see bounce list)", pos[0])
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	ev, err := sqlite.NewBounceService(app.db).FindBounceByID(ctx, id)
	if err != nil {
		return err
	}
	if *raw {
		_, err := env.Stdout.Write(ev.Raw)
		return err
	}
	printf(env, "ID:          %d\nReceived:    %s\nType:        %s\nStatus:      %s\nDiagnostic:  %s\nSource:      %s\n",
		ev.ID, editorial.RFC3339(ev.ReceivedAt), ev.Type, orDash(ev.Status), orDash(ev.Diagnostic), ev.Source)
	printf(env, "Recipient:   %s\nMatched:     %s\nEdition:     %d\nSubscriber:  %d\nOriginal:    %s\nReport:      %s\n",
		orDash(ev.Recipient), matchText(ev), ev.EditionID, ev.SubscriberID, orDash(ev.OriginalMessageID), orDash(ev.ReportID))
	if ev.Raw == nil {
		printf(env, "Raw report:  dropped after bounces.keep_raw days\n")
	} else {
		printf(env, "Raw report:  %d bytes (--raw prints it)\n", len(ev.Raw))
	}
	return nil
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
