package bounce

import (
	"bytes"
	"net/mail"
	"regexp"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// finish decides what the report is once its parts are read.
func (p *parser) finish(h mail.Header) {
	text := p.text.String()
	switch {
	case p.arf != nil:
		p.complaint(h)
	case p.dsn && len(p.r.Recipients) > 0:
		p.r.Kind = KindDSN
		p.fillDiagnostics(text)
		p.hardFromText(text)
		p.afterData(text)
	case p.dsn:
		// A delivery-status part that names nobody, or only good news.
		p.r.Kind = KindDSN
		if !p.fallback(h, text) {
			p.r.Recipients = nil
		}
	case !looksLikeBounce(h) && autoReply(h):
		p.r.Kind = KindAutoReply
	case p.fallback(h, text):
		p.r.Kind = KindText
		p.afterData(text)
	default:
		p.r.Kind = KindUnknown
	}
	if p.r.OriginalMessageID == "" {
		p.r.OriginalMessageID = quotedMessageID(text)
	}
	if m := quotedReturnPathRE.FindStringSubmatch(text); m != nil {
		p.addAddresses(m[1])
	}
}

// complaint reads an ARF report (RFC 5965): one complaint, about the
// original recipient when the report names one.
func (p *parser) complaint(h mail.Header) {
	p.r.Kind = KindARF
	f := *p.arf
	ft := strings.ToLower(strings.TrimSpace(f.Get("Feedback-Type")))
	if ft == "not-spam" {
		return
	}
	if ft == "" {
		ft = "abuse"
	}
	addr := bareAddress(f.Get("Original-Rcpt-To"))
	if addr == "" {
		addr = bareAddress(f.Get("Removal-Recipient"))
	}
	if addr == "" && p.original != nil {
		addr = bareAddress(p.original.Get("To"))
	}
	diag := "feedback-type: " + ft
	if ua := f.Get("User-Agent"); ua != "" {
		diag += "; " + ua
	}
	p.r.Recipients = []*Recipient{{Address: addr, Type: newsdesk.BounceComplaint, Diagnostic: diagnostic(diag)}}
}

// fillDiagnostics gives recipients without a Diagnostic-Code the line of
// the human text that explains their failure.
func (p *parser) fillDiagnostics(text string) {
	for _, rc := range p.r.Recipients {
		if rc.Diagnostic == "" && rc.Type != newsdesk.BounceDelayed {
			rc.Diagnostic = explainingLine(text)
		}
	}
}

// hardFromText makes the one soft failure of a report hard when its code
// says nothing particular (5.0.0) and the human text says the address is
// gone, as Gmail's "Address not found" does above a bare 5.0.0.
func (p *parser) hardFromText(text string) {
	if len(p.r.Recipients) != 1 {
		return
	}
	rc := p.r.Recipients[0]
	if rc.Type == newsdesk.BounceSoft && (rc.Status == "5.0.0" || rc.Status == "") &&
		phraseType(humanPart(text)) == newsdesk.BounceHard {
		rc.Type = newsdesk.BounceHard
	}
}

// afterData makes soft a failure that only the words call an unknown
// user when the server said so at the end of DATA: it has taken the
// recipient at RCPT TO and then refused the content, which a filter does,
// not a missing mailbox.
func (p *parser) afterData(text string) {
	if !afterDataRE.MatchString(text) {
		return
	}
	for _, rc := range p.r.Recipients {
		if rc.Type == newsdesk.BounceHard && !addressStatus(rc.Status) {
			rc.Type = newsdesk.BounceSoft
		}
	}
}

var afterDataRE = regexp.MustCompile(`(?i)in reply to end of data|after end of data|in reply to data command|>>> data`)

// fallback reads a report that has no delivery-status part, as Yahoo,
// older Exchange and Gmail, and many small servers send, from its human
// text: the failed address from X-Failed-Recipients or the text, the
// status code and the words around it. It reports whether it found a
// failure or a delay.
func (p *parser) fallback(h mail.Header, text string) bool {
	if !looksLikeBounce(h) && findStatus(text) == "" && phraseType(text) == "" {
		return false
	}
	human := humanPart(text)
	lower := strings.ToLower(human)
	status := findStatus(human)
	line := explainingLine(human)
	typ := classify(status, line)
	if typ == newsdesk.BounceUnknown {
		typ = classify(status, human)
	}
	if containsAny(lower, delayPhrases) && !containsAny(lower, finalPhrases) && !strings.HasPrefix(status, "5.") {
		typ = newsdesk.BounceDelayed
	}
	if typ == newsdesk.BounceUnknown && looksLikeBounce(h) && containsAny(lower, finalPhrases) {
		// A mail system says it failed but not why: count it, softly.
		typ = newsdesk.BounceSoft
	}
	if typ == newsdesk.BounceUnknown {
		return false
	}
	if status == "" {
		status = findStatus(line)
	}
	for _, addr := range p.failedAddresses(h, human) {
		p.r.Recipients = append(p.r.Recipients, &Recipient{Address: addr, Type: typ, Status: status, Diagnostic: line})
	}
	if len(p.r.Recipients) == 0 {
		p.r.Recipients = []*Recipient{{Type: typ, Status: status, Diagnostic: line}}
	}
	return true
}

// failedAddresses are the addresses a text report says failed: Exim's
// X-Failed-Recipients, else the first address in the human text that is
// not the report's own sender or recipient.
func (p *parser) failedAddresses(h mail.Header, human string) []string {
	var out []string
	for _, v := range h["X-Failed-Recipients"] {
		for _, a := range strings.Split(v, ",") {
			if a = bareAddress(a); a != "" {
				out = appendNew(out, a)
			}
		}
	}
	if len(out) > 0 {
		return out
	}
	skip := append([]string{}, p.r.Addresses...)
	if from, err := mail.ParseAddress(h.Get("From")); err == nil {
		skip = append(skip, from.Address)
	}
	for _, m := range addressRE.FindAllString(human, 32) {
		a := bareAddress(m)
		if a == "" || containsFold(skip, a) || daemonLocal(a) {
			continue
		}
		return []string{a}
	}
	return nil
}

var (
	addressRE          = regexp.MustCompile(`[A-Za-z0-9._%+\-=]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`)
	quotedMessageIDRE  = regexp.MustCompile(`(?im)^[ \t>]*Message-ID:[ \t]*<([^>\s]+@[^>\s]+)>`)
	quotedReturnPathRE = regexp.MustCompile(`(?im)^[ \t>]*Return-Path:[ \t]*<([^>\s]+@[^>\s]+)>`)
	// quotedHeadersRE finds where the original message is quoted: at a
	// header that only a whole message has (a summary such as Exchange's
	// "To: … Subject: … Sent: …" lines is part of the explanation), or at
	// the separator line a server writes before the copy.
	quotedHeadersRE = regexp.MustCompile(`(?im)^[ \t>]*(?:(?:Received|Return-Path|Message-ID|DKIM-Signature|ARC-Seal|MIME-Version|X-Received):|-{2,} ?(?:Original message|This is a copy of|Below this line is a copy|Forwarded message|original message))`)
)

// humanPart is the text before the first quoted header of the original
// message, where a report explains itself.
func humanPart(text string) string {
	if loc := quotedHeadersRE.FindStringIndex(text); loc != nil && loc[0] > 0 {
		return text[:loc[0]]
	}
	return text
}

func quotedMessageID(text string) string {
	if m := quotedMessageIDRE.FindStringSubmatch(text); m != nil {
		return messageID("<" + m[1] + ">")
	}
	return ""
}

// explainingLine is the first line of text with a status code or words of
// failure, for the diagnostic shown to editors.
func explainingLine(text string) string {
	var withPhrase string
	for line := range strings.SplitSeq(text, "\n") {
		if findStatus(line) != "" || basicCode(line) >= 400 {
			return diagnostic(line)
		}
		if withPhrase == "" && phraseType(line) != "" {
			withPhrase = diagnostic(line)
		}
	}
	return withPhrase
}

// looksLikeBounce reports whether the headers say the message is a
// report from a mail system rather than a person's reply.
func looksLikeBounce(h mail.Header) bool {
	if len(h["X-Failed-Recipients"]) > 0 || fromDaemon(h) {
		return true
	}
	return containsAny(strings.ToLower(h.Get("Subject")), bounceSubjects)
}

var bounceSubjects = []string{"undeliver", "delivery status notification", "delivery failure", "failure notice",
	"returned mail", "delivery has failed", "mail delivery failed", "not delivered", "delivery failed",
	"could not be delivered", "delivery notification", "mail system error", "nondeliverable"}

// fromDaemon reports a From of MAILER-DAEMON or postmaster.
func fromDaemon(h mail.Header) bool {
	from := strings.ToLower(h.Get("From"))
	return strings.Contains(from, "mailer-daemon") || strings.Contains(from, "postmaster@") ||
		strings.Contains(from, "mail delivery subsystem") || strings.Contains(from, "mail delivery system")
}

func daemonLocal(addr string) bool {
	local, _, _ := strings.Cut(addr, "@")
	return local == "mailer-daemon" || local == "postmaster"
}

// autoReply reports the marks of an automatic reply (RFC 3834 and the
// headers and subjects other systems use instead).
func autoReply(h mail.Header) bool {
	as := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted")))
	if as != "" && as != "no" {
		return true
	}
	if h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != "" || h.Get("X-Autoresponder") != "" {
		return true
	}
	if p := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); p == "auto_reply" {
		return true
	}
	if strings.EqualFold(h.Get("X-Auto-Response-Suppress"), "All") && h.Get("In-Reply-To") != "" {
		return true
	}
	return containsAny(strings.ToLower(h.Get("Subject")), autoReplySubjects)
}

var autoReplySubjects = []string{"out of office", "out of the office", "automatic reply", "auto reply",
	"autoreply", "auto-reply", "auto response", "autoresponse", "on vacation", "vacation reply", "away from the office",
	"abwesenheit", "automatische antwort", "réponse automatique", "respuesta automática", "absence"}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// stripTags turns HTML into rough text: tags become spaces, block ends
// line breaks. The text is only searched for codes and words.
func stripTags(b []byte) []byte {
	var out bytes.Buffer
	in := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '<':
			in = true
			rest := bytes.ToLower(b[i+1 : min(i+5, len(b))])
			if bytes.HasPrefix(rest, []byte("br")) || bytes.HasPrefix(rest, []byte("/p")) ||
				bytes.HasPrefix(rest, []byte("/div")) || bytes.HasPrefix(rest, []byte("/tr")) {
				out.WriteByte('\n')
			}
		case c == '>' && in:
			in = false
			out.WriteByte(' ')
		case !in:
			out.WriteByte(c)
		}
	}
	return bytes.ReplaceAll(bytes.ReplaceAll(out.Bytes(), []byte("&lt;"), []byte("<")), []byte("&gt;"), []byte(">"))
}
