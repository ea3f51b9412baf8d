package bounce_test

import (
	"context"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/digest/digesttest"
)

// TestVERPOfADeletedSubscriber: a bounce of mail sent to a subscriber who
// was removed since matches nobody, even when the next subscriber's
// delivery got the same delivery id.
func TestVERPOfADeletedSubscriber(t *testing.T) {
	d := newDesk(t, "gone@example.net")
	ctx := context.Background()
	old := d.sent["gone@example.net"]
	verp := d.verp("gone@example.net")
	if err := d.subs.DeleteSubscriber(ctx, old.Subscriber.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.subs.Subscribe(ctx, newsdesk.SubscribeRequest{Email: "next@example.net", Newsletters: []string{"weekly"}, Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := digesttest.Edition(ctx, d.nls, d.edition.Newsletter, "Issue 2", "<p>y</p>", "y"); err != nil {
		t.Fatal(err)
	}
	ds, err := d.outbox.ClaimDeliveries(ctx, 10, time.Hour)
	if err != nil || len(ds) != 1 {
		t.Fatalf("claimed %+v, %v", ds, err)
	}
	if ds[0].ID != old.ID {
		t.Logf("delivery id %d not reused (was %d): the check below is weaker", ds[0].ID, old.ID)
	}
	raw := d.report("postfix-hard", "gone@example.net", verp, "unrelated@elsewhere.example")
	res := d.process(raw, newsdesk.BounceSMTP, verp)
	if ev := res.Events[0]; ev.SubscriberID != 0 || res.Outcomes[0].Bounced {
		t.Errorf("bounce for a removed subscriber matched subscriber %d by %s", ev.SubscriberID, ev.MatchedBy)
	}
	if s := d.status("next@example.net"); s != newsdesk.SubscriberConfirmed {
		t.Errorf("the next subscriber is %s", s)
	}
}
