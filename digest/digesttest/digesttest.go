// Package digesttest makes digest editions for tests the way the digest
// maker does, without templates or articles: stored, prepared with one
// variant for every confirmed subscriber, and handed to the outbox. Tests
// of the outbox, the store and bounces run on the path production uses.
package digesttest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/digest"
)

// Edition stores an edition of n (kind manual, due now) and queues one
// digest with the given subject, HTML and text, carrying the articles
// named by uids, to each confirmed subscriber, in one batch.
func Edition(ctx context.Context, store digest.Store, n *newsdesk.Newsletter, subject, html, text string, uids ...string) (*newsdesk.Edition, error) {
	e := &newsdesk.Edition{Newsletter: n, Subject: subject, Kind: newsdesk.EditionKindManual, Status: newsdesk.EditionScheduled}
	if err := store.AddEdition(ctx, e); err != nil {
		return nil, err
	}
	if _, err := store.StartPreparing(ctx, e.ID); err != nil {
		return nil, err
	}
	e.Status = newsdesk.EditionPreparing
	rs, err := store.FindRecipients(ctx, n.ID, 0, 1<<30)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(subject + "\x00" + html + "\x00" + text))
	v := &newsdesk.EditionVariant{Variant: hex.EncodeToString(sum[:]), Subject: subject, HTML: html, Text: text}
	ds := make([]newsdesk.DigestDelivery, len(rs))
	var through int64
	for i, r := range rs {
		ds[i], through = newsdesk.DigestDelivery{SubscriberID: r.SubscriberID, Variant: v, ArticleUIDs: uids}, r.SubscriberID
	}
	if err := store.QueueDigests(ctx, e, through, ds); err != nil {
		return nil, err
	}
	return e, store.FinishPreparing(ctx, e.ID)
}
