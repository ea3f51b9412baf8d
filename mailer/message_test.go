package mailer_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer"
)

var update = flag.Bool("update", false, "rewrite golden files")

var goldenLinkKey = []byte("golden link key!")

// owner is what Tokens.Verify looks up: sub, whoever is asked for.
func owner(sub *newsdesk.Subscriber) func(int64) (*newsdesk.Subscriber, error) {
	return func(int64) (*newsdesk.Subscriber, error) { return sub, nil }
}

// editionMessage builds the message of a new edition to its first subscriber.
func editionMessage(t *testing.T, f *fixture) ([]byte, *newsdesk.Subscriber) {
	t.Helper()
	f.addSubscribers(1)
	e := f.createEdition()
	sub, err := f.subs.FindSubscriberByEmail(context.Background(), "reader1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	lib := f.library() // the edition's one variant is the first
	p, err := lib.Prepared(context.Background(), &newsdesk.Delivery{Kind: newsdesk.DeliveryEdition, EditionID: e.ID, VariantID: 1, Subscriber: sub})
	if err != nil {
		t.Fatal(err)
	}
	sub.LinkKey = goldenLinkKey // the stored one is random; the golden file is not
	msg, err := f.builder.BuildBytes(p, mailer.Recipient{SubscriberID: sub.ID, Email: sub.Email, Name: "Reader One", LinkKey: sub.LinkKey})
	if err != nil {
		t.Fatal(err)
	}
	return msg, sub
}

// checkGoldenMessage holds a message to a golden file: the clock and the
// MIME boundaries (made from the message's id) are fixed, so the bytes are.
func checkGoldenMessage(t *testing.T, name string, msg []byte) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, msg, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./mailer -update to create it)", err)
	}
	if !bytes.Equal(msg, want) {
		t.Errorf("message differs from %s (go test ./mailer -update rewrites it):\n%s", golden, msg)
	}
}

// TestDigestMessageGolden: a digest as the outbox sends it, from the
// variant a digest edition stored.
func TestDigestMessageGolden(t *testing.T) {
	f := newFixture(t, newsdesk.NewFixedClock(epoch))
	msg, _ := editionMessage(t, f)
	checkGoldenMessage(t, "digest.eml.golden", msg)
}

// TestConfirmationMessageGolden: the confirmation a new subscriber gets.
func TestConfirmationMessageGolden(t *testing.T) {
	f := newFixture(t, newsdesk.NewFixedClock(epoch))
	sub, err := f.subs.Subscribe(context.Background(), newsdesk.SubscribeRequest{Email: "new@example.com", Newsletters: []string{"weekly"}})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := f.outbox.ClaimDeliveries(context.Background(), 10, time.Minute)
	if err != nil || len(ds) != 1 {
		t.Fatalf("confirmation queued: %+v, %v", ds, err)
	}
	p, err := f.library().Prepared(context.Background(), ds[0])
	if err != nil {
		t.Fatal(err)
	}
	msg, err := f.builder.BuildBytes(p, mailer.Recipient{SubscriberID: sub.ID, Email: sub.Email, LinkKey: goldenLinkKey, RequestID: ds[0].RequestID}) // the stored key is random; the golden file is not
	if err != nil {
		t.Fatal(err)
	}
	checkGoldenMessage(t, "confirmation.eml.golden", msg)
}

// TestEditionMessageHeadersAndParts checks every header a newsletter needs
// and the two parts, text first, by parsing the message as a client would.
func TestEditionMessageHeadersAndParts(t *testing.T) {
	f := newFixture(t, newsdesk.NewFixedClock(epoch))
	msg, sub := editionMessage(t, f)
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	h := m.Header
	wantID := fmt.Sprintf("<e1.s%d.", sub.ID)
	for name, ok := range map[string]bool{
		"From":                  h.Get("From") == `"The Harbour Review" <news@example.org>`,
		"To":                    h.Get("To") == `"Reader One" <reader1@example.com>`,
		"Subject":               h.Get("Subject") == "The Weekly: rents and the harbour",
		"Date":                  h.Get("Date") == "Mon, 02 Mar 2026 09:30:00 +0000",
		"Message-ID":            strings.HasPrefix(h.Get("Message-ID"), wantID) && strings.HasSuffix(h.Get("Message-ID"), "@news.example.org>"),
		"List-Id":               h.Get("List-Id") == `"The Weekly" <weekly.news.example.org>`,
		"List-Unsubscribe-Post": h.Get("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click",
		"MIME-Version":          h.Get("MIME-Version") == "1.0",
	} {
		if !ok {
			t.Errorf("header %s: %q", name, h.Get(name))
		}
	}
	unsub := h.Get("List-Unsubscribe")
	token, ok := strings.CutPrefix(strings.TrimSuffix(unsub, ">"), "<"+baseURL+"/unsubscribe/")
	if !ok {
		t.Fatalf("List-Unsubscribe %q is not <%s/unsubscribe/TOKEN>", unsub, baseURL)
	}
	if tok, _, err := f.tokens.Verify(token, newsdesk.TokenUnsubscribe, owner(sub)); err != nil || tok.Subscriber != sub.ID || tok.Newsletter != f.newsletter.ID {
		t.Errorf("List-Unsubscribe token: %+v, %v", tok, err)
	}
	text, html := alternativeParts(t, m)
	for _, want := range []string{"Rents & wages: the “gap” widens", baseURL + "/unsubscribe/" + token, "1 Harbour Street, Bristol BS1 1AA"} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q", want)
		}
		if !strings.Contains(html, strings.ReplaceAll(want, "&", "&amp;")) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
	// Styles are inline; the <style> block keeps only what cannot be: the
	// narrow-screen and dark-mode rules.
	if !strings.Contains(html, `<body class="nd-bg" style="`) || strings.Contains(html, "font-size: 17px") {
		t.Errorf("HTML part's CSS is not inlined")
	}
	for _, line := range strings.Split(string(msg), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line of %d octets", len(line))
		}
	}
	again, _ := editionMessageAgain(t, f, sub)
	if id := headerOf(t, again, "Message-ID"); id != h.Get("Message-ID") {
		t.Errorf("Message-ID not deterministic: %s then %s", h.Get("Message-ID"), id)
	}
}

// editionMessageAgain builds the first edition's message to sub again.
func editionMessageAgain(t *testing.T, f *fixture, sub *newsdesk.Subscriber) ([]byte, error) {
	lib := f.library()
	p, err := lib.Prepared(context.Background(), &newsdesk.Delivery{Kind: newsdesk.DeliveryEdition, EditionID: 1, VariantID: 1, Subscriber: sub})
	if err != nil {
		t.Fatal(err)
	}
	return f.builder.BuildBytes(p, mailer.Recipient{SubscriberID: sub.ID, Email: sub.Email})
}

func headerOf(t *testing.T, msg []byte, name string) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	return m.Header.Get(name)
}

// alternativeParts returns the text and HTML parts of a
// multipart/alternative message, failing unless there are exactly these
// two, text first.
func alternativeParts(t *testing.T, m *mail.Message) (text, html string) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q, want multipart/alternative", m.Header.Get("Content-Type"))
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	var types, bodies []string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		types, bodies = append(types, p.Header.Get("Content-Type")), append(bodies, string(b))
	}
	want := []string{"text/plain; charset=UTF-8", "text/html; charset=UTF-8"}
	if strings.Join(types, "|") != strings.Join(want, "|") {
		t.Fatalf("parts %q, want %q", types, want)
	}
	return bodies[0], bodies[1]
}

// TestHeaderInjectionIsRefused: a line break in a subject or a name must
// never become a header of its own.
func TestHeaderInjectionIsRefused(t *testing.T) {
	f := newFixture(t, newsdesk.NewFixedClock(epoch))
	c := f.digestContent(demoArticles())
	for _, tc := range []struct{ subject, name string }{
		{"Hello\r\nBcc: victim@example.net", "Reader"},
		{"Hello\nX-Evil: 1", "Reader"},
		{"Hello", "Reader\r\nBcc: victim@example.net"},
		{"Hello", "Reader\rX: y"},
	} {
		p := mailer.Prepare(tc.subject, c, f.newsletter, "e1")
		var buf bytes.Buffer
		err := f.builder.Build(&buf, p, mailer.Recipient{SubscriberID: 1, Email: "a@example.com", Name: tc.name})
		if newsdesk.ErrorCode(err) != newsdesk.EINVALID || buf.Len() != 0 {
			t.Errorf("subject %q, name %q: err %v, %d bytes written", tc.subject, tc.name, err, buf.Len())
		}
	}
}

// TestConfirmationMessage: transactional mail has the confirm link of its
// request in both parts, no list headers, no name in To: (whatever the
// form said), and its own text template.
func TestConfirmationMessage(t *testing.T) {
	f := newFixture(t, newsdesk.NewFixedClock(epoch))
	sub, err := f.subs.Subscribe(context.Background(), newsdesk.SubscribeRequest{Email: "New@Example.com",
		Name: `Security team: call +1 555 0100`, Newsletters: []string{"weekly"}})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := f.outbox.ClaimDeliveries(context.Background(), 10, time.Minute)
	if err != nil || len(ds) != 1 || ds[0].RequestID == 0 {
		t.Fatalf("confirmation queued: %+v, %v", ds, err)
	}
	d := ds[0]
	d.ID = 7
	lib := f.library()
	p, err := lib.Prepared(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := f.builder.BuildBytes(p, mailer.Recipient{SubscriberID: sub.ID, Email: sub.Email,
		Name: "Security team: call +1 555 0100", LinkKey: d.Subscriber.LinkKey, RequestID: d.RequestID})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := mail.ReadMessage(bytes.NewReader(msg))
	if m.Header.Get("List-Unsubscribe") != "" || m.Header.Get("Precedence") != "" {
		t.Errorf("confirmation has list headers")
	}
	if to := m.Header.Get("To"); to != "<new@example.com>" && to != "new@example.com" {
		t.Errorf("To: %s, want the address alone", to)
	}
	if !strings.HasPrefix(m.Header.Get("Message-ID"), fmt.Sprintf("<t7.s%d.", sub.ID)) {
		t.Errorf("Message-ID %s", m.Header.Get("Message-ID"))
	}
	text, html := alternativeParts(t, m)
	for _, part := range []string{text, html} {
		i := strings.Index(part, baseURL+"/confirm/")
		if i < 0 {
			t.Fatalf("no confirm link in\n%s", part)
		}
		token := strings.FieldsFunc(part[i+len(baseURL+"/confirm/"):], func(r rune) bool {
			return !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", r)
		})[0]
		if tok, _, err := f.tokens.Verify(token, newsdesk.TokenConfirm, owner(sub)); err != nil || tok.Subscriber != sub.ID || tok.Request != d.RequestID {
			t.Errorf("confirm token %q: %v", token, err)
		}
	}
	if !strings.Contains(text, "Someone, probably you, asked to receive The Weekly") {
		t.Errorf("text part is not from confirm.txt:\n%s", text)
	}
}

// TestBreakableLinksWrap: a long link shown as text gets places to wrap
// after slashes and at least every 16 characters, and stays escaped.
func TestBreakableLinksWrap(t *testing.T) {
	got := string(mailer.Breakable("https://news.example.org/confirm/AXUBAQC2os3z8PLtKmNgaqDTH8FV?a=<b>"))
	for _, seg := range strings.Split(got, "<wbr>") {
		if n := len([]rune(strings.NewReplacer("&lt;", "<", "&gt;", ">").Replace(seg))); n > 16 {
			t.Errorf("segment %q has %d characters", seg, n)
		}
	}
	if strings.Contains(got, "<b>") || strings.ReplaceAll(got, "<wbr>", "") != "https://news.example.org/confirm/AXUBAQC2os3z8PLtKmNgaqDTH8FV?a=&lt;b&gt;" {
		t.Errorf("Breakable = %s", got)
	}
}
