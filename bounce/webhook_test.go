package bounce_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/bounce"
)

// hooks serves the desk's webhooks and keeps what they log.
type hooks struct {
	*desk
	h   *bounce.Webhooks
	url string
	log *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newHooks(t *testing.T, emails ...string) *hooks {
	d := newDesk(t, emails...)
	h := &hooks{desk: d, log: &syncBuffer{}}
	h.h = &bounce.Webhooks{Processor: d.proc, Clock: d.clock, Logger: slog.New(slog.NewTextHandler(h.log, nil))}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/", h.h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h.url = srv.URL + "/webhooks/"
	return h
}

func (h *hooks) post(provider, body string, header ...string) int {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url+provider, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// expect checks a post's answer, and for a refusal that it was logged and
// changed nothing.
func (h *hooks) expect(what string, got, want int) {
	h.t.Helper()
	if got != want {
		h.t.Errorf("%s: status %d, want %d", what, got, want)
	}
	if want == http.StatusUnauthorized && !strings.Contains(h.log.String(), "webhook refused: not authenticated") {
		h.t.Errorf("%s: refusal not logged", what)
	}
}

func (h *hooks) events() int {
	evs, err := h.bounces.FindBounces(context.Background(), newsdesk.BounceFilter{})
	if err != nil {
		h.t.Fatal(err)
	}
	return len(evs)
}

func TestMailgunWebhook(t *testing.T) {
	h := newHooks(t, "dead@example.net")
	h.h.Mailgun = &bounce.Mailgun{SigningKey: "key-secret"}
	body := func(key string, ts time.Time) string {
		stamp := strconv.FormatInt(ts.Unix(), 10)
		mac := hmac.New(sha256.New, []byte(key))
		mac.Write([]byte(stamp + "tok123"))
		return fmt.Sprintf(`{"signature":{"timestamp":%q,"token":"tok123","signature":%q},
			"event-data":{"id":"ev1","event":"failed","severity":"permanent","recipient":"dead@example.net",
			"envelope":{"sender":%q},"message":{"headers":{"message-id":%q}},
			"delivery-status":{"code":550,"message":"5.1.1 The email account that you tried to reach does not exist"}}}`,
			stamp, hex.EncodeToString(mac.Sum(nil)), h.verp("dead@example.net"), h.messageID("dead@example.net"))
	}
	h.expect("forged signature", h.post("mailgun", body("wrong-key", h.clock.Now())), http.StatusUnauthorized)
	h.expect("stale timestamp", h.post("mailgun", body("key-secret", h.clock.Now().Add(-time.Hour))), http.StatusUnauthorized)
	if n := h.events(); n != 0 || h.status("dead@example.net") != newsdesk.SubscriberConfirmed {
		t.Fatalf("refused posts recorded %d events", n)
	}
	h.expect("signed", h.post("mailgun", body("key-secret", h.clock.Now())), http.StatusNoContent)
	if h.status("dead@example.net") != newsdesk.SubscriberBounced {
		t.Errorf("after a Mailgun permanent failure: %s", h.status("dead@example.net"))
	}
	evs, _ := h.bounces.FindBounces(context.Background(), newsdesk.BounceFilter{})
	if len(evs) != 1 || evs[0].Source != newsdesk.BounceWebhook || evs[0].Status != "5.1.1" || evs[0].MatchedBy != newsdesk.BounceByVERP {
		t.Errorf("events %+v", evs)
	}
	if h.expect("not configured", h.post("postmark", "{}"), http.StatusNotFound); h.events() != 1 {
		t.Error("unconfigured provider recorded something")
	}
}

func TestPostmarkWebhook(t *testing.T) {
	h := newHooks(t, "angry@example.net")
	h.h.Postmark = &bounce.Postmark{Username: "pm", Password: "s3cret"}
	body := `{"RecordType":"SpamComplaint","Type":"SpamComplaint","ID":42,"Email":"angry@example.net","Details":"Complaint"}`
	auth := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }
	h.expect("no auth", h.post("postmark", body), http.StatusUnauthorized)
	h.expect("wrong password", h.post("postmark", body, "Authorization", auth("pm", "guess")), http.StatusUnauthorized)
	if h.events() != 0 {
		t.Fatal("refused posts recorded events")
	}
	h.expect("authenticated", h.post("postmark", body, "Authorization", auth("pm", "s3cret")), http.StatusNoContent)
	if ok, _ := h.bounces.Suppressed(context.Background(), "angry@example.net"); !ok || h.status("angry@example.net") != newsdesk.SubscriberUnsubscribed {
		t.Errorf("after a Postmark complaint: suppressed %v, %s", ok, h.status("angry@example.net"))
	}
}

func TestSendGridWebhook(t *testing.T) {
	h := newHooks(t, "dead@example.net", "full@example.net")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pub, err := bounce.ParseSendGridKey(base64.StdEncoding.EncodeToString(der))
	if err != nil {
		t.Fatal(err)
	}
	h.h.SendGrid = &bounce.SendGrid{PublicKey: pub}
	body := fmt.Sprintf(`[{"email":"dead@example.net","event":"bounce","type":"bounce","status":"5.1.1","reason":"550 5.1.1 user unknown","sg_event_id":"e1","smtp-id":"<%s>"},
		{"email":"full@example.net","event":"bounce","type":"blocked","status":"4.2.2","reason":"452 mailbox full","sg_event_id":"e2"},
		{"email":"dead@example.net","event":"delivered","sg_event_id":"e3"}]`, h.messageID("dead@example.net"))
	sign := func(k *ecdsa.PrivateKey, ts, body string) string {
		sum := sha256.Sum256([]byte(ts + body))
		sig, _ := ecdsa.SignASN1(rand.Reader, k, sum[:])
		return base64.StdEncoding.EncodeToString(sig)
	}
	ts := strconv.FormatInt(h.clock.Now().Unix(), 10)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	hdr := func(sig string) []string {
		return []string{"X-Twilio-Email-Event-Webhook-Signature", sig, "X-Twilio-Email-Event-Webhook-Timestamp", ts}
	}
	h.expect("other key", h.post("sendgrid", body, hdr(sign(other, ts, body))...), http.StatusUnauthorized)
	h.expect("altered body", h.post("sendgrid", strings.Replace(body, "full@", "dead@", 1), hdr(sign(key, ts, body))...), http.StatusUnauthorized)
	h.expect("unsigned", h.post("sendgrid", body), http.StatusUnauthorized)
	if h.events() != 0 {
		t.Fatal("refused posts recorded events")
	}
	h.expect("signed", h.post("sendgrid", body, hdr(sign(key, ts, body))...), http.StatusNoContent)
	evs, _ := h.bounces.FindBounces(context.Background(), newsdesk.BounceFilter{})
	if len(evs) != 2 || evs[1].Type != newsdesk.BounceHard || evs[1].MatchedBy != newsdesk.BounceByMessageID || evs[0].Type != newsdesk.BounceSoft {
		t.Errorf("events %+v %+v", evs[0], evs[len(evs)-1])
	}
	if h.status("dead@example.net") != newsdesk.SubscriberBounced || h.status("full@example.net") != newsdesk.SubscriberConfirmed {
		t.Errorf("dead %s, full %s", h.status("dead@example.net"), h.status("full@example.net"))
	}
}

// snsSigner makes SNS messages signed with a certificate of its own.
type snsSigner struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

func newSNSSigner(t *testing.T) *snsSigner {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sns.amazonaws.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &snsSigner{key: key, cert: cert}
}

const (
	topic   = "arn:aws:sns:eu-west-1:123456789012:ses-bounces"
	certURL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem"
)

func (s *snsSigner) message(typ, message, certURL, subscribeURL string, version int) string {
	m := map[string]string{"Type": typ, "MessageId": "m-1", "TopicArn": topic, "Message": message,
		"Timestamp": "2026-12-03T08:00:00.000Z", "SignatureVersion": strconv.Itoa(version), "SigningCertURL": certURL}
	text := "Message\n" + message + "\nMessageId\nm-1\n"
	if typ == "Notification" {
		text += "Timestamp\n" + m["Timestamp"] + "\nTopicArn\n" + topic + "\nType\n" + typ + "\n"
	} else {
		m["SubscribeURL"], m["Token"] = subscribeURL, "tok"
		text += "SubscribeURL\n" + subscribeURL + "\nTimestamp\n" + m["Timestamp"] + "\nToken\ntok\nTopicArn\n" + topic + "\nType\n" + typ + "\n"
	}
	h, sum := crypto.SHA256, sha256.Sum256([]byte(text))
	digest := sum[:]
	if version == 1 {
		h, digest = crypto.SHA1, sha1Sum(text)
	}
	sig, _ := rsa.SignPKCS1v15(rand.Reader, s.key, h, digest)
	m["Signature"] = base64.StdEncoding.EncodeToString(sig)
	b, _ := json.Marshal(m)
	return string(b)
}

func TestSESWebhook(t *testing.T) {
	h := newHooks(t, "dead@example.net")
	signer := newSNSSigner(t)
	var fetched, confirmed []string
	h.h.SES = &bounce.SES{TopicARNs: []string{topic},
		Certificate: func(_ context.Context, u string) (*x509.Certificate, error) {
			fetched = append(fetched, u)
			return signer.cert, nil
		},
		Confirm: func(_ context.Context, u string) error { confirmed = append(confirmed, u); return nil }}
	notification := fmt.Sprintf(`{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",
		"feedbackId":"fb-1","bouncedRecipients":[{"emailAddress":"dead@example.net","action":"failed","status":"5.1.1",
		"diagnosticCode":"smtp; 550 5.1.1 user unknown"}]},"mail":{"source":%q,"commonHeaders":{"messageId":"<x@ses>"}}}`,
		h.verp("dead@example.net"))

	subscribe := "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=tok"
	h.expect("confirmation", h.post("ses", signer.message("SubscriptionConfirmation", "confirm", certURL, subscribe, 1)), http.StatusNoContent)
	if len(confirmed) != 1 || confirmed[0] != subscribe {
		t.Errorf("subscription confirmed at %v", confirmed)
	}
	h.expect("subscribe elsewhere", h.post("ses", signer.message("SubscriptionConfirmation", "confirm", certURL, "https://evil.example/x", 1)), http.StatusUnauthorized)
	h.expect("certificate elsewhere", h.post("ses", signer.message("Notification", notification, "https://sns.evil.example/c.pem", "", 2)), http.StatusUnauthorized)
	h.expect("certificate over http", h.post("ses", signer.message("Notification", notification, "http://sns.eu-west-1.amazonaws.com/c.pem", "", 2)), http.StatusUnauthorized)
	forged := strings.Replace(signer.message("Notification", notification, certURL, "", 2), "5.1.1", "5.1.2", 1)
	h.expect("altered", h.post("ses", forged), http.StatusUnauthorized)
	other := strings.Replace(signer.message("Notification", notification, certURL, "", 2), topic, topic+"-other", 1)
	h.expect("other topic", h.post("ses", other), http.StatusUnauthorized)
	if h.events() != 0 || len(confirmed) != 1 {
		t.Fatalf("refused posts did something: %d events, confirmed %v", h.events(), confirmed)
	}
	for _, u := range fetched {
		if u != certURL {
			t.Errorf("fetched a certificate from %s", u)
		}
	}
	h.expect("notification", h.post("ses", signer.message("Notification", notification, certURL, "", 2)), http.StatusNoContent)
	evs, _ := h.bounces.FindBounces(context.Background(), newsdesk.BounceFilter{})
	if len(evs) != 1 || evs[0].MatchedBy != newsdesk.BounceByVERP || evs[0].Type != newsdesk.BounceHard || h.status("dead@example.net") != newsdesk.SubscriberBounced {
		t.Errorf("events %+v, subscriber %s", evs, h.status("dead@example.net"))
	}
}

func sha1Sum(s string) []byte {
	sum := sha1.Sum([]byte(s))
	return sum[:]
}
