package mailer

import (
	"context"
	"errors"
	"time"

	"github.com/newsdesk/newsdesk"
)

// EditionProgress is what DeliverEdition tells the one waiting for an
// edition: Show gets the edition each time it is looked at, with line set
// at most once a second and when it is done, and says whether it showed
// it; Prepared is called once the preparation ended well.
type EditionProgress struct {
	Show     func(e *newsdesk.Edition, line bool) bool
	Prepared func() error
}

// DeliverEdition waits until edition id, being prepared until prepared
// says so, has nothing left to send now. The process that owns the outbox
// (the daemon) delivers it if it runs; otherwise, or if it stops
// meanwhile, o delivers it from this process. A command sending an edition
// by hand runs this; whatever ends the wait, the preparation and the
// delivery running here have ended when it returns.
func (w *Owner) DeliverEdition(ctx context.Context, o *Outbox, editions EditionFinder, id int64, prepared <-chan error, p EditionProgress) (err error) {
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	var running chan error
	defer func() {
		stop()
		if running != nil {
			if rerr := <-running; err == nil && !errors.Is(rerr, ErrOwned) {
				err = rerr
			}
		}
		if prepared != nil {
			if perr := <-prepared; err == nil && perr != nil {
				err = perr
			} else if err == nil {
				err = p.Prepared()
			}
		}
	}()
	// The edition is looked at often, so the wait ends soon after the last
	// delivery, and a progress line is due once a second.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var shown time.Time
	for {
		e, err := editions.FindEditionByID(ctx, id)
		if err != nil {
			return err
		}
		done := e.Counts.Queued == 0 && e.Status != newsdesk.EditionPreparing && e.Status != newsdesk.EditionScheduled
		if p.Show(e, done || time.Since(shown) >= time.Second) {
			shown = time.Now()
		}
		if done && prepared == nil {
			break
		}
		if running == nil && !done && !w.WakeOwner() {
			running = w.DeliverHere(runCtx, o)
		}
		select {
		case err := <-prepared:
			prepared = nil
			if err == nil {
				err = p.Prepared()
			}
			if err != nil {
				return err
			}
		case <-ctx.Done():
			return errors.New("interrupted: the rest of the edition stays queued, and newsdesk serve sends it")
		case err := <-running:
			running = nil
			if err != nil && !errors.Is(err, ErrOwned) {
				return err
			}
		case <-tick.C:
		}
	}
	stop()
	if running != nil {
		err, running = <-running, nil
		if err != nil && !errors.Is(err, ErrOwned) {
			return err
		}
	}
	return nil
}
