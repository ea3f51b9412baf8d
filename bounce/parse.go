// Package bounce reads what comes back after mail is sent: delivery status
// notifications (RFC 3464) and the looser reports some large receivers
// send instead, spam complaints (RFC 5965 ARF) and auto-replies (RFC 3834),
// and applies them to the deliveries and subscribers they are about.
package bounce

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// Kind is the shape of a report.
type Kind string

// Report kinds: a delivery status notification, a complaint (ARF), an
// auto-reply, a report read from its human text, and one that says
// nothing that can be read.
const (
	KindDSN       Kind = "dsn"
	KindARF       Kind = "arf"
	KindAutoReply Kind = "autoreply"
	KindText      Kind = "text"
	KindUnknown   Kind = "unknown"
	KindWebhook   Kind = "webhook" // an event a provider posted
)

// Report is what a message sent back says, before it is matched to a
// delivery.
type Report struct {
	Kind     Kind   `json:"kind"`
	ReportID string `json:"report_id,omitempty"` // the report's own Message-ID
	// OriginalMessageID is the Message-ID of the message the report is
	// about, as quoted in it.
	OriginalMessageID string `json:"original_message_id,omitempty"`
	// Addresses are where the report was sent (To, Delivered-To,
	// X-Original-To) and the quoted original's Return-Path: the places a
	// VERP address may show.
	Addresses  []string     `json:"addresses,omitempty"`
	Recipients []*Recipient `json:"recipients,omitempty"`
}

// Recipient is what a report says about one recipient.
type Recipient struct {
	Address    string              `json:"address,omitempty"`
	Type       newsdesk.BounceType `json:"type"`
	Status     string              `json:"status,omitempty"`
	Diagnostic string              `json:"diagnostic,omitempty"`
}

// Limits on what is read, so that a hostile report costs little.
const (
	MaxSize   = 1 << 20 // bytes of a whole report
	maxParts  = 64      // MIME parts looked at
	maxDepth  = 4       // nesting of multiparts and attached messages
	maxText   = 64 << 10
	maxDiag   = 300
	maxBlocks = 64 // field blocks of one delivery-status part
)

// Parse reads a report. A message too large or without readable headers
// is an EINVALID error; anything else gives a Report, of KindUnknown when
// nothing in it could be understood.
func Parse(raw []byte) (*Report, error) {
	if len(raw) > MaxSize {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "report of %d bytes is larger than %d", len(raw), MaxSize)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "not a mail message: %w", err)
	}
	if len(msg.Header) == 0 {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "not a mail message: no header fields")
	}
	p := &parser{r: &Report{ReportID: messageID(msg.Header.Get("Message-Id"))}}
	for _, k := range []string{"Delivered-To", "X-Original-To", "Envelope-To", "To"} {
		p.addAddresses(msg.Header[textproto.CanonicalMIMEHeaderKey(k)]...)
	}
	p.entity(textproto.MIMEHeader(msg.Header), msg.Body, 0)
	p.finish(msg.Header)
	return p.r, nil
}

// parser walks a report's MIME tree, collecting what it finds.
type parser struct {
	r        *Report
	parts    int
	dsn      bool // a delivery-status part was found
	arf      *textproto.MIMEHeader
	text     strings.Builder // the human-readable parts
	original textproto.MIMEHeader
}

func (p *parser) entity(h textproto.MIMEHeader, body io.Reader, depth int) {
	p.parts++
	if p.parts > maxParts || depth > maxDepth {
		return
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		p.multipart(body, params["boundary"], depth)
		return
	}
	body = decode(h.Get("Content-Transfer-Encoding"), body)
	switch mt {
	case "message/delivery-status", "message/global-delivery-status":
		p.dsn = true
		p.deliveryStatus(body)
	case "message/feedback-report":
		fields, _ := readFields(body)
		p.arf = &fields
	case "message/rfc822", "message/global":
		p.attached(body, depth)
	case "text/rfc822-headers", "message/rfc822-headers", "message/global-headers":
		if fields, _ := readFields(body); len(fields) > 0 {
			p.setOriginal(fields)
		}
	default:
		if strings.HasPrefix(mt, "text/") {
			p.addText(body, mt == "text/html")
		}
	}
}

func (p *parser) multipart(body io.Reader, boundary string, depth int) {
	if boundary == "" {
		p.addText(body, false)
		return
	}
	mr := multipart.NewReader(body, boundary)
	for p.parts <= maxParts {
		part, err := mr.NextRawPart()
		if err != nil {
			return
		}
		p.entity(part.Header, part, depth+1)
	}
}

// attached reads a message/rfc822 part: the original message, or a report
// forwarded as an attachment, which is read as if it had come itself.
func (p *parser) attached(body io.Reader, depth int) {
	msg, err := mail.ReadMessage(bufio.NewReader(io.LimitReader(body, MaxSize)))
	if err != nil {
		return
	}
	h := textproto.MIMEHeader(msg.Header)
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if (mt == "multipart/report" || fromDaemon(mail.Header(h))) && !p.dsn && p.arf == nil && p.original == nil {
		if id := messageID(h.Get("Message-Id")); id != "" {
			p.r.ReportID = id
		}
		p.entity(h, msg.Body, depth+1)
		return
	}
	p.setOriginal(h)
}

func (p *parser) setOriginal(h textproto.MIMEHeader) {
	if p.original != nil {
		return
	}
	p.original = h
	if p.r.OriginalMessageID == "" {
		p.r.OriginalMessageID = messageID(h.Get("Message-Id"))
	}
	p.addAddresses(h["Return-Path"]...)
}

func (p *parser) addText(body io.Reader, html bool) {
	room := maxText - p.text.Len()
	if room <= 0 {
		return
	}
	b, _ := io.ReadAll(io.LimitReader(body, int64(room)))
	if html {
		b = stripTags(b)
	}
	p.text.Write(b)
	p.text.WriteByte('\n')
}

func (p *parser) addAddresses(values ...string) {
	for _, v := range values {
		list, err := mail.ParseAddressList(v)
		if err != nil {
			if a := bareAddress(v); a != "" {
				p.r.Addresses = appendNew(p.r.Addresses, a)
			}
			continue
		}
		for _, a := range list {
			p.r.Addresses = appendNew(p.r.Addresses, a.Address)
		}
	}
}

// decode undoes a part's transfer encoding.
func decode(cte string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &lineJoiner{r: r})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// lineJoiner drops line breaks and spaces, which base64 bodies carry but
// the decoder does not accept.
type lineJoiner struct{ r io.Reader }

func (l *lineJoiner) Read(b []byte) (int, error) {
	for {
		n, err := l.r.Read(b)
		j := 0
		for _, c := range b[:n] {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				b[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// readFields reads one block of header-like fields, keeping what was read
// before a malformed line.
func readFields(r io.Reader) (textproto.MIMEHeader, error) {
	h, err := textproto.NewReader(bufio.NewReader(io.LimitReader(r, maxText))).ReadMIMEHeader()
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return h, err
}

// messageID returns a Message-ID without brackets or spaces.
func messageID(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			s = s[i+1 : i+j]
		}
	}
	if strings.ContainsAny(s, " \t\r\n<>") || !strings.Contains(s, "@") || len(s) > 250 {
		return ""
	}
	return s
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return list
		}
	}
	return append(list, s)
}
