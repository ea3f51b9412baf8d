package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/digest/digesttest"
)

func (m *mailStore) edition(t *testing.T, n *newsdesk.Newsletter) *newsdesk.Edition {
	t.Helper()
	ctx := context.Background()
	e, err := digesttest.Edition(ctx, m.nls, n, "Issue", "<p>x</p>", "x")
	if err != nil {
		t.Fatal(err)
	}
	if e, err = m.nls.FindEditionByID(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	return e
}

func (m *mailStore) counts(t *testing.T, id int64) newsdesk.EditionCounts {
	t.Helper()
	e, err := m.nls.FindEditionByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e.Counts
}

// TestEditionQueuesConfirmedSubscribers: one delivery per confirmed
// subscriber with a confirmed subscription to the newsletter, nobody else.
func TestEditionQueuesConfirmedSubscribers(t *testing.T) {
	m := newMailStore(t)
	ctx := context.Background()
	m.subscribe(t, "yes1@example.org", true, "weekly")
	m.subscribe(t, "yes2@example.org", true, "weekly", "daily")
	m.subscribe(t, "daily@example.org", true, "daily")
	m.subscribe(t, "pending@example.org", false, "weekly")
	left := m.subscribe(t, "left@example.org", true, "weekly")
	m.subs.Unsubscribe(ctx, left.ID, 0)
	also := m.subscribe(t, "asked@example.org", true, "daily")
	m.subscribe(t, also.Email, false, "weekly") // asked for weekly, not confirmed yet
	m.claimAll(t)                               // the confirmations
	e := m.edition(t, m.weekly)
	if e.Counts.Recipients != 2 || e.Status != newsdesk.EditionSending {
		t.Fatalf("edition: %+v", e)
	}
	if got := kinds(m.claimAll(t)); got != "edition:yes1@example.org edition:yes2@example.org" {
		t.Errorf("claimed %q", got)
	}
	nobody := &newsdesk.Newsletter{Slug: "empty", Name: "Empty"}
	m.nls.CreateNewsletter(ctx, nobody)
	if e := m.edition(t, nobody); e.Status != newsdesk.EditionSent || e.Counts.Recipients != 0 {
		t.Errorf("edition with no subscribers: %+v", e)
	}
}

// TestClaimCompleteAndRecover walks deliveries through the outbox: claims
// are exclusive and transactional mail comes first; outcomes move the
// counts; a claim left by a dead worker comes back on recovery or when its
// lease ends; unstarted claims are released at shutdown.
func TestClaimCompleteAndRecover(t *testing.T) {
	m := newMailStore(t)
	ctx := context.Background()
	for i := range 4 {
		m.subscribe(t, fmt.Sprintf("r%d@example.org", i), true, "weekly")
	}
	e := m.edition(t, m.weekly)
	m.subscribe(t, "new@example.org", false, "weekly")
	ds, err := m.outbox.ClaimDeliveries(ctx, 3, time.Hour)
	if err != nil || len(ds) != 3 || ds[0].Kind != newsdesk.DeliveryConfirm || ds[1].Attempts != 1 {
		t.Fatalf("first claim: %s, %v", kinds(ds), err)
	}
	if more, _ := m.outbox.ClaimDeliveries(ctx, 10, time.Hour); len(more) != 2 {
		t.Fatalf("second claim got %d, want the 2 left", len(more))
	}
	if c := m.counts(t, e.ID); c.Queued != 4 || c.Sent != 0 {
		t.Fatalf("counts %+v", c)
	}
	results := []newsdesk.DeliveryResult{
		{ID: ds[0].ID, SubscriberID: ds[0].Subscriber.ID, Status: newsdesk.DeliverySent},
		{ID: ds[1].ID, EditionID: e.ID, SubscriberID: ds[1].Subscriber.ID, Status: newsdesk.DeliverySent},
		{ID: ds[2].ID, EditionID: e.ID, SubscriberID: ds[2].Subscriber.ID, Status: newsdesk.DeliveryDeferred,
			DueAt: m.clock.Now().Add(time.Minute), Error: "451 try later"},
	}
	if err := m.outbox.CompleteDeliveries(ctx, results); err != nil {
		t.Fatal(err)
	}
	if c := m.counts(t, e.ID); c.Sent != 1 || c.Deferred != 1 || c.Queued != 2 {
		t.Fatalf("after completing: %+v", c)
	}
	// A crash now: two claims are held by nobody. A new owner recovers them.
	if n, err := m.outbox.RecoverDeliveries(ctx); err != nil || n != 2 {
		t.Fatalf("recovered %d, %v", n, err)
	}
	again := m.claimAll(t)
	if len(again) != 2 {
		t.Fatalf("reclaimed %s", kinds(again))
	}
	// The lease alone also brings a claim back, without recovery.
	m.clock.Add(2 * time.Hour)
	lease := m.claimAll(t) // the deferred one is due now, the two claims have expired
	if len(lease) != 3 {
		t.Fatalf("after the lease: %s", kinds(lease))
	}
	if err := m.outbox.ReleaseDeliveries(ctx, []int64{lease[0].ID, lease[1].ID, lease[2].ID}); err != nil {
		t.Fatal(err)
	}
	if c := m.counts(t, e.ID); c.Queued+c.Deferred != 3 {
		t.Fatalf("after release: %+v", c)
	}
	final := m.claimAll(t)
	var done []newsdesk.DeliveryResult
	for _, d := range final {
		st := newsdesk.DeliverySent
		if d.Subscriber.Email == "r3@example.org" {
			st = newsdesk.DeliveryFailed
		}
		done = append(done, newsdesk.DeliveryResult{ID: d.ID, EditionID: d.EditionID, SubscriberID: d.Subscriber.ID,
			Status: st, Bounced: st == newsdesk.DeliveryFailed, Error: "550 no such user"})
	}
	if err := m.outbox.CompleteDeliveries(ctx, done); err != nil {
		t.Fatal(err)
	}
	got, _ := m.nls.FindEditionByID(ctx, e.ID)
	if got.Status != newsdesk.EditionSent || got.Counts.Sent != 3 || got.Counts.Failed != 1 || got.SentAt.IsZero() {
		t.Fatalf("finished edition: %+v", got)
	}
	if s, _ := m.subs.FindSubscriberByEmail(ctx, "r3@example.org"); s.Status != newsdesk.SubscriberBounced {
		t.Errorf("hard bounce left the subscriber %s", s.Status)
	}
	if next, err := m.outbox.NextDue(ctx); err != nil || !next.IsZero() {
		t.Errorf("next due %v, %v; want nothing", next, err)
	}
}

// TestClaimSkipsThoseWhoLeft: a subscriber who unsubscribes or is removed
// while an edition is going out does not get it, and the edition still
// finishes.
func TestClaimSkipsThoseWhoLeft(t *testing.T) {
	m := newMailStore(t)
	ctx := context.Background()
	stay := m.subscribe(t, "stay@example.org", true, "weekly")
	leave := m.subscribe(t, "leave@example.org", true, "weekly")
	gone := m.subscribe(t, "gone@example.org", true, "weekly")
	e := m.edition(t, m.weekly)
	m.subs.Unsubscribe(ctx, leave.ID, m.weekly.ID)
	if err := m.subs.DeleteSubscriber(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	ds := m.claimAll(t)
	if len(ds) != 1 || ds[0].Subscriber.ID != stay.ID {
		t.Fatalf("claimed %s", kinds(ds))
	}
	m.outbox.CompleteDeliveries(ctx, []newsdesk.DeliveryResult{{ID: ds[0].ID, EditionID: e.ID, Status: newsdesk.DeliverySent}})
	got, _ := m.nls.FindEditionByID(ctx, e.ID)
	if got.Status != newsdesk.EditionSent || got.Counts.Sent != 1 || got.Counts.Skipped != 2 {
		t.Errorf("edition %s %+v", got.Status, got.Counts)
	}
	if err := m.subs.DeleteSubscriber(ctx, gone.ID); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("deleting twice: %v", err)
	}
}
