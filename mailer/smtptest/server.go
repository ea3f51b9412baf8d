// Package smtptest runs an SMTP server on loopback for tests: it records
// the messages it accepts, and can be told to refuse commands with chosen
// replies or to go down for a while.
package smtptest

import (
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data []byte // as received, CRLF line endings
}

// Reply is what a Hook may answer instead of accepting.
type Reply = smtp.SMTPError

// Hook decides the answer to a command at a stage ("mail", "rcpt" or
// "data") for a recipient ("" at "mail"), which the server has seen at that
// stage n times, this one included. A nil Reply accepts.
type Hook func(stage, rcpt string, n int) *Reply

// Server is an SMTP server on 127.0.0.1.
type Server struct {
	Addr string // host:port
	Host string
	Port int

	mu        sync.Mutex
	srv       *smtp.Server
	ln        net.Listener
	tls       *tls.Config
	login     [2]string // username and password AUTH PLAIN wants, when set
	hook      Hook
	dataDelay time.Duration
	msgs      []Message
	seen      map[string]int
	active    int
	sessions  int
	changed   chan struct{}
}

// Start starts a server; it stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), seen: map[string]int{}, changed: make(chan struct{})}
	tcp := ln.Addr().(*net.TCPAddr)
	s.Host, s.Port = tcp.IP.String(), tcp.Port
	s.serve(ln)
	t.Cleanup(s.Down)
	return s
}

func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.MaxMessageBytes = 10 << 20
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.mu.Lock()
	srv.TLSConfig = s.tls
	srv.AllowInsecureAuth = s.login[0] == "" // a login needs STARTTLS first
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go srv.Serve(ln)
}

// RequireLogin makes the server offer STARTTLS with cfg and accept mail
// only after AUTH PLAIN with username and password.
func (s *Server) RequireLogin(cfg *tls.Config, username, password string) {
	s.mu.Lock()
	s.tls, s.login = cfg, [2]string{username, password}
	if s.srv != nil {
		s.srv.TLSConfig, s.srv.AllowInsecureAuth = cfg, false
	}
	s.mu.Unlock()
}

// Sessions returns how many connections the server has taken in all.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// SetHook sets how the server answers; nil accepts everything.
func (s *Server) SetHook(h Hook) {
	s.mu.Lock()
	s.hook = h
	s.mu.Unlock()
}

// SetDataDelay makes the server take d before answering each message.
func (s *Server) SetDataDelay(d time.Duration) {
	s.mu.Lock()
	s.dataDelay = d
	s.mu.Unlock()
}

// Down stops listening and drops every connection.
func (s *Server) Down() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv != nil {
		ln.Close() // Serve may not have taken it over yet
		srv.Close()
	}
}

// Up listens again on the same address after Down.
func (s *Server) Up() error {
	var ln net.Listener
	var err error
	for range 50 { // the port may take a moment to be free again
		if ln, err = net.Listen("tcp", s.Addr); err == nil {
			s.serve(ln)
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// Messages returns a copy of what the server accepted, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Count returns how many messages the server accepted.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// Active returns how many connections are open.
func (s *Server) Active() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// Wait waits until the server has accepted at least n messages, and fails
// the test after limit.
func (s *Server) Wait(t testing.TB, n int, limit time.Duration) []Message {
	t.Helper()
	deadline := time.After(limit)
	for {
		s.mu.Lock()
		got, changed := len(s.msgs), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Messages()
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("SMTP server: %d messages after %s, want %d", got, limit, n)
		}
	}
}

// ByRecipient counts accepted messages per recipient.
func (s *Server) ByRecipient() map[string]int {
	counts := map[string]int{}
	for _, m := range s.Messages() {
		for _, to := range m.To {
			counts[to]++
		}
	}
	return counts
}

func (s *Server) newSession(*smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.active++
	s.sessions++
	login := s.login
	s.mu.Unlock()
	if login[0] != "" {
		return &authSession{session: session{s: s, mustLogin: true}, login: login}, nil
	}
	return &session{s: s}, nil
}

// answer asks the hook about a command.
func (s *Server) answer(stage, rcpt string) (*Reply, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen[stage+" "+rcpt]++
	delay := time.Duration(0)
	if stage == "data" {
		delay = s.dataDelay
	}
	if s.hook == nil {
		return nil, delay
	}
	return s.hook(stage, rcpt, s.seen[stage+" "+rcpt]), delay
}

type session struct {
	s         *Server
	from      string
	to        []string
	mustLogin bool
}

// authSession is a session that takes mail only after AUTH PLAIN.
type authSession struct {
	session
	login [2]string
}

func (as *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (as *authSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != as.login[0] || password != as.login[1] {
			return errors.New("invalid credentials")
		}
		as.mustLogin = false
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.mustLogin {
		return smtp.ErrAuthRequired
	}
	if r, _ := ss.s.answer("mail", ""); r != nil {
		return r
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if r, _ := ss.s.answer("rcpt", to); r != nil {
		return r
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(ss.to) == 0 {
		return errors.New("no recipients")
	}
	reply, delay := ss.s.answer("data", ss.to[0])
	time.Sleep(delay)
	if reply != nil {
		return reply
	}
	s := ss.s
	s.mu.Lock()
	s.msgs = append(s.msgs, Message{From: ss.from, To: append([]string(nil), ss.to...), Data: b})
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error {
	ss.s.mu.Lock()
	ss.s.active--
	ss.s.mu.Unlock()
	return nil
}
