package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBouncesConfig(t *testing.T) {
	cfg, err := Load("", false, []string{"NEWSDESK_BOUNCES_ADDRESS=bounces@news.example.org",
		"NEWSDESK_BOUNCES_SOFT_WINDOW=48h"})
	if err != nil {
		t.Fatal(err)
	}
	if b := cfg.Bounces; b.Address != "bounces@news.example.org" || b.SoftLimit != 3 || b.SoftWindow.Duration != 48*time.Hour || b.KeepRaw != 30 {
		t.Errorf("bounces config %+v", b)
	}
	for _, bad := range [][]string{{"NEWSDESK_BOUNCES_ADDRESS=Bounces <b@x.org>"}, {"NEWSDESK_BOUNCES_LISTEN=127.0.0.1:2525"},
		{"NEWSDESK_BOUNCES_SOFT_LIMIT=0"}} {
		if _, err := Load("", false, bad); err == nil || !strings.Contains(err.Error(), "bounces") {
			t.Errorf("%v: err %v", bad, err)
		}
	}
}

func TestTrustedProxiesConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "newsdesk.toml")
	os.WriteFile(path, []byte("[http]\ntrusted_proxies = [\"127.0.0.1/32\", \"10.0.0.0/8\"]\n"), 0o600)
	cfg, err := Load(path, true, nil)
	if err != nil || !slices.Equal(cfg.HTTP.TrustedProxies, []string{"127.0.0.1/32", "10.0.0.0/8"}) {
		t.Errorf("from the file: %v, %v", cfg.HTTP.TrustedProxies, err)
	}
	cfg, err = Load(path, true, []string{"NEWSDESK_HTTP_TRUSTED_PROXIES=::1, 192.168.0.0/16"})
	if err != nil || !slices.Equal(cfg.HTTP.TrustedProxies, []string{"::1", "192.168.0.0/16"}) {
		t.Errorf("from the environment: %v, %v", cfg.HTTP.TrustedProxies, err)
	}
	if cfg := Default(); len(cfg.HTTP.TrustedProxies) != 0 {
		t.Errorf("default trusts %v", cfg.HTTP.TrustedProxies)
	}
	_, err = Load(path, true, []string{"NEWSDESK_HTTP_TRUSTED_PROXIES=10.0.0.0/33"})
	if err == nil || !strings.Contains(err.Error(), "http.trusted_proxies") || !strings.Contains(err.Error(), "10.0.0.0/33") {
		t.Errorf("bad prefix: %v", err)
	}
}
