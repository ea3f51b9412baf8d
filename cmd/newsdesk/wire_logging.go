package main

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"

	"github.com/newsdesk/newsdesk/config"
)

// applyLogFlags lets --log-format and --log-level win over the config.
func applyLogFlags(cfg *config.Config, g *globals) error {
	if g.logFormat != "" {
		cfg.Log.Format = g.logFormat
	}
	if g.logLevel != "" {
		cfg.Log.Level = g.logLevel
	}
	if err := cfg.Log.Validate(); err != nil {
		return usagef("%s", strings.Replace(err.Error(), "config log.", "--log-", 1))
	}
	return nil
}

// newLogger makes the log as configured. Whatever a message or attribute
// holds, the values given to redact never appear in it: secrets are kept
// out of log lines where they are made, and this is the net below.
func newLogger(w io.Writer, c config.LogConfig, r *redactor) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.SlogLevel(), ReplaceAttr: r.replace}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// redactor removes secrets from log attributes. Secrets are added as they
// become known (the signing secret only once the database is open).
type redactor struct {
	secrets atomic.Pointer[[]string]
}

// add adds secrets; short values are ignored, as they would blank out
// ordinary words and are no secret anyway.
func (r *redactor) add(secrets ...string) {
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
func (r *redactor) replace(_ []string, a slog.Attr) slog.Attr {
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

// keepSecrets returns the log's redactor with the secrets of the config:
// the SMTP password and the lines of the DKIM key (not its short PEM
// armour words). newApp adds the signing secret once the database is open.
func (a *app) keepSecrets() *redactor {
	a.redact = &redactor{}
	a.redact.add(a.cfg.SMTP.Password)
	a.redact.add(a.cfg.Metrics.Token)
	if a.cfg.DKIM.KeyFile != "" {
		if key, err := os.ReadFile(a.cfg.DKIM.KeyFile); err == nil {
			for _, line := range strings.Fields(string(key)) {
				if len(line) >= 20 {
					a.redact.add(line)
				}
			}
		}
	}
	return a.redact
}
