// Package config reads newsdesk.toml and the NEWSDESK_* environment into
// a Config, with defaults, and refuses values that would fail later and
// obscurely.
package config

import (
	"encoding"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/newsdesk/newsdesk/web"
)

// Config is newsdesk.toml. Every key can also be set in the environment
// as NEWSDESK_SECTION_KEY, which wins over the file.
type Config struct {
	Site    SiteConfig    `toml:"site"`
	HTTP    HTTPConfig    `toml:"http"`
	Feeds   FeedsConfig   `toml:"feeds"`
	Ingest  IngestConfig  `toml:"ingest"`
	Mail    MailConfig    `toml:"mail"`
	SMTP    SMTPConfig    `toml:"smtp"`
	DKIM    DKIMConfig    `toml:"dkim"`
	Log     LogConfig     `toml:"log"`
	Metrics MetricsConfig `toml:"metrics"`
	// Bounces is where bounce reports come back and how they count.
	Bounces BouncesConfig `toml:"bounces"`
}

// BouncesConfig is the bounce address, the receiver and the policy.
type BouncesConfig struct {
	Address    string   `toml:"address"`     // envelope sender base; VERP when set
	Listen     string   `toml:"listen"`      // the built-in SMTP receiver; off when ""
	MaxSize    ByteSize `toml:"max_size"`    // largest report the receiver takes
	SoftLimit  int      `toml:"soft_limit"`  // soft bounces within soft_window that mark bounced
	SoftWindow Duration `toml:"soft_window"` // how far back soft bounces count
	KeepRaw    int      `toml:"keep_raw"`    // days the raw reports are kept
	// Provider webhooks under POST /webhooks/NAME, each on when configured.
	MailgunSigningKey string `toml:"mailgun_signing_key"`
	PostmarkUsername  string `toml:"postmark_username"`
	PostmarkPassword  string `toml:"postmark_password"`
	SendGridPublicKey string `toml:"sendgrid_public_key"`
	SESTopicARNs      string `toml:"ses_topic_arns"` // comma-separated
	// A mailbox polled for bounces: imaps://user@host/INBOX.
	IMAPURL      string   `toml:"imap_url"`
	IMAPPassword string   `toml:"imap_password"` // better NEWSDESK_BOUNCES_IMAP_PASSWORD
	IMAPFolder   string   `toml:"imap_folder"`   // where read messages are moved
	IMAPInterval Duration `toml:"imap_interval"`
}

func (b *BouncesConfig) validate() error {
	if b.Address != "" {
		if a, err := mail.ParseAddress(b.Address); err != nil || a.Name != "" || a.Address != b.Address || !strings.Contains(b.Address, "@") {
			return fmt.Errorf("config bounces.address: %q must be a bare address such as bounces@news.example.org", b.Address)
		}
	}
	if b.Listen != "" && b.Address == "" {
		return fmt.Errorf("config bounces.listen: needs bounces.address, the address the receiver accepts")
	}
	if b.IMAPURL != "" && b.IMAPInterval.Duration < 10*time.Second {
		return fmt.Errorf("config bounces.imap_interval: at least 10s")
	}
	if (b.PostmarkUsername == "") != (b.PostmarkPassword == "") {
		return fmt.Errorf("config bounces: postmark_username and postmark_password go together")
	}
	if b.SoftLimit < 1 || b.SoftWindow.Duration <= 0 || b.KeepRaw < 0 || b.MaxSize < 1024 {
		return fmt.Errorf("config bounces: soft_limit must be at least 1, soft_window positive, keep_raw 0 or more, max_size at least 1KiB")
	}
	return nil
}

// SiteConfig describes the publication.
type SiteConfig struct {
	Title         string   `toml:"title"`
	Description   string   `toml:"description"`
	BaseURL       string   `toml:"base_url"`
	Language      string   `toml:"language"`
	PostalAddress string   `toml:"postal_address"`
	Templates     string   `toml:"templates"`
	MaxAge        Duration `toml:"max_age"` // Cache-Control max-age of pages
	Logo          string   `toml:"logo"`    // URL or site path of the publication's logo
	Favicon       string   `toml:"favicon"` // URL or site path of the site's icon
}

// HTTPConfig is the daemon's listener.
type HTTPConfig struct {
	Listen string `toml:"listen"`
	// TrustedProxies are the proxies (CIDR prefixes or addresses) whose
	// X-Forwarded-For or Forwarded header names the client.
	TrustedProxies StringList `toml:"trusted_proxies"`
}

// MetricsConfig is where /metrics is served and what it asks for.
type MetricsConfig struct {
	Listen string `toml:"listen"` // a listener of its own; "" serves /metrics on http.listen
	Token  string `toml:"token"`  // a bearer token /metrics requires; "" for none
}

// StringList is a TOML array of strings, or in the environment a
// comma-separated list.
type StringList []string

// UnmarshalText reads the comma-separated form.
func (l *StringList) UnmarshalText(b []byte) error {
	*l = nil
	for _, s := range strings.Split(string(b), ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// UnmarshalTOML reads an array of strings, or one string of the
// comma-separated form.
func (l *StringList) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case string:
		return l.UnmarshalText([]byte(v))
	case []any:
		*l = nil
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("%v is not a string", e)
			}
			*l = append(*l, strings.TrimSpace(s))
		}
		return nil
	}
	return fmt.Errorf("want a list of strings such as [\"127.0.0.1/32\"]")
}

// FeedsConfig shapes the published feeds.
type FeedsConfig struct {
	Items  int      `toml:"items"`
	MaxAge Duration `toml:"max_age"`
	Hub    string   `toml:"hub"`
}

// IngestConfig governs the polling of external feeds.
type IngestConfig struct {
	Interval     Duration `toml:"interval"`      // default polling interval of a source
	MaxBody      ByteSize `toml:"max_body"`      // largest feed body accepted, after decompression
	Timeout      Duration `toml:"timeout"`       // total time one fetch may take
	MaxErrors    int      `toml:"max_errors"`    // consecutive failures before a source is paused
	Retention    Duration `toml:"retention"`     // how long ingested items are kept
	Concurrency  int      `toml:"concurrency"`   // sources fetched at once
	AllowPrivate bool     `toml:"allow_private"` // allow loopback, private and link-local addresses
}

// MailConfig is how newsletters and confirmations leave.
type MailConfig struct {
	Transport string `toml:"transport"` // "file" (default) or "smtp"
	From      string `toml:"from"`
	ReplyTo   string `toml:"reply_to"`
}

// SMTPConfig is the SMTP transport.
type SMTPConfig struct {
	Host        string `toml:"host"`
	Port        int    `toml:"port"`
	TLS         string `toml:"tls"` // mandatory, opportunistic, none or ssl
	Username    string `toml:"username"`
	Password    string `toml:"password"`
	Connections int    `toml:"connections"`
	Rate        int    `toml:"rate"` // messages per second; 0 for no limit
}

// DKIMConfig signs outgoing mail when all three are set.
type DKIMConfig struct {
	Domain   string `toml:"domain"`
	Selector string `toml:"selector"`
	KeyFile  string `toml:"key_file"`
}

// ByteSize is a size written as 10485760, "512KiB", "10MiB" or "1GB".
type ByteSize int64

// UnmarshalText parses a size with an optional unit.
func (b *ByteSize) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(num), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("%q is not a size (use e.g. 10MiB or 10485760)", text)
	}
	*b = ByteSize(n * mult)
	return nil
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

// Default is what newsdesk runs with when nothing is configured.
func Default() Config {
	return Config{
		Site: SiteConfig{
			Title:    "newsdesk",
			BaseURL:  "http://127.0.0.1:8080",
			Language: "en",
			MaxAge:   Duration{time.Minute},
		},
		HTTP:  HTTPConfig{Listen: "127.0.0.1:8080"},
		Feeds: FeedsConfig{Items: 20, MaxAge: Duration{5 * time.Minute}},
		Ingest: IngestConfig{Interval: Duration{30 * time.Minute}, MaxBody: 10 << 20, Timeout: Duration{30 * time.Second},
			MaxErrors: 10, Retention: Duration{90 * 24 * time.Hour}, Concurrency: 8},
		Mail: MailConfig{Transport: "file", From: "newsdesk <newsdesk@localhost>"},
		SMTP: SMTPConfig{Port: 587, TLS: "mandatory", Connections: 4},
		Log:  LogConfig{Format: "text", Level: "info"},
		Bounces: BouncesConfig{MaxSize: 1 << 20, SoftLimit: 3, SoftWindow: Duration{30 * 24 * time.Hour}, KeepRaw: 30,
			IMAPFolder: "newsdesk-processed", IMAPInterval: Duration{time.Minute}},
	}
}

// Load reads path (when it is not "") over the defaults, applies the
// environment, and validates the result. A missing file is an error only
// when required is set.
func Load(path string, required bool, environ []string) (Config, error) {
	cfg := Default()
	if path != "" {
		md, err := toml.DecodeFile(path, &cfg)
		if errors.Is(err, os.ErrNotExist) && !required {
			// No file: defaults and environment only.
		} else if err != nil {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		} else if undecoded := md.Undecoded(); len(undecoded) > 0 {
			return cfg, fmt.Errorf("config %s: unknown key %q%s", path, undecoded[0].String(), didYouMean(undecoded[0].String(), configKeys()))
		}
	}
	if err := applyEnv(&cfg, environ); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// HoldsSecret reports whether the config file at path sets
// smtp.password or metrics.token.
func HoldsSecret(path string) bool {
	var c struct {
		SMTP struct {
			Password string `toml:"password"`
		} `toml:"smtp"`
		Metrics struct {
			Token string `toml:"token"`
		} `toml:"metrics"`
	}
	_, err := toml.DecodeFile(path, &c)
	return err == nil && (c.SMTP.Password != "" || c.Metrics.Token != "")
}

// applyEnv sets fields from NEWSDESK_SECTION_KEY variables.
func applyEnv(cfg *Config, environ []string) error {
	fields := envFields(reflect.ValueOf(cfg).Elem())
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		field, ok := fields[name]
		if !ok && strings.HasPrefix(name, "NEWSDESK_") {
			return fmt.Errorf("environment: unknown variable %s%s", name, didYouMean(name, slices.Sorted(maps.Keys(fields))))
		} else if !ok {
			continue
		}
		if err := setField(field, value); err != nil {
			return fmt.Errorf("environment %s: %w", name, err)
		}
	}
	return nil
}

// configKeys lists every key of the file as section.key.
func configKeys() []string {
	var keys []string
	for name := range envFields(reflect.ValueOf(&Config{}).Elem()) {
		keys = append(keys, strings.ToLower(strings.Replace(strings.TrimPrefix(name, "NEWSDESK_"), "_", ".", 1)))
	}
	slices.Sort(keys)
	return keys
}

// didYouMean names the known name closest to name, when it is close
// enough to be a typo of it (a few characters off): a far-off suggestion
// misleads more than none.
func didYouMean(name string, known []string) string {
	best, bestDist := "", -1
	for _, k := range known {
		if d := editDistance(name, k); bestDist < 0 || d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" || bestDist > max(2, len(name)/5) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
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
	if u, ok := f.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(s))
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
	if c.Site.MaxAge.Duration < 0 {
		return fmt.Errorf("config site.max_age: must not be negative")
	}
	if c.Feeds.MaxAge.Duration < 0 {
		return fmt.Errorf("config feeds.max_age: must not be negative")
	}
	if _, err := web.ParseTrustedProxies(c.HTTP.TrustedProxies); err != nil {
		return fmt.Errorf("config http.trusted_proxies: %w", err)
	}
	if err := c.validateMail(); err != nil {
		return err
	}
	if err := c.Log.Validate(); err != nil {
		return err
	}
	if err := c.Bounces.validate(); err != nil {
		return err
	}
	if c.Ingest.MaxErrors < 1 || c.Ingest.Concurrency < 1 || c.Ingest.MaxBody < 1024 || c.Ingest.Interval.Duration < time.Minute {
		return fmt.Errorf("config ingest: max_errors and concurrency must be at least 1, max_body at least 1KiB, interval at least 1m")
	}
	if c.Feeds.Hub != "" {
		if u, err := url.Parse(c.Feeds.Hub); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("config feeds.hub: %q must be an absolute http(s) URL", c.Feeds.Hub)
		}
	}
	return nil
}

func (c *Config) validateMail() error {
	switch c.Mail.Transport {
	case "file", "smtp":
	default:
		return fmt.Errorf("config mail.transport: %q must be file or smtp", c.Mail.Transport)
	}
	switch c.SMTP.TLS {
	case "mandatory", "opportunistic", "none", "ssl":
	default:
		return fmt.Errorf("config smtp.tls: %q must be mandatory, opportunistic, none or ssl", c.SMTP.TLS)
	}
	if c.Mail.Transport == "smtp" && c.SMTP.Host == "" {
		return fmt.Errorf("config smtp.host: required when mail.transport is smtp")
	}
	if c.SMTP.Port < 1 || c.SMTP.Port > 65535 || c.SMTP.Connections < 1 || c.SMTP.Rate < 0 {
		return fmt.Errorf("config smtp: port must be 1-65535, connections at least 1, rate 0 or more")
	}
	if (c.DKIM.Domain != "" || c.DKIM.Selector != "" || c.DKIM.KeyFile != "") &&
		(c.DKIM.Domain == "" || c.DKIM.Selector == "" || c.DKIM.KeyFile == "") {
		return fmt.Errorf("config dkim: domain, selector and key_file go together")
	}
	return nil
}

// Host is the authority part of the base URL, used in tag: URIs.
func (c *Config) Host() string {
	u, _ := url.Parse(c.Site.BaseURL)
	return u.Hostname()
}

// Example is what init writes: every key, commented, at its default.
const Example = `# newsdesk configuration. Every key may also be set in the environment as
# NEWSDESK_SECTION_KEY (for example NEWSDESK_SITE_BASE_URL), which wins.

[site]
# The publication's name, shown in pages and feeds.
title = %q
# A line about the publication, in pages (and their description for search
# engines) and feeds.
description = %q
# The public address readers reach the site at. Feeds and emails use it for
# every link, and the ids of feeds and articles are made from its host, so
# set it before init and before publishing.
base_url = %q
# BCP 47 language tag of the content.
language = "en"
# Shown in page and email footers.
# postal_address = "1 Harbour Street, Bristol BS1 1AA, United Kingdom"
# A directory of templates overriding the built-in ones, file by file.
# templates = "templates"
# The publication's logo and the site's icon: URLs, or paths on the site
# such as /media/logo.svg (files in the data directory's media folder).
logo = %q
favicon = %q
# Cache-Control max-age for pages. Pages are kept in memory until content
# changes, so this only says how long browsers and proxies may reuse them.
max_age = "1m"

[http]
listen = "127.0.0.1:8080"
# Proxies in front of newsdesk (CIDR prefixes or addresses) whose
# X-Forwarded-For or Forwarded header names the client. Only requests from
# them are believed; with none, the connection's address is the client's.
# trusted_proxies = ["127.0.0.1/32", "::1/128"]

[metrics]
# /metrics is served on http.listen to anyone who reaches it unless one of
# these is set: a listener of its own (the public one then answers 404),
# and/or a bearer token Prometheus must send (authorization.credentials).
# listen = "127.0.0.1:8081"
# token = ""

[feeds]
# Articles per feed.
items = 20
# Cache-Control max-age for feeds.
max_age = "5m"
# A WebSub hub to ping on every publish; feeds then carry rel="hub".
# hub = "https://pubsubhubbub.appspot.com/"

[ingest]
# How often a source is polled unless it asks for less (Cache-Control, <ttl>).
interval = "30m"
# Largest feed accepted, measured after decompression.
max_body = "10MiB"
# Total time one fetch may take, slow servers included.
timeout = "30s"
# Consecutive failures after which a source is paused.
max_errors = 10
# How long ingested items are kept.
retention = "2160h"
# Sources fetched at once (never more than one per host).
concurrency = 8
# Allow sources on loopback, private and link-local addresses.
allow_private = false

[mail]
# "file" writes each message as an .eml file under DATA/outbox; "smtp" sends.
transport = "file"
from = "newsdesk <newsdesk@localhost>"
# reply_to = "editors@example.org"

[smtp]
# host = "smtp.example.org"
port = 587
# mandatory, opportunistic, none or ssl (implicit TLS, usually port 465).
tls = "mandatory"
# username = ""
# password = ""   # or NEWSDESK_SMTP_PASSWORD, which keeps it out of the file
# Connections kept open and reused.
connections = 4
# Messages per second; 0 for no limit.
rate = 0

[dkim]
# Sign outgoing mail when all three are set.
# domain = "example.org"
# selector = "newsdesk"
# key_file = "dkim.pem"

[bounces]
# With an address, every newsletter and confirmation goes out with the
# envelope sender bounces+TOKEN@domain (VERP), TOKEN naming the delivery,
# so that each bounce is matched to the message that caused it.
# address = "bounces@news.example.org"
# The built-in SMTP receiver your MTA routes bounces+*@domain to.
# listen = "127.0.0.1:2525"
max_size = "1MiB"
# Soft bounces (mailbox full, 4.x.x) within soft_window that mark an
# address bounced; one hard bounce does at once.
soft_limit = 3
soft_window = "720h"
# Days the raw reports are kept.
keep_raw = 30
# Provider webhooks at POST /webhooks/NAME, each on when set. Keep the
# secrets in the environment (NEWSDESK_BOUNCES_MAILGUN_SIGNING_KEY, ...).
# mailgun_signing_key = ""
# postmark_username = ""
# postmark_password = ""
# sendgrid_public_key = ""   # the verification key, base64
# ses_topic_arns = ""        # SNS topics allowed, comma-separated
# A mailbox polled for bounces; read messages are moved to imap_folder.
# imap_url = "imaps://bounces@mail.example.org/INBOX"
# imap_password = ""         # better NEWSDESK_BOUNCES_IMAP_PASSWORD
imap_folder = "newsdesk-processed"
imap_interval = "1m"

[log]
# text (key=value lines) or json (one object a line); --log-format wins.
format = "text"
# debug, info, warn or error; --log-level wins. At debug, every run of a
# scheduled job is logged, even when it had nothing to do.
level = "info"
`
