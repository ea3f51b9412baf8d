package mailer

import (
	"context"
	"errors"
	"syscall"
	"time"

	"github.com/newsdesk/newsdesk"
)

// The outbox stops an edition the moment an editor pauses or cancels it,
// from whichever process: the controls write an event to the edition's log
// in the store, and the outbox reads the events after the last it saw
// every Watch (50 ms by default) and when woken (Wake), which a control in
// this process does before it answers, and a command on the same data
// directory does through the daemon's socket. The
// editions found paused or cancelled are kept in a map that the workers
// consult, without a lock, right before each message's transaction
// begins, so a message of a stopped edition starts only if it started
// before the outbox heard: at most one per connection. Deliveries claimed
// and not begun are given back to the store, which holds them (pause) or
// skips them (cancel).

// defaultWatch is how often the outbox reads the editions' log.
const defaultWatch = 50 * time.Millisecond

// eventPage is how many events the outbox reads at a time.
const eventPage = 500

// halted reports whether the edition's messages may not start: it is
// paused or cancelled. Transactional mail (edition 0) is never halted.
func (o *Outbox) halted(edition int64) bool {
	if edition == 0 {
		return false
	}
	m := o.halts.Load()
	return m != nil && (*m)[edition]
}

// watch follows the editions' log and gives back held deliveries until
// ctx ends.
func (o *Outbox) watch(ctx context.Context) {
	t := time.NewTicker(o.Watch)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-o.poke:
		}
		o.refresh(ctx)
		o.releaseHeld(ctx)
	}
}

// refresh reads the events of the editions' log not yet read.
func (o *Outbox) refresh(ctx context.Context) {
	o.eventsMu.Lock()
	defer o.eventsMu.Unlock()
	if err := o.readEvents(ctx, true); err != nil && ctx.Err() == nil {
		o.Logger.Error("outbox: reading the editions' log failed", "err", err)
	}
}

// readEvents applies the events after the last one read to the map of
// halted editions, logging each when told to (not at the start, when the
// whole log is read once). The caller holds eventsMu.
func (o *Outbox) readEvents(ctx context.Context, logEach bool) error {
	for {
		evs, err := o.Store.EditionEvents(ctx, o.lastEvent, eventPage)
		if err != nil || len(evs) == 0 {
			return err
		}
		old := o.halts.Load()
		m := make(map[int64]bool, len(*old)+1)
		for id := range *old {
			m[id] = true
		}
		for _, ev := range evs {
			if ev.Status.Halted() {
				m[ev.EditionID] = true
			} else {
				delete(m, ev.EditionID)
			}
			if logEach {
				o.Logger.Info("edition "+actionDone(ev.Action), "edition", ev.EditionID, "by", ev.Actor, "status", ev.Status)
			}
		}
		o.halts.Store(&m)
		o.lastEvent = evs[len(evs)-1].ID
		if len(evs) < eventPage {
			return nil
		}
	}
}

// actionDone names an action of the editions' log in the past tense.
func actionDone(action string) string {
	switch action {
	case newsdesk.ActionSendNow:
		return "sent now"
	case newsdesk.ActionCancel:
		return "cancelled"
	case newsdesk.ActionApprove, newsdesk.ActionPause, newsdesk.ActionResume:
		return action + "d"
	}
	return action
}

// hold takes a delivery of a halted edition out of sending; the watcher
// gives it back to the store.
func (o *Outbox) hold(d *newsdesk.Delivery) {
	// Out of inflight before it can be given back and claimed again,
	// which the dispatcher would otherwise take for a claim on its way.
	o.inflight.Delete(d.ID)
	o.heldMu.Lock()
	o.held = append(o.held, d.ID)
	o.heldMu.Unlock()
	select {
	case o.poke <- struct{}{}:
	default:
	}
}

// takeHeld returns the held deliveries not yet given back.
func (o *Outbox) takeHeld() []int64 {
	o.heldMu.Lock()
	defer o.heldMu.Unlock()
	ids := o.held
	o.held = nil
	return ids
}

// releaseHeld gives the held deliveries back to the store; those it could
// not give back (a full disk) are kept for the next try.
func (o *Outbox) releaseHeld(ctx context.Context) {
	ids := o.takeHeld()
	if len(ids) == 0 {
		return
	}
	if err := o.Store.ReleaseDeliveries(context.WithoutCancel(ctx), ids); err != nil {
		o.Logger.Error("outbox: giving back deliveries of a stopped edition failed; trying again", "deliveries", len(ids), "err", err)
		o.heldMu.Lock()
		o.held = append(o.held, ids...)
		o.heldMu.Unlock()
	}
}

// localFault reports whether err says that this machine cannot write: the
// disk is full or read-only. Such a fault is not the delivery's: the
// outbox waits for it to heal, without counting an attempt.
func localFault(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EDQUOT) ||
		newsdesk.ErrorCode(err) == newsdesk.ESTORAGE
}

// faultWait is the wait before trying again after the n-th local fault in
// a row: from half a second, doubling, to at most ten seconds, so that
// delivery resumes within seconds of the fault healing.
func faultWait(n int) time.Duration {
	return min(500*time.Millisecond<<min(n, 5), 10*time.Second)
}
