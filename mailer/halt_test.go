package mailer_test

import (
	"context"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer"
	"github.com/newsdesk/newsdesk/mailer/smtptest"
	"github.com/newsdesk/newsdesk/sqlite"
)

// haltRun is an edition going out slowly over a few connections.
type haltRun struct {
	f   *fixture
	srv *smtptest.Server
	o   *mailer.Outbox
	e   *newsdesk.Edition
}

func startHaltRun(t *testing.T, subscribers, connections int, journal bool) *haltRun {
	f := newFixture(t, newsdesk.SystemClock{})
	f.addSubscribers(subscribers)
	srv := smtptest.Start(t)
	srv.SetDataDelay(3 * time.Millisecond)
	o := f.newOutbox(smtpTransport(t, srv), connections)
	if !journal {
		o.Journal = ""
	}
	runOutbox(t, o)
	h := &haltRun{f: f, srv: srv, o: o, e: f.createEdition()}
	o.Wake()
	srv.Wait(t, subscribers/10, 20*time.Second)
	return h
}

// settled waits until the server has received nothing for a while, and
// returns its count.
func (h *haltRun) settled() int {
	n := h.srv.Count()
	for {
		time.Sleep(300 * time.Millisecond)
		if m := h.srv.Count(); m != n {
			n = m
			continue
		}
		return n
	}
}

// counts waits until no delivery of the edition is claimed and its sent
// count matches what the server received, and returns its counts.
func (h *haltRun) counts(t *testing.T) newsdesk.EditionCounts {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		e, err := h.f.nls.FindEditionByID(context.Background(), h.e.ID)
		if err != nil {
			t.Fatal(err)
		}
		depth, err := h.f.outbox.OutboxDepth(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if depth[newsdesk.DeliverySending] == 0 && e.Counts.Sent == h.srv.Count() {
			return e.Counts
		}
		if time.Now().After(deadline) {
			t.Fatalf("edition %s %+v with %d claimed, server %d", e.Status, e.Counts, depth[newsdesk.DeliverySending], h.srv.Count())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *haltRun) everyoneOnce(t *testing.T, n int) {
	t.Helper()
	got := h.srv.ByRecipient()
	for i := 1; i <= n; i++ {
		if got[rcpt(i)] != 1 {
			t.Errorf("%s received %d messages", rcpt(i), got[rcpt(i)])
		}
	}
}

// TestPauseStopsAtOnce: once a pause made in the process has been
// answered, at most the messages already in flight on each connection
// arrive; the deliveries claimed and queued go back to waiting, and a
// resume reaches everyone exactly once.
func TestPauseStopsAtOnce(t *testing.T) {
	const subscribers, connections = 600, 3
	for _, journal := range []bool{true, false} {
		h := startHaltRun(t, subscribers, connections, journal)
		if _, err := h.f.nls.PauseEdition(context.Background(), h.e.ID); err != nil {
			t.Fatal(err)
		}
		h.o.Wake() // what every control does before it answers
		at := h.srv.Count()
		after := h.settled()
		if after-at > connections {
			t.Errorf("journal %v: %d messages after the pause, more than the %d connections", journal, after-at, connections)
		}
		c := h.counts(t)
		if c.Sent != after || c.Pending() != subscribers-after || c.Skipped != 0 {
			t.Errorf("journal %v: paused with %d received: counts %+v", journal, after, c)
		}
		if _, err := h.f.nls.ResumeEdition(context.Background(), h.e.ID); err != nil {
			t.Fatal(err)
		}
		h.o.Wake()
		e := h.f.waitEdition(h.e.ID, 30*time.Second)
		h.everyoneOnce(t, subscribers)
		if e.Counts.Sent != subscribers {
			t.Errorf("journal %v: after resuming: %+v", journal, e.Counts)
		}
	}
}

// TestCancelSkipsTheRest: a cancel stops the edition as a pause does, and
// what was not sent is skipped, counted so.
func TestCancelSkipsTheRest(t *testing.T) {
	const subscribers, connections = 500, 2
	h := startHaltRun(t, subscribers, connections, true)
	if _, err := h.f.nls.CancelEdition(context.Background(), h.e.ID); err != nil {
		t.Fatal(err)
	}
	h.o.Wake()
	at := h.srv.Count()
	after := h.settled()
	if after-at > connections {
		t.Errorf("%d messages after the cancel, more than the %d connections", after-at, connections)
	}
	c := h.counts(t)
	if c.Sent != after || c.Skipped != subscribers-after || c.Pending() != 0 {
		t.Errorf("cancelled with %d received: counts %+v", after, c)
	}
	if got := h.srv.ByRecipient(); len(got) != after {
		t.Errorf("%d recipients for %d messages: some twice", len(got), after)
	}
}

// TestPauseFromAnotherProcess: a pause written by another process (its
// own connection to the database, no wake-up) stops the edition within the
// outbox's watch interval.
func TestPauseFromAnotherProcess(t *testing.T) {
	const subscribers, connections = 600, 3
	h := startHaltRun(t, subscribers, connections, true)
	other := sqlite.NewDB(h.f.db.Path)
	if err := other.Open(); err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := sqlite.NewNewsletterService(other).PauseEdition(newsdesk.WithActor(context.Background(), "cli:ann"), h.e.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(h.o.Watch + 20*time.Millisecond)
	at := h.srv.Count()
	if after := h.settled(); after-at > connections {
		t.Errorf("%d messages after the outbox's watch interval, more than the %d connections", after-at, connections)
	}
	c := h.counts(t)
	if c.Sent+c.Pending() != subscribers {
		t.Errorf("counts %+v", c)
	}
}

// TestPausedEditionStaysPausedAfterRestart: claims a dead process left on
// a paused edition are held at the next start, not sent; the resume sends
// them.
func TestPausedEditionStaysPausedAfterRestart(t *testing.T) {
	f := newFixture(t, newsdesk.SystemClock{})
	f.addSubscribers(50)
	e := f.createEdition()
	ctx := context.Background()
	if ds, err := f.outbox.ClaimDeliveries(ctx, 20, time.Hour); err != nil || len(ds) != 20 {
		t.Fatal(ds, err)
	}
	if _, err := f.nls.PauseEdition(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	srv := smtptest.Start(t)
	o := f.newOutbox(smtpTransport(t, srv), 2)
	runOutbox(t, o)
	time.Sleep(500 * time.Millisecond)
	if n := srv.Count(); n != 0 {
		t.Fatalf("%d messages of a paused edition after a restart", n)
	}
	if depth, _ := f.outbox.OutboxDepth(ctx); len(depth) != 0 {
		t.Errorf("deliveries of a paused edition left due or claimed: %v", depth)
	}
	if got, _ := f.nls.FindEditionByID(ctx, e.ID); got.Status != newsdesk.EditionPaused || got.Counts.Pending() != 50 {
		t.Errorf("after the restart: %s %+v", got.Status, got.Counts)
	}
	if _, err := f.nls.ResumeEdition(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	o.Wake()
	f.waitEdition(e.ID, 20*time.Second)
	if got := srv.ByRecipient(); len(got) != 50 || srv.Count() != 50 {
		t.Errorf("after resuming: %d messages to %d recipients", srv.Count(), len(got))
	}
}

// TestEditionEventsNameTheActor: each control is in the edition's log
// with who did it.
func TestEditionEventsNameTheActor(t *testing.T) {
	f := newFixture(t, newsdesk.SystemClock{})
	f.addSubscribers(3)
	e := f.createEdition()
	ctx := context.Background()
	f.nls.PauseEdition(newsdesk.WithActor(ctx, "editor:ann@example.org"), e.ID)
	f.nls.ResumeEdition(newsdesk.WithActor(ctx, "token:deploy-bot"), e.ID)
	f.nls.CancelEdition(newsdesk.WithActor(ctx, "cli:root"), e.ID)
	evs, err := f.outbox.EditionEvents(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"pause editor:ann@example.org", "resume token:deploy-bot", "cancel cli:root"}
	if len(evs) != len(want) {
		t.Fatalf("events %+v", evs)
	}
	for i, ev := range evs {
		if got := ev.Action + " " + ev.Actor; got != want[i] || ev.EditionID != e.ID || ev.Status != newsdesk.EditionCancelled {
			t.Errorf("event %d: %q (%+v), want %q", i, got, ev, want[i])
		}
	}
}
