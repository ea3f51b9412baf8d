package mailer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
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
	// EditionEvents returns up to limit events of the editions' log after
	// the event since, oldest first, with each edition's status now.
	EditionEvents(ctx context.Context, since int64, limit int) ([]newsdesk.EditionEvent, error)
}

// Contents gives the content a delivery carries, ready to personalise.
type Contents interface {
	Prepared(ctx context.Context, d *newsdesk.Delivery) (*Prepared, error)
}

// Outbox delivers the queue of deliveries kept in the store. A dispatcher
// claims due deliveries in batches; one worker per connection builds each
// message and sends it, with the next message's envelope going out along
// with its data; failures and deferrals go to a marker, which records them
// many per transaction.
//
// A delivery is recorded as sent as soon as the server has accepted it: in
// the journal, with one write, which the outbox applies to the store in
// batches; or without a journal, through the marker, and then the worker
// does not let the server accept its next message before that record is
// durable. Either way a crash leaves at most one message per connection
// accepted but not recorded, and those are the only ones sent twice when
// delivery resumes.
type Outbox struct {
	Store     Store
	Contents  Contents
	Builder   *Builder
	Transport Transport
	Sender    string // the envelope sender (MAIL FROM)
	Logger    *slog.Logger
	Clock     newsdesk.Clock
	Observer  Observer // hears each attempt's outcome; may be nil

	Connections int           // workers, each with its own connection; default 1
	Rate        float64       // messages per second over all connections; 0 for no limit
	Batch       int           // deliveries claimed at a time; default 200
	Lease       time.Duration // how long a claim holds; default 1h
	MaxAttempts int           // tries before a temporary failure becomes final; default 15
	// Backoff is the wait before attempt n+1 after n failed; default
	// exponential from a minute to four hours, with jitter.
	Backoff func(n int) time.Duration
	Sweep   time.Duration // longest idle wait between looks at the queue; default 30s
	// Watch is how often the editions' log is read for pauses and cancels
	// made by other processes; default 50ms.
	Watch time.Duration
	// Journal is the directory of the journal of sent deliveries (see
	// journal); "" records each sent delivery in the store as it goes.
	Journal string

	wake         chan struct{}
	poke         chan struct{} // wakes the watcher of the editions' log
	halts        atomic.Pointer[map[int64]bool]
	eventsMu     sync.Mutex // held while reading the editions' log
	lastEvent    int64      // the last event of the editions' log read
	heldMu       sync.Mutex
	held         []int64        // deliveries of halted editions to give back
	unapplied    []journalBatch // the journal's folder's: batches not yet applied
	foldFailures int
	journal      *journal
	limiter      *rate.Limiter
	inflight     sync.Map // delivery id -> struct{}: claimed and not yet completed
	stats        struct{ sent, deferred, failed atomic.Int64 }
	initOnce     sync.Once
}

func (o *Outbox) init() {
	o.initOnce.Do(func() {
		o.wake = make(chan struct{}, 1)
		o.poke = make(chan struct{}, 1)
		o.halts.Store(&map[int64]bool{})
		if o.Watch <= 0 {
			o.Watch = defaultWatch
		}
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

// Wake tells the outbox that deliveries were queued or an edition paused,
// resumed or cancelled, so it looks now rather than at its next sweep.
// The editions' log is read before Wake returns, so that once a pause
// made in this process has been answered, no message of its edition starts.
func (o *Outbox) Wake() {
	o.init()
	o.refresh(context.Background())
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
	if err := o.replayJournal(ctx); err != nil {
		return err
	}
	if n, err := o.Store.RecoverDeliveries(ctx); err != nil {
		return err
	} else if n > 0 {
		o.Logger.Info("outbox: resuming deliveries left claimed by an earlier run", "deliveries", n)
	}
	o.eventsMu.Lock()
	err := o.readEvents(ctx, false)
	o.eventsMu.Unlock()
	if err != nil {
		return err
	}
	stopJournal, err := o.startJournal()
	if err != nil {
		return err
	}
	defer stopJournal()
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		o.watch(watchCtx)
	}()
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
	stopWatch()
	<-watched
	ids := o.takeHeld()
	for r := range released {
		ids = append(ids, r...)
	}
	return o.Store.ReleaseDeliveries(context.WithoutCancel(ctx), ids)
}

// dispatch claims due deliveries and hands them to the workers until ctx
// ends, waiting for a wake-up or the next due time when there are none.
// A failure to claim (a full disk) is tried again after a wait that grows
// to ten seconds.
func (o *Outbox) dispatch(ctx context.Context, jobs chan<- *newsdesk.Delivery) {
	failures := 0
	for ctx.Err() == nil {
		ds, err := o.Store.ClaimDeliveries(ctx, o.Batch, o.Lease)
		if err != nil {
			if ctx.Err() == nil {
				o.Logger.Error("outbox: claiming deliveries failed", "err", err, "failures", failures+1)
				sleep(ctx, faultWait(failures))
				failures++
			}
			continue
		}
		failures = 0
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
			if o.halted(d.EditionID) {
				o.hold(d)
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

// journalFold is how often the journal is applied to the store.
const journalFold = 50 * time.Millisecond

// replayJournal applies the journal files an earlier run left, so that
// what it sent counts as sent before anything is claimed again.
func (o *Outbox) replayJournal(ctx context.Context) error {
	if o.Journal == "" {
		return nil
	}
	results, paths, err := readJournals(o.Journal)
	if err != nil {
		return err
	}
	if len(results) > 0 {
		o.Logger.Info("outbox: recording deliveries sent by an earlier run", "deliveries", len(results))
	}
	if err := o.applyJournal(ctx, results); err != nil {
		return err
	}
	for _, p := range paths {
		os.Remove(p)
	}
	return nil
}

// applyJournal records sent deliveries in the store, in batches.
func (o *Outbox) applyJournal(ctx context.Context, results []newsdesk.DeliveryResult) error {
	const batch = 1000
	for len(results) > 0 {
		n := min(batch, len(results))
		if err := o.Store.CompleteDeliveries(context.WithoutCancel(ctx), results[:n]); err != nil {
			return fmt.Errorf("outbox: recording sent deliveries: %w", err)
		}
		results = results[n:]
	}
	return nil
}

// startJournal opens this run's journal and applies it every journalFold;
// the function it returns applies the rest and closes it.
func (o *Outbox) startJournal() (func(), error) {
	if o.Journal == "" {
		return func() {}, nil
	}
	j, err := openJournal(o.Journal)
	if err != nil {
		return nil, err
	}
	o.journal = j
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(journalFold)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			if len(o.unapplied) > 0 || j.size() > 0 {
				o.fold(j.rotate())
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		o.fold(j.close())
		o.journal = nil
		for _, b := range o.unapplied {
			o.Logger.Error("outbox: journal not applied; it will be at the next start", "files", b.paths)
		}
		o.unapplied = nil
	}, nil
}

// fold applies the batches of the journal not yet applied, then b, and
// removes their files. A batch that cannot be applied (the store cannot be
// written) is kept, in order, and tried again at the next fold: the
// deliveries it records were sent and must not wait for a restart.
func (o *Outbox) fold(b journalBatch) {
	if len(b.results) > 0 || len(b.paths) > 0 {
		o.unapplied = append(o.unapplied, b)
	}
	for len(o.unapplied) > 0 {
		b := o.unapplied[0]
		if err := o.applyJournal(context.Background(), b.results); err != nil {
			if o.foldFailures%40 == 0 {
				o.Logger.Error("outbox: journal not applied; trying again", "records", len(b.results), "tries", o.foldFailures+1, "err", err)
			}
			o.foldFailures++
			return
		}
		if o.foldFailures > 0 {
			o.Logger.Info("outbox: journal applied again", "tries", o.foldFailures+1)
			o.foldFailures = 0
		}
		for _, p := range b.paths {
			os.Remove(p)
		}
		o.unapplied = o.unapplied[1:]
	}
}
