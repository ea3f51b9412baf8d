package main

import (
	"strings"
	"testing"
	"time"
)

func TestBouncesConfig(t *testing.T) {
	cfg, err := LoadConfig("", false, []string{"NEWSDESK_BOUNCES_ADDRESS=bounces@news.example.org",
		"NEWSDESK_BOUNCES_SOFT_WINDOW=48h"})
	if err != nil {
		t.Fatal(err)
	}
	if b := cfg.Bounces; b.Address != "bounces@news.example.org" || b.SoftLimit != 3 || b.SoftWindow.Duration != 48*time.Hour || b.KeepRaw != 30 {
		t.Errorf("bounces config %+v", b)
	}
	for _, bad := range [][]string{{"NEWSDESK_BOUNCES_ADDRESS=Bounces <b@x.org>"}, {"NEWSDESK_BOUNCES_LISTEN=127.0.0.1:2525"},
		{"NEWSDESK_BOUNCES_SOFT_LIMIT=0"}} {
		if _, err := LoadConfig("", false, bad); err == nil || !strings.Contains(err.Error(), "bounces") {
			t.Errorf("%v: err %v", bad, err)
		}
	}
}
