package mailer_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer/smtptest"
)

// TestOutboxVERP: with a bounce address, each message's envelope sender
// is bounces+TOKEN@domain, the token naming its own delivery and
// subscriber, while From: stays the publication's.
func TestOutboxVERP(t *testing.T) {
	f := newFixture(t, newsdesk.SystemClock{})
	f.builder.Bounces = "bounces@news.example.org"
	f.addSubscribers(5)
	srv := smtptest.Start(t)
	stop := runOutbox(t, f.newOutbox(smtpTransport(t, srv), 1))
	f.waitEdition(f.createEdition().ID, 20*time.Second)
	stop()
	msgs := srv.Messages()
	if len(msgs) != 5 {
		t.Fatalf("%d messages", len(msgs))
	}
	seen := map[int64]bool{}
	for _, m := range msgs {
		token, ok := newsdesk.ParseVERPAddress("bounces@news.example.org", m.From)
		if !ok || token == "" || strings.Contains(m.From, "reader") {
			t.Fatalf("envelope sender %q", m.From)
		}
		delivery, subID, err := f.tokens.VerifyBounceToken(token)
		if err != nil {
			t.Fatalf("token of %q: %v", m.From, err)
		}
		sub, err := f.subs.FindSubscriberByID(context.Background(), subID)
		if err != nil || sub.Email != m.To[0] || seen[delivery] {
			t.Errorf("token of message to %s names delivery %d, subscriber %d (%v)", m.To[0], delivery, subID, err)
		}
		seen[delivery] = true
		if !bytes.Contains(m.Data, []byte("\r\nFrom: \"The Harbour Review\" <news@example.org>\r\n")) {
			t.Errorf("From: header changed:\n%.600s", m.Data)
		}
	}
}

func TestParseMessageID(t *testing.T) {
	f := newFixture(t, newsdesk.SystemClock{})
	b := f.builder
	for _, c := range []struct {
		key                  string
		edition, delivery, s int64
	}{{"e12", 12, 0, 34}, {"t77", 0, 77, 5}} {
		id := b.MessageID(c.key, c.s)
		e, d, s, ok := b.ParseMessageID("<" + id + ">")
		if !ok || e != c.edition || d != c.delivery || s != c.s {
			t.Errorf("ParseMessageID(%q) = %d %d %d %v", id, e, d, s, ok)
		}
	}
	id := b.MessageID("e12", 34)
	for _, bad := range []string{strings.Replace(id, "s34", "s35", 1), strings.Replace(id, "e12", "e13", 1),
		strings.Replace(id, "news.example.org", "other.example", 1), b.MessageID("x1f", 3), "junk", "", "@"} {
		if _, _, _, ok := b.ParseMessageID(bad); ok {
			t.Errorf("ParseMessageID(%q) accepted", bad)
		}
	}
}
