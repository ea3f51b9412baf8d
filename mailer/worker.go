package mailer

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/newsdesk/newsdesk"
)

// Streamer is a connection that can hand over messages back to back with
// one round trip each, the envelope of the next message going with the
// data of the one before (RFC 2920 pipelining).
type Streamer interface {
	Conn
	// Stream sends msg for env and, when next is not nil, next's envelope
	// with it. The error is about msg only.
	Stream(env Envelope, msg []byte, next *Envelope) error
	// Drop closes the connection at once, abandoning a transaction whose
	// envelope went ahead.
	Drop()
}

// worker is one of the outbox's workers. It owns one connection, and
// always has the next message built before the current one is finished,
// so that its envelope can go out with the current one's data.
type worker struct {
	o       *Outbox
	marks   *marker
	conn    Conn
	spare   *job
	prev    *mark // the record of the last outcome not written to the journal
	dialErr int   // dial failures in a row
	faults  int   // local faults in a row (a full disk)
	unsent  []int64
	// ahead is the delivery whose envelope went out with the last
	// message's data: its transaction has begun on the connection.
	ahead *newsdesk.Delivery
}

// job is a delivery with its message built, or the reason it could not be.
type job struct {
	d   *newsdesk.Delivery
	env Envelope
	msg bytes.Buffer
	err error
}

// work delivers what comes from jobs until it is closed, and returns the
// deliveries it was given after ctx ended, which were not begun.
func (o *Outbox) work(ctx context.Context, jobs <-chan *newsdesk.Delivery, m *marker) []int64 {
	w := &worker{o: o, marks: m}
	defer w.close()
	var cur *job
	for {
		if cur == nil {
			d, ok := <-jobs
			if !ok {
				return w.unsent
			}
			if ctx.Err() != nil || (o.limiter != nil && o.limiter.Wait(ctx) != nil) {
				w.giveBack(d)
				continue
			}
			cur = w.prepare(ctx, d)
		}
		// The last look before the message's transaction: an edition
		// paused or cancelled by now sends nothing more.
		if o.halted(cur.d.EditionID) {
			w.stopHalted(cur)
			cur, w.spare = nil, cur
			continue
		}
		next := w.following(ctx, jobs)
		w.deliver(ctx, cur, next)
		if next != nil && ctx.Err() != nil {
			w.abandon(next)
			next = nil
		}
		cur, w.spare = next, cur
	}
}

// abandon gives back a delivery whose envelope may have gone out ahead
// when the outbox is stopping: dropping the connection ends that
// transaction without a message, and the delivery waits for the next run.
func (w *worker) abandon(j *job) {
	if s, ok := w.conn.(Streamer); ok {
		s.Drop()
		w.conn = nil
	}
	w.giveBack(j.d)
}

// stopHalted gives back a delivery of a halted edition that was about to
// go; when its envelope went ahead, dropping the connection ends that
// transaction without a message.
func (w *worker) stopHalted(j *job) {
	if w.ahead == j.d {
		if s, ok := w.conn.(Streamer); ok {
			s.Drop()
			w.conn = nil
		}
	}
	w.ahead = nil
	w.o.hold(j.d)
}

// following returns the next delivery, built, if one is waiting. Rate
// limited sending does not look ahead: it has time to spare.
func (w *worker) following(ctx context.Context, jobs <-chan *newsdesk.Delivery) *job {
	if w.o.limiter != nil {
		return nil
	}
	select {
	case d, ok := <-jobs:
		if !ok {
			return nil
		}
		if ctx.Err() != nil {
			w.giveBack(d)
			return nil
		}
		if w.o.halted(d.EditionID) {
			w.o.hold(d)
			return nil
		}
		return w.prepare(ctx, d)
	default:
		return nil
	}
}

func (w *worker) giveBack(d *newsdesk.Delivery) {
	w.unsent = append(w.unsent, d.ID)
	w.o.inflight.Delete(d.ID)
}

// prepare builds the message of d.
func (w *worker) prepare(ctx context.Context, d *newsdesk.Delivery) *job {
	j := w.spare
	if j == nil {
		j = &job{}
	}
	w.spare = nil
	j.d, j.err = d, nil
	j.msg.Reset()
	p, err := w.o.Contents.Prepared(ctx, d)
	if err != nil {
		j.err = err
		return j
	}
	r := Recipient{SubscriberID: d.Subscriber.ID, Email: d.Subscriber.Email, Name: d.Subscriber.Name,
		LinkKey: d.Subscriber.LinkKey, RequestID: d.RequestID}
	j.env = Envelope{From: w.o.Builder.EnvelopeFrom(d, w.o.Sender), To: d.Subscriber.Email, ID: w.o.Builder.MessageID(p.Key, r.SubscriberID)}
	j.err = w.o.Builder.Build(&j.msg, p, r)
	return j
}

// deliver sends cur, with next's envelope when there is one, and records
// the outcome: a sent message in the journal at once, anything else
// through the marker. A message that cannot go because this machine cannot
// write (a full disk) is tried again until it can, without counting an
// attempt; given back if the outbox stops or its edition is halted first.
func (w *worker) deliver(ctx context.Context, cur, next *job) {
	d := cur.d
	defer w.o.inflight.Delete(d.ID)
	res := newsdesk.DeliveryResult{ID: d.ID, EditionID: d.EditionID, SubscriberID: d.Subscriber.ID}
	err := cur.err
	if err == nil {
		err = w.send(ctx, cur, next)
		for localFault(err) {
			if !w.waitFault(ctx, d, err) {
				return
			}
			err = w.send(ctx, cur, nil)
		}
		if w.faults > 0 {
			w.o.Logger.Info("outbox: sending works again", "delivery", d.ID, "tries", w.faults+1)
			w.faults = 0
		}
	}
	w.o.outcome(&res, d, err)
	w.o.observe(res.Status, err)
	if res.Status == newsdesk.DeliverySent && w.o.journal != nil {
		if err := w.o.journal.append(res); err == nil {
			return
		}
		w.o.Logger.Error("outbox: journal write failed; recording in the store", "delivery", d.ID, "err", err)
	}
	w.prev = w.marks.submit(res)
}

// waitFault waits before trying cur again after a local fault, and reports
// whether to; when not, cur was given back.
func (w *worker) waitFault(ctx context.Context, d *newsdesk.Delivery, err error) bool {
	if w.faults%20 == 0 {
		w.o.Logger.Error("outbox: cannot write; holding the delivery until it can", "delivery", d.ID, "tries", w.faults+1, "err", err)
	}
	sleep(ctx, faultWait(w.faults))
	w.faults++
	switch {
	case ctx.Err() != nil:
		w.giveBack(d)
	case w.o.halted(d.EditionID):
		w.o.hold(d)
	default:
		return true
	}
	return false
}

// send hands cur over on the worker's connection, dialling when there is
// none. The previous outcome, when it went to the marker, must be durable
// before the server can accept cur.
func (w *worker) send(ctx context.Context, cur, next *job) error {
	if err := w.dial(ctx); err != nil {
		return err
	}
	var err error
	if s, ok := w.conn.(Streamer); ok {
		if err = w.waitPrev(); err != nil {
			w.conn.Close()
			w.conn = nil
			return &SendError{Stage: StageLocal, Message: err.Error(), Broken: true, err: err}
		}
		var env *Envelope
		w.ahead = nil
		if next != nil && next.err == nil {
			env = &next.env
			w.ahead = next.d
		}
		err = s.Stream(cur.env, cur.msg.Bytes(), env)
	} else {
		var ready func() error
		if w.prev != nil {
			ready = w.waitPrev
		}
		err = w.conn.Send(ctx, cur.env, cur.msg.Bytes(), ready)
	}
	var se *SendError
	if errors.As(err, &se) && se.Broken {
		w.conn.Close()
		w.conn = nil
	}
	return err
}

// dial opens the worker's connection if it has none, waiting longer after
// each failure in a row.
func (w *worker) dial(ctx context.Context) error {
	if w.conn != nil {
		return nil
	}
	if w.dialErr > 0 {
		sleep(ctx, min(time.Second<<min(w.dialErr-1, 5), 30*time.Second))
	}
	var err error
	if w.conn, err = w.o.Transport.Dial(ctx); err != nil {
		w.dialErr++
		return err
	}
	w.dialErr = 0
	return nil
}

// waitPrev returns once the outcome given to the marker last is durable.
func (w *worker) waitPrev() error {
	if w.prev == nil {
		return nil
	}
	err := <-w.prev.done
	w.prev = nil
	return err
}

func (w *worker) close() {
	w.waitPrev()
	if w.conn != nil {
		w.conn.Close()
	}
}
