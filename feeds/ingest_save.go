package feeds

import (
	"context"
	"errors"
	"log/slog"

	"github.com/newsdesk/newsdesk"
)

// maxBatch caps how many fetches go into one transaction.
const maxBatch = 32

// writer stores fetches as workers finish reading them, in batches.
type writer struct {
	queue chan *pendingFetch
	done  chan struct{}
}

// startWriter starts the goroutine that stores what Run's workers read.
func (in *Ingester) startWriter(report func(*IngestResult)) *writer {
	w := &writer{queue: make(chan *pendingFetch, maxBatch), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for p := range w.queue {
			batch := []*pendingFetch{p}
			for len(batch) < maxBatch && len(w.queue) > 0 {
				batch = append(batch, <-w.queue)
			}
			in.store(batch)
			for _, p := range batch {
				if report != nil {
					report(p.res)
				}
			}
		}
	}()
	return w
}

// stop waits for every queued fetch to be stored.
func (w *writer) stop() {
	close(w.queue)
	<-w.done
}

// store saves a batch of fetches in one transaction. A fetch that could
// not be stored keeps the error in its result; its source stays due and is
// tried again. A commit is short and the batch holds fetches of many
// callers, so it is not cancelled with any one of them.
func (in *Ingester) store(batch []*pendingFetch) {
	var fetches []*newsdesk.Fetched
	var saved []*pendingFetch
	for _, p := range batch {
		if p.save {
			fetches = append(fetches, &newsdesk.Fetched{Source: p.res.Source, Items: p.items})
			saved = append(saved, p)
		}
	}
	if len(fetches) == 0 {
		return
	}
	for i, err := range in.Store.SaveFetches(context.Background(), fetches) {
		if err == nil {
			in.stats.itemsNew.Add(int64(saved[i].res.New))
			in.stats.itemsUpdated.Add(int64(saved[i].res.Updated))
			continue
		}
		saved[i].res.Err = errors.Join(saved[i].res.Err, err)
		level := slog.LevelError
		if newsdesk.ErrorCode(err) == newsdesk.ENOTFOUND {
			level = slog.LevelWarn // removed while it was fetched
		}
		in.Logger.Log(context.Background(), level, "ingest: storing a fetch failed", "source", saved[i].res.Source.ID, "err", err)
	}
}
