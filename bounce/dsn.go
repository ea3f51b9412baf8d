package bounce

import (
	"bufio"
	"io"
	"net/textproto"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// deliveryStatus reads a message/delivery-status part (RFC 3464 2.1): a
// block of per-message fields, then one block per recipient, separated by
// blank lines.
func (p *parser) deliveryStatus(body io.Reader) {
	tr := textproto.NewReader(bufio.NewReader(io.LimitReader(body, maxText)))
	for range maxBlocks {
		h, err := tr.ReadMIMEHeader()
		if len(h) > 0 {
			p.statusBlock(h)
		}
		if err != nil {
			// A malformed line ends the block; blocks after it may still be
			// good, but an end of input ends the part.
			if _, perr := tr.R.Peek(1); perr != nil {
				return
			}
		}
	}
}

// statusBlock reads one block; only per-recipient blocks say anything here.
func (p *parser) statusBlock(h textproto.MIMEHeader) {
	addr := typedValue(h.Get("Original-Recipient"))
	if addr == "" || !strings.Contains(addr, "@") {
		addr = typedValue(h.Get("Final-Recipient"))
	}
	action := strings.ToLower(strings.TrimSpace(firstWord(h.Get("Action"))))
	if addr == "" && action == "" {
		return
	}
	diag := diagnostic(typedValue(h.Get("Diagnostic-Code")))
	status := enhancedStatus(firstWord(h.Get("Status")))
	rc := &Recipient{Address: bareAddress(addr), Status: status, Diagnostic: diag}
	switch action {
	case "delayed":
		rc.Type = newsdesk.BounceDelayed
	case "delivered", "relayed", "expanded":
		return // good news: nothing to record
	default:
		rc.Type = classify(status, diag)
	}
	if rc.Status == "" {
		rc.Status = findStatus(diag)
	}
	p.r.Recipients = append(p.r.Recipients, rc)
}

// typedValue drops the type of an RFC 3464 typed field ("rfc822; a@b",
// "smtp; 550 ...").
func typedValue(s string) string {
	if i := strings.IndexByte(s, ';'); i >= 0 && i < 20 && !strings.ContainsAny(s[:i], " @<") {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// enhancedStatus returns s when it is an RFC 3463 status code (class 2, 4
// or 5, subject and detail of up to three digits), else "".
func enhancedStatus(s string) string {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || (parts[0] != "2" && parts[0] != "4" && parts[0] != "5") {
		return ""
	}
	for _, x := range parts[1:] {
		if x == "" || len(x) > 3 || strings.Trim(x, "0123456789") != "" {
			return ""
		}
	}
	return s
}

// bareAddress returns the address in s ("<a@b>", "a@b", "rfc822;a@b"),
// lowercased, or "" when s holds none.
func bareAddress(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			s = s[i+1 : i+j]
		}
	}
	s = strings.Trim(s, " \t<>\"'()[],;:.")
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n<>,;") || len(s) > 254 {
		return ""
	}
	return strings.ToLower(s)
}

// diagnostic keeps a server's diagnostic to one line of a length fit for
// a list.
func diagnostic(s string) string {
	return newsdesk.Truncate(newsdesk.OneLine(s), maxDiag)
}
