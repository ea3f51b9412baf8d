package bounce

import (
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/newsdesk/newsdesk"
	"golang.org/x/time/rate"
)

// Receiver is the built-in SMTP server the publisher's MTA routes
// bounces+*@domain to. It accepts mail only for the bounce address and
// its VERP forms and never relays; it limits message size, connections
// and the rate of reports, answering "try later" beyond them, which an
// MTA honours by queueing.
type Receiver struct {
	Processor *Processor
	Address   string // bounces@domain
	Hostname  string // the name it greets with; default "localhost"
	MaxSize   int64  // largest report; default MaxSize
	MaxConns  int    // connections at once; default 32
	// Rate is reports a second over all connections, with bursts of
	// Burst; default 5000 and 10000, above what a busy MTA hands over.
	Rate   rate.Limit
	Burst  int
	Logger *slog.Logger

	srv     *smtp.Server
	limiter *rate.Limiter
	conns   chan struct{}
}

// discardLog swallows go-smtp's own complaints about single connections.
var discardLog = log.New(io.Discard, "", 0)

// Serve answers SMTP on ln until Shutdown.
func (r *Receiver) Serve(ln net.Listener) error {
	r.init()
	err := r.srv.Serve(&limitListener{Listener: ln, slots: r.conns})
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

func (r *Receiver) init() {
	if r.srv != nil {
		return
	}
	if r.MaxSize <= 0 {
		r.MaxSize = MaxSize
	}
	if r.MaxConns <= 0 {
		r.MaxConns = 32
	}
	if r.Rate <= 0 {
		r.Rate, r.Burst = 5000, 10000
	}
	if r.Burst <= 0 {
		r.Burst = max(1, int(r.Rate))
	}
	r.limiter = rate.NewLimiter(r.Rate, r.Burst)
	r.conns = make(chan struct{}, r.MaxConns)
	s := smtp.NewServer(smtp.BackendFunc(r.newSession))
	s.Domain = r.Hostname
	if s.Domain == "" {
		s.Domain = "localhost"
	}
	s.MaxMessageBytes = r.MaxSize
	s.MaxRecipients = 10
	s.ReadTimeout, s.WriteTimeout = time.Minute, time.Minute
	s.ErrorLog = discardLog
	r.srv = s
}

// Shutdown stops accepting and waits for the sessions to end, or for ctx.
func (r *Receiver) Shutdown(ctx context.Context) error {
	if r.srv == nil {
		return nil
	}
	err := r.srv.Shutdown(ctx)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

func (r *Receiver) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{r: r, remote: c.Conn().RemoteAddr().String()}, nil
}

var (
	errNoSuchUser = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
		Message: "No such user here; this server takes only bounce reports"}
	errTooFast = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Too many reports, try again later"}
	errNotMail = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Not a mail message"}
	errLocal   = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Cannot record the report now, try again later"}
	errBusy    = "421 4.7.0 Too many connections, try again later\r\n"
)

// session is one SMTP conversation.
type session struct {
	r      *Receiver
	remote string
	rcpts  []string
}

func (s *session) Reset()        { s.rcpts = nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(string, *smtp.MailOptions) error {
	s.rcpts = nil
	if !s.r.limiter.Allow() {
		return errTooFast
	}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if _, ok := newsdesk.ParseVERPAddress(s.r.Address, to); !ok {
		s.r.logger().Info("bounce receiver refused a recipient", "rcpt", to, "remote", s.remote)
		return errNoSuchUser
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *session) Data(body io.Reader) error {
	raw, err := io.ReadAll(body)
	if err != nil {
		return err // too large: go-smtp's 552
	}
	_, err = s.r.Processor.Process(context.Background(), raw, newsdesk.BounceSMTP, s.rcpts)
	switch {
	case newsdesk.ErrorCode(err) == newsdesk.EINVALID:
		s.r.logger().Info("bounce receiver refused a message that is not mail", "remote", s.remote, "err", err)
		return errNotMail
	case err != nil:
		s.r.logger().Error("bounce not recorded", "remote", s.remote, "err", err)
		return errLocal
	}
	return nil
}

func (r *Receiver) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

// limitListener hands out at most cap(slots) connections at once; one
// beyond is told to come back later and closed.
type limitListener struct {
	net.Listener
	slots chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &slotConn{Conn: c, release: func() { <-l.slots }}, nil
		default:
			c.SetWriteDeadline(time.Now().Add(time.Second))
			io.WriteString(c, errBusy)
			c.Close()
		}
	}
}

type slotConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *slotConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
