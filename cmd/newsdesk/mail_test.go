package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer/smtptest"
	"github.com/newsdesk/newsdesk/sqlite"
)

// smtpEnv is the environment that points a desk at an SMTP server.
func smtpEnv(s *smtptest.Server, extra ...string) []string {
	return append([]string{"NEWSDESK_MAIL_TRANSPORT=smtp", "NEWSDESK_SMTP_HOST=" + s.Host,
		fmt.Sprintf("NEWSDESK_SMTP_PORT=%d", s.Port), "NEWSDESK_SMTP_TLS=none", "NEWSDESK_SMTP_CONNECTIONS=2",
		"NEWSDESK_MAIL_FROM=The Harbour Review <news@harbour.example>",
		"NEWSDESK_SITE_BASE_URL=https://news.harbour.example"}, extra...)
}

func postForm(t *testing.T, u, body string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no cookie jar, no redirects
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// textPart returns the text/plain part of a multipart/alternative message.
func textPart(t *testing.T, msg []byte) (*mail.Message, string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	p, err := multipart.NewReader(m.Body, params["boundary"]).NextPart()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(p)
	return m, string(b)
}

var linkRe = regexp.MustCompile(`https://news\.harbour\.example(/[a-z]+/[A-Za-z0-9_-]+)`)

// linkPath returns the path of the first link to /kind/ in text.
func linkPath(t *testing.T, text, kind string) string {
	t.Helper()
	for _, m := range linkRe.FindAllStringSubmatch(text, -1) {
		if strings.HasPrefix(m[1], "/"+kind+"/") {
			return m[1]
		}
	}
	t.Fatalf("no /%s/ link in\n%s", kind, text)
	return ""
}

func (d *install) subscriberStatus(email string) string {
	d.t.Helper()
	for _, line := range strings.Split(d.mustRun("subscriber", "list"), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == email {
			return f[1]
		}
	}
	return "absent"
}

// TestSubscribeFlowEndToEnd runs the real daemon with the SMTP transport
// against a server on loopback: subscribe over HTTP, read the confirmation
// the server received, follow its link, get an edition, unsubscribe with
// the one-click POST; bad links change nothing; repeated sign-ups look the
// same as new ones.
func TestSubscribeFlowEndToEnd(t *testing.T) {
	srv := smtptest.Start(t)
	d := newInstall(t, smtpEnv(srv)...)
	base := d.serve()
	form := "email=New.Reader%40Example.com&newsletter=weekly&topic=economy&website="
	status, answer := postForm(t, base+"/subscribe", form)
	if status != 200 || !strings.Contains(answer, "Check your inbox") {
		t.Fatalf("subscribe: %d\n%s", status, answer)
	}
	msgs := srv.Wait(t, 1, 10*time.Second) // the daemon is woken, not left to its next sweep
	m, text := textPart(t, msgs[0].Data)
	if msgs[0].To[0] != "new.reader@example.com" || !strings.Contains(m.Header.Get("Subject"), "confirm") {
		t.Fatalf("confirmation to %v, subject %q", msgs[0].To, m.Header.Get("Subject"))
	}
	confirm := linkPath(t, text, "confirm")
	if d.subscriberStatus("new.reader@example.com") != "pending" {
		t.Fatalf("before confirming: %s", d.subscriberStatus("new.reader@example.com"))
	}

	// Links that do not verify: a 4xx page and no change.
	secret := d.secret()
	sub := d.subscriber("new.reader@example.com")
	old := newsdesk.NewTokens(secret, newsdesk.NewFixedClock(time.Now().Add(-8*24*time.Hour)))
	bad := map[string]string{
		"forged":        "/confirm/" + newsdesk.NewTokens([]byte("guessed"), newsdesk.SystemClock{}).NewConfirm(sub.ID, sub.LinkKey, 1),
		"expired":       "/confirm/" + old.NewConfirm(sub.ID, sub.LinkKey, 1),
		"other purpose": "/confirm/" + old.New(newsdesk.TokenUnsubscribe, sub.ID, sub.LinkKey, 0),
		"altered":       confirm[:len(confirm)-3] + "AAA",
	}
	for name, path := range bad {
		if status, body := postForm(t, base+path, ""); status < 400 || status >= 500 {
			t.Errorf("%s confirm link: %d\n%s", name, status, body)
		}
	}
	if resp, body := get(t, base+confirm); resp.StatusCode != 200 || !strings.Contains(body, "Confirm my subscription") {
		t.Fatalf("confirm page: %d\n%s", resp.StatusCode, body)
	}
	if st := d.subscriberStatus("new.reader@example.com"); st != "pending" {
		t.Fatalf("bad links or the confirm page changed the subscriber to %s", st)
	}
	if status, body := postForm(t, base+confirm, ""); status != 200 || !strings.Contains(body, "You are subscribed") {
		t.Fatalf("confirm: %d\n%s", status, body)
	}
	if st := d.subscriberStatus("new.reader@example.com"); st != "confirmed" {
		t.Fatalf("after confirming: %s", st)
	}

	// Signing up again, or with an address never seen, looks the same.
	_, again := postForm(t, base+"/subscribe", form)
	_, other := postForm(t, base+"/subscribe", strings.Replace(form, "New.Reader", "someone.else", 1))
	if again != answer || strings.ReplaceAll(other, "someone.else", "new.reader") != answer {
		t.Errorf("answers differ for a known and an unknown address")
	}

	// An edition, and one-click unsubscribe from it.
	before := srv.Count()
	out := d.mustRun("digest", "send", "--newsletter", "weekly", "--now")
	if !strings.Contains(out, "sent") {
		t.Fatalf("digest send: %s", out)
	}
	var edition []byte
	for _, msg := range srv.Wait(t, before+4, 10*time.Second)[before:] { // 3 demo subscribers and the new one
		if msg.To[0] == "new.reader@example.com" {
			edition = msg.Data
		}
	}
	em, _ := textPart(t, edition)
	if em.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("edition headers: %v", em.Header)
	}
	unsub := linkPath(t, em.Header.Get("List-Unsubscribe"), "unsubscribe")
	if status, body := postForm(t, base+unsub, "List-Unsubscribe=One-Click", "Sec-Fetch-Site", "cross-site"); status != 200 {
		t.Fatalf("one-click unsubscribe: %d\n%s", status, body)
	}
	if st := d.subscriberStatus("new.reader@example.com"); st != "unsubscribed" {
		t.Errorf("after one-click unsubscribe: %s", st)
	}
}

// secret reads the desk's signing secret, as the daemon does.
func (d *install) secret() []byte {
	d.t.Helper()
	db := d.openDB()
	v, err := db.Meta(context.Background(), "secret")
	if err != nil {
		d.t.Fatal(err)
	}
	b, _ := hex.DecodeString(v)
	return b
}

func (d *install) subscriber(email string) *newsdesk.Subscriber {
	d.t.Helper()
	s, err := sqlite.NewSubscriberService(d.openDB()).FindSubscriberByEmail(context.Background(), email)
	if err != nil {
		d.t.Fatal(err)
	}
	return s
}

// openDB opens the desk's database beside whatever else has it open.
func (d *install) openDB() *sqlite.DB {
	d.t.Helper()
	db := sqlite.NewDB(filepath.Join(d.dir, "data", dbFile))
	if err := db.Open(); err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { db.Close() })
	return db
}
