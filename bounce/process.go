package bounce

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
)

// Store is what the processor needs from the store: finding the delivery a
// report is about, and recording events with their effect.
type Store interface {
	FindDelivery(ctx context.Context, id int64) (*newsdesk.Delivery, error)
	FindEditionDelivery(ctx context.Context, editionID, subscriberID int64) (*newsdesk.Delivery, error)
	// FindLatestDelivery returns the newest delivery sent to an address.
	FindLatestDelivery(ctx context.Context, email string) (*newsdesk.Delivery, error)
	RecordBounce(ctx context.Context, ev *newsdesk.BounceEvent, rule newsdesk.BounceRule) (newsdesk.BounceOutcome, error)
}

// Tokens verifies VERP tokens.
type Tokens interface {
	VerifyBounceToken(s string) (deliveryID, subscriberID int64, err error)
}

// MessageIDs reads the Message-IDs the desk's mail carries.
type MessageIDs interface {
	ParseMessageID(id string) (editionID, deliveryID, subscriberID int64, ok bool)
}

// Processor classifies reports, matches them to deliveries and records
// them. It is safe for concurrent use.
type Processor struct {
	Store      Store
	Tokens     Tokens
	MessageIDs MessageIDs // nil: no matching by Message-ID
	Address    string     // the bounce address, bounces@domain
	SoftLimit  int        // default 3
	SoftWindow time.Duration
	Clock      newsdesk.Clock
	Logger     *slog.Logger
	// Observe, when set, hears of each event recorded for the first time.
	Observe func(ev *newsdesk.BounceEvent, out newsdesk.BounceOutcome)
}

// Result is what processing one report did.
type Result struct {
	Report   *Report
	Events   []*newsdesk.BounceEvent
	Outcomes []newsdesk.BounceOutcome
}

// Process reads a report that came in by source, sent to the envelope
// recipients rcpts (nil when unknown), and records one event per recipient
// it names. Auto-replies are recorded as nothing. A report that is not a
// message at all is an EINVALID error.
func (p *Processor) Process(ctx context.Context, raw []byte, source newsdesk.BounceSource, rcpts []string) (*Result, error) {
	r, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	return p.Record(ctx, r, raw, source, rcpts)
}

// Record matches and records a report read elsewhere (a provider's
// webhook), raw being what came in.
func (p *Processor) Record(ctx context.Context, r *Report, raw []byte, source newsdesk.BounceSource, rcpts []string) (*Result, error) {
	res := &Result{Report: r}
	if r.Kind == KindAutoReply {
		p.logger().Debug("auto-reply ignored", "report_id", r.ReportID)
		return res, nil
	}
	recipients := r.Recipients
	if len(recipients) == 0 {
		recipients = []*Recipient{{Type: newsdesk.BounceUnknown}}
	}
	m := p.match(ctx, r, rcpts)
	now := p.now()
	for _, rc := range recipients {
		ev := p.event(r, rc, m, raw, source, now)
		out, err := p.Store.RecordBounce(ctx, ev, newsdesk.BounceRule{SoftLimit: p.softLimit(), SoftSince: now.Add(-p.softWindow())})
		if err != nil {
			return res, err
		}
		res.Events, res.Outcomes = append(res.Events, ev), append(res.Outcomes, out)
		p.log(ev, out)
		if !out.Duplicate && p.Observe != nil {
			p.Observe(ev, out)
		}
	}
	return res, nil
}

func (p *Processor) event(r *Report, rc *Recipient, m match, raw []byte, source newsdesk.BounceSource, now time.Time) *newsdesk.BounceEvent {
	ev := &newsdesk.BounceEvent{Type: rc.Type, Status: rc.Status, Diagnostic: rc.Diagnostic, Source: source,
		Recipient: rc.Address, OriginalMessageID: r.OriginalMessageID, ReportID: r.ReportID, Raw: raw, ReceivedAt: now}
	ev.Key = eventKey(r, rc, m.token, raw)
	if m.delivery == nil {
		return ev
	}
	// A match by address holds only for the recipient it was made for.
	if m.by == newsdesk.BounceByRecipient && !strings.EqualFold(rc.Address, m.delivery.Subscriber.Email) {
		return ev
	}
	ev.MatchedBy, ev.DeliveryID, ev.EditionID, ev.SubscriberID = m.by, m.delivery.ID, m.delivery.EditionID, m.delivery.Subscriber.ID
	return ev
}

// eventKey names what a report says about a recipient, the same whichever
// way it came in: by the original message it quotes, else by its VERP
// token, else by its own Message-ID, else by its bytes.
func eventKey(r *Report, rc *Recipient, token string, raw []byte) string {
	identity := "raw:" + hashHex(raw)
	switch {
	case r.OriginalMessageID != "":
		identity = "msg:" + strings.ToLower(r.OriginalMessageID)
	case token != "":
		identity = "verp:" + strings.ToLower(token)
	case r.ReportID != "":
		identity = "report:" + r.ReportID
	}
	return hashHex([]byte(identity + "\x00" + strings.ToLower(rc.Address) + "\x00" + rc.Status + "\x00" + string(rc.Type)))
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// match is the delivery a report was tied to, and how.
type match struct {
	by       newsdesk.BounceMatch
	delivery *newsdesk.Delivery
	token    string // the VERP token seen, verified or not
}

// match ties a report to a delivery: by its VERP token, else by the
// original Message-ID, else by the recipient's address. A VERP token that
// does not verify ends the search unmatched: the report was forged or
// mangled, and guessing on would risk changing the wrong subscriber.
func (p *Processor) match(ctx context.Context, r *Report, rcpts []string) match {
	if token := p.findToken(append(append([]string{}, rcpts...), r.Addresses...)); token != "" {
		m := match{token: token}
		if d, err := p.byToken(ctx, token); err == nil {
			m.by, m.delivery = newsdesk.BounceByVERP, d
		} else {
			p.logger().Warn("bounce with a VERP token that does not verify", "token", token, "report_id", r.ReportID, "err", err)
		}
		return m
	}
	if d := p.byMessageID(ctx, r.OriginalMessageID); d != nil {
		return match{by: newsdesk.BounceByMessageID, delivery: d}
	}
	if len(r.Recipients) == 1 && r.Recipients[0].Address != "" {
		if d, err := p.Store.FindLatestDelivery(ctx, r.Recipients[0].Address); err == nil {
			return match{by: newsdesk.BounceByRecipient, delivery: d}
		}
	}
	return match{}
}

func (p *Processor) findToken(addrs []string) string {
	for _, a := range addrs {
		if token, ok := newsdesk.ParseVERPAddress(p.Address, a); ok && token != "" {
			return token
		}
	}
	return ""
}

func (p *Processor) byToken(ctx context.Context, token string) (*newsdesk.Delivery, error) {
	id, sub, err := p.Tokens.VerifyBounceToken(token)
	if err != nil {
		return nil, err
	}
	d, err := p.Store.FindDelivery(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.Subscriber.ID != sub {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "delivery %d is not to subscriber %d", id, sub)
	}
	return d, nil
}

func (p *Processor) byMessageID(ctx context.Context, id string) *newsdesk.Delivery {
	if p.MessageIDs == nil || id == "" {
		return nil
	}
	edition, delivery, sub, ok := p.MessageIDs.ParseMessageID(id)
	if !ok {
		return nil
	}
	var d *newsdesk.Delivery
	var err error
	if edition != 0 {
		d, err = p.Store.FindEditionDelivery(ctx, edition, sub)
	} else {
		d, err = p.Store.FindDelivery(ctx, delivery)
	}
	if err != nil || d.Subscriber.ID != sub {
		return nil
	}
	return d
}

func (p *Processor) log(ev *newsdesk.BounceEvent, out newsdesk.BounceOutcome) {
	if out.Duplicate {
		p.logger().Debug("bounce seen before", "key", ev.Key, "source", ev.Source)
		return
	}
	p.logger().Info("bounce recorded", "id", ev.ID, "type", ev.Type, "status", ev.Status, "source", ev.Source,
		"matched_by", ev.MatchedBy, "delivery", ev.DeliveryID, "subscriber", ev.SubscriberID,
		"bounced", out.Bounced, "unsubscribed", out.Unsubscribed)
}

func (p *Processor) logger() *slog.Logger {
	if p.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Logger
}

func (p *Processor) now() time.Time {
	if p.Clock == nil {
		return time.Now().UTC()
	}
	return p.Clock.Now()
}

func (p *Processor) softLimit() int {
	if p.SoftLimit < 1 {
		return 3
	}
	return p.SoftLimit
}

func (p *Processor) softWindow() time.Duration {
	if p.SoftWindow <= 0 {
		return 30 * 24 * time.Hour
	}
	return p.SoftWindow
}
