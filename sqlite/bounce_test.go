package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/sqlite"
)

// sentEdition subscribes the addresses to the weekly newsletter and sends
// it to them, returning the edition and the deliveries by address.
func (m *mailStore) sentEdition(t *testing.T, emails ...string) (*newsdesk.Edition, map[string]*newsdesk.Delivery) {
	t.Helper()
	for _, e := range emails {
		m.subscribe(t, e, true, "weekly")
	}
	e := m.edition(t, m.weekly)
	byEmail := map[string]*newsdesk.Delivery{}
	var results []newsdesk.DeliveryResult
	for _, d := range m.claimAll(t) {
		byEmail[d.Subscriber.Email] = d
		results = append(results, newsdesk.DeliveryResult{ID: d.ID, EditionID: d.EditionID, SubscriberID: d.Subscriber.ID,
			Status: newsdesk.DeliverySent})
	}
	if err := m.outbox.CompleteDeliveries(context.Background(), results); err != nil {
		t.Fatal(err)
	}
	return e, byEmail
}

func event(typ newsdesk.BounceType, key string, d *newsdesk.Delivery) *newsdesk.BounceEvent {
	ev := &newsdesk.BounceEvent{Type: typ, Source: newsdesk.BounceSMTP, Key: key, Status: "5.1.1",
		Diagnostic: "550 5.1.1 user unknown", Raw: []byte("raw report")}
	if d != nil {
		ev.DeliveryID, ev.EditionID, ev.SubscriberID, ev.Recipient = d.ID, d.EditionID, d.Subscriber.ID, d.Subscriber.Email
		ev.MatchedBy = newsdesk.BounceByVERP
	}
	return ev
}

func (m *mailStore) status(t *testing.T, email string) newsdesk.SubscriberStatus {
	t.Helper()
	s, err := m.subs.FindSubscriberByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return s.Status
}

func TestRecordBounceAppliesPolicyOnce(t *testing.T) {
	m := newMailStore(t)
	b := sqlite.NewBounceService(m.db)
	ctx := context.Background()
	e, ds := m.sentEdition(t, "hard@example.org", "soft@example.org", "ok@example.org")
	rule := func() newsdesk.BounceRule {
		return newsdesk.BounceRule{SoftLimit: 3, SoftSince: m.clock.Now().Add(-30 * 24 * time.Hour)}
	}

	out, err := b.RecordBounce(ctx, event(newsdesk.BounceHard, "h1", ds["hard@example.org"]), rule())
	if err != nil || !out.Bounced || out.Duplicate {
		t.Fatalf("hard bounce: %+v, %v", out, err)
	}
	if out, err := b.RecordBounce(ctx, event(newsdesk.BounceHard, "h1", ds["hard@example.org"]), rule()); err != nil || !out.Duplicate {
		t.Fatalf("same bounce again: %+v, %v", out, err)
	}
	if s := m.status(t, "hard@example.org"); s != newsdesk.SubscriberBounced {
		t.Errorf("hard bounced subscriber is %s", s)
	}

	// An old soft bounce falls outside the window; two recent ones are
	// under the limit; the third marks bounced.
	soft := ds["soft@example.org"]
	if _, err := b.RecordBounce(ctx, event(newsdesk.BounceSoft, "s0", soft), rule()); err != nil {
		t.Fatal(err)
	}
	m.clock.Add(40 * 24 * time.Hour)
	for i := 1; i <= 3; i++ {
		out, err := b.RecordBounce(ctx, event(newsdesk.BounceSoft, fmt.Sprintf("s%d", i), soft), rule())
		if err != nil || out.Bounced != (i == 3) {
			t.Fatalf("soft bounce %d: %+v, %v", i, out, err)
		}
	}
	if s := m.status(t, "ok@example.org"); s != newsdesk.SubscriberConfirmed {
		t.Errorf("untouched subscriber is %s", s)
	}
	// Unmatched events are recorded and change nobody.
	if out, err := b.RecordBounce(ctx, event(newsdesk.BounceHard, "u1", nil), rule()); err != nil || out.Bounced {
		t.Fatalf("unmatched: %+v, %v", out, err)
	}

	c, err := b.EditionBounceCounts(ctx, e.ID)
	if err != nil || c != (newsdesk.BounceCounts{Bounced: 1, Soft: 4}) {
		t.Errorf("edition counts %+v, %v", c, err)
	}
	hist, err := b.FindBounces(ctx, newsdesk.BounceFilter{SubscriberID: soft.Subscriber.ID})
	if err != nil || len(hist) != 4 || hist[0].Key != "s3" || hist[0].Raw != nil {
		t.Errorf("history: %d events, %v", len(hist), err)
	}
	got, err := b.FindBounceByID(ctx, hist[3].ID)
	if err != nil || string(got.Raw) != "raw report" || got.DeliveryID != soft.ID || got.MatchedBy != newsdesk.BounceByVERP {
		t.Fatalf("find bounce: %+v, %v", got, err)
	}
	if n, err := b.PruneBounceRaw(ctx, m.clock.Now().Add(-24*time.Hour)); err != nil || n != 2 {
		t.Errorf("pruned %d, %v; want the two from 40 days ago", n, err)
	}
	if got, _ := b.FindBounceByID(ctx, hist[3].ID); got.Raw != nil {
		t.Errorf("raw kept after pruning")
	}
	if _, err := b.FindBounceByID(ctx, 999); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("missing bounce: %v", err)
	}
}

// TestComplaintSuppresses: a complaint ends every subscription and
// suppresses the address; an editor's "confirmed" and an import cannot
// bring it back, a new confirmed opt-in does.
func TestComplaintSuppresses(t *testing.T) {
	m := newMailStore(t)
	b := sqlite.NewBounceService(m.db)
	ctx := context.Background()
	m.subscribe(t, "angry@example.org", true, "daily")
	_, ds := m.sentEdition(t, "angry@example.org")
	out, err := b.RecordBounce(ctx, event(newsdesk.BounceComplaint, "c1", ds["angry@example.org"]), newsdesk.BounceRule{SoftLimit: 3})
	if err != nil || !out.Unsubscribed {
		t.Fatalf("complaint: %+v, %v", out, err)
	}
	sub, _ := m.subs.FindSubscriberByEmail(ctx, "angry@example.org")
	if sub.Status != newsdesk.SubscriberUnsubscribed || len(sub.Subscriptions) != 0 {
		t.Fatalf("after complaint: %s with %d subscriptions", sub.Status, len(sub.Subscriptions))
	}
	if ok, _ := b.Suppressed(ctx, "Angry@example.org"); !ok {
		t.Fatal("address not suppressed")
	}
	_, err = m.subs.Subscribe(ctx, newsdesk.SubscribeRequest{Email: "angry@example.org", Newsletters: []string{"weekly"}, Confirmed: true})
	if newsdesk.ErrorCode(err) != newsdesk.ECONFLICT {
		t.Errorf("confirmed subscribe of a suppressed address: %v", err)
	}
	rows := []*newsdesk.SubscriberImport{{Line: 2, Email: "angry@example.org", Newsletters: []string{"weekly"}},
		{Line: 3, Email: "fine@example.org", Newsletters: []string{"weekly"}}}
	n, bad, err := m.subs.ImportSubscribers(ctx, rows, newsdesk.SubscriberConfirmed)
	if err != nil || n != 1 || len(bad) != 1 {
		t.Fatalf("import: %d stored, %v, %v", n, bad, err)
	}
	if s := m.status(t, "angry@example.org"); s != newsdesk.SubscriberUnsubscribed {
		t.Errorf("import changed a suppressed address to %s", s)
	}
	// The form asks for a confirmation, and changes nothing before it;
	// confirming lifts the suppression.
	sub = m.subscribe(t, "angry@example.org", false, "weekly")
	if sub.Status != newsdesk.SubscriberUnsubscribed {
		t.Fatalf("form subscribe: %s", sub.Status)
	}
	if _, err := m.subs.ConfirmSubscriber(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := b.Suppressed(ctx, "angry@example.org"); ok {
		t.Error("suppression kept after a confirmed opt-in")
	}
}

func TestFindDeliveriesForBounces(t *testing.T) {
	m := newMailStore(t)
	b := sqlite.NewBounceService(m.db)
	ctx := context.Background()
	e, ds := m.sentEdition(t, "a@example.org", "b@example.org")
	want := ds["b@example.org"]
	for _, find := range []func() (*newsdesk.Delivery, error){
		func() (*newsdesk.Delivery, error) { return b.FindDelivery(ctx, want.ID) },
		func() (*newsdesk.Delivery, error) { return b.FindEditionDelivery(ctx, e.ID, want.Subscriber.ID) },
		func() (*newsdesk.Delivery, error) { return b.FindLatestDelivery(ctx, "B@example.org") },
	} {
		d, err := find()
		if err != nil || d.ID != want.ID || d.EditionID != e.ID || d.Subscriber.Email != "b@example.org" {
			t.Errorf("found %+v, %v; want delivery %d", d, err, want.ID)
		}
	}
	m.subscribe(t, "never@example.org", true, "daily")
	if _, err := b.FindLatestDelivery(ctx, "never@example.org"); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("address never mailed: %v", err)
	}
}
