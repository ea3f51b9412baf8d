package digest

import (
	"context"
	"errors"
	"time"

	"github.com/newsdesk/newsdesk"
)

// errStopped means the edition was paused or cancelled while it was being
// prepared.
var errStopped = errors.New("edition stopped")

// preparation is one run of preparing an edition.
type preparation struct {
	desk     *Maker
	e        *newsdesk.Edition
	articles []*newsdesk.Article
	related  map[int64][]Related
	memo     *Memo
}

// run streams the newsletter's subscribers in batches after the last one
// queued, and queues each batch in one transaction.
func (p *preparation) run(ctx context.Context) (int, error) {
	queued, after := 0, p.e.PreparedThrough // QueueDigests moves it on
	uids := make([]string, len(p.articles))
	for i, a := range p.articles {
		uids[i] = a.UID
	}
	for {
		rs, err := p.desk.Store.FindRecipients(ctx, p.e.Newsletter.ID, after, p.desk.batch())
		if err != nil || len(rs) == 0 {
			return queued, err
		}
		ds, err := p.batch(ctx, rs, uids)
		if err != nil {
			return queued, err
		}
		after = rs[len(rs)-1].SubscriberID
		if err := p.desk.Store.QueueDigests(ctx, p.e, after, ds); newsdesk.ErrorCode(err) == newsdesk.ECONFLICT {
			return queued, errStopped
		} else if err != nil {
			return queued, err
		}
		queued += len(ds)
		if len(ds) > 0 && p.desk.Wake != nil {
			p.desk.Wake()
		}
	}
}

// batch selects and renders the digests of a batch of subscribers; those
// with nothing to read get none.
func (p *preparation) batch(ctx context.Context, rs []newsdesk.Recipient, uids []string) ([]newsdesk.DigestDelivery, error) {
	if len(p.articles) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.SubscriberID
	}
	sent, err := p.desk.Store.SentArticles(ctx, p.e.Newsletter.ID, ids, uids)
	if err != nil {
		return nil, err
	}
	var ds []newsdesk.DigestDelivery
	for _, r := range rs {
		sel := ForSubscriber(p.articles, r.Topics, sent[r.SubscriberID])
		if len(sel) == 0 {
			continue
		}
		rd, err := p.memo.Render(p.desk.Data(p.e, r, sel, p.related))
		if err != nil {
			return nil, err
		}
		ds = append(ds, newsdesk.DigestDelivery{SubscriberID: r.SubscriberID, Variant: variantOfRendered(rd), ArticleUIDs: uidsOf(sel)})
	}
	return ds, nil
}

func variantOfRendered(rd *Rendered) *newsdesk.EditionVariant {
	return &newsdesk.EditionVariant{Variant: rd.Variant, Subject: rd.Subject, Preheader: rd.Preheader, HTML: rd.HTML, Text: rd.Text}
}

func uidsOf(as []*newsdesk.Article) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.UID
	}
	return out
}

// Preview renders the digest one subscriber would get from the edition
// (which need not be stored), with their topics and what they were already
// sent; nil when they would get none.
func (d *Maker) Preview(ctx context.Context, e *newsdesk.Edition, r newsdesk.Recipient) (*Rendered, error) {
	articles, err := d.EditionArticles(ctx, e)
	if err != nil {
		return nil, err
	}
	sent := map[string]bool{}
	if r.SubscriberID != 0 {
		m, err := d.Store.SentArticles(ctx, e.Newsletter.ID, []int64{r.SubscriberID}, uidsOf(articles))
		if err != nil {
			return nil, err
		}
		sent = m[r.SubscriberID]
	}
	sel := ForSubscriber(articles, r.Topics, sent)
	if len(sel) == 0 {
		return nil, nil
	}
	related, err := d.related(ctx, sel)
	if err != nil {
		return nil, err
	}
	rr, err := d.renderer(e.Newsletter)
	if err != nil {
		return nil, err
	}
	return NewMemo(rr).Render(d.Data(e, r, sel, related))
}

// NextEdition describes the edition a newsletter would cut now, for
// previews and sends by hand: its window runs from the last scheduled
// cutoff, or before the first one a cadence back, to now. A newsletter
// without a schedule has no window start: it carries whatever its
// subscribers were not sent yet, newest first.
func (d *Maker) NextEdition(ctx context.Context, n *newsdesk.Newsletter, now time.Time) (*newsdesk.Edition, error) {
	last, err := d.Store.LastCutoff(ctx, n.ID)
	if err != nil {
		return nil, err
	}
	start := last
	if n.Schedule != "" && last.IsZero() {
		s, err := ParseSchedule(n.Schedule, n.TimeZone)
		if err != nil {
			return nil, err
		}
		start = WindowFor(s, last, now).Start
	}
	return &newsdesk.Edition{Newsletter: n, Kind: newsdesk.EditionKindManual, WindowStart: start, Cutoff: now,
		ScheduledFor: now, Status: newsdesk.EditionScheduled}, nil
}
