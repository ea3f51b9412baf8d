// Package logging makes the daemon's and the commands' log: text or JSON
// on standard error, at the configured level, with every secret the
// configuration and the database hold replaced by [redacted].
package logging

import (
	"io"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/newsdesk/newsdesk/config"
)

// New makes the log as configured. Whatever a message or attribute
// holds, the values given to r never appear in it: secrets are kept
// out of log lines where they are made, and this is the net below.
func New(w io.Writer, c config.LogConfig, r *Redactor) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.SlogLevel(), ReplaceAttr: r.replace}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Redactor removes secrets from log attributes. Secrets are added as they
// become known (the signing secret only once the database is open).
type Redactor struct {
	secrets atomic.Pointer[[]string]
}

// Add adds secrets; short values are ignored, as they would blank out
// ordinary words and are no secret anyway.
func (r *Redactor) Add(secrets ...string) {
	var all []string
	if cur := r.secrets.Load(); cur != nil {
		all = append(all, *cur...)
	}
	for _, s := range secrets {
		if len(s) >= 6 {
			all = append(all, s)
		}
	}
	r.secrets.Store(&all)
}

// replace is the handlers' ReplaceAttr: strings (the message among them)
// and errors that hold a secret have it replaced by [redacted].
func (r *Redactor) replace(_ []string, a slog.Attr) slog.Attr {
	secrets := r.secrets.Load()
	if secrets == nil || len(*secrets) == 0 {
		return a
	}
	var s string
	switch a.Value.Kind() {
	case slog.KindString:
		s = a.Value.String()
	case slog.KindAny:
		err, ok := a.Value.Any().(error)
		if !ok {
			return a
		}
		s = err.Error()
	default:
		return a
	}
	clean := s
	for _, secret := range *secrets {
		clean = strings.ReplaceAll(clean, secret, "[redacted]")
	}
	if clean == s {
		return a
	}
	return slog.String(a.Key, clean)
}
