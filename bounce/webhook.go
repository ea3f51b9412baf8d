package bounce

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
)

// Webhooks serves the providers' event webhooks under POST
// /webhooks/{ses,mailgun,postmark,sendgrid}. Each provider is on only when
// configured, and each request is authenticated the way its provider
// documents; anything else is refused with 401 and logged.
type Webhooks struct {
	Processor *Processor
	Mailgun   *Mailgun  // nil: off
	Postmark  *Postmark // nil: off
	SendGrid  *SendGrid // nil: off
	SES       *SES      // nil: off
	Clock     newsdesk.Clock
	Logger    *slog.Logger
}

// maxWebhookBody bounds what a provider may post in one request.
const maxWebhookBody = 1 << 20

// webhookSkew is how far a signed timestamp may be from our clock.
const webhookSkew = 15 * time.Minute

// provider reads one provider's requests: it authenticates r and returns
// the reports in body, or errUnauthorized.
type provider interface {
	reports(ctx context.Context, r *http.Request, body []byte, now time.Time) ([]*Report, error)
}

var errUnauthorized = errors.New("not authenticated")

// ServeHTTP routes POST /webhooks/NAME to the provider NAME.
func (h *Webhooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/webhooks/")
	p := h.provider(name)
	if r.Method != http.MethodPost || p == nil {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	reports, err := p.reports(r.Context(), r, body, h.now())
	switch {
	case errors.Is(err, errUnauthorized):
		h.logger().Warn("webhook refused: not authenticated", "provider", name, "remote", r.RemoteAddr, "err", err)
		http.Error(w, "not authenticated", http.StatusUnauthorized)
		return
	case err != nil:
		h.logger().Info("webhook refused: bad request", "provider", name, "remote", r.RemoteAddr, "err", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for _, rep := range reports {
		if _, err := h.Processor.Record(r.Context(), rep, body, newsdesk.BounceWebhook, nil); err != nil {
			h.logger().Error("webhook event not recorded", "provider", name, "err", err)
			http.Error(w, "cannot record the event now", http.StatusServiceUnavailable)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Webhooks) provider(name string) provider {
	switch {
	case name == "mailgun" && h.Mailgun != nil:
		return h.Mailgun
	case name == "postmark" && h.Postmark != nil:
		return h.Postmark
	case name == "sendgrid" && h.SendGrid != nil:
		return h.SendGrid
	case name == "ses" && h.SES != nil:
		return h.SES
	}
	return nil
}

func (h *Webhooks) now() time.Time {
	if h.Clock == nil {
		return time.Now().UTC()
	}
	return h.Clock.Now()
}

func (h *Webhooks) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

// webhookReport is a report of one event about one recipient.
func webhookReport(id, msgID, sender string, rc *Recipient) *Report {
	rc.Address = strings.ToLower(strings.TrimSpace(rc.Address))
	rc.Diagnostic = diagnostic(rc.Diagnostic)
	if rc.Status != "" && enhancedStatus(rc.Status) == "" {
		rc.Status = findStatus(rc.Status)
	}
	r := &Report{Kind: KindWebhook, ReportID: id, OriginalMessageID: messageID("<" + strings.Trim(msgID, "<> ") + ">"),
		Recipients: []*Recipient{rc}}
	if sender != "" {
		r.Addresses = []string{sender}
	}
	return r
}

// failure classifies a provider's failure event from its status and words,
// hard unless they speak of a full mailbox or a temporary refusal.
func failure(status, words string, permanent bool) newsdesk.BounceType {
	t := classify(status, words)
	if t == newsdesk.BounceUnknown {
		t = newsdesk.BounceSoft
		if permanent {
			t = newsdesk.BounceHard
		}
	}
	return t
}

func fresh(ts, now time.Time) bool {
	d := now.Sub(ts)
	return d < webhookSkew && d > -webhookSkew
}
