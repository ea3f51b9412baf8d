package bounce

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/newsdesk/newsdesk"
)

// Postmark reads Postmark's bounce and spam complaint webhooks, which
// Postmark authenticates with the basic-auth credentials written into the
// webhook's URL.
type Postmark struct {
	Username, Password string
}

type postmarkEvent struct {
	RecordType  string `json:"RecordType"`
	Type        string `json:"Type"`
	ID          int64  `json:"ID"`
	Email       string `json:"Email"`
	Details     string `json:"Details"`
	Description string `json:"Description"`
}

func (p *Postmark) reports(_ context.Context, r *http.Request, body []byte, _ time.Time) ([]*Report, error) {
	user, pass, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(p.Username)) != 1 ||
		subtle.ConstantTimeCompare([]byte(pass), []byte(p.Password)) != 1 {
		return nil, fmt.Errorf("%w: wrong or missing basic auth", errUnauthorized)
	}
	var ev postmarkEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, fmt.Errorf("not a Postmark event: %w", err)
	}
	rc := &Recipient{Address: ev.Email, Diagnostic: ev.Details, Status: findStatus(ev.Details)}
	switch {
	case ev.RecordType == "SpamComplaint" || ev.Type == "SpamComplaint":
		rc.Type = newsdesk.BounceComplaint
	case ev.RecordType != "Bounce":
		return nil, nil // deliveries, opens, clicks
	default:
		rc.Type = postmarkType(ev.Type, rc.Status, ev.Details)
		if rc.Type == newsdesk.BounceAutoReply {
			return nil, nil
		}
	}
	if rc.Diagnostic == "" {
		rc.Diagnostic = ev.Description
	}
	return []*Report{webhookReport("postmark:"+strconv.FormatInt(ev.ID, 10), "", "", rc)}, nil
}

// postmarkType maps Postmark's bounce types
// (https://postmarkapp.com/developer/api/bounce-api#bounce-types).
func postmarkType(t, status, details string) newsdesk.BounceType {
	switch t {
	case "HardBounce", "BadEmailAddress", "ManuallyDeactivated", "Unknown":
		if t == "Unknown" {
			return classify(status, details)
		}
		return newsdesk.BounceHard
	case "SoftBounce", "DnsError", "Blocked", "ChallengeVerification", "SMTPApiError":
		return newsdesk.BounceSoft
	case "Transient":
		return newsdesk.BounceDelayed
	case "AutoResponder":
		return newsdesk.BounceAutoReply
	}
	return newsdesk.BounceUnknown
}
