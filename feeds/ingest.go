package feeds

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/newsdesk/newsdesk"
)

// IngestStore is what ingesting needs from the store.
type IngestStore interface {
	FindSources(ctx context.Context, filter newsdesk.SourceFilter) ([]*newsdesk.Source, error)
	// ItemFingerprints returns the fingerprints of the source's stored
	// items among hashes.
	ItemFingerprints(ctx context.Context, sourceID int64, hashes []string) (map[string]string, error)
	// SaveFetches stores each fetch (the source's new state and its new or
	// changed items) atomically, several in one transaction, and returns
	// each one's error.
	SaveFetches(ctx context.Context, fetches []*newsdesk.Fetched) []error
	PruneItems(ctx context.Context, before time.Time) (int, error)
}

// Ingester polls sources: fetches them politely, reads them, makes their
// HTML safe and stores what is new or changed. Set the fields before the
// first call; it is safe for concurrent use after that.
type Ingester struct {
	Store     IngestStore
	Client    *http.Client // NewIngestClient's, in production
	Clock     newsdesk.Clock
	UserAgent string // "newsdesk/VERSION (+https://site)"

	Interval    time.Duration // default polling interval
	Timeout     time.Duration // per fetch, body included
	MaxBody     int64         // bytes, after decompression
	MaxErrors   int           // failures in a row before a source is paused
	Retention   time.Duration // items older than this are pruned (0 keeps all)
	Concurrency int           // sources fetched at once
	// Slack is how early RunDue takes a source: one due a moment after a
	// pass would otherwise wait a whole tick of the scheduler, so that an
	// interval of a minute polled every 30 seconds came to 90 seconds.
	Slack  time.Duration
	Rand   func() float64
	Logger *slog.Logger

	once    sync.Once
	policy  *bluemonday.Policy
	fetcher *fetcher
	sched   schedule
	stats   ingestCounters
}

// IngestResult is what one fetch of a source did.
type IngestResult struct {
	Source      *newsdesk.Source // its state afterwards
	Status      int              // HTTP status; 0 when no answer came
	NotModified bool
	New         int
	Updated     int
	Unchanged   int
	Err         error
}

// IngestStats counts the ingester's work since it was made. A fetch ends
// OK (a feed came and was read), NotModified or Failed, unless the context
// ended first; ItemsNew and ItemsUpdated are the items stored.
type IngestStats struct {
	Fetches, NotModified, Parsed, Failed int64
	OK, ItemsNew, ItemsUpdated           int64
}

type ingestCounters struct {
	fetches, notModified, parsed, failed atomic.Int64
	ok, itemsNew, itemsUpdated           atomic.Int64
}

// Stats returns the counts so far.
func (in *Ingester) Stats() IngestStats {
	return IngestStats{Fetches: in.stats.fetches.Load(), NotModified: in.stats.notModified.Load(),
		Parsed: in.stats.parsed.Load(), Failed: in.stats.failed.Load(), OK: in.stats.ok.Load(),
		ItemsNew: in.stats.itemsNew.Load(), ItemsUpdated: in.stats.itemsUpdated.Load()}
}

func (in *Ingester) init() {
	in.once.Do(func() {
		if in.Clock == nil {
			in.Clock = newsdesk.SystemClock{}
		}
		if in.Client == nil {
			in.Client = NewIngestClient(false)
		}
		if in.UserAgent == "" {
			in.UserAgent = "newsdesk/" + newsdesk.Version
		}
		if in.Rand == nil {
			in.Rand = rand.Float64
		}
		if in.Logger == nil {
			in.Logger = slog.Default()
		}
		in.policy = SanitizePolicy()
		in.fetcher = &fetcher{client: in.Client, userAgent: in.UserAgent, clock: in.Clock,
			maxBody: positive(in.MaxBody, 10<<20), timeout: positive(in.Timeout, 30*time.Second)}
		in.sched = schedule{interval: positive(in.Interval, 30*time.Minute),
			maxErrors: int(positive(int64(in.MaxErrors), 10)), rand: in.Rand}
	})
}

func positive[T int64 | time.Duration](v, fallback T) T {
	if v <= 0 {
		return fallback
	}
	return v
}

// RunDue ingests every active source whose next check has come. It is the
// scheduler's job; the daemon calls it every few seconds.
func (in *Ingester) RunDue(ctx context.Context) ([]*IngestResult, error) {
	in.init()
	due, err := in.Store.FindSources(ctx, newsdesk.SourceFilter{DueBy: in.Clock.Now().Add(in.Slack)})
	if err != nil || len(due) == 0 {
		return nil, err
	}
	return in.Run(ctx, due, nil), nil
}

// Run ingests the sources, a few at a time and never two from one host at
// once, and returns their results in the order given. report, when not
// nil, hears of each result once it is stored, one at a time.
//
// Workers fetch, read and sanitise; one writer stores what they hand it,
// a batch of fetches to a transaction, while they go on to the next
// source. SQLite takes one writer at a time, and much of a commit's cost is
// the same for one fetch as for ten, so the batches grow with the load.
func (in *Ingester) Run(ctx context.Context, sources []*newsdesk.Source, report func(*IngestResult)) []*IngestResult {
	in.init()
	results := make([]*IngestResult, len(sources))
	q := newHostQueue(sources)
	w := in.startWriter(report)
	var wg sync.WaitGroup
	for range min(int(positive(int64(in.Concurrency), 4)), len(sources)) {
		wg.Go(func() {
			for {
				i, hostDone := q.next(ctx)
				if i < 0 {
					return
				}
				// A source begun is finished, within Timeout, and stored
				// even when ctx ends meanwhile: a shutdown stops the pass
				// between sources rather than waste the fetches under way.
				p := in.read(context.WithoutCancel(ctx), sources[i], hostDone)
				results[i] = p.res
				w.queue <- p
			}
		})
	}
	wg.Wait()
	w.stop()
	for i, r := range results {
		if r == nil { // not started: the context ended first
			results[i] = &IngestResult{Source: sources[i], Err: ctx.Err()}
		}
	}
	return results
}

// Ingest fetches one source now, whatever its schedule, and records the
// outcome on it: a failure is counted, backed off and shown to editors as
// the source's last error.
func (in *Ingester) Ingest(ctx context.Context, src *newsdesk.Source) *IngestResult {
	in.init()
	p := in.read(ctx, src, nil)
	in.store([]*pendingFetch{p})
	return p.res
}

// pendingFetch is a fetch read and ready to store.
type pendingFetch struct {
	res   *IngestResult
	items []*newsdesk.Item // new or changed
	save  bool             // false when the context ended: nothing is recorded
}

// read fetches src and reads the answer, leaving the outcome on src (its
// state) and in the result, ready to store. hostDone, when not nil, is
// called once the host has answered.
func (in *Ingester) read(ctx context.Context, src *newsdesk.Source, hostDone func()) *pendingFetch {
	in.stats.fetches.Add(1)
	p := &pendingFetch{res: &IngestResult{Source: src}, save: true}
	now := in.Clock.Now()
	f, err := in.fetcher.fetch(ctx, src)
	if hostDone != nil {
		hostDone()
	}
	if f != nil {
		p.res.Status = f.Status
		if f.MovedTo != "" {
			src.URL = f.MovedTo
		}
	}
	if err == nil {
		p.items, err = in.absorb(ctx, src, f, now, p.res)
	}
	if ctx.Err() != nil {
		p.res.Err, p.save = errors.Join(err, ctx.Err()), false
		return p
	}
	if err == nil && !p.res.NotModified {
		in.stats.ok.Add(1)
	} else if err != nil {
		in.stats.failed.Add(1)
		in.sched.failed(src, now, err)
		p.res.Err, p.items = err, nil
		in.Logger.Warn("ingest failed", "source", src.ID, "url", src.URL, "err", src.LastError,
			"errors", src.ConsecutiveErrors, "paused", src.Paused)
	}
	return p
}

// absorb reads a good answer and returns the items to store.
func (in *Ingester) absorb(ctx context.Context, src *newsdesk.Source, f *fetched, now time.Time, res *IngestResult) ([]*newsdesk.Item, error) {
	if f.Status == http.StatusNotModified {
		in.stats.notModified.Add(1)
		res.NotModified = true
		src.ETag, src.LastModified = firstNonEmpty(f.ETag, src.ETag), firstNonEmpty(f.LastModified, src.LastModified)
		in.sched.succeeded(src, now, f.Status, maxAge(f.Header))
		return nil, nil
	}
	in.stats.parsed.Add(1)
	pf, err := parseFeed(f.Body, f.Header.Get("Content-Type"), src.URL, now)
	if err != nil {
		return nil, err
	}
	items, err := in.changed(ctx, src, pf, now, res)
	if err != nil {
		return nil, err
	}
	src.Title = firstNonEmpty(src.Title, pf.Title)
	src.SiteURL = firstNonEmpty(pf.SiteURL, src.SiteURL)
	src.ETag, src.LastModified = f.ETag, f.LastModified
	in.sched.succeeded(src, now, f.Status, maxAge(f.Header), pf.TTL, pf.Update)
	in.sched.skip(src, now, pf.Skip)
	return items, nil
}

// changed returns the feed's items that are new or differ from the stored
// ones, with their HTML made safe, and counts them in res.
func (in *Ingester) changed(ctx context.Context, src *newsdesk.Source, pf *parsedFeed, now time.Time, res *IngestResult) ([]*newsdesk.Item, error) {
	entries := uniqueEntries(pf.Entries, now, in.Retention)
	hashes := make([]string, len(entries))
	for i, e := range entries {
		hashes[i] = e.Item.Hash
	}
	known, err := in.Store.ItemFingerprints(ctx, src.ID, hashes)
	if err != nil {
		return nil, err
	}
	var out []*newsdesk.Item
	for _, e := range entries {
		fp, ok := known[e.Item.Hash]
		switch {
		case ok && fp == e.Item.Fingerprint:
			res.Unchanged++
			continue
		case ok:
			res.Updated++
		default:
			res.New++
		}
		out = append(out, e.safe(in.policy))
	}
	return out, nil
}

// uniqueEntries drops the second of two entries with one identity (the
// first in the document wins) and those older than the retention, which
// pruning would only remove again.
func uniqueEntries(entries []*entryIn, now time.Time, retention time.Duration) []*entryIn {
	seen := make(map[string]bool, len(entries))
	out := make([]*entryIn, 0, len(entries))
	for _, e := range entries {
		it := e.Item
		if seen[it.Hash] || (retention > 0 && !it.PublishedAt.IsZero() && it.PublishedAt.Before(now.Add(-retention))) {
			continue
		}
		seen[it.Hash] = true
		out = append(out, e)
	}
	return out
}

// Prune deletes the items older than the retention.
func (in *Ingester) Prune(ctx context.Context) (int, error) {
	in.init()
	if in.Retention <= 0 {
		return 0, nil
	}
	return in.Store.PruneItems(ctx, in.Clock.Now().Add(-in.Retention))
}
