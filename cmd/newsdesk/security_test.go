package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnknownEnvironmentVariableIsAUsageError: a NEWSDESK_ variable that
// names no setting stops every command with exit 2, naming it and the
// setting it was probably meant to be, as an unknown key in the file does.
func TestUnknownEnvironmentVariableIsAUsageError(t *testing.T) {
	d := newInstall(t)
	for env, want := range map[string]string{
		"NEWSDESK_SMTP_PASWORD=secret": "unknown variable NEWSDESK_SMTP_PASWORD (did you mean NEWSDESK_SMTP_PASSWORD?)",
		"NEWSDESK_STORE_DRIVER=pg":     "unknown variable NEWSDESK_STORE_DRIVER",
		"NEWSDESK_HTTP_LISTN=:80":      "(did you mean NEWSDESK_HTTP_LISTEN?)",
	} {
		d.environ = []string{env, "HOME=/nonexistent", "NEWSDESKTOP=1"}
		_, stderr, code := d.run("article", "list")
		if code != 2 || !strings.Contains(stderr, want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 ||
			(strings.Contains(env, "STORE") && strings.Contains(stderr, "did you mean")) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and one line with %q", env, code, stderr, want)
		}
	}
	d.environ = nil
	d.writeFile("newsdesk.toml", "[smtp]\npasword = \"x\"\n")
	if _, stderr, code := d.run("article", "list"); code != 2 || !strings.Contains(stderr, `unknown key "smtp.pasword" (did you mean smtp.password?)`) {
		t.Errorf("unknown key in the file: exit %d, stderr %q", code, stderr)
	}
}

// TestDaemonBehindProxyKeepsClientsApart: the real daemon, told to trust
// a proxy on loopback, gives each forwarded client its own sign-up limit.
func TestDaemonBehindProxyKeepsClientsApart(t *testing.T) {
	d := newInstall(t, "NEWSDESK_HTTP_TRUSTED_PROXIES=127.0.0.1/32")
	base := d.serve()
	form := func(i int) string { return fmt.Sprintf("email=flood%d%%40example.com&newsletter=weekly&website=", i) }
	status := 0
	for i := 0; i < 11 && status != http.StatusTooManyRequests; i++ {
		status, _ = postForm(t, base+"/subscribe", form(i), "X-Forwarded-For", "203.0.113.7")
	}
	if status != http.StatusTooManyRequests {
		t.Fatalf("a flooding client was never limited: %d", status)
	}
	if status, _ := postForm(t, base+"/subscribe", form(100), "X-Forwarded-For", "198.51.100.4"); status != 200 {
		t.Errorf("another client after the flood: %d, want 200", status)
	}
}

func getStatus(t *testing.T, url string, header ...string) (int, string) {
	resp, body := get(t, url, header...)
	return resp.StatusCode, body
}

// TestMetricsListenAndToken: with metrics.listen, /metrics leaves the
// public listener; with metrics.token it needs the bearer token.
func TestMetricsListenAndToken(t *testing.T) {
	if status, body := getStatus(t, newInstall(t).serve()+"/metrics"); status != 200 || !strings.Contains(body, "newsdesk_") {
		t.Errorf("default /metrics: %d", status)
	}
	addr := freePort(t)
	d := newInstall(t, "NEWSDESK_METRICS_LISTEN="+addr, "NEWSDESK_METRICS_TOKEN=scrape-me-please")
	base := d.serve()
	if status, _ := getStatus(t, base+"/metrics", "Authorization", "Bearer scrape-me-please"); status != 404 {
		t.Errorf("public /metrics with metrics.listen set: %d, want 404", status)
	}
	if status, _ := getStatus(t, "http://"+addr+"/metrics"); status != 401 {
		t.Errorf("metrics listener without the token: %d, want 401", status)
	}
	if status, _ := getStatus(t, "http://"+addr+"/metrics", "Authorization", "Bearer wrong"); status != 401 {
		t.Errorf("metrics listener with a wrong token: %d, want 401", status)
	}
	if status, body := getStatus(t, "http://"+addr+"/metrics", "Authorization", "Bearer scrape-me-please"); status != 200 || !strings.Contains(body, "newsdesk_feed_requests_total") {
		t.Errorf("metrics listener with the token: %d", status)
	}
	if status, _ := getStatus(t, "http://"+addr+"/feed.xml", "Authorization", "Bearer scrape-me-please"); status != 404 {
		t.Errorf("the metrics listener serves the site: %d", status)
	}
	tok := newInstall(t, "NEWSDESK_METRICS_TOKEN=scrape-me-please")
	tbase := tok.serve()
	if status, _ := getStatus(t, tbase+"/metrics"); status != 401 {
		t.Errorf("token only, public /metrics without it: %d, want 401", status)
	}
	if status, _ := getStatus(t, tbase+"/metrics", "Authorization", "Bearer scrape-me-please"); status != 200 {
		t.Errorf("token only, with it: %d, want 200", status)
	}
}

// TestExposedSecretsAreWarnedAbout: at start the daemon names each file
// holding a secret that others can read.
func TestExposedSecretsAreWarnedAbout(t *testing.T) {
	d := newInstall(t)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	keyFile := d.writeFile("dkim.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(key))})))
	config := d.writeFile("newsdesk.toml", fmt.Sprintf("[smtp]\npassword = \"a-long-password\"\n[dkim]\ndomain = \"example.org\"\nselector = \"nd\"\nkey_file = %q\n", keyFile))
	db := filepath.Join(d.dir, "data", dbFile)
	for _, f := range []string{keyFile, config, db} {
		os.Chmod(f, 0o644)
	}
	var log syncBuffer
	d.serveLogging(&log)
	out := log.String()
	for _, f := range []string{keyFile, config, db} {
		if !strings.Contains(out, "level=WARN msg=\"a file holding secrets is readable by other users; run chmod 600 on it\" path="+f+" mode=-rw-r--r--") {
			t.Errorf("no warning about %s in:\n%s", f, out)
		}
	}
	for _, f := range []string{keyFile, config, db} {
		os.Chmod(f, 0o600)
	}
	var quiet syncBuffer
	d.serveLogging(&quiet)
	if strings.Contains(quiet.String(), "readable by other users") {
		t.Errorf("warned about files of mode 0600:\n%s", quiet.String())
	}
}
