package bounce

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/newsdesk/newsdesk"
)

// SendGrid reads SendGrid's signed event webhook: the
// X-Twilio-Email-Event-Webhook-Signature header is an ECDSA P-256
// signature (base64 ASN.1) of the SHA-256 of the timestamp header followed
// by the body, checked with the verification key the account shows.
type SendGrid struct {
	PublicKey *ecdsa.PublicKey
}

// ParseSendGridKey reads the verification key as SendGrid shows it: base64
// of a DER public key.
func ParseSendGridKey(s string) (*ecdsa.PublicKey, error) {
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "sendgrid key: not base64: %w", err)
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "sendgrid key: %w", err)
	}
	ek, ok := k.(*ecdsa.PublicKey)
	if !ok {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "sendgrid key: not an ECDSA key")
	}
	return ek, nil
}

type sendgridEvent struct {
	Email     string `json:"email"`
	Event     string `json:"event"`
	Type      string `json:"type"`
	Status    string `json:"status"`
	Reason    string `json:"reason"`
	EventID   string `json:"sg_event_id"`
	MessageID string `json:"smtp-id"`
}

func (s *SendGrid) reports(_ context.Context, r *http.Request, body []byte, now time.Time) ([]*Report, error) {
	if err := s.verify(r, body, now); err != nil {
		return nil, err
	}
	var events []sendgridEvent
	if err := json.Unmarshal(body, &events); err != nil {
		return nil, fmt.Errorf("not SendGrid events: %w", err)
	}
	var out []*Report
	for _, ev := range events {
		rc := &Recipient{Address: ev.Email, Status: ev.Status, Diagnostic: ev.Reason}
		switch ev.Event {
		case "bounce":
			rc.Type = failure(enhancedStatus(ev.Status), ev.Reason, ev.Type != "blocked")
			if ev.Type == "blocked" && rc.Type == newsdesk.BounceHard && phraseType(ev.Reason) != newsdesk.BounceHard {
				rc.Type = newsdesk.BounceSoft
			}
		case "deferred":
			rc.Type = newsdesk.BounceDelayed
		case "spamreport":
			rc.Type = newsdesk.BounceComplaint
		default:
			continue // processed, delivered, dropped (already suppressed there), opens
		}
		out = append(out, webhookReport("sendgrid:"+ev.EventID, ev.MessageID, "", rc))
	}
	return out, nil
}

func (s *SendGrid) verify(r *http.Request, body []byte, now time.Time) error {
	ts := r.Header.Get("X-Twilio-Email-Event-Webhook-Timestamp")
	sig, err := base64.StdEncoding.DecodeString(r.Header.Get("X-Twilio-Email-Event-Webhook-Signature"))
	if err != nil || len(sig) == 0 {
		return fmt.Errorf("%w: no signature", errUnauthorized)
	}
	sum := sha256.Sum256(append([]byte(ts), body...))
	if !ecdsa.VerifyASN1(s.PublicKey, sum[:], sig) {
		return fmt.Errorf("%w: bad signature", errUnauthorized)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || !fresh(time.Unix(sec, 0), now) {
		return fmt.Errorf("%w: stale timestamp %q", errUnauthorized, ts)
	}
	return nil
}
