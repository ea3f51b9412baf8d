package main

import (
	"net"
	"net/http"
	"time"

	"github.com/newsdesk/newsdesk/web"
)

// exposeMetrics puts /metrics where the config says: behind the metrics
// token if there is one, on the public listener or, with metrics.listen,
// on a listener of its own (the public one then answers 404). stop closes
// that listener.
func (a *app) exposeMetrics(srv *web.Server) (stop func(), err error) {
	h := web.RequireToken(a.cfg.Metrics.Token, srv.Metrics)
	if a.cfg.Metrics.Listen == "" {
		srv.Metrics = h
		return func() {}, nil
	}
	srv.Metrics = nil
	ln, err := net.Listen("tcp", a.cfg.Metrics.Listen)
	if err != nil {
		return nil, usagef("serve: cannot listen on %s for metrics: %w", a.cfg.Metrics.Listen, err)
	}
	hs := &http.Server{Handler: web.MetricsOnly(h), ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: idleTimeout}
	go hs.Serve(ln)
	a.logger.Info("serving metrics", "addr", ln.Addr().String())
	return func() { hs.Close() }, nil
}
