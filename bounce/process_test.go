package bounce_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/bounce"
	"github.com/newsdesk/newsdesk/digest/digesttest"
	"github.com/newsdesk/newsdesk/mailer"
	"github.com/newsdesk/newsdesk/sqlite"
)

const bounceAddr = "bounces@news.example.org"

// desk is a store with an edition sent to a few subscribers, and a
// processor on it.
type desk struct {
	t       testing.TB
	clock   *newsdesk.FixedClock
	subs    *sqlite.SubscriberService
	bounces *sqlite.BounceService
	tokens  *newsdesk.Tokens
	builder *mailer.Builder
	proc    *bounce.Processor
	edition *newsdesk.Edition
	sent    map[string]*newsdesk.Delivery // by address
	nls     *sqlite.NewsletterService
	outbox  *sqlite.OutboxService
}

func newDesk(t testing.TB, emails ...string) *desk {
	t.Helper()
	clock := newsdesk.NewFixedClock(time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC))
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "test.db"))
	db.Clock = clock
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	secret := []byte("0123456789abcdef0123456789abcdef")
	d := &desk{t: t, clock: clock, subs: sqlite.NewSubscriberService(db), bounces: sqlite.NewBounceService(db),
		tokens: newsdesk.NewTokens(secret, clock), sent: map[string]*newsdesk.Delivery{}}
	d.builder = &mailer.Builder{Host: "news.example.org", Secret: secret, Tokens: d.tokens, Bounces: bounceAddr}
	d.proc = &bounce.Processor{Store: d.bounces, Tokens: d.tokens, MessageIDs: d.builder, Address: bounceAddr,
		SoftLimit: 3, SoftWindow: 30 * 24 * time.Hour, Clock: clock}
	ctx := context.Background()
	nls := sqlite.NewNewsletterService(db)
	weekly := &newsdesk.Newsletter{Slug: "weekly", Name: "Weekly"}
	if err := nls.CreateNewsletter(ctx, weekly); err != nil {
		t.Fatal(err)
	}
	for _, e := range emails {
		if _, err := d.subs.Subscribe(ctx, newsdesk.SubscribeRequest{Email: e, Newsletters: []string{"weekly"}, Confirmed: true}); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if d.edition, err = digesttest.Edition(ctx, nls, weekly, "Issue", "<p>x</p>", "x"); err != nil {
		t.Fatal(err)
	}
	outbox := sqlite.NewOutboxService(db)
	d.nls, d.outbox = nls, outbox
	claimed, err := outbox.ClaimDeliveries(ctx, 100, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var results []newsdesk.DeliveryResult
	for _, x := range claimed {
		d.sent[x.Subscriber.Email] = x
		results = append(results, newsdesk.DeliveryResult{ID: x.ID, EditionID: x.EditionID, SubscriberID: x.Subscriber.ID, Status: newsdesk.DeliverySent})
	}
	if err := outbox.CompleteDeliveries(ctx, results); err != nil {
		t.Fatal(err)
	}
	return d
}

// verp is the envelope sender the delivery to email went out with.
func (d *desk) verp(email string) string {
	return d.builder.EnvelopeFrom(d.sent[email], "")
}

func (d *desk) messageID(email string) string {
	return d.builder.MessageID(fmt.Sprintf("e%d", d.edition.ID), d.sent[email].Subscriber.ID)
}

// report reads a testdata report and puts the desk's real addresses and
// Message-IDs in place of the ones written there.
func (d *desk) report(file, rcpt, verp, msgID string) []byte {
	d.t.Helper()
	b, err := os.ReadFile("testdata/" + file + ".eml")
	if err != nil {
		d.t.Fatal(err)
	}
	r := strings.NewReplacer("bounces+aaaqcaibaeaqcaibaeaq@news.example.org", verp,
		"nobody@example.net", rcpt, "reader@yahoo.com", rcpt, "slow@example.com", rcpt, "full@example.net", rcpt,
		"lost@example.net", rcpt, "e12.s34.0123456789ab@news.example.org", msgID,
		"e12.s43.0123456789ab@news.example.org", msgID, "e12.s36.0123456789ab@news.example.org", msgID,
		"e12.s35.0123456789ab@news.example.org", msgID, "e12.s47.0123456789ab@news.example.org", msgID)
	return []byte(r.Replace(string(b)))
}

func (d *desk) process(raw []byte, src newsdesk.BounceSource, rcpts ...string) *bounce.Result {
	d.t.Helper()
	res, err := d.proc.Process(context.Background(), raw, src, rcpts)
	if err != nil {
		d.t.Fatal(err)
	}
	return res
}

func (d *desk) status(email string) newsdesk.SubscriberStatus {
	d.t.Helper()
	s, err := d.subs.FindSubscriberByEmail(context.Background(), email)
	if err != nil {
		d.t.Fatal(err)
	}
	return s.Status
}

// TestHardBounceByVERPCountsOnce: a Postfix DSN to the VERP address marks
// its subscriber bounced; the same DSN arriving again through a mailbox
// (with the headers delivery adds) is recorded once.
func TestHardBounceByVERPCountsOnce(t *testing.T) {
	d := newDesk(t, "dead@example.net", "alive@example.net")
	raw := d.report("postfix-hard", "dead@example.net", d.verp("dead@example.net"), "unrelated@elsewhere.example")
	res := d.process(raw, newsdesk.BounceSMTP, d.verp("dead@example.net"))
	ev := res.Events[0]
	if len(res.Events) != 1 || ev.MatchedBy != newsdesk.BounceByVERP || ev.DeliveryID != d.sent["dead@example.net"].ID ||
		ev.Type != newsdesk.BounceHard || ev.Status != "5.1.1" || !res.Outcomes[0].Bounced {
		t.Fatalf("event %+v, outcome %+v", ev, res.Outcomes[0])
	}
	again := append([]byte("Return-Path: <>\r\nX-Delivered-By: dovecot\r\n"), raw...)
	if res := d.process(again, newsdesk.BounceIMAP); !res.Outcomes[0].Duplicate {
		t.Errorf("second route: %+v", res.Outcomes[0])
	}
	c, _ := d.bounces.EditionBounceCounts(context.Background(), d.edition.ID)
	if c.Bounced != 1 || d.status("dead@example.net") != newsdesk.SubscriberBounced || d.status("alive@example.net") != newsdesk.SubscriberConfirmed {
		t.Errorf("counts %+v; dead %s, alive %s", c, d.status("dead@example.net"), d.status("alive@example.net"))
	}
}

// TestMatchByMessageIDThenAddress: without a VERP token, the quoted
// Message-ID finds the delivery; without either, the recipient address.
func TestMatchByMessageIDThenAddress(t *testing.T) {
	d := newDesk(t, "lost@example.net", "other@example.net")
	res := d.process(d.report("no-verp", "lost@example.net", "", d.messageID("lost@example.net")), newsdesk.BounceImport)
	if ev := res.Events[0]; ev.MatchedBy != newsdesk.BounceByMessageID || ev.SubscriberID != d.sent["lost@example.net"].Subscriber.ID {
		t.Fatalf("by message-id: %+v", ev)
	}
	res = d.process(d.report("no-verp", "other@example.net", "", "someone@else.example"), newsdesk.BounceImport)
	if ev := res.Events[0]; ev.MatchedBy != newsdesk.BounceByRecipient || ev.DeliveryID != d.sent["other@example.net"].ID {
		t.Fatalf("by address: %+v", ev)
	}
	// A Message-ID of ours with a bad hash matches nothing by itself.
	forged := strings.Replace(d.messageID("other@example.net"), ".s", ".s9", 1)
	res = d.process(d.report("no-verp", "stranger@example.net", "", forged), newsdesk.BounceImport)
	if ev := res.Events[0]; ev.MatchedBy != newsdesk.BounceUnmatched || ev.SubscriberID != 0 {
		t.Fatalf("forged message-id: %+v", ev)
	}
}

// TestForgedVERPChangesNobody: a token that does not verify leaves the
// report unmatched, even when it names a real subscriber's address.
func TestForgedVERPChangesNobody(t *testing.T) {
	d := newDesk(t, "victim@example.net")
	real := d.verp("victim@example.net")
	forged := strings.Replace(real, "+"+real[8:10], "+"+flip(real[8:10]), 1)
	other := newsdesk.VERPAddress(bounceAddr, newsdesk.NewTokens([]byte("other"), d.clock).BounceToken(d.sent["victim@example.net"].ID, 1))
	for _, verp := range []string{forged, other, newsdesk.VERPAddress(bounceAddr, d.tokens.BounceToken(999, 1))} {
		raw := d.report("postfix-hard", "victim@example.net", verp, d.messageID("victim@example.net"))
		res := d.process(raw, newsdesk.BounceSMTP, verp)
		if ev := res.Events[0]; ev.MatchedBy != newsdesk.BounceUnmatched || ev.SubscriberID != 0 || res.Outcomes[0].Bounced {
			t.Errorf("token in %s: %+v", verp, ev)
		}
	}
	if s := d.status("victim@example.net"); s != newsdesk.SubscriberConfirmed {
		t.Errorf("victim is %s", s)
	}
}

func flip(s string) string {
	if s[0] == 'a' {
		return "b" + s[1:]
	}
	return "a" + s[1:]
}

// TestComplaintAndUnknownARF: an ARF naming the message through the
// quoted Return-Path unsubscribes and suppresses; one about an address
// never mailed is recorded unmatched.
func TestComplaintAndUnknownARF(t *testing.T) {
	d := newDesk(t, "reader@example.org")
	res := d.process(d.report("arf-yahoo", "reader@example.org", d.verp("reader@example.org"), d.messageID("reader@example.org")), newsdesk.BounceSMTP)
	if ev := res.Events[0]; ev.Type != newsdesk.BounceComplaint || ev.MatchedBy != newsdesk.BounceByVERP || !res.Outcomes[0].Unsubscribed {
		t.Fatalf("complaint: %+v %+v", ev, res.Outcomes[0])
	}
	if ok, _ := d.bounces.Suppressed(context.Background(), "reader@example.org"); !ok || d.status("reader@example.org") != newsdesk.SubscriberUnsubscribed {
		t.Errorf("suppressed %v, status %s", ok, d.status("reader@example.org"))
	}
	res = d.process(d.report("arf-yahoo", "nobody@unknown.example", bounceAddr, "x@unknown.example"), newsdesk.BounceSMTP)
	if ev := res.Events[0]; ev.MatchedBy != newsdesk.BounceUnmatched || ev.Type != newsdesk.BounceComplaint {
		t.Errorf("unknown ARF: %+v", ev)
	}
}

// TestNotFailures: an out-of-office is ignored, a delayed notice is kept
// without effect, and soft bounces add up to the limit.
func TestNotFailures(t *testing.T) {
	d := newDesk(t, "away@example.org", "full@example.net")
	ooo := d.report("ooo", "away@example.org", d.verp("away@example.org"), d.messageID("away@example.org"))
	if res := d.process(ooo, newsdesk.BounceSMTP, d.verp("away@example.org")); len(res.Events) != 0 || res.Report.Kind != bounce.KindAutoReply {
		t.Errorf("out of office: %+v", res.Events)
	}
	delayed := d.report("postfix-delayed", "away@example.org", d.verp("away@example.org"), d.messageID("away@example.org"))
	if res := d.process(delayed, newsdesk.BounceSMTP); res.Events[0].Type != newsdesk.BounceDelayed || res.Events[0].SubscriberID == 0 {
		t.Errorf("delayed: %+v", res.Events[0])
	}
	if s := d.status("away@example.org"); s != newsdesk.SubscriberConfirmed {
		t.Errorf("after auto-reply and delay: %s", s)
	}
	for i := 1; i <= 3; i++ {
		// Each soft bounce is about a different message: a new Message-ID.
		raw := d.report("postfix-quota", "full@example.net", d.verp("full@example.net"), fmt.Sprintf("m%d@news.example.org", i))
		res := d.process(raw, newsdesk.BounceSMTP)
		if res.Events[0].Type != newsdesk.BounceSoft || res.Outcomes[0].Bounced != (i == 3) {
			t.Fatalf("soft bounce %d: %+v %+v", i, res.Events[0], res.Outcomes[0])
		}
	}
}

func TestGarbageIsRefused(t *testing.T) {
	d := newDesk(t)
	if _, err := d.proc.Process(context.Background(), []byte("\x00\x01 not mail"), newsdesk.BounceSMTP, nil); newsdesk.ErrorCode(err) != newsdesk.EINVALID {
		t.Errorf("garbage: %v", err)
	}
}
