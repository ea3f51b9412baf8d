package sqlite_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/sqlite"
)

// mailStore is a database with two newsletters and two categories.
type mailStore struct {
	db     *sqlite.DB
	clock  *newsdesk.FixedClock
	subs   *sqlite.SubscriberService
	nls    *sqlite.NewsletterService
	outbox *sqlite.OutboxService
	weekly *newsdesk.Newsletter
	daily  *newsdesk.Newsletter
}

func newMailStore(t *testing.T) *mailStore { return newMailStoreB(t) }

func newMailStoreB(t testing.TB) *mailStore {
	t.Helper()
	articles, db, clock := newService(t)
	m := &mailStore{db: db, clock: clock, subs: sqlite.NewSubscriberService(db),
		nls: sqlite.NewNewsletterService(db), outbox: sqlite.NewOutboxService(db)}
	ctx := context.Background()
	for _, c := range []*newsdesk.Category{{Slug: "economy", Name: "Economy"}, {Slug: "cities", Name: "Cities"}} {
		if err := articles.SaveCategory(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	m.weekly = &newsdesk.Newsletter{Slug: "weekly", Name: "The Weekly"}
	m.daily = &newsdesk.Newsletter{Slug: "daily", Name: "The Daily"}
	for _, n := range []*newsdesk.Newsletter{m.weekly, m.daily} {
		if err := m.nls.CreateNewsletter(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func (m *mailStore) subscribe(t *testing.T, email string, confirmed bool, newsletters ...string) *newsdesk.Subscriber {
	t.Helper()
	s, err := m.subs.Subscribe(context.Background(), newsdesk.SubscribeRequest{Email: email, Newsletters: newsletters, Confirmed: confirmed})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// claimAll claims every due delivery.
func (m *mailStore) claimAll(t *testing.T) []*newsdesk.Delivery {
	t.Helper()
	ds, err := m.outbox.ClaimDeliveries(context.Background(), 1000, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func kinds(ds []*newsdesk.Delivery) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, fmt.Sprintf("%s:%s", d.Kind, d.Subscriber.Email))
	}
	return strings.Join(parts, " ")
}

func TestSubscribeQueuesOneConfirmation(t *testing.T) {
	m := newMailStore(t)
	ctx := context.Background()
	s := m.subscribe(t, " Reader@Example.org ", false, "weekly")
	if s.Email != "reader@example.org" || s.Status != newsdesk.SubscriberPending || len(s.Subscriptions) != 1 ||
		s.Subscriptions[0].Status != newsdesk.SubscriptionPending {
		t.Fatalf("after subscribe: %+v", s)
	}
	m.subscribe(t, "reader@example.org", false, "weekly") // again at once: no second email
	if got := kinds(m.claimAll(t)); got != "confirm:reader@example.org" {
		t.Fatalf("claimed %q, want one confirmation", got)
	}
	m.clock.Add(11 * time.Minute) // later it may be asked for again
	m.subscribe(t, "reader@example.org", false, "weekly")
	if got := kinds(m.claimAll(t)); got != "confirm:reader@example.org" {
		t.Fatalf("claimed %q after a while, want a new confirmation", got)
	}
	if _, err := m.subs.Subscribe(ctx, newsdesk.SubscribeRequest{Email: "x@example.org", Newsletters: []string{"monthly"}}); newsdesk.ErrorCode(err) != newsdesk.EINVALID {
		t.Errorf("unknown newsletter: %v", err)
	}
	if _, err := m.subs.FindSubscriberByEmail(ctx, "x@example.org"); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("refused request stored a subscriber: %v", err)
	}
}

// TestPublicFormCannotChangeConfirmedChoices: a request for a newsletter
// someone already confirmed changes nothing and sends nothing; one for a
// new newsletter waits for its own confirmation.
func TestPublicFormCannotChangeConfirmedChoices(t *testing.T) {
	m := newMailStore(t)
	ctx := context.Background()
	s := m.subscribe(t, "a@example.org", true, "weekly")
	if s.Status != newsdesk.SubscriberConfirmed {
		t.Fatalf("status %s", s.Status)
	}
	s, err := m.subs.Subscribe(ctx, newsdesk.SubscribeRequest{Email: "a@example.org", Newsletters: []string{"weekly"}, Topics: []string{"economy"}})
	if err != nil || len(s.Subscriptions[0].Topics) != 0 || s.Subscriptions[0].Status != newsdesk.SubscriptionConfirmed {
		t.Fatalf("confirmed subscription changed by a public request: %+v, %v", s.Subscriptions[0], err)
	}
	if ds := m.claimAll(t); len(ds) != 0 {
		t.Fatalf("claimed %s", kinds(ds))
	}
	s = m.subscribe(t, "a@example.org", false, "daily")
	if got := kinds(m.claimAll(t)); got != "confirm:a@example.org" || s.Status != newsdesk.SubscriberConfirmed {
		t.Fatalf("claimed %q, status %s", got, s.Status)
	}
	s, err = m.subs.ConfirmSubscriber(ctx, s.ID)
	if err != nil || s.Subscriptions[0].Status != newsdesk.SubscriptionConfirmed || s.Subscriptions[1].Status != newsdesk.SubscriptionConfirmed {
		t.Fatalf("after confirming: %+v, %v", s, err)
	}
}

func TestUnsubscribeAndPreferences(t *testing.T) {
	m := newMailStore(t)
	ctx := context.Background()
	s := m.subscribe(t, "a@example.org", true, "weekly", "daily")
	s, err := m.subs.Unsubscribe(ctx, s.ID, m.daily.ID)
	if err != nil || s.Status != newsdesk.SubscriberConfirmed || len(s.Subscriptions) != 1 {
		t.Fatalf("after leaving daily: %+v, %v", s, err)
	}
	s, err = m.subs.Unsubscribe(ctx, s.ID, m.weekly.ID)
	if err != nil || s.Status != newsdesk.SubscriberUnsubscribed || s.UnsubscribedAt.IsZero() {
		t.Fatalf("after leaving the last one: %+v, %v", s, err)
	}
	if _, err := m.subs.Unsubscribe(ctx, s.ID, 0); err != nil {
		t.Errorf("unsubscribing twice: %v", err)
	}
	if _, err := m.subs.ConfirmSubscriber(ctx, s.ID); newsdesk.ErrorCode(err) != newsdesk.EINVALID {
		t.Errorf("an old confirm link brought back someone who left: %v", err)
	}
	s, err = m.subs.UpdateSubscriptions(ctx, s.ID, []string{"daily"}, []string{"cities"})
	if err != nil || s.Status != newsdesk.SubscriberConfirmed || len(s.Subscriptions) != 1 ||
		s.Subscriptions[0].Newsletter.Slug != "daily" || strings.Join(s.Subscriptions[0].Topics, ",") != "cities" {
		t.Fatalf("after choosing daily/cities: %+v, %v", s, err)
	}
	if _, err := m.subs.UpdateSubscriptions(ctx, s.ID, []string{"daily"}, []string{"sport"}); newsdesk.ErrorCode(err) != newsdesk.EINVALID {
		t.Errorf("unknown topic: %v", err)
	}
	s, err = m.subs.UpdateSubscriptions(ctx, s.ID, nil, nil)
	if err != nil || s.Status != newsdesk.SubscriberUnsubscribed || len(s.Subscriptions) != 0 {
		t.Fatalf("after choosing nothing: %+v, %v", s, err)
	}
	if _, err := m.subs.Unsubscribe(ctx, 999, 0); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("unknown subscriber: %v", err)
	}
}

// TestImportMergeRules: an import never brings back someone who left,
// never lowers a confirmed subscriber, and keeps the good rows of a file
// with bad ones.
func TestImportMergeRules(t *testing.T) {
	m := newMailStore(t)
	ctx := context.Background()
	left := m.subscribe(t, "left@example.org", true, "weekly")
	m.subs.Unsubscribe(ctx, left.ID, 0)
	m.subscribe(t, "kept@example.org", true, "weekly")
	rows := []*newsdesk.SubscriberImport{
		{Line: 2, Email: "left@example.org", Status: newsdesk.SubscriberConfirmed, Newsletters: []string{"weekly"}},
		{Line: 3, Email: "kept@example.org", Status: newsdesk.SubscriberPending, Newsletters: []string{"daily"}},
		{Line: 4, Email: "new@example.org", Newsletters: []string{"weekly"}, Topics: []string{"economy"}, Name: "New Reader"},
		{Line: 5, Email: "not an address", Newsletters: []string{"weekly"}},
		{Line: 6, Email: "nl@example.org", Newsletters: []string{"monthly"}},
		{Line: 7, Email: "status@example.org", Status: "vip"},
		{Line: 8, Email: "inject@example.org", Name: "X\r\nBcc: y@example.org"},
		{Line: 9, Email: "bounce@example.org", Status: newsdesk.SubscriberBounced},
	}
	n, bad, err := m.subs.ImportSubscribers(ctx, rows, newsdesk.SubscriberConfirmed)
	if err != nil || n != 4 || len(bad) != 4 {
		t.Fatalf("imported %d, refused %v, %v", n, bad, err)
	}
	for i, line := range []string{"line 5:", "line 6:", "line 7:", "line 8:"} {
		if !strings.HasPrefix(bad[i].Error(), line) {
			t.Errorf("error %q does not start with %q", bad[i], line)
		}
	}
	for email, want := range map[string]newsdesk.SubscriberStatus{
		"left@example.org": newsdesk.SubscriberUnsubscribed, "kept@example.org": newsdesk.SubscriberConfirmed,
		"new@example.org": newsdesk.SubscriberConfirmed, "bounce@example.org": newsdesk.SubscriberBounced,
	} {
		s, err := m.subs.FindSubscriberByEmail(ctx, email)
		if err != nil || s.Status != want {
			t.Errorf("%s: %v, %v; want %s", email, s, err, want)
		}
	}
	kept, _ := m.subs.FindSubscriberByEmail(ctx, "kept@example.org")
	if got := kept.Subscriptions; len(got) != 2 || got[0].Newsletter.Slug != "daily" || got[0].Status != newsdesk.SubscriptionPending {
		t.Errorf("kept's subscriptions: daily should be pending, weekly confirmed: %+v %+v", got[0], got[1])
	}
	for _, s := range []string{"not an address", "nl@example.org", "status@example.org", "inject@example.org"} {
		if _, err := m.subs.FindSubscriberByEmail(ctx, s); err == nil {
			t.Errorf("refused row %s was stored", s)
		}
	}
}

func TestFindSubscribersPages(t *testing.T) {
	m := newMailStore(t)
	for i := range 25 {
		m.subscribe(t, fmt.Sprintf("r%02d@example.org", i), i%2 == 0, "weekly")
	}
	confirmed := newsdesk.SubscriberConfirmed
	f := newsdesk.SubscriberFilter{Status: &confirmed, Limit: 5}
	var seen []string
	for {
		page, err := m.subs.FindSubscribers(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page {
			seen = append(seen, s.Email)
		}
		if len(page) < f.Limit {
			break
		}
		f.AfterID = page[len(page)-1].ID
	}
	if len(seen) != 13 || seen[0] != "r00@example.org" || seen[12] != "r24@example.org" {
		t.Errorf("paged through %v", seen)
	}
}
