package mailer

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// SMTPConfig is where and how the SMTP transport connects.
type SMTPConfig struct {
	Host     string
	Port     int
	TLS      string // mandatory, opportunistic, none or ssl
	Username string
	Password string
	HELO     string        // the name we greet with; default the machine's
	Timeout  time.Duration // per command; default 60s
	// TLSConfig overrides the TLS settings (tests use it for their own CA).
	TLSConfig *tls.Config
}

// SMTP sends through an SMTP server with go-mail. Each connection it opens
// is kept open for many messages.
type SMTP struct {
	client  *gomail.Client
	timeout time.Duration
}

// NewSMTP returns an SMTP transport for cfg.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(cfg.Port), gomail.WithTimeout(cfg.Timeout),
		// The outbox checks nothing per message that NOOP or RSET would:
		// a dead connection shows on the next command.
		gomail.WithoutNoop(), gomail.WithoutRset()}
	switch cfg.TLS {
	case "mandatory":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "opportunistic":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "ssl":
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "smtp.tls %q must be mandatory, opportunistic, none or ssl", cfg.TLS)
	}
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	if cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(cfg.HELO))
	}
	if cfg.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(cfg.TLSConfig))
	}
	c, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "smtp: %w", err)
	}
	return &SMTP{client: c, timeout: cfg.Timeout}, nil
}

// Dial connects, greets, starts TLS and logs in as configured.
func (t *SMTP) Dial(ctx context.Context) (Conn, error) {
	c, err := t.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		se := newSendError(StageConnect, err)
		se.Broken = true
		return nil, se
	}
	conn := &smtpConn{c: c, timeout: t.timeout}
	conn.pipelining, _ = c.Extension("PIPELINING")
	if ok, _ := c.Extension("8BITMIME"); ok {
		conn.mailParams = " BODY=8BITMIME"
	}
	return conn, nil
}

// smtpConn runs mail transactions on a connection that go-mail opened,
// greeted, secured and logged in. The transactions themselves are written
// here, on the connection's textproto.Conn (exported by go-mail for
// extensions), for what go-mail's Send does not do: pipelining (RFC 2920),
// with the envelope of the next message sent along with the data of the
// one before, so that each message costs one round trip; and the pause
// before the final dot that lets the outbox record the previous message
// first. Writing each message in one piece rather than through a
// byte-at-a-time dot-stuffing writer also saves much of the CPU a message
// costs.
type smtpConn struct {
	c          *smtp.Client
	timeout    time.Duration
	pipelining bool
	mailParams string
	pending    *Envelope // sent ahead; its replies are still to be read
	out        []byte    // what goes out in the next write
}

// command is one command of a transaction and the reply it wants.
type command struct {
	stage, line string
	code        int
}

func (c *smtpConn) envelope(env Envelope) []command {
	return []command{
		{StageMail, "MAIL FROM:<" + env.From + ">" + c.mailParams, 250},
		{StageRcpt, "RCPT TO:<" + env.To + ">", 25},
		{StageData, "DATA", 354},
	}
}

func validEnvelope(env Envelope) error {
	if strings.ContainsAny(env.From+env.To, "\r\n<>") {
		return &SendError{Stage: StageRcpt, Code: 553, Message: "address with a line break or angle bracket", err: errors.New("bad address")}
	}
	return nil
}

// Send runs one SMTP transaction, waiting for ready before the final dot.
// It does not stop for ctx: a transaction once started is finished (or
// fails on the command timeout), so a shutdown never leaves a message half
// sent.
func (c *smtpConn) Send(_ context.Context, env Envelope, msg []byte, ready func() error) error {
	if ready == nil {
		return c.Stream(env, msg, nil)
	}
	if err := c.start(env); err != nil {
		return err
	}
	c.out = appendDotStuffed(c.out[:0], msg)
	if err := c.write(); err != nil {
		return err
	}
	if err := ready(); err != nil {
		// Closing without the final dot makes the server drop the message.
		c.c.Close()
		return &SendError{Stage: StageLocal, Message: err.Error(), Broken: true, err: err}
	}
	c.out = append(c.out[:0], ".\r\n"...)
	return c.finish()
}

// Stream hands over one message and, when next is not nil, sends next's
// envelope with it. The error is about msg only: a refusal of next's
// envelope comes back from the call that sends next.
func (c *smtpConn) Stream(env Envelope, msg []byte, next *Envelope) error {
	if err := c.start(env); err != nil {
		return err
	}
	c.out = appendDotStuffed(c.out[:0], msg)
	c.out = append(c.out, ".\r\n"...)
	if next != nil && c.pipelining && validEnvelope(*next) == nil {
		for _, cmd := range c.envelope(*next) {
			c.out = append(append(c.out, cmd.line...), "\r\n"...)
		}
		c.pending = next
	}
	return c.finish()
}

// start brings the connection to the point where the data of env can be
// sent: its envelope sent now, or earlier along with the message before,
// and accepted.
func (c *smtpConn) start(env Envelope) error {
	if err := c.c.UpdateDeadline(c.timeout); err != nil {
		return &SendError{Stage: StageMail, Message: err.Error(), Broken: true, err: err}
	}
	if err := validEnvelope(env); err != nil {
		return err
	}
	pending := c.pending
	c.pending = nil
	cmds := c.envelope(env)
	switch {
	case pending != nil && *pending != env:
		c.c.Close() // cannot happen: the outbox sends what it announced
		return &SendError{Stage: StageLocal, Message: "envelope sent ahead does not match", Broken: true}
	case pending == nil && !c.pipelining:
		return c.sequence(cmds)
	case pending == nil:
		c.out = c.out[:0]
		for _, cmd := range cmds {
			c.out = append(append(c.out, cmd.line...), "\r\n"...)
		}
		if err := c.write(); err != nil {
			return err
		}
	}
	return c.replies(cmds)
}

// write sends c.out in one write.
func (c *smtpConn) write() error {
	w := c.c.Text.W
	w.Write(c.out)
	if err := w.Flush(); err != nil {
		return newSendError(StageData, err)
	}
	return nil
}

// finish sends c.out, which ends the message, and reads the verdict.
func (c *smtpConn) finish() error {
	if err := c.write(); err != nil {
		c.pending = nil
		return err
	}
	if _, _, err := c.c.Text.ReadResponse(250); err != nil {
		se := newSendError(StageData, err)
		if se.Broken {
			c.pending = nil
		}
		return se
	}
	return nil
}

// replies reads the replies to pipelined commands in order. After a
// refusal the server refuses the rest too; the first refusal counts.
func (c *smtpConn) replies(cmds []command) error {
	var first *SendError
	for i, cmd := range cmds {
		_, _, err := c.c.Text.ReadResponse(cmd.code)
		switch {
		case err == nil && first != nil && i == len(cmds)-1:
			// DATA accepted after a refusal: the server waits for a
			// message we will not send; only dropping the line ends that.
			first.Broken = true
		case err != nil && first == nil:
			first = newSendError(cmd.stage, err)
		}
		if first != nil && first.Broken {
			c.c.Close()
			return first
		}
	}
	if first != nil {
		return c.abort(first)
	}
	return nil
}

// sequence sends the commands one at a time, for servers without pipelining.
func (c *smtpConn) sequence(cmds []command) error {
	for _, cmd := range cmds {
		id, err := c.c.Text.Cmd("%s", cmd.line)
		if err != nil {
			return newSendError(cmd.stage, err)
		}
		c.c.Text.StartResponse(id)
		_, _, err = c.c.Text.ReadResponse(cmd.code)
		c.c.Text.EndResponse(id)
		if err != nil {
			return c.abort(newSendError(cmd.stage, err))
		}
	}
	return nil
}

// appendDotStuffed appends msg with a dot added to each line that starts
// with one (RFC 5321 4.5.2), ending with a line break.
func appendDotStuffed(out, msg []byte) []byte {
	if len(msg) > 0 && msg[0] == '.' {
		out = append(out, '.')
	}
	for {
		i := bytes.Index(msg, []byte("\n."))
		if i < 0 {
			break
		}
		out = append(append(out, msg[:i+1]...), '.')
		msg = msg[i+1:]
	}
	out = append(out, msg...)
	if !bytes.HasSuffix(out, []byte("\r\n")) {
		out = append(out, "\r\n"...)
	}
	return out
}

// abort ends a transaction refused before its data, so that the connection
// can carry the next one.
func (c *smtpConn) abort(se *SendError) error {
	if !se.Broken {
		if err := c.c.Reset(); err != nil {
			se.Broken = true
		}
	}
	if se.Broken {
		c.c.Close()
	}
	return se
}

// Drop closes the connection without a word.
func (c *smtpConn) Drop() { c.c.Close() }

// Close says QUIT, or drops the connection when the server does not answer.
func (c *smtpConn) Close() error {
	if err := c.c.Quit(); err != nil {
		return c.c.Close()
	}
	return nil
}
