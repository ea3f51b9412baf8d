package main

import (
	"bytes"
	"net"
	"net/http"
	"net/mail"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
	"github.com/newsdesk/newsdesk/mailer/smtptest"
)

// freePort returns a loopback address nothing listens on just now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestBouncesEndToEnd: an edition goes out with VERP envelope senders; a
// DSN to one of them, handed to the daemon's bounce receiver over SMTP,
// marks that subscriber bounced and no one else; importing the same
// report by hand counts nothing twice; the commands and /metrics show it.
func TestBouncesEndToEnd(t *testing.T) {
	srv := smtptest.Start(t)
	listen := freePort(t)
	d := newInstall(t, smtpEnv(srv, "NEWSDESK_BOUNCES_ADDRESS=bounces@news.harbour.example",
		"NEWSDESK_BOUNCES_LISTEN="+listen)...)
	d.mustRun("digest", "send", "--newsletter", "weekly", "--now")
	msgs := srv.Messages()
	if len(msgs) < 2 {
		t.Fatalf("%d messages sent", len(msgs))
	}
	dead := msgs[0]
	if !strings.HasPrefix(dead.From, "bounces+") || !strings.HasSuffix(dead.From, "@news.harbour.example") {
		t.Fatalf("envelope sender %q", dead.From)
	}
	m, err := mail.ReadMessage(bytes.NewReader(dead.Data))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("From") != `"The Harbour Review" <news@harbour.example>` {
		t.Errorf("From: %q", m.Header.Get("From"))
	}
	tpl, err := os.ReadFile("../../bounce/testdata/postfix-hard.eml")
	if err != nil {
		t.Fatal(err)
	}
	dsn := strings.NewReplacer("bounces+aaaqcaibaeaqcaibaeaq@news.example.org", dead.From, "nobody@example.net", dead.To[0],
		"e12.s34.0123456789ab@news.example.org", strings.Trim(m.Header.Get("Message-Id"), "<>")).Replace(string(tpl))

	base := d.serve()
	c, err := smtp.Dial(listen)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendMail("", []string{dead.From}, strings.NewReader(dsn)); err != nil {
		t.Fatalf("bounce receiver: %v", err)
	}
	c.Quit()
	if st := d.subscriberStatus(dead.To[0]); st != "bounced" {
		t.Errorf("%s is %s after a hard bounce", dead.To[0], st)
	}
	if st := d.subscriberStatus(msgs[1].To[0]); st != "confirmed" {
		t.Errorf("%s, not bounced, is %s", msgs[1].To[0], st)
	}
	file := d.writeFile("dsn.eml", dsn)
	if out := d.mustRun("bounce", "import", file); !strings.Contains(out, "seen before") {
		t.Errorf("import of the same report: %s", out)
	}
	list := d.mustRun("bounce", "list", "--edition", "1")
	if !strings.Contains(list, "1 bounced, 0 soft, 0 complaints") || strings.Count(list, "hard") != 1 || !strings.Contains(list, "by verp") {
		t.Errorf("bounce list:\n%s", list)
	}
	if out := d.mustRun("bounce", "show", "1"); !strings.Contains(out, "Status:      5.1.1") || !strings.Contains(out, "Source:      smtp") {
		t.Errorf("bounce show:\n%s", out)
	}
	if out := d.mustRun("bounce", "show", "1", "--raw"); strings.ReplaceAll(out, "\r\n", "\n") != dsn {
		t.Errorf("raw report differs:\n%.300q", out)
	}
	_, body := get(t, base+"/metrics")
	if !strings.Contains(body, `newsdesk_bounces_total{source="smtp",type="hard"} 1`) {
		t.Errorf("metrics lack the bounce:\n%s", grepLines(body, "bounces"))
	}
	if _, errs, code := d.run("bounce", "show", "99"); code != 2 || !strings.Contains(errs, "not found") {
		t.Errorf("bounce show 99: %d %q", code, errs)
	}
}

func grepLines(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestWebhooksWired: a configured provider's webhook is served by the
// daemon, refuses what is not authenticated, and applies what is.
func TestWebhooksWired(t *testing.T) {
	d := newInstall(t, "NEWSDESK_BOUNCES_POSTMARK_USERNAME=pm", "NEWSDESK_BOUNCES_POSTMARK_PASSWORD=s3cret-password")
	d.mustRun("digest", "send", "--newsletter", "weekly", "--now")
	var logs syncLog
	base := d.serveLogging(&logs)
	body := `{"RecordType":"SpamComplaint","Type":"SpamComplaint","ID":7,"Email":"ben.okafor@example.com"}`
	post := func(path, user, pass string) int {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("/webhooks/postmark", "pm", "guess"); code != 401 {
		t.Errorf("wrong password: %d", code)
	}
	if code := post("/webhooks/mailgun", "pm", "s3cret-password"); code != 404 {
		t.Errorf("provider not configured: %d", code)
	}
	if st := d.subscriberStatus("ben.okafor@example.com"); st != "confirmed" {
		t.Fatalf("before the complaint: %s", st)
	}
	if code := post("/webhooks/postmark", "pm", "s3cret-password"); code != 204 {
		t.Errorf("authenticated: %d", code)
	}
	if st := d.subscriberStatus("ben.okafor@example.com"); st != "unsubscribed" {
		t.Errorf("after a complaint: %s", st)
	}
	if !strings.Contains(logs.String(), "webhook refused") || strings.Contains(logs.String(), "s3cret-password") {
		t.Errorf("log:\n%s", logs.String())
	}
}

type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
