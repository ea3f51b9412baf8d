package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/robfig/cron/v3"
)

// The HTTP server's timeouts; the feeds' fast path keeps the first two.
const (
	idleTimeout       = 120 * time.Second
	readHeaderTimeout = 10 * time.Second
)

// serve runs the HTTP server and the scheduler until ctx ends, then shuts
// both down gracefully.
func (a *app) serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	sched := a.scheduler(ctx)
	sched.Start()
	// The scheduler never fires ticks missed while the daemon was down:
	// a pass at start catches them up, with one edition each.
	startPass := make(chan struct{})
	go func() { defer close(startPass); a.job(ctx, "digests", a.runDigests)() }()
	defer func() { <-startPass }()
	watchCtx, stopWatch := context.WithCancel(ctx)
	go a.watchContent(watchCtx, time.Second)
	go a.watchEditions(watchCtx, 2*time.Second)
	mailDone := a.startDelivery(watchCtx)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		stopWatch()
		<-sched.Stop().Done()
		<-mailDone
		return err
	case <-ctx.Done():
	}
	a.logger.Info("shutting down: finishing the messages in flight and running jobs; a second signal exits at once")
	stopWatch()
	defer func() { <-mailDone }() // the message being sent is finished and recorded
	jobs := sched.Stop()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := hs.Shutdown(shutdownCtx)
	<-jobs.Done()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// ingestTick is how often the scheduler looks for sources due.
const ingestTick = 30 * time.Second

// scheduler triggers the daemon's jobs; the jobs are plain methods. ctx
// ends with the daemon, cutting short the jobs that wait on the network.
func (a *app) scheduler(ctx context.Context) *cron.Cron {
	logger := cron.VerbosePrintfLogger(slog.NewLogLogger(a.logger.Handler(), slog.LevelDebug))
	c := cron.New(cron.WithSeconds(), cron.WithLocation(time.UTC),
		cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	c.AddFunc("*/10 * * * * *", a.job(context.Background(), "publish-due", a.publishDue))
	c.AddFunc(fmt.Sprintf("*/%d * * * * *", int(ingestTick/time.Second)), a.job(ctx, "ingest", a.ingestDue))
	c.AddFunc("0 17 * * * *", a.job(ctx, "prune-items", a.pruneItems))
	c.AddFunc("*/10 * * * * *", a.job(ctx, "digests", a.runDigests))
	c.AddFunc("0 41 3 * * *", a.job(ctx, "prune-bounces", a.pruneBounces))
	return c
}

// publishDue publishes the scheduled articles whose time has come, drops
// the cached feeds and tells the WebSub hub.
func (a *app) publishDue(ctx context.Context) ([]any, error) {
	published, err := a.editor().PublishDue(ctx)
	if err != nil || len(published) == 0 {
		return nil, err
	}
	for _, art := range published {
		a.logger.Info("article published", "id", art.ID, "slug", art.Slug)
	}
	return []any{"published", len(published)}, nil
}

// watchContent drops cached feeds when another process (the command line)
// changes content, checking the store's content version every interval.
func (a *app) watchContent(ctx context.Context, interval time.Duration) {
	last, _ := a.db.ContentVersion(ctx)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		v, err := a.db.ContentVersion(ctx)
		if err != nil {
			a.logger.Warn("content version check failed", "err", err)
			continue
		}
		if v != last {
			last = v
			a.publisher.Invalidate()
		}
	}
}
