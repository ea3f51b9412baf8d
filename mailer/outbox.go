package mailer

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsdesk/newsdesk"
	"golang.org/x/time/rate"
)

// Store is what the outbox needs from the database.
type Store interface {
	ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*newsdesk.Delivery, error)
	CompleteDeliveries(ctx context.Context, results []newsdesk.DeliveryResult) error
	ReleaseDeliveries(ctx context.Context, ids []int64) error
	RecoverDeliveries(ctx context.Context) (int, error)
	NextDue(ctx context.Context) (time.Time, error)
}

// Contents gives the content a delivery carries, ready to personalise.
type Contents interface {
	Prepared(ctx context.Context, d *newsdesk.Delivery) (*Prepared, error)
}

// Outbox delivers the queue of deliveries kept in the store. A dispatcher
// claims due deliveries in batches; one worker per connection builds and
// sends each message; a marker records the outcomes, many per transaction.
//
// A delivery is recorded as sent as soon as the server has accepted it, and
// a worker does not let the server accept its next message before that
// record is durable. A crash therefore leaves at most one message per
// connection accepted but not recorded, and those are the only ones sent
// twice when delivery resumes.
type Outbox struct {
	Store     Store
	Contents  Contents
	Builder   *Builder
	Transport Transport
	Sender    string // the envelope sender (MAIL FROM)
	Logger    *slog.Logger
	Clock     newsdesk.Clock

	Connections int           // workers, each with its own connection; default 1
	Rate        float64       // messages per second over all connections; 0 for no limit
	Batch       int           // deliveries claimed at a time; default 200
	Lease       time.Duration // how long a claim holds; default 1h
	MaxAttempts int           // tries before a temporary failure becomes final; default 15
	// Backoff is the wait before attempt n+1 after n failed; default
	// exponential from a minute to four hours, with jitter.
	Backoff func(n int) time.Duration
	Sweep   time.Duration // longest idle wait between looks at the queue; default 30s

	wake     chan struct{}
	limiter  *rate.Limiter
	inflight sync.Map // delivery id -> struct{}: claimed and not yet completed
	stats    struct{ sent, deferred, failed atomic.Int64 }
	initOnce sync.Once
}

func (o *Outbox) init() {
	o.initOnce.Do(func() {
		o.wake = make(chan struct{}, 1)
		if o.Connections < 1 {
			o.Connections = 1
		}
		if o.Batch < 1 {
			o.Batch = 200
		}
		if o.Lease <= 0 {
			o.Lease = time.Hour
		}
		if o.MaxAttempts < 1 {
			o.MaxAttempts = 15
		}
		if o.Backoff == nil {
			o.Backoff = DefaultBackoff
		}
		if o.Sweep <= 0 {
			o.Sweep = 30 * time.Second
		}
		if o.Logger == nil {
			o.Logger = slog.Default()
		}
		if o.Rate > 0 {
			o.limiter = rate.NewLimiter(rate.Limit(o.Rate), 1)
		}
	})
}

// DefaultBackoff waits 1, 2, 4 … minutes, at most four hours, give or take
// a tenth so that deferred deliveries do not all come back at once.
func DefaultBackoff(n int) time.Duration {
	d := 4 * time.Hour
	if n < 9 {
		d = min(time.Minute<<max(n-1, 0), d)
	}
	return d + time.Duration((rand.Float64()-0.5)*0.2*float64(d))
}

// Wake tells the outbox that deliveries were queued, so it looks now
// rather than at its next sweep.
func (o *Outbox) Wake() {
	o.init()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Stats returns how many messages this outbox has sent, deferred and failed.
func (o *Outbox) Stats() (sent, deferred, failed int64) {
	return o.stats.sent.Load(), o.stats.deferred.Load(), o.stats.failed.Load()
}

// Run delivers until ctx ends. Only one process may run an outbox on a
// store at a time: Run begins by taking back the claims a dead predecessor
// left. When ctx ends, the messages being sent are finished and recorded,
// and the deliveries claimed but not begun are given back.
func (o *Outbox) Run(ctx context.Context) error {
	o.init()
	if n, err := o.Store.RecoverDeliveries(ctx); err != nil {
		return err
	} else if n > 0 {
		o.Logger.Info("outbox: resuming deliveries left claimed by an earlier run", "deliveries", n)
	}
	jobs := make(chan *newsdesk.Delivery, o.Batch)
	m := newMarker(o.Store, o.Logger)
	var wg sync.WaitGroup
	released := make(chan []int64, o.Connections)
	for range o.Connections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			released <- o.work(ctx, jobs, m)
		}()
	}
	o.dispatch(ctx, jobs)
	close(jobs)
	wg.Wait()
	close(released)
	m.close()
	var ids []int64
	for r := range released {
		ids = append(ids, r...)
	}
	return o.Store.ReleaseDeliveries(context.WithoutCancel(ctx), ids)
}

// dispatch claims due deliveries and hands them to the workers until ctx
// ends, waiting for a wake-up or the next due time when there are none.
func (o *Outbox) dispatch(ctx context.Context, jobs chan<- *newsdesk.Delivery) {
	for ctx.Err() == nil {
		ds, err := o.Store.ClaimDeliveries(ctx, o.Batch, o.Lease)
		if err != nil {
			if ctx.Err() == nil {
				o.Logger.Error("outbox: claiming deliveries failed", "err", err)
				sleep(ctx, time.Second)
			}
			continue
		}
		if len(ds) == 0 {
			o.idle(ctx)
			continue
		}
		for _, d := range ds {
			// A claim whose lease ran out while it waited here comes back;
			// it is already on its way.
			if _, dup := o.inflight.LoadOrStore(d.ID, struct{}{}); dup {
				continue
			}
			jobs <- d
		}
	}
}

// idle waits for a wake-up, the next due delivery or the sweep interval.
func (o *Outbox) idle(ctx context.Context) {
	wait := o.Sweep
	if next, err := o.Store.NextDue(ctx); err == nil && !next.IsZero() {
		wait = min(wait, max(next.Sub(o.Clock.Now()), 10*time.Millisecond))
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-o.wake:
	case <-t.C:
	}
}

// work is one worker: it owns one connection and sends the deliveries it
// receives, until jobs is closed. It returns the deliveries it was given
// after ctx ended, which were not begun.
func (o *Outbox) work(ctx context.Context, jobs <-chan *newsdesk.Delivery, m *marker) []int64 {
	w := &worker{o: o, marks: m}
	defer w.close()
	var unsent []int64
	for d := range jobs {
		if ctx.Err() != nil || (o.limiter != nil && o.limiter.Wait(ctx) != nil) {
			unsent = append(unsent, d.ID)
			o.inflight.Delete(d.ID)
			continue
		}
		w.deliver(ctx, d)
	}
	return unsent
}

// worker is the state of one worker: its connection, its buffer, and the
// record of its last message, not yet known to be durable.
type worker struct {
	o       *Outbox
	marks   *marker
	conn    Conn
	buf     bytes.Buffer
	prev    *mark
	dialErr int // dial failures in a row
}

func (w *worker) deliver(ctx context.Context, d *newsdesk.Delivery) {
	res := newsdesk.DeliveryResult{ID: d.ID, EditionID: d.EditionID, SubscriberID: d.Subscriber.ID}
	err := w.send(ctx, d)
	w.o.outcome(&res, d, err)
	w.prev = w.marks.submit(res)
	w.o.inflight.Delete(d.ID)
}

// send builds and sends one message; the error says what went wrong.
func (w *worker) send(ctx context.Context, d *newsdesk.Delivery) error {
	p, err := w.o.Contents.Prepared(ctx, d)
	if err != nil {
		return err
	}
	w.buf.Reset()
	r := Recipient{SubscriberID: d.Subscriber.ID, Email: d.Subscriber.Email, Name: d.Subscriber.Name}
	if err := w.o.Builder.Build(&w.buf, p, r); err != nil {
		return err
	}
	if w.conn == nil {
		if w.dialErr > 0 {
			sleep(ctx, min(time.Second<<min(w.dialErr-1, 5), 30*time.Second))
		}
		if w.conn, err = w.o.Transport.Dial(ctx); err != nil {
			w.dialErr++
			return err
		}
		w.dialErr = 0
	}
	env := Envelope{From: w.o.Sender, To: d.Subscriber.Email, ID: w.o.Builder.MessageID(p.Key, r.SubscriberID)}
	err = w.conn.Send(ctx, env, w.buf.Bytes(), w.waitPrev)
	var se *SendError
	if errors.As(err, &se) && se.Broken {
		w.conn.Close()
		w.conn = nil
	}
	return err
}

// waitPrev returns once the outcome of the previous message is durable.
func (w *worker) waitPrev() error {
	if w.prev == nil {
		return nil
	}
	err := <-w.prev.done
	w.prev.done <- err // for a second waiter (close)
	return err
}

func (w *worker) close() {
	w.waitPrev()
	if w.conn != nil {
		w.conn.Close()
	}
}

// outcome turns the error of an attempt into its result: sent, deferred
// with backoff, or failed, with a hard bounce marking the subscriber.
func (o *Outbox) outcome(res *newsdesk.DeliveryResult, d *newsdesk.Delivery, err error) {
	var se *SendError
	switch {
	case err == nil:
		res.Status = newsdesk.DeliverySent
		o.stats.sent.Add(1)
		return
	case errors.As(err, &se) && se.Permanent():
		res.Status, res.Bounced = newsdesk.DeliveryFailed, se.Bounce()
	case se != nil && se.RecipientLevel() && d.Attempts >= o.MaxAttempts:
		res.Status = newsdesk.DeliveryFailed
	case se != nil:
		// Temporary, or the transport's problem: try again later.
		res.Status, res.DueAt = newsdesk.DeliveryDeferred, o.Clock.Now().Add(o.Backoff(d.Attempts))
	case newsdesk.ErrorCode(err) == newsdesk.EINVALID || newsdesk.ErrorCode(err) == newsdesk.ENOTFOUND:
		res.Status = newsdesk.DeliveryFailed
	default:
		res.Status, res.DueAt = newsdesk.DeliveryDeferred, o.Clock.Now().Add(o.Backoff(d.Attempts))
	}
	res.Error = err.Error()
	if res.Status == newsdesk.DeliveryFailed {
		o.stats.failed.Add(1)
		o.Logger.Warn("outbox: delivery failed", "delivery", d.ID, "to", d.Subscriber.Email, "bounced", res.Bounced, "err", err)
	} else {
		o.stats.deferred.Add(1)
		o.Logger.Info("outbox: delivery deferred", "delivery", d.ID, "attempt", d.Attempts, "until", res.DueAt, "err", err)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
