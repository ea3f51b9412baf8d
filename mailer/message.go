// Package mailer builds newsdesk's email with go-mail, sends it through a
// transport (SMTP or files) and runs the outbox: the workers that deliver
// the durable queue of deliveries kept in the store.
package mailer

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/mail"
	"strconv"
	"strings"
	"sync"

	"github.com/newsdesk/newsdesk"
	gomail "github.com/wneessen/go-mail"
)

// Prepared is content ready to be written for any number of recipients.
type Prepared struct {
	Subject string
	HTML    *Body
	Text    *Body
	// List is the newsletter the message belongs to; it gives the List-Id
	// and List-Unsubscribe headers. Nil for transactional mail.
	List *newsdesk.Newsletter
	// Key names the content in Message-IDs and file names: "e12" for
	// edition 12, "t34" for transactional delivery 34.
	Key string
	// AddressOnly leaves the recipient's name out of To:.
	AddressOnly bool
}

// Prepare splits rendered content for fast personalisation.
func Prepare(subject string, c Content, list *newsdesk.Newsletter, key string) *Prepared {
	return &Prepared{Subject: subject, HTML: NewBody(c.HTML), Text: NewBody(c.Text), List: list, Key: key}
}

// PrepareRendered prepares content rendered elsewhere (a digest, whose text
// is already wrapped for reading): its lines end in CRLF and are kept
// within SMTP's limit, as the 8-bit bodies sent need.
func PrepareRendered(subject string, c Content, list *newsdesk.Newsletter, key string) *Prepared {
	c = Content{HTML: wrapLines(c.HTML, maxHTMLLine), Text: wrapLines(c.Text, maxHTMLLine)}
	return Prepare(subject, c, list, key)
}

// Recipient is who one message goes to.
type Recipient struct {
	SubscriberID int64
	Email        string
	Name         string
	LinkKey      []byte // the subscriber's, for the tokens in their links
	RequestID    int64  // what a confirmation's link confirms
}

// Builder writes messages: headers, a multipart/alternative body with the
// text part first, and a DKIM signature when a signer is set.
type Builder struct {
	From    *mail.Address
	ReplyTo *mail.Address // nil for none
	Host    string        // the site's host: Message-IDs and List-Ids live under it
	BaseURL string
	Tokens  *newsdesk.Tokens
	Secret  []byte      // keys the hashes in Message-IDs and MIME boundaries
	DKIM    *DKIMSigner // nil: unsigned
	Clock   newsdesk.Clock
	// Bounces is the bounce address ([bounces] address). When set, each
	// delivery goes out with the envelope sender bounces+TOKEN@domain
	// (VERP), TOKEN naming the delivery, so that a bounce can be matched
	// to the message that caused it; From: stays as it is.
	Bounces string
}

// EnvelopeFrom returns the envelope sender (SMTP MAIL FROM) of delivery d:
// the bounce address with d's VERP token when Bounces is set, else sender.
// The SMTP transport writes MAIL FROM itself, so this replaces what
// go-mail's Msg.EnvelopeFrom would set.
func (b *Builder) EnvelopeFrom(d *newsdesk.Delivery, sender string) string {
	if b.Bounces == "" || d == nil || d.Subscriber == nil {
		return sender
	}
	return newsdesk.VERPAddress(b.Bounces, b.Tokens.BounceToken(d.ID, d.Subscriber.ID))
}

// ParseMessageID reads a Message-ID that MessageID made (with or without
// brackets): the edition (key e12) or the transactional delivery (key t34)
// it was for, and the subscriber. An id whose hash does not match is
// refused, so a report cannot name a message it did not see.
func (b *Builder) ParseMessageID(id string) (editionID, deliveryID, subscriberID int64, ok bool) {
	id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
	local, host, found := strings.Cut(id, "@")
	if !found || !strings.EqualFold(host, b.Host) {
		return 0, 0, 0, false
	}
	i := strings.LastIndexByte(local, '.')
	if i < 0 || local[i+1:] != b.hash("message-id", local[:i])[:12] {
		return 0, 0, 0, false
	}
	key, sub, found := strings.Cut(local[:i], ".s")
	subscriberID, err := strconv.ParseInt(sub, 10, 64)
	if !found || err != nil || subscriberID <= 0 || len(key) < 2 {
		return 0, 0, 0, false
	}
	n, err := strconv.ParseInt(key[1:], 10, 64)
	if err != nil || n <= 0 {
		return 0, 0, 0, false
	}
	switch key[0] {
	case 'e':
		return n, 0, subscriberID, true
	case 't':
		return 0, n, subscriberID, true
	}
	return 0, 0, 0, false
}

// MessageID returns the Message-ID of the message with key to a subscriber,
// without angle brackets. It is the same every time, so a copy sent again
// after a crash is recognisable as the same message.
func (b *Builder) MessageID(key string, subscriber int64) string {
	local := key + ".s" + strconv.FormatInt(subscriber, 10)
	return local + "." + b.hash("message-id", local)[:12] + "@" + b.Host
}

func (b *Builder) hash(purpose, s string) string {
	m := hmac.New(sha256.New, b.Secret)
	m.Write([]byte(purpose + "\x00" + s))
	return hex.EncodeToString(m.Sum(nil))
}

// ListID returns the List-Id header value of a newsletter (RFC 2919).
// The name is left out when it is not plain ASCII, which the header cannot
// carry without encoding the id as well.
func (b *Builder) ListID(n *newsdesk.Newsletter) string {
	id := "<" + n.Slug + "." + b.Host + ">"
	for i := 0; i < len(n.Name); i++ {
		if n.Name[i] < 0x20 || n.Name[i] > 0x7e {
			return id
		}
	}
	return `"` + quoteEscaper.Replace(n.Name) + `" ` + id
}

// quoteEscaper escapes the inside of a quoted-string (RFC 5322).
var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// Values returns the link tokens a recipient's copy of p needs.
func (b *Builder) Values(p *Prepared, r Recipient) *Values {
	var v Values
	var list int64
	if p.List != nil {
		list = p.List.ID
	}
	if p.List != nil || uses(p, SlotUnsubscribe) {
		v[SlotUnsubscribe] = b.Tokens.New(newsdesk.TokenUnsubscribe, r.SubscriberID, r.LinkKey, list)
	}
	if uses(p, SlotPreferences) {
		v[SlotPreferences] = b.Tokens.New(newsdesk.TokenPreferences, r.SubscriberID, r.LinkKey, 0)
	}
	if uses(p, SlotConfirm) {
		v[SlotConfirm] = b.Tokens.NewConfirm(r.SubscriberID, r.LinkKey, r.RequestID)
	}
	return &v
}

func uses(p *Prepared, s Slot) bool { return p.HTML.Uses(s) || p.Text.Uses(s) }

// Build writes the message of p to r into w. A subject or name that could
// inject a header is an EINVALID error.
func (b *Builder) Build(w io.Writer, p *Prepared, r Recipient) error {
	if !newsdesk.HeaderSafe(p.Subject) || !newsdesk.HeaderSafe(r.Name) || !newsdesk.HeaderSafe(r.Email) {
		return newsdesk.Errorf(newsdesk.EINVALID, "message to subscriber %d: line break in a header", r.SubscriberID)
	}
	id := b.MessageID(p.Key, r.SubscriberID)
	m := gomail.NewMsg(gomail.WithEncoding(gomail.NoEncoding), gomail.WithCharset(gomail.CharsetUTF8),
		gomail.WithNoDefaultUserAgent(), gomail.WithBoundary("nd-"+b.hash("boundary", id)[:28]))
	m.SetAddrHeaderFromMailAddress(gomail.HeaderFrom, b.From)
	to := &mail.Address{Name: r.Name, Address: r.Email}
	if p.AddressOnly {
		to.Name = ""
	}
	m.AddToMailAddress(to)
	if b.ReplyTo != nil {
		m.SetAddrHeaderFromMailAddress(gomail.HeaderReplyTo, b.ReplyTo)
	}
	m.Subject(p.Subject)
	m.SetDateWithValue(b.Clock.Now())
	m.SetMessageIDWithValue(id)
	v := b.Values(p, r)
	if p.List != nil {
		m.SetGenHeader("List-Id", b.ListID(p.List))
		// Preformatted, so that the link stays on the header's line: a
		// folded List-Unsubscribe is valid, but not every client reads it.
		m.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribe, "<"+b.BaseURL+"/unsubscribe/"+v[SlotUnsubscribe]+">")
		m.SetGenHeader(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
		m.SetBulk()
	}
	m.SetBodyWriter(gomail.TypeTextPlain, writeString(textMarker))
	if !p.HTML.Empty() {
		m.AddAlternativeWriter(gomail.TypeTextHTML, writeString(htmlMarker))
	}
	skeleton := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(skeleton)
	skeleton.Reset()
	if _, err := m.WriteTo(skeleton); err != nil {
		return fmt.Errorf("build message %s: %w", id, err)
	}
	if b.DKIM == nil {
		return fillBodies(w, skeleton.Bytes(), p, v)
	}
	msg := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(msg)
	msg.Reset()
	if err := fillBodies(msg, skeleton.Bytes(), p, v); err != nil {
		return err
	}
	if err := b.DKIM.Sign(w, msg.Bytes()); err != nil {
		return fmt.Errorf("sign message %s: %w", id, err)
	}
	return nil
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// go-mail writes each 8-bit body into a buffer of its own before copying it
// into the message, which for a digest costs more than the rest of the
// message together. So go-mail writes the message with a marker where each
// body goes, and fillBodies writes the bodies in their place, straight from
// the prepared content. The markers hold bytes no rendered body or header
// holds, and never leave this package.
const (
	textMarker = "\x00newsdesk:text-body\x00"
	htmlMarker = "\x00newsdesk:html-body\x00"
)

func writeString(s string) func(io.Writer) (int64, error) {
	return func(w io.Writer) (int64, error) {
		n, err := io.WriteString(w, s)
		return int64(n), err
	}
}

// fillBodies writes skeleton to w with the bodies of p in place of their
// markers.
func fillBodies(w io.Writer, skeleton []byte, p *Prepared, v *Values) error {
	for _, part := range []struct {
		marker string
		body   *Body
	}{{textMarker, p.Text}, {htmlMarker, p.HTML}} {
		i := bytes.Index(skeleton, []byte(part.marker))
		if i < 0 {
			continue
		}
		if _, err := w.Write(skeleton[:i]); err != nil {
			return err
		}
		if _, err := part.body.WriteTo(w, v); err != nil {
			return err
		}
		skeleton = skeleton[i+len(part.marker):]
	}
	_, err := w.Write(skeleton)
	return err
}

// ParseAddress reads a From or Reply-To setting such as
// "The Review <news@example.org>".
func ParseAddress(s string) (*mail.Address, error) {
	a, err := mail.ParseAddress(s)
	if err != nil || !newsdesk.HeaderSafe(s) {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "%q is not an email address", s)
	}
	if _, err := newsdesk.NormalizeEmail(a.Address); err != nil && !strings.HasSuffix(a.Address, "@localhost") {
		return nil, err
	}
	return a, nil
}

// BuildBytes is Build into a new buffer.
func (b *Builder) BuildBytes(p *Prepared, r Recipient) ([]byte, error) {
	var buf bytes.Buffer
	err := b.Build(&buf, p, r)
	return buf.Bytes(), err
}
