package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/digest/digesttest"
)

// BenchmarkCompleteDeliveries records outcomes the way the outbox's marker
// does under load: a few per transaction.
func BenchmarkCompleteDeliveries(b *testing.B) {
	for _, group := range []int{1, 3, 8} {
		b.Run(fmt.Sprintf("group=%d", group), func(b *testing.B) {
			m := newMailStoreB(b)
			ctx := context.Background()
			rows := make([]*newsdesk.SubscriberImport, b.N*group+1)
			for i := range rows {
				rows[i] = &newsdesk.SubscriberImport{Email: fmt.Sprintf("r%d@example.org", i), Newsletters: []string{"weekly"}}
			}
			m.subs.ImportSubscribers(ctx, rows, newsdesk.SubscriberConfirmed)
			e, _ := digesttest.Edition(ctx, m.nls, m.weekly, "x", "x", "x")
			var ds []*newsdesk.Delivery
			for len(ds) < b.N*group {
				more, _ := m.outbox.ClaimDeliveries(ctx, 1000, time.Hour)
				ds = append(ds, more...)
			}
			b.ResetTimer()
			for i := range b.N {
				res := make([]newsdesk.DeliveryResult, group)
				for j := range res {
					d := ds[i*group+j]
					res[j] = newsdesk.DeliveryResult{ID: d.ID, EditionID: e.ID, SubscriberID: d.Subscriber.ID, Status: newsdesk.DeliverySent}
				}
				if err := m.outbox.CompleteDeliveries(ctx, res); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
