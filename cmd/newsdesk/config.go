package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is newsdesk.toml. Every key can also be set in the environment
// as NEWSDESK_SECTION_KEY, which wins over the file.
type Config struct {
	Site  SiteConfig  `toml:"site"`
	HTTP  HTTPConfig  `toml:"http"`
	Feeds FeedsConfig `toml:"feeds"`
}

// SiteConfig describes the publication.
type SiteConfig struct {
	Title         string `toml:"title"`
	Description   string `toml:"description"`
	BaseURL       string `toml:"base_url"`
	Language      string `toml:"language"`
	PostalAddress string `toml:"postal_address"`
	Templates     string `toml:"templates"`
}

// HTTPConfig is the daemon's listener.
type HTTPConfig struct {
	Listen string `toml:"listen"`
}

// FeedsConfig shapes the published feeds.
type FeedsConfig struct {
	Items  int      `toml:"items"`
	MaxAge Duration `toml:"max_age"`
	Hub    string   `toml:"hub"`
}

// Duration is a time.Duration written as "5m" or "90s" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration (use e.g. 90s, 5m, 1h)", b)
	}
	d.Duration = v
	return nil
}

// DefaultConfig is what newsdesk runs with when nothing is configured.
func DefaultConfig() Config {
	return Config{
		Site: SiteConfig{
			Title:    "newsdesk",
			BaseURL:  "http://127.0.0.1:8080",
			Language: "en",
		},
		HTTP:  HTTPConfig{Listen: "127.0.0.1:8080"},
		Feeds: FeedsConfig{Items: 20, MaxAge: Duration{5 * time.Minute}},
	}
}

// LoadConfig reads path (when it is not "") over the defaults, applies the
// environment, and validates the result. A missing file is an error only
// when required is set.
func LoadConfig(path string, required bool, environ []string) (Config, error) {
	cfg := DefaultConfig()
	if path != "" {
		md, err := toml.DecodeFile(path, &cfg)
		if errors.Is(err, os.ErrNotExist) && !required {
			// No file: defaults and environment only.
		} else if err != nil {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		} else if undecoded := md.Undecoded(); len(undecoded) > 0 {
			return cfg, fmt.Errorf("config %s: unknown key %q", path, undecoded[0].String())
		}
	}
	if err := applyEnv(&cfg, environ); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// applyEnv sets fields from NEWSDESK_SECTION_KEY variables.
func applyEnv(cfg *Config, environ []string) error {
	fields := envFields(reflect.ValueOf(cfg).Elem())
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		field, ok := fields[name]
		if !ok {
			continue
		}
		if err := setField(field, value); err != nil {
			return fmt.Errorf("environment %s: %w", name, err)
		}
	}
	return nil
}

// envFields maps each NEWSDESK_SECTION_KEY to its field.
func envFields(v reflect.Value) map[string]reflect.Value {
	fields := map[string]reflect.Value{}
	for i := 0; i < v.NumField(); i++ {
		section := v.Field(i)
		sname := v.Type().Field(i).Tag.Get("toml")
		for j := 0; j < section.NumField(); j++ {
			key := section.Type().Field(j).Tag.Get("toml")
			fields[strings.ToUpper("NEWSDESK_"+sname+"_"+key)] = section.Field(j)
		}
	}
	return fields
}

func setField(f reflect.Value, s string) error {
	switch f.Addr().Interface().(type) {
	case *Duration:
		return f.Addr().Interface().(*Duration).UnmarshalText([]byte(s))
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		f.SetInt(int64(n))
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q is not true or false", s)
		}
		f.SetBool(b)
	}
	return nil
}

// Validate checks values that would otherwise fail later and obscurely.
func (c *Config) Validate() error {
	c.Site.BaseURL = strings.TrimSuffix(c.Site.BaseURL, "/")
	u, err := url.Parse(c.Site.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("config site.base_url: %q must be an absolute http(s) URL such as https://example.org", c.Site.BaseURL)
	}
	if strings.TrimSpace(c.Site.Title) == "" {
		return fmt.Errorf("config site.title: must not be empty")
	}
	if c.Feeds.Items < 1 || c.Feeds.Items > 1000 {
		return fmt.Errorf("config feeds.items: %d must be between 1 and 1000", c.Feeds.Items)
	}
	if c.Feeds.MaxAge.Duration < 0 {
		return fmt.Errorf("config feeds.max_age: must not be negative")
	}
	if c.Feeds.Hub != "" {
		if u, err := url.Parse(c.Feeds.Hub); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("config feeds.hub: %q must be an absolute http(s) URL", c.Feeds.Hub)
		}
	}
	return nil
}

// Host is the authority part of the base URL, used in tag: URIs.
func (c *Config) Host() string {
	u, _ := url.Parse(c.Site.BaseURL)
	return u.Hostname()
}

// exampleConfig is what init writes: every key, commented, at its default.
const exampleConfig = `# newsdesk configuration. Every key may also be set in the environment as
# NEWSDESK_SECTION_KEY (for example NEWSDESK_SITE_BASE_URL), which wins.

[site]
# The publication's name, shown in pages and feeds.
title = "newsdesk"
# description = "Analysis and commentary"
# The public address readers reach the site at. Feeds and emails use it for
# every link, so set it before publishing.
base_url = "http://127.0.0.1:8080"
# BCP 47 language tag of the content.
language = "en"
# Shown in page and email footers.
# postal_address = "1 Harbour Street, Bristol BS1 1AA, United Kingdom"
# A directory of templates overriding the built-in ones, file by file.
# templates = "templates"

[http]
listen = "127.0.0.1:8080"

[feeds]
# Articles per feed.
items = 20
# Cache-Control max-age for feeds.
max_age = "5m"
# A WebSub hub to ping on every publish; feeds then carry rel="hub".
# hub = "https://pubsubhubbub.appspot.com/"
`
