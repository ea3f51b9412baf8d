package mailer

import (
	"context"
	"crypto/tls"
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
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "smtp: %v", err)
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
	return &smtpConn{c: c, timeout: t.timeout}, nil
}

type smtpConn struct {
	c       *smtp.Client
	timeout time.Duration
}

// Send runs one SMTP transaction. It does not stop for ctx: a transaction
// once started is finished (or fails on the command timeout), so a
// shutdown never leaves a message half sent.
func (c *smtpConn) Send(_ context.Context, env Envelope, msg []byte, ready func() error) error {
	if err := c.c.UpdateDeadline(c.timeout); err != nil {
		return &SendError{Stage: StageMail, Message: err.Error(), Broken: true, err: err}
	}
	if err := c.c.Mail(env.From); err != nil {
		return c.abort(StageMail, err)
	}
	if err := c.c.Rcpt(env.To); err != nil {
		return c.abort(StageRcpt, err)
	}
	w, err := c.c.Data()
	if err != nil {
		return c.abort(StageData, err)
	}
	if _, err := w.Write(msg); err != nil {
		return newSendError(StageData, err)
	}
	if err := ready(); err != nil {
		// Closing without the final dot makes the server drop the message.
		c.c.Close()
		return &SendError{Stage: StageLocal, Message: err.Error(), Broken: true, err: err}
	}
	if err := w.Close(); err != nil {
		return newSendError(StageData, err)
	}
	return nil
}

// abort ends a transaction refused before its data, so that the connection
// can carry the next one.
func (c *smtpConn) abort(stage string, err error) error {
	se := newSendError(stage, err)
	if !se.Broken {
		if rerr := c.c.Reset(); rerr != nil {
			se.Broken = true
		}
	}
	return se
}

// Close says QUIT, or drops the connection when the server does not answer.
func (c *smtpConn) Close() error {
	if err := c.c.Quit(); err != nil {
		return c.c.Close()
	}
	return nil
}
