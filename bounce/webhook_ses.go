package bounce

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/newsdesk/newsdesk"
)

// SES reads Amazon SES notifications delivered by SNS. Each SNS message is
// signed by AWS with the certificate at its SigningCertURL, which must be
// on an SNS host; the topic must be one of TopicARNs, since any AWS
// account can sign messages of its own topics. Subscription confirmations
// are answered by visiting their SubscribeURL, on an SNS host too.
type SES struct {
	TopicARNs []string
	// Certificate fetches the signing certificate at a URL already checked
	// to be on an SNS host; nil fetches it over HTTPS (tests set their own).
	Certificate func(ctx context.Context, url string) (*x509.Certificate, error)
	// Confirm visits a SubscribeURL already checked to be on an SNS host;
	// nil makes a GET request.
	Confirm func(ctx context.Context, url string) error
	Client  *http.Client // for the defaults; nil: one with a 10s timeout

	mu    sync.Mutex
	certs map[string]*x509.Certificate
}

// snsHost is what SNS's own URLs look like.
var snsHost = regexp.MustCompile(`^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$`)

type snsMessage struct {
	Type             string `json:"Type"`
	MessageID        string `json:"MessageId"`
	Token            string `json:"Token"`
	TopicArn         string `json:"TopicArn"`
	Subject          string `json:"Subject"`
	Message          string `json:"Message"`
	Timestamp        string `json:"Timestamp"`
	SignatureVersion string `json:"SignatureVersion"`
	Signature        string `json:"Signature"`
	SigningCertURL   string `json:"SigningCertURL"`
	SubscribeURL     string `json:"SubscribeURL"`
}

func (s *SES) reports(ctx context.Context, _ *http.Request, body []byte, _ time.Time) ([]*Report, error) {
	var m snsMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("%w: not an SNS message: %w", errUnauthorized, err)
	}
	if !slices.Contains(s.TopicARNs, m.TopicArn) {
		return nil, fmt.Errorf("%w: topic %q is not configured", errUnauthorized, m.TopicArn)
	}
	if err := s.verify(ctx, m); err != nil {
		return nil, err
	}
	switch m.Type {
	case "SubscriptionConfirmation":
		return nil, s.confirm(ctx, m.SubscribeURL)
	case "Notification":
		return sesReports(m.Message)
	}
	return nil, nil // UnsubscribeConfirmation: nothing to do
}

// signedText is the string SNS signs, by message type.
func (m snsMessage) signedText() string {
	fields := [][2]string{{"Message", m.Message}, {"MessageId", m.MessageID}}
	if m.Type == "Notification" {
		if m.Subject != "" {
			fields = append(fields, [2]string{"Subject", m.Subject})
		}
		fields = append(fields, [2]string{"Timestamp", m.Timestamp}, [2]string{"TopicArn", m.TopicArn}, [2]string{"Type", m.Type})
	} else {
		fields = append(fields, [2]string{"SubscribeURL", m.SubscribeURL}, [2]string{"Timestamp", m.Timestamp},
			[2]string{"Token", m.Token}, [2]string{"TopicArn", m.TopicArn}, [2]string{"Type", m.Type})
	}
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(f[0] + "\n" + f[1] + "\n")
	}
	return b.String()
}

func (s *SES) verify(ctx context.Context, m snsMessage) error {
	if !onSNSHost(m.SigningCertURL) {
		return fmt.Errorf("%w: signing certificate %q is not on an SNS host", errUnauthorized, m.SigningCertURL)
	}
	cert, err := s.certificate(ctx, m.SigningCertURL)
	if err != nil {
		return fmt.Errorf("%w: signing certificate: %w", errUnauthorized, err)
	}
	key, ok := cert.PublicKey.(*rsa.PublicKey)
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if !ok || err != nil {
		return fmt.Errorf("%w: unusable signature or key", errUnauthorized)
	}
	text := []byte(m.signedText())
	var h crypto.Hash
	var sum []byte
	switch m.SignatureVersion {
	case "1":
		s1 := sha1.Sum(text)
		h, sum = crypto.SHA1, s1[:]
	case "2":
		s2 := sha256.Sum256(text)
		h, sum = crypto.SHA256, s2[:]
	default:
		return fmt.Errorf("%w: signature version %q", errUnauthorized, m.SignatureVersion)
	}
	if err := rsa.VerifyPKCS1v15(key, h, sum, sig); err != nil {
		return fmt.Errorf("%w: bad signature", errUnauthorized)
	}
	return nil
}

func onSNSHost(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "https" && u.User == nil && u.Port() == "" && snsHost.MatchString(u.Hostname())
}

func (s *SES) certificate(ctx context.Context, u string) (*x509.Certificate, error) {
	s.mu.Lock()
	c, ok := s.certs[u]
	s.mu.Unlock()
	if ok {
		return c, nil
	}
	fetch := s.Certificate
	if fetch == nil {
		fetch = s.fetchCertificate
	}
	c, err := fetch(ctx, u)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.certs == nil || len(s.certs) > 16 {
		s.certs = map[string]*x509.Certificate{}
	}
	s.certs[u] = c
	return c, nil
}

func (s *SES) fetchCertificate(ctx context.Context, u string) (*x509.Certificate, error) {
	body, err := s.get(ctx, u)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(body)
	if block == nil {
		return nil, fmt.Errorf("no PEM certificate at %s", u)
	}
	return x509.ParseCertificate(block.Bytes)
}

func (s *SES) confirm(ctx context.Context, u string) error {
	if !onSNSHost(u) {
		return fmt.Errorf("%w: SubscribeURL %q is not on an SNS host", errUnauthorized, u)
	}
	if s.Confirm != nil {
		return s.Confirm(ctx, u)
	}
	_, err := s.get(ctx, u)
	return err
}

func (s *SES) get(ctx context.Context, u string) ([]byte, error) {
	c := s.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 64<<10))
}

// sesNotification is the part of an SES bounce or complaint notification
// read here (SES's "notificationType", or "eventType" for event publishing).
type sesNotification struct {
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Bounce           struct {
		BounceType        string `json:"bounceType"`
		BounceSubType     string `json:"bounceSubType"`
		FeedbackID        string `json:"feedbackId"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Status         string `json:"status"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
	Complaint struct {
		FeedbackID            string `json:"feedbackId"`
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
		ComplainedRecipients  []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
	} `json:"complaint"`
	Mail struct {
		Source  string `json:"source"`
		Headers []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"headers"`
		CommonHeaders struct {
			MessageID string `json:"messageId"`
		} `json:"commonHeaders"`
	} `json:"mail"`
}

func (n *sesNotification) messageID() string {
	for _, h := range n.Mail.Headers {
		if strings.EqualFold(h.Name, "Message-ID") {
			return h.Value
		}
	}
	return n.Mail.CommonHeaders.MessageID
}

func sesReports(message string) ([]*Report, error) {
	var n sesNotification
	if err := json.Unmarshal([]byte(message), &n); err != nil {
		return nil, fmt.Errorf("not an SES notification: %w", err)
	}
	kind := n.NotificationType + n.EventType
	var out []*Report
	switch kind {
	case "Bounce":
		b := n.Bounce
		for i, r := range b.BouncedRecipients {
			rc := &Recipient{Address: r.EmailAddress, Status: r.Status, Diagnostic: typedValue(r.DiagnosticCode)}
			rc.Type = sesBounceType(b.BounceType, b.BounceSubType, enhancedStatus(r.Status), rc.Diagnostic)
			out = append(out, webhookReport(fmt.Sprintf("ses:%s:%d", b.FeedbackID, i), n.messageID(), n.Mail.Source, rc))
		}
	case "Complaint":
		c := n.Complaint
		if c.ComplaintFeedbackType == "not-spam" {
			return nil, nil
		}
		for i, r := range c.ComplainedRecipients {
			rc := &Recipient{Address: r.EmailAddress, Type: newsdesk.BounceComplaint,
				Diagnostic: "feedback-type: " + orAbuse(c.ComplaintFeedbackType)}
			out = append(out, webhookReport(fmt.Sprintf("ses:%s:%d", c.FeedbackID, i), n.messageID(), n.Mail.Source, rc))
		}
	}
	return out, nil
}

// sesBounceType maps SES's bounce types
// (https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html):
// a permanent bounce is hard unless it is about a full mailbox or a large
// message; a transient one is soft.
func sesBounceType(typ, sub, status, diag string) newsdesk.BounceType {
	switch {
	case typ == "Permanent" && (sub == "MailboxFull" || sub == "MessageTooLarge"):
		return newsdesk.BounceSoft
	case typ == "Permanent":
		return failure(status, diag, true)
	case typ == "Transient":
		return newsdesk.BounceSoft
	}
	return classify(status, diag)
}

func orAbuse(s string) string {
	if s == "" {
		return "abuse"
	}
	return s
}
