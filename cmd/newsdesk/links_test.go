package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk/mailer"
	"github.com/newsdesk/newsdesk/mailer/smtptest"
)

// TestLinksOfADeletedSubscriberAgainstTheDaemon reproduces, against the
// real daemon, what a reviewer did: subscribe A, keep A's confirmation,
// remove A, subscribe B. A's link must do nothing to B, B's confirmation
// must have a Message-ID of its own, and a GET of B's link (a mail
// scanner) must not confirm. The form must not rewrite a subscriber it
// knows, and no name from the form goes into a confirmation's To:.
func TestLinksOfADeletedSubscriberAgainstTheDaemon(t *testing.T) {
	srv := smtptest.Start(t)
	d := newInstall(t, smtpEnv(srv)...)
	base := d.serve()
	form := func(email, extra string) {
		t.Helper()
		if status, body := postForm(t, base+"/subscribe", "email="+email+"&newsletter=weekly&website="+extra); status != 200 {
			t.Fatalf("subscribe %s: %d\n%s", email, status, body)
		}
	}
	form("a%40example.org", "&name=Security+team%3A+call+%2B1+555+0100")
	msgs := srv.Wait(t, 1, 10*time.Second)
	ma, textA := textPart(t, msgs[0].Data)
	if to := ma.Header.Get("To"); strings.Contains(to, "Security") || !strings.Contains(to, "a@example.org") {
		t.Errorf("confirmation To: %s", to)
	}
	confirmA, idA := linkPath(t, textA, "confirm"), ma.Header.Get("Message-ID")
	d.mustRun("subscriber", "remove", "a@example.org")

	form("b%40example.org", "")
	msgs = srv.Wait(t, 2, 10*time.Second)
	mb, textB := textPart(t, msgs[1].Data)
	confirmB, idB := linkPath(t, textB, "confirm"), mb.Header.Get("Message-ID")
	if idA == idB || mailer.FileName(strings.Trim(idA, "<>")) == mailer.FileName(strings.Trim(idB, "<>")) {
		t.Errorf("A and B's confirmations share Message-ID %s", idA)
	}
	if status, _ := postForm(t, base+confirmA, ""); status < 400 || status >= 500 {
		t.Errorf("A's confirm link, posted after A was removed: %d", status)
	}
	if resp, body := get(t, base+confirmA); resp.StatusCode < 400 || strings.Contains(body, "b@example.org") {
		t.Errorf("A's confirm link, fetched: %d\n%s", resp.StatusCode, body)
	}
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, _ := http.NewRequest(method, base+confirmB, nil)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s of B's link: %v %v", method, resp, err)
		}
		resp.Body.Close()
	}
	if st := d.subscriberStatus("b@example.org"); st != "pending" {
		t.Fatalf("A's link or a GET of B's changed B to %s", st)
	}
	if status, body := postForm(t, base+confirmB, ""); status != 200 || !strings.Contains(body, "You are subscribed") {
		t.Fatalf("B's confirm: %d\n%s", status, body)
	}

	// A known subscriber, asked for again by a stranger with another name
	// and time zone, stays as they were.
	before := d.subscriber("ada.reader@example.com")
	form("ada.reader%40example.com", "&name=Mallory&timezone=Asia%2FTokyo&newsletter=daily")
	after := d.subscriber("ada.reader@example.com")
	if after.Name != before.Name || after.TimeZone != before.TimeZone || after.Status != before.Status {
		t.Errorf("the form rewrote a known subscriber: %q %q %s, was %q %q %s",
			after.Name, after.TimeZone, after.Status, before.Name, before.TimeZone, before.Status)
	}
}
