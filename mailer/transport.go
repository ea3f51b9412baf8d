package mailer

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// Envelope is the SMTP envelope of one message, and its id.
type Envelope struct {
	From string // MAIL FROM
	To   string // RCPT TO
	ID   string // the Message-ID without brackets; the file transport names files by it
}

// Transport opens connections to wherever mail goes.
type Transport interface {
	Dial(ctx context.Context) (Conn, error)
}

// Conn is one open connection, used by one worker at a time and kept open
// for many messages.
type Conn interface {
	// Send hands one message over. Just before asking the other side to
	// accept it (the final dot of SMTP DATA), Send calls ready; when ready
	// fails, the message is abandoned unaccepted and the connection closed.
	// A nil ready has nothing to wait for.
	// The outbox uses this to make sure its record of the previous message
	// is durable before the next one can be accepted.
	Send(ctx context.Context, env Envelope, msg []byte, ready func() error) error
	Close() error
}

// Stages of sending at which a SendError can happen.
const (
	StageConnect = "connect" // dialling, greeting, TLS, authentication
	StageMail    = "mail"    // MAIL FROM
	StageRcpt    = "rcpt"    // RCPT TO
	StageData    = "data"    // DATA, the message, and the answer to it
	StageLocal   = "local"   // abandoned on our side
)

// SendError is a failure to send one message.
type SendError struct {
	Stage    string
	Code     int    // the SMTP reply code; 0 when there was none (network, local)
	Enhanced string // the enhanced status code (RFC 3463), e.g. "5.1.1", when given
	Message  string
	// Broken means the connection cannot be used again.
	Broken bool
	err    error
}

func (e *SendError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("%s: %d %s", e.Stage, e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Stage, e.Message)
}

func (e *SendError) Unwrap() error { return e.err }

// Permanent reports a 5xx answer about this recipient or message: trying
// again will not help. Refusals before the recipient is named (the server
// refusing us, our sender address or our login) are not permanent for the
// recipient: they are the transport's problem, and the delivery waits for
// it to be fixed.
func (e *SendError) Permanent() bool {
	return e.Code/100 == 5 && (e.Stage == StageRcpt || e.Stage == StageData)
}

// Bounce reports a hard bounce: the server says the mailbox does not exist
// (550, 551 or 553 to RCPT TO, or a 5.1.x status after DATA).
func (e *SendError) Bounce() bool {
	switch e.Stage {
	case StageRcpt:
		return e.Code == 550 || e.Code == 551 || e.Code == 553
	case StageData:
		return e.Code/100 == 5 && strings.HasPrefix(e.Enhanced, "5.1.")
	}
	return false
}

// RecipientLevel reports whether the failure concerns this recipient or
// message rather than the connection or the server as a whole.
func (e *SendError) RecipientLevel() bool {
	return e.Code != 0 && (e.Stage == StageRcpt || e.Stage == StageData)
}

// newSendError classifies err from stage. A server reply keeps the
// connection usable unless it is 421 (closing); anything else breaks it.
func newSendError(stage string, err error) *SendError {
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		e := &SendError{Stage: stage, Code: te.Code, Message: replyLine(te.Msg), Broken: te.Code == 421, err: err}
		e.Enhanced = enhancedCode(te.Msg)
		return e
	}
	return &SendError{Stage: stage, Message: replyLine(err.Error()), Broken: true, err: err}
}

// enhancedCode reads an RFC 3463 status code at the start of a reply text.
func enhancedCode(msg string) string {
	code, _, _ := strings.Cut(msg, " ")
	parts := strings.Split(code, ".")
	if len(parts) != 3 || len(parts[0]) != 1 || (parts[0] != "2" && parts[0] != "4" && parts[0] != "5") {
		return ""
	}
	for _, p := range parts[1:] {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return ""
		}
	}
	return code
}

// replyLine keeps a server's reply to one line of reasonable length.
func replyLine(s string) string {
	return newsdesk.Truncate(newsdesk.OneLine(s), 300)
}
