package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// shutdownContext returns a context that ends at the first SIGINT or
// SIGTERM, which asks the running command to stop cleanly: the daemon
// finishes the messages in flight and closes the database. A second signal
// is an operator who will not wait: the process exits at once, with 128
// plus the signal's number, as a shell reports a process a signal killed.
func shutdownContext(logw io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cancel()
		s := <-sigs
		slog.New(slog.NewTextHandler(logw, nil)).Error("second signal: exiting at once, without finishing", "signal", s.String())
		code := 1
		if n, ok := s.(syscall.Signal); ok {
			code = 128 + int(n)
		}
		os.Exit(code)
	}()
	return ctx, func() {
		signal.Stop(sigs)
		cancel()
	}
}
