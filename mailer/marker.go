package mailer

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/newsdesk/newsdesk"
)

// marker records outcomes of deliveries. It commits whatever has arrived as
// soon as the store is free, so under load one transaction carries the
// outcomes of many workers, and when idle an outcome is durable at once.
type marker struct {
	store  Store
	logger *slog.Logger
	in     chan *mark
	done   chan struct{}
	// closing is set once the outbox stops: a store that cannot be
	// written is then given up on after a few tries.
	closing atomic.Bool
}

// mark is one outcome and the news of its commit.
type mark struct {
	result newsdesk.DeliveryResult
	done   chan error // receives once the outcome is committed (or not)
}

const markGroup = 512

func newMarker(store Store, logger *slog.Logger) *marker {
	m := &marker{store: store, logger: logger, in: make(chan *mark, markGroup), done: make(chan struct{})}
	go m.run()
	return m
}

// submit queues an outcome for recording.
func (m *marker) submit(r newsdesk.DeliveryResult) *mark {
	k := &mark{result: r, done: make(chan error, 1)}
	m.in <- k
	return k
}

// close records what is queued and stops.
func (m *marker) close() {
	m.closing.Store(true)
	close(m.in)
	<-m.done
}

func (m *marker) run() {
	defer close(m.done)
	group := make([]*mark, 0, markGroup)
	results := make([]newsdesk.DeliveryResult, 0, markGroup)
	for k := range m.in {
		group, results = append(group[:0], k), append(results[:0], k.result)
	fill:
		for len(group) < markGroup {
			select {
			case k, ok := <-m.in:
				if !ok {
					break fill
				}
				group, results = append(group, k), append(results, k.result)
			default:
				break fill
			}
		}
		err := m.commit(results)
		for _, k := range group {
			k.done <- err
		}
	}
}

// commit writes a group of outcomes, trying again: an outcome that is not
// recorded means a message sent twice later. When the store cannot be
// written (a full disk) it keeps trying until it can, and the workers,
// which wait for their last outcome before the next message can be
// accepted, wait with it; other failures are given up on after a few
// tries.
func (m *marker) commit(results []newsdesk.DeliveryResult) error {
	for attempt := 0; ; attempt++ {
		err := m.store.CompleteDeliveries(context.Background(), results)
		if err == nil {
			if attempt > 0 {
				m.logger.Info("outbox: recording deliveries works again", "deliveries", len(results), "attempts", attempt+1)
			}
			return nil
		}
		if attempt%20 == 0 {
			m.logger.Error("outbox: recording deliveries failed", "deliveries", len(results), "attempt", attempt+1, "err", err)
		}
		if attempt >= 4 && (!localFault(err) || m.closing.Load()) {
			return err
		}
		time.Sleep(min(time.Duration(attempt+1)*200*time.Millisecond, 2*time.Second))
	}
}
