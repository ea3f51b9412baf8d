package bounce

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
)

// Mailgun reads Mailgun's event webhooks, signed with the account's HTTP
// webhook signing key: signature.signature is the hex HMAC-SHA256 of
// timestamp followed by token.
type Mailgun struct {
	SigningKey string
}

type mailgunEvent struct {
	Signature struct {
		Timestamp string `json:"timestamp"`
		Token     string `json:"token"`
		Signature string `json:"signature"`
	} `json:"signature"`
	EventData struct {
		ID        string `json:"id"`
		Event     string `json:"event"`
		Severity  string `json:"severity"`
		Recipient string `json:"recipient"`
		Reason    string `json:"reason"`
		Envelope  struct {
			Sender string `json:"sender"`
		} `json:"envelope"`
		Message struct {
			Headers struct {
				MessageID string `json:"message-id"`
			} `json:"headers"`
		} `json:"message"`
		DeliveryStatus struct {
			Code        int    `json:"code"`
			Message     string `json:"message"`
			Description string `json:"description"`
		} `json:"delivery-status"`
	} `json:"event-data"`
}

func (m *Mailgun) reports(_ context.Context, _ *http.Request, body []byte, now time.Time) ([]*Report, error) {
	var ev mailgunEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, fmt.Errorf("%w: %w", errUnauthorized, err)
	}
	if err := m.verify(ev, now); err != nil {
		return nil, err
	}
	d := ev.EventData
	rc := &Recipient{Address: d.Recipient}
	words := strings.TrimSpace(d.DeliveryStatus.Message + " " + d.DeliveryStatus.Description)
	switch d.Event {
	case "failed":
		rc.Status = findStatus(words)
		if rc.Status == "" && d.DeliveryStatus.Code >= 400 {
			rc.Status = strconv.Itoa(d.DeliveryStatus.Code/100) + ".0.0"
		}
		rc.Type = failure(rc.Status, words, d.Severity == "permanent")
		if d.Severity == "temporary" {
			rc.Type = newsdesk.BounceDelayed
		}
		rc.Diagnostic = strings.TrimSpace(fmt.Sprintf("%d %s", d.DeliveryStatus.Code, words))
	case "complained":
		rc.Type, rc.Diagnostic = newsdesk.BounceComplaint, "complained"
	default:
		return nil, nil // delivered, opened and the rest: nothing to record
	}
	return []*Report{webhookReport("mailgun:"+d.ID, d.Message.Headers.MessageID, d.Envelope.Sender, rc)}, nil
}

func (m *Mailgun) verify(ev mailgunEvent, now time.Time) error {
	s := ev.Signature
	mac := hmac.New(sha256.New, []byte(m.SigningKey))
	mac.Write([]byte(s.Timestamp + s.Token))
	want := mac.Sum(nil)
	got, err := hex.DecodeString(s.Signature)
	if err != nil || !hmac.Equal(got, want) {
		return fmt.Errorf("%w: bad signature", errUnauthorized)
	}
	sec, err := strconv.ParseInt(s.Timestamp, 10, 64)
	if err != nil || !fresh(time.Unix(sec, 0), now) {
		return fmt.Errorf("%w: stale timestamp %q", errUnauthorized, s.Timestamp)
	}
	return nil
}
