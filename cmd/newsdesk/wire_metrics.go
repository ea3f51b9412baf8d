package main

import (
	"github.com/newsdesk/newsdesk/metrics"
	"github.com/newsdesk/newsdesk/web"
)

// instrument gives the daemon its metrics: /metrics on the server, feed
// counters, and the outbox's observer.
func (a *app) instrument(srv *web.Server) {
	a.metrics = metrics.New(metrics.Sources{Ingest: a.ingester.Stats, Outbox: a.outboxStore,
		Editions: a.newsletters, Logger: a.logger})
	srv.Metrics = a.metrics.Handler()
	srv.FeedMetrics = a.metrics
	if a.outbox != nil {
		a.outbox.Observer = a.metrics
	}
}
