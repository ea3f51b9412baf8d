package main

import (
	"path/filepath"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/config"
)

// warnExposedSecrets logs a warning for each file holding a secret that
// others than its owner can read: the database, the DKIM key, and the
// config file when it holds the SMTP password or the metrics token.
func (a *app) warnExposedSecrets(configPath string) {
	files := map[string]string{filepath.Join(a.dataDir, dbFile): "the signing secret, password hashes and the subscriber list"}
	if a.cfg.DKIM.KeyFile != "" {
		files[a.cfg.DKIM.KeyFile] = "the DKIM private key"
	}
	if configPath != "" && config.HoldsSecret(configPath) {
		files[configPath] = "the SMTP password or the metrics token"
	}
	for path, what := range files {
		if mode, exposed := newsdesk.ReadableByOthers(path); exposed {
			a.logger.Warn("a file holding secrets is readable by other users; run chmod 600 on it",
				"path", path, "mode", mode.String(), "holds", what)
		}
	}
}

// configPath is the config file the globals name, as loadConfig reads it.
func configPath(g *globals) string {
	if g.config == "" {
		return "newsdesk.toml"
	}
	return g.config
}
