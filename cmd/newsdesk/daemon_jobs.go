package main

import (
	"context"
	"time"
)

// jobFunc is one of the daemon's scheduled jobs. It returns what it did as
// log attributes (key, count pairs) for the run's log line.
type jobFunc func(ctx context.Context) (did []any, err error)

// job wraps a scheduled job: each run is timed, counted in the metrics and
// logged on one line, at info when it did something, at debug when there
// was nothing to do (the scheduler runs most jobs every few seconds), and
// as an error when it failed.
func (a *app) job(ctx context.Context, name string, run jobFunc) func() {
	return func() {
		start := time.Now()
		did, err := run(ctx)
		d := time.Since(start)
		if ctx.Err() != nil {
			err = nil // stopped by the shutdown, not failed
		}
		if a.metrics != nil {
			a.metrics.JobRan(name, d, err)
		}
		attrs := append([]any{"job", name, "duration", d.Round(time.Microsecond)}, did...)
		switch {
		case err != nil:
			a.logger.Error("job failed", append(attrs, "err", err)...)
		case didSomething(did):
			a.logger.Info("job ran", attrs...)
		default:
			a.logger.Debug("job ran", attrs...)
		}
	}
}

// didSomething reports whether any count among the attributes is above 0.
func didSomething(attrs []any) bool {
	for i := 1; i < len(attrs); i += 2 {
		if n, ok := attrs[i].(int); ok && n > 0 {
			return true
		}
	}
	return false
}

// watchEditions logs each edition as its last delivery finishes, with its
// counts: the outbox marks an edition sent deep in a transaction of many
// deliveries, and this is where an operator sees it happen.
func (a *app) watchEditions(ctx context.Context, interval time.Duration) {
	since := a.clock.Now()
	logged := map[int64]bool{}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// A transaction commits a moment after it read the clock: look
		// back a little, and log each edition once.
		now := a.clock.Now()
		es, err := a.newsletters.FinishedEditions(ctx, since.Add(-time.Minute))
		if err != nil {
			continue
		}
		for _, e := range es {
			if !logged[e.ID] {
				logged[e.ID] = true
				c := e.Counts
				a.logger.Info("edition finished", "newsletter", e.Newsletter.Slug, "edition", e.ID,
					"recipients", c.Recipients, "sent", c.Sent, "failed", c.Failed, "skipped", c.Skipped)
			}
		}
		since = now
	}
}
