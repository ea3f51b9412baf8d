package sqlite_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/sqlite"
)

// TestLinkKeysMigration upgrades a desk of the release before link keys:
// every subscriber keeps their id, subscriptions and deliveries and gets a
// key of their own; a confirmation still queued gets a request; foreign
// keys work afterwards; and no id is handed out twice from then on.
func TestLinkKeysMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "newsdesk.db")
	db := sqlite.NewDB(path)
	db.Clock = newsdesk.NewFixedClock(t0)
	if err := db.OpenBefore("migrations/0015"); err != nil {
		t.Fatal(err)
	}
	now := t0.Format("2006-01-02T15:04:05.000Z")
	for _, q := range []string{
		`INSERT INTO newsletters (id, slug, name, created_at, updated_at) VALUES (1, 'weekly', 'Weekly', '` + now + `', '` + now + `')`,
		`INSERT INTO subscribers (id, email, status, created_at, updated_at) VALUES
			(1, 'one@example.org', 'confirmed', '` + now + `', '` + now + `'),
			(2, 'two@example.org', 'pending', '` + now + `', '` + now + `'),
			(3, 'three@example.org', 'confirmed', '` + now + `', '` + now + `')`,
		`INSERT INTO subscriptions (newsletter_id, subscriber_id, status, created_at) VALUES
			(1, 1, 'confirmed', '` + now + `'), (1, 2, 'pending', '` + now + `')`,
		`INSERT INTO deliveries (kind, subscriber_id, status, priority, due_at, created_at)
			VALUES ('confirm', 2, 'queued', 0, '` + now + `', '` + now + `')`,
		`DELETE FROM subscribers WHERE id = 3`,
	} {
		if err := db.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	db = sqlite.NewDB(path)
	db.Clock = newsdesk.NewFixedClock(t0.Add(time.Hour))
	if err := db.Open(); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer db.Close()
	subs := sqlite.NewSubscriberService(db)
	one, err1 := subs.FindSubscriberByID(ctx, 1)
	two, err2 := subs.FindSubscriberByID(ctx, 2)
	if err1 != nil || err2 != nil || len(one.Subscriptions) != 1 || len(two.Subscriptions) != 1 {
		t.Fatalf("after migration: %+v %v, %+v %v", one, err1, two, err2)
	}
	if len(one.LinkKey) != 16 || bytes.Equal(one.LinkKey, two.LinkKey) || !one.LegacyLinks || !two.LegacyLinks {
		t.Errorf("link keys %x %x, legacy %v %v", one.LinkKey, two.LinkKey, one.LegacyLinks, two.LegacyLinks)
	}
	ds, err := sqlite.NewOutboxService(db).ClaimDeliveries(ctx, 10, time.Minute)
	if err != nil || len(ds) != 1 || ds[0].RequestID == 0 {
		t.Fatalf("queued confirmation after migration: %+v, %v", ds, err)
	}
	if r, err := subs.FindSubscriptionRequest(ctx, ds[0].RequestID); err != nil || r.SubscriberID != 2 || len(r.Newsletters) != 1 || !r.Open() {
		t.Errorf("its request: %+v, %v", r, err)
	}
	// An id deleted before the upgrade may come back once, but as a
	// subscriber without legacy links, so an old link cannot reach it.
	three, err := subs.Subscribe(ctx, newsdesk.SubscribeRequest{Email: "new@example.org", Newsletters: []string{"weekly"}})
	if err != nil || three.LegacyLinks || len(three.LinkKey) != 16 {
		t.Fatalf("new subscriber: %+v, %v", three, err)
	}
	if err := subs.DeleteSubscriber(ctx, three.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Query1(ctx, &n, `SELECT COUNT(*) FROM deliveries WHERE subscriber_id = ?`, three.ID); err != nil || n != 0 {
		t.Errorf("foreign keys off after migration: %d deliveries of a deleted subscriber, %v", n, err)
	}
	four, err := subs.Subscribe(ctx, newsdesk.SubscribeRequest{Email: "four@example.org", Newsletters: []string{"weekly"}})
	if err != nil || four.ID <= three.ID {
		t.Errorf("after deleting %d the next subscriber got %d, %v", three.ID, four.ID, err)
	}
}
