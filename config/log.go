package config

import (
	"fmt"
	"log/slog"
)

// LogConfig is [log]: the format and level of the log on standard error.
type LogConfig struct {
	Format string `toml:"format"` // text (logfmt) or json
	Level  string `toml:"level"`  // debug, info, warn or error
}

var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

// Validate checks the format and level.
func (c *LogConfig) Validate() error {
	if c.Format != "text" && c.Format != "json" {
		return fmt.Errorf("config log.format: %q must be text or json", c.Format)
	}
	if _, ok := logLevels[c.Level]; !ok {
		return fmt.Errorf("config log.level: %q must be debug, info, warn or error", c.Level)
	}
	return nil
}

// SlogLevel is the level as log/slog has it.
func (c *LogConfig) SlogLevel() slog.Level { return logLevels[c.Level] }
