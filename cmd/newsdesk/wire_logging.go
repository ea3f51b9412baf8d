package main

import (
	"os"
	"strings"

	"github.com/newsdesk/newsdesk/config"
	"github.com/newsdesk/newsdesk/logging"
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

// keepSecrets returns the log's redactor with the secrets of the config:
// the SMTP password and the lines of the DKIM key (not its short PEM
// armour words). newApp adds the signing secret once the database is open.
func (a *app) keepSecrets() *logging.Redactor {
	a.redact = &logging.Redactor{}
	a.redact.Add(a.cfg.SMTP.Password)
	a.redact.Add(a.cfg.Metrics.Token)
	if a.cfg.DKIM.KeyFile != "" {
		if key, err := os.ReadFile(a.cfg.DKIM.KeyFile); err == nil {
			for _, line := range strings.Fields(string(key)) {
				if len(line) >= 20 {
					a.redact.Add(line)
				}
			}
		}
	}
	return a.redact
}
