package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk/mailer/smtptest"
)

// syncBuffer is a buffer a daemon can log to while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestLogKeepsSecrets runs the daemon at debug level with an SMTP password
// in the config and a DKIM key, has it fail to log in to the SMTP server,
// and checks that its JSON log names the failure but holds neither the
// password, nor the key, nor the signing secret.
func TestLogKeepsSecrets(t *testing.T) {
	const password = "hunter2-Correct-Horse-Battery"
	srv := smtptest.Start(t)
	d := newInstall(t, "NEWSDESK_SITE_BASE_URL=https://news.harbour.example")
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(key))})
	keyFile := d.writeFile("dkim.pem", string(pemKey))
	d.writeFile("newsdesk.toml", fmt.Sprintf(`
[mail]
transport = "smtp"
from = "news@harbour.example"
[smtp]
host = %q
port = %d
tls = "none"
username = "desk"
password = %q
[dkim]
domain = "harbour.example"
selector = "nd"
key_file = %q
[log]
format = "json"
level = "debug"
`, srv.Host, srv.Port, password, keyFile))
	var log syncBuffer
	base := d.serveLogging(&log)
	if status, _ := postForm(t, base+"/subscribe", "email=reader%40example.com&newsletter=weekly&website="); status != 200 {
		t.Fatalf("subscribe: %d", status)
	}
	get(t, base+"/confirm/forged-token")
	waitFor(t, 20*time.Second, func() bool { return strings.Contains(log.String(), "delivery deferred") },
		"the failed SMTP login in the log")

	out := log.String()
	secrets := map[string]string{"SMTP password": password, "signing secret": hex.EncodeToString(d.secret())}
	for i, line := range strings.Fields(string(pemKey)) {
		if len(line) >= 20 {
			secrets[fmt.Sprintf("DKIM key line %d", i)] = line
		}
	}
	for what, secret := range secrets {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds the %s", what)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil || v["msg"] == nil {
			t.Errorf("log line is not a JSON record: %q", line)
		}
	}
	if !strings.Contains(out, `"job":"digests"`) {
		t.Errorf("debug log lacks the digests job run:\n%s", out)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestLogFormatAndLevelFlags(t *testing.T) {
	d := newInstall(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"article", "list", "--log-format", "yaml"}, `--log-format: "yaml" must be text or json`},
		{[]string{"article", "list", "--log-level", "loud"}, `--log-level: "loud" must be debug, info, warn or error`},
	} {
		if _, stderr, code := d.run(tc.args...); code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	d.environ = []string{"NEWSDESK_LOG_FORMAT=xml"}
	if _, stderr, code := d.run("article", "list"); code != 2 || !strings.Contains(stderr, "log.format") {
		t.Errorf("NEWSDESK_LOG_FORMAT=xml: exit %d, stderr %q", code, stderr)
	}
}
