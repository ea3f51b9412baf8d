package main

import (
	"context"
	"net"

	"github.com/newsdesk/newsdesk/web"
)

func runServe(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("serve", env, &g)
	listen := fs.String("listen", "", "address to listen on (default http.listen, 127.0.0.1:8080)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	app.warnExposedSecrets(configPath(&g))
	if *listen != "" {
		app.cfg.HTTP.Listen = *listen
	}
	srv, err := app.server()
	if err != nil {
		return err
	}
	if srv.TrustedProxies, err = web.ParseTrustedProxies(app.cfg.HTTP.TrustedProxies); err != nil {
		return usagef("config http.trusted_proxies: %w", err)
	}
	if app.outbox, err = app.newOutbox(); err != nil {
		return err
	}
	maker, err := app.newDigestMaker()
	if err != nil {
		return err
	}
	app.digests = &digestJob{maker: maker}
	app.instrument(srv)
	stopBounces, err := app.startBounces(ctx, srv)
	if err != nil {
		return err
	}
	defer stopBounces()
	stopMetrics, err := app.exposeMetrics(srv)
	if err != nil {
		return err
	}
	defer stopMetrics()
	ln, err := net.Listen("tcp", app.cfg.HTTP.Listen)
	if err != nil {
		return usagef("serve: cannot listen on %s: %w", app.cfg.HTTP.Listen, err)
	}
	// The address line lets scripts and tests find a port chosen by the system.
	printf(env, "newsdesk listening on http://%s\n", ln.Addr())
	app.logger.Info("serving", "addr", ln.Addr().String(), "base_url", app.cfg.Site.BaseURL)
	h := srv.Handler()
	return app.serve(ctx, srv.FastListener(ln, idleTimeout, readHeaderTimeout), h)
}
