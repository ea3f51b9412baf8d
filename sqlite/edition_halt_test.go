package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

// TestHaltedEditionsLeaveNothingDue: whatever happens to the deliveries of
// a paused edition (an attempt deferred, a claim given back) they wait,
// never due, so the outbox neither sends nor spins on them; once
// cancelled, they are skipped and counted so, and a message in flight at
// the cancel counts as sent. Nothing of the edition can be claimed
// meanwhile.
func TestHaltedEditionsLeaveNothingDue(t *testing.T) {
	m := newMailStore(t)
	ctx := context.Background()
	for i := range 6 {
		m.subscribe(t, fmt.Sprintf("r%d@example.org", i), true, "weekly")
	}
	e := m.edition(t, m.weekly)
	ds, err := m.outbox.ClaimDeliveries(ctx, 3, time.Hour)
	if err != nil || len(ds) != 3 {
		t.Fatal(ds, err)
	}
	if _, err := m.nls.PauseEdition(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	deferred := newsdesk.DeliveryResult{ID: ds[0].ID, EditionID: e.ID, SubscriberID: ds[0].Subscriber.ID,
		Status: newsdesk.DeliveryDeferred, DueAt: time.Now().Add(-time.Minute), Error: "451 later"}
	if err := m.outbox.CompleteDeliveries(ctx, []newsdesk.DeliveryResult{deferred}); err != nil {
		t.Fatal(err)
	}
	if err := m.outbox.ReleaseDeliveries(ctx, []int64{ds[1].ID}); err != nil {
		t.Fatal(err)
	}
	// Only the claim still in flight has a time: its lease's end.
	if next, _ := m.outbox.NextDue(ctx); !next.After(m.clock.Now().Add(30 * time.Minute)) {
		t.Errorf("a delivery of the paused edition is due at %s", next)
	}
	if more, _ := m.outbox.ClaimDeliveries(ctx, 10, time.Hour); len(more) != 0 {
		t.Errorf("claimed %s of a paused edition", kinds(more))
	}
	if c := m.counts(t, e.ID); c.Pending() != 6 || c.Sent != 0 {
		t.Errorf("paused: %+v", c)
	}

	if _, err := m.nls.CancelEdition(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	sent := newsdesk.DeliveryResult{ID: ds[2].ID, EditionID: e.ID, SubscriberID: ds[2].Subscriber.ID, Status: newsdesk.DeliverySent}
	if err := m.outbox.CompleteDeliveries(ctx, []newsdesk.DeliveryResult{sent}); err != nil {
		t.Fatal(err)
	}
	if c := m.counts(t, e.ID); c.Sent != 1 || c.Skipped != 5 || c.Pending() != 0 {
		t.Errorf("cancelled with one message in flight: %+v", c)
	}
	if got, _ := m.nls.FindEditionByID(ctx, e.ID); got.Status != newsdesk.EditionCancelled {
		t.Errorf("status %s", got.Status)
	}
}

// TestCancelSkipsWhatAClaimGivesBack: claims given back after a cancel, or
// left by a dead process and found at the next start, are skipped; a
// paused edition's claims found at the start are held, not made due.
func TestCancelSkipsWhatAClaimGivesBack(t *testing.T) {
	m := newMailStore(t)
	ctx := context.Background()
	for i := range 4 {
		m.subscribe(t, fmt.Sprintf("r%d@example.org", i), true, "weekly")
	}
	e := m.edition(t, m.weekly)
	ds, err := m.outbox.ClaimDeliveries(ctx, 2, time.Hour)
	if err != nil || len(ds) != 2 {
		t.Fatal(ds, err)
	}
	if _, err := m.nls.CancelEdition(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if c := m.counts(t, e.ID); c.Skipped != 2 {
		t.Fatalf("cancel skipped %+v; the 2 claimed wait for their outbox", c)
	}
	m.outbox.ReleaseDeliveries(ctx, []int64{ds[0].ID})
	m.outbox.RecoverDeliveries(ctx)
	paused := m.edition(t, m.weekly)
	if ds, err := m.outbox.ClaimDeliveries(ctx, 1, time.Hour); err != nil || len(ds) != 1 {
		t.Fatal(ds, err)
	}
	m.nls.PauseEdition(ctx, paused.ID)
	if n, err := m.outbox.RecoverDeliveries(ctx); err != nil || n != 0 {
		t.Errorf("recovered %d (%v): a paused edition's claim is held, not made due", n, err)
	}
	if next, _ := m.outbox.NextDue(ctx); !next.IsZero() {
		t.Errorf("a delivery of the paused edition is due at %s", next)
	}
	if c := m.counts(t, e.ID); c.Skipped != 4 || c.Pending() != 0 || c.Sent != 0 {
		t.Errorf("counts %+v", c)
	}
}
