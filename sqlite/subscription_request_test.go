package sqlite_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

// confirmations claims the due confirmation emails, by address.
func (m *mailStore) confirmations(t *testing.T) map[string]*newsdesk.Delivery {
	t.Helper()
	out := map[string]*newsdesk.Delivery{}
	for _, d := range m.claimAll(t) {
		if d.Kind == newsdesk.DeliveryConfirm {
			out[d.Subscriber.Email] = d
		}
	}
	return out
}

// TestSubscriberIDsAreNeverReused: after a subscriber is deleted, the next
// one gets a new id and a new link key, so nothing signed for the first
// can name the second.
func TestSubscriberIDsAreNeverReused(t *testing.T) {
	m := newMailStore(t)
	ctx := context.Background()
	a := m.subscribe(t, "a@example.org", false, "weekly")
	if len(a.LinkKey) != 16 || a.LegacyLinks {
		t.Fatalf("new subscriber: link key %x, legacy %v", a.LinkKey, a.LegacyLinks)
	}
	ca := m.confirmations(t)["a@example.org"]
	if err := m.subs.DeleteSubscriber(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	b := m.subscribe(t, "b@example.org", false, "weekly")
	if b.ID == a.ID || bytes.Equal(b.LinkKey, a.LinkKey) {
		t.Fatalf("B got id %d (A had %d), key %x (A had %x)", b.ID, a.ID, b.LinkKey, a.LinkKey)
	}
	cb := m.confirmations(t)["b@example.org"]
	if cb.RequestID == ca.RequestID || cb.Subscriber.ID == ca.Subscriber.ID {
		t.Fatalf("B's confirmation %+v repeats A's %+v", cb, ca)
	}
	if _, err := m.subs.ConfirmRequest(ctx, ca.RequestID); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("A's request after A was deleted: %v", err)
	}
	if s := m.status(t, "b@example.org"); s != newsdesk.SubscriberPending {
		t.Errorf("B is %s", s)
	}
}

// TestFormDoesNotRewriteKnownSubscribers: a request from the form for an
// address the desk knows changes nothing about it until it is confirmed,
// and a bounced or unsubscribed address keeps its status.
func TestFormDoesNotRewriteKnownSubscribers(t *testing.T) {
	m := newMailStore(t)
	ctx := context.Background()
	_, err := m.subs.Subscribe(ctx, newsdesk.SubscribeRequest{Email: "ada@example.org", Name: "Ada Reader",
		TimeZone: "Europe/London", Newsletters: []string{"weekly"}, Topics: []string{"economy"}, Confirmed: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{"bounced@example.org", "left@example.org"} {
		m.subscribe(t, e, true, "weekly")
	}
	left, _ := m.subs.FindSubscriberByEmail(ctx, "left@example.org")
	if _, err := m.subs.Unsubscribe(ctx, left.ID, 0); err != nil {
		t.Fatal(err)
	}
	bounced, _ := m.subs.FindSubscriberByEmail(ctx, "bounced@example.org")
	markBounced(t, m, bounced.ID)
	before := map[string]*newsdesk.Subscriber{}
	for _, e := range []string{"ada@example.org", "bounced@example.org", "left@example.org"} {
		before[e], _ = m.subs.FindSubscriberByEmail(ctx, e)
	}
	m.clock.Add(time.Minute)
	for e, want := range before {
		_, err := m.subs.Subscribe(ctx, newsdesk.SubscribeRequest{Email: e, Name: "Security team: call +1 555 0100",
			TimeZone: "Asia/Tokyo", Newsletters: []string{"weekly", "daily"}, Topics: []string{"cities"}})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := m.subs.FindSubscriberByEmail(ctx, e)
		if got.Name != want.Name || got.TimeZone != want.TimeZone || got.Status != want.Status || !got.UpdatedAt.Equal(want.UpdatedAt) {
			t.Errorf("%s after a form request: %q %q %s, want %q %q %s", e, got.Name, got.TimeZone, got.Status,
				want.Name, want.TimeZone, want.Status)
		}
		for _, x := range got.Subscriptions {
			if x.Newsletter.Slug == "weekly" && e == "ada@example.org" && (x.Status != newsdesk.SubscriptionConfirmed || !slices.Equal(x.Topics, []string{"economy"})) {
				t.Errorf("%s: confirmed subscription changed to %+v", e, x)
			}
		}
	}
	// Confirming applies what the request asked for.
	d := m.confirmations(t)["left@example.org"]
	if d == nil {
		t.Fatal("no confirmation queued for the address that had left")
	}
	sub, err := m.subs.ConfirmRequest(ctx, d.RequestID)
	if err != nil || sub.Status != newsdesk.SubscriberConfirmed || sub.TimeZone != "Asia/Tokyo" || len(sub.Subscriptions) != 2 {
		t.Fatalf("confirmed: %+v, %v", sub, err)
	}
}

func markBounced(t *testing.T, m *mailStore, id int64) {
	t.Helper()
	d := m.subscribeDelivery(t, id)
	if err := m.outbox.CompleteDeliveries(context.Background(), []newsdesk.DeliveryResult{{ID: d.ID, EditionID: d.EditionID,
		SubscriberID: id, Status: newsdesk.DeliveryFailed, Bounced: true}}); err != nil {
		t.Fatal(err)
	}
}

// subscribeDelivery sends the weekly edition and returns the delivery of
// subscriber id.
func (m *mailStore) subscribeDelivery(t *testing.T, id int64) *newsdesk.Delivery {
	t.Helper()
	m.edition(t, m.weekly)
	for _, d := range m.claimAll(t) {
		if d.Subscriber.ID == id {
			return d
		}
	}
	t.Fatalf("no delivery for subscriber %d", id)
	return nil
}

// TestConfirmLinkConfirmsItsOwnRequest: a second request supersedes the
// first, whose link then confirms nothing; each request is used once.
func TestConfirmLinkConfirmsItsOwnRequest(t *testing.T) {
	m := newMailStore(t)
	ctx := context.Background()
	m.subscribe(t, "reader@example.org", false, "weekly")
	first := m.confirmations(t)["reader@example.org"]
	m.clock.Add(time.Hour) // past the interval between confirmation emails
	if _, err := m.subs.Subscribe(ctx, newsdesk.SubscribeRequest{Email: "reader@example.org", Newsletters: []string{"daily"},
		TimeZone: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	second := m.confirmations(t)["reader@example.org"]
	if second == nil || second.RequestID == first.RequestID {
		t.Fatalf("second confirmation %+v", second)
	}
	if r, err := m.subs.FindSubscriptionRequest(ctx, first.RequestID); err != nil || r.Open() || r.SupersededAt.IsZero() {
		t.Fatalf("first request after the second: %+v, %v", r, err)
	}
	if _, err := m.subs.ConfirmRequest(ctx, first.RequestID); newsdesk.ErrorCode(err) != newsdesk.ECONFLICT {
		t.Errorf("superseded request: %v", err)
	}
	if s := m.status(t, "reader@example.org"); s != newsdesk.SubscriberPending {
		t.Fatalf("the first link changed the subscriber to %s", s)
	}
	sub, err := m.subs.ConfirmRequest(ctx, second.RequestID)
	if err != nil || sub.Status != newsdesk.SubscriberConfirmed || sub.TimeZone != "Asia/Tokyo" {
		t.Fatalf("second request: %+v, %v", sub, err)
	}
	for _, x := range sub.Subscriptions {
		if want := map[string]newsdesk.SubscriptionStatus{"daily": "confirmed", "weekly": "pending"}[x.Newsletter.Slug]; x.Status != want {
			t.Errorf("%s is %s, want %s", x.Newsletter.Slug, x.Status, want)
		}
	}
	if _, err := m.subs.ConfirmRequest(ctx, second.RequestID); newsdesk.ErrorCode(err) != newsdesk.ECONFLICT {
		t.Errorf("request used twice: %v", err)
	}
}

// TestSupersededConfirmationIsNotSent: a confirmation still queued when a
// newer request replaces its own is skipped.
func TestSupersededConfirmationIsNotSent(t *testing.T) {
	m := newMailStore(t)
	ctx := context.Background()
	m.subscribe(t, "reader@example.org", false, "weekly")
	m.clock.Add(time.Hour)
	m.subscribe(t, "reader@example.org", false, "daily")
	ds := m.claimAll(t)
	if len(ds) != 1 || ds[0].RequestID == 0 {
		t.Fatalf("claimed %d deliveries: %+v", len(ds), ds)
	}
	r, err := m.subs.FindSubscriptionRequest(ctx, ds[0].RequestID)
	if err != nil || len(r.Newsletters) != 1 || r.Newsletters[0].Slug != "daily" {
		t.Fatalf("the confirmation sent is for %+v, %v", r, err)
	}
}
