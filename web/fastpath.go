package web

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsdesk/newsdesk/feeds"
)

// FastListener wraps the daemon's listener so that the site's feeds are
// answered the way a static file server answers: GET and HEAD of
// /feed.xml, /atom.xml and /feed.json on keep-alive connections, read and
// written here without net/http's per-request work (a goroutine watching
// the connection, a context, a header map, deadlines set and reset). Those
// are the requests feed readers poll with, all day.
//
// The first request on a connection that is anything else — another path,
// a query string, another method, HTTP/1.0, a body, an unusual header
// block — hands the connection, with the bytes read of it, to net/http,
// which serves it from then on. The returned listener is what to give
// http.Server.Serve; closing it stops both. Call it after Handler. idle
// and header are the http.Server's IdleTimeout and ReadHeaderTimeout.
func (s *Server) FastListener(ln net.Listener, idle, header time.Duration) net.Listener {
	if idle <= 0 {
		idle = 2 * time.Minute
	}
	if header <= 0 || header > idle {
		header = idle
	}
	fl := &fastListener{Listener: ln, s: s, idle: idle, header: header, handoff: make(chan net.Conn),
		done: make(chan struct{}), conns: map[net.Conn]struct{}{}, feeds: map[string]fastFeed{}}
	for _, f := range feeds.Formats {
		ff := fastFeed{format: f, files: new(atomic.Pointer[bodyFiles])}
		ff.requests, ff.notModified = s.feedCounters(feeds.ScopeSite, f)
		fl.feeds[feeds.Scope{}.Path(f)] = ff
	}
	fl.date.Store(&fastDate{})
	go fl.acceptLoop()
	return fl
}

type fastFeed struct {
	format                feeds.Format
	requests, notModified Counter
	files                 *atomic.Pointer[bodyFiles]
}

// bodyFiles are the bodies of one document as in-memory files, made at
// its first GET, for sendfile.
type bodyFiles struct {
	doc         *feeds.Document
	plain, gzip *os.File // nil where none could be made
}

type fastListener struct {
	net.Listener
	s       *Server
	idle    time.Duration // between requests
	header  time.Duration // from a request's first byte to its last
	feeds   map[string]fastFeed
	handoff chan net.Conn
	done    chan struct{}
	once    sync.Once
	err     error // why accepting stopped, set before done is closed

	mu    sync.Mutex
	conns map[net.Conn]struct{} // connections served here, not handed off
	date  atomic.Pointer[fastDate]
}

// fastDate is the Date header value, made at most once a second.
type fastDate struct {
	sec   int64
	value string
}

// Accept returns the next connection for net/http.
func (fl *fastListener) Accept() (net.Conn, error) {
	select {
	case c := <-fl.handoff:
		return c, nil
	case <-fl.done:
		if fl.err != nil {
			return nil, fl.err
		}
		return nil, net.ErrClosed
	}
}

// Close stops accepting and ends the idle connections served here; a
// response being written is finished first.
func (fl *fastListener) Close() error {
	err := fl.Listener.Close()
	fl.stop(nil)
	fl.mu.Lock()
	for c := range fl.conns {
		c.SetReadDeadline(time.Now())
	}
	fl.mu.Unlock()
	return err
}

func (fl *fastListener) stop(err error) {
	fl.once.Do(func() {
		fl.err = err
		close(fl.done)
	})
}

func (fl *fastListener) acceptLoop() {
	for {
		c, err := fl.Listener.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond) // out of file descriptors, say: try again
				continue
			}
			fl.stop(err)
			return
		}
		if !fl.track(c) {
			c.Close()
			return
		}
		go fl.serve(c)
	}
}

// track records a connection served here, unless the listener is closed.
func (fl *fastListener) track(c net.Conn) bool {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	select {
	case <-fl.done:
		return false
	default:
	}
	fl.conns[c] = struct{}{}
	return true
}

func (fl *fastListener) untrack(c net.Conn) {
	fl.mu.Lock()
	delete(fl.conns, c)
	fl.mu.Unlock()
}

// serve answers the feed requests of one connection until it closes or
// sends something else, which goes to net/http with the connection.
func (fl *fastListener) serve(c net.Conn) {
	defer func() {
		if v := recover(); v != nil {
			fl.s.Logger.Error("panic serving a feed", "panic", v)
			fl.untrack(c)
			c.Close()
		}
	}()
	fc := &fastConn{Conn: c, br: bufio.NewReaderSize(c, maxFastHeader), fl: fl}
	for {
		req, n, ok := fc.next()
		if n < 0 { // closed, timed out or broken: nothing to hand over
			fl.untrack(c)
			c.Close()
			return
		}
		ff, known := fl.feeds[string(req.path)]
		if !ok || !known {
			fl.handOff(c, fc.br)
			return
		}
		doc, err := fl.s.Feeds.Feed(context.Background(), feeds.Scope{Kind: feeds.ScopeSite}, ff.format)
		if err != nil { // net/http makes the error page
			fl.handOff(c, fc.br)
			return
		}
		fc.br.Discard(n)
		ff.requests.Inc()
		var body []byte
		var notModified bool
		fc.out, body, notModified = doc.AppendResponse(fc.out[:0], req.RawRequest, fl.s.cacheControl, fl.dateValue())
		if notModified {
			ff.notModified.Inc()
		}
		if err := ff.send(c, doc, fc.out, body); err != nil || req.Close {
			fl.untrack(c)
			c.Close()
			return
		}
	}
}

// fastConn is a connection being served on the fast path.
type fastConn struct {
	net.Conn
	br       *bufio.Reader
	fl       *fastListener
	out      []byte    // the response head, reused
	deadline time.Time // the idle deadline last set
}

// next waits for the next request head and parses it. n is its length, or
// -1 when the connection ended or failed first; ok is false for a request
// the fast path does not answer.
func (fc *fastConn) next() (req fastRequest, n int, ok bool) {
	// The idle deadline moves at most once a second: a request costs a
	// clock read, not a timer update.
	if now := time.Now(); now.Add(fc.fl.idle - time.Second).After(fc.deadline) {
		fc.deadline = now.Add(fc.fl.idle)
		fc.SetDeadline(fc.deadline)
	}
	if _, err := fc.br.Peek(1); err != nil {
		return req, -1, false
	}
	head, err := fc.head()
	if errors.Is(err, errLongHead) {
		return req, 0, false // net/http applies its own limit
	} else if err != nil {
		return req, -1, false
	}
	req, ok = parseFastRequest(head)
	return req, len(head), ok
}

var errLongHead = errors.New("request head too long for the fast path")

// head returns the request head, through the blank line, once it is all
// buffered, without consuming it. A head that comes in pieces must be
// complete within the header timeout.
func (fc *fastConn) head() ([]byte, error) {
	for waited := false; ; waited = true {
		buf, _ := fc.br.Peek(fc.br.Buffered())
		if i := bytes.Index(buf, []byte("\r\n\r\n")); i >= 0 {
			return buf[:i+4], nil
		}
		if len(buf) >= maxFastHeader {
			return nil, errLongHead
		}
		if !waited {
			fc.deadline = time.Time{} // set the idle one again after this request
			fc.SetDeadline(time.Now().Add(fc.fl.header))
		}
		if _, err := fc.br.Peek(len(buf) + 1); err != nil {
			return nil, err
		}
	}
}

// send writes a response: a body from the document's in-memory file when
// there is one, else head and body in one system call.
func (ff fastFeed) send(c net.Conn, doc *feeds.Document, head, body []byte) error {
	if len(body) == 0 {
		return writeResponse(c, head, body)
	}
	files := ff.files.Load()
	if files == nil || files.doc != doc {
		files = &bodyFiles{doc: doc}
		files.plain, _ = newBodyFile(doc.Body)
		files.gzip, _ = newBodyFile(doc.Gzip)
		ff.files.Store(files)
	}
	f := files.plain
	if len(doc.Gzip) > 0 && &body[0] == &doc.Gzip[0] {
		f = files.gzip
	}
	if f == nil {
		return writeResponse(c, head, body)
	}
	return sendWithFile(c, head, f, body)
}

// writeResponse writes the head and body in one system call.
func writeResponse(c net.Conn, head, body []byte) error {
	if body == nil {
		_, err := c.Write(head)
		return err
	}
	bufs := net.Buffers{head, body}
	_, err := bufs.WriteTo(c)
	return err
}

// handOff gives the connection to net/http, the bytes read but not
// answered first; when the listener is closed, the connection is.
func (fl *fastListener) handOff(c net.Conn, br *bufio.Reader) {
	fl.untrack(c)
	c.SetDeadline(time.Time{}) // net/http sets its own
	select {
	case fl.handoff <- &handedConn{Conn: c, r: br}:
	case <-fl.done:
		c.Close()
	}
}

// handedConn is a connection whose first bytes were read into r.
type handedConn struct {
	net.Conn
	r *bufio.Reader
}

func (h *handedConn) Read(p []byte) (int, error) { return h.r.Read(p) }

func (fl *fastListener) dateValue() string {
	now := time.Now()
	d := fl.date.Load()
	if d.sec == now.Unix() {
		return d.value
	}
	d = &fastDate{sec: now.Unix(), value: now.UTC().Format(http.TimeFormat)}
	fl.date.Store(d)
	return d.value
}

// fastRequest is a request the fast path may answer.
type fastRequest struct {
	feeds.RawRequest
	path []byte
}

// maxFastHeader is the most of a request head the fast path reads; a
// longer one goes to net/http, whose limits apply.
const maxFastHeader = 4096

// parseFastRequest parses a request head. It answers ok only for a plain
// HTTP/1.1 GET or HEAD of a path without a query, with a Host, no body and
// headers that are well-formed; anything else is net/http's to judge.
func parseFastRequest(head []byte) (req fastRequest, ok bool) {
	line, rest, _ := bytes.Cut(head, []byte("\r\n"))
	method, line, _ := bytes.Cut(line, []byte(" "))
	target, version, _ := bytes.Cut(line, []byte(" "))
	switch {
	case string(version) != "HTTP/1.1", len(target) == 0, target[0] != '/':
		return req, false
	case string(method) == http.MethodHead:
		req.Head = true
	case string(method) != http.MethodGet:
		return req, false
	}
	req.path = target // valid until the head is consumed
	host := false
	for len(rest) > 2 {
		var field []byte
		field, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, found := bytes.Cut(field, []byte(":"))
		if !found || !validFieldName(name) {
			return req, false
		}
		value = bytes.Trim(value, " \t")
		if !req.field(name, value, &host) {
			return req, false
		}
	}
	return req, host
}

// field takes in one header field; false means the request is not for
// the fast path.
func (req *fastRequest) field(name, value []byte, host *bool) bool {
	switch {
	case equalFold(name, "host"):
		*host = len(value) > 0
	case equalFold(name, "if-none-match"):
		return setOnce(&req.IfNoneMatch, value)
	case equalFold(name, "if-modified-since"):
		return setOnce(&req.IfModifiedSince, value)
	case equalFold(name, "accept-encoding"):
		return setOnce(&req.AcceptEncoding, value)
	case equalFold(name, "connection"):
		req.Close = containsToken(value, "close")
		return !containsToken(value, "upgrade")
	case equalFold(name, "content-length"):
		return string(value) == "0"
	case equalFold(name, "transfer-encoding"), equalFold(name, "expect"), equalFold(name, "upgrade"):
		return false
	}
	return true
}

// setOnce sets a header value the first time; a repeated header is left
// to net/http.
func setOnce(dst *string, value []byte) bool {
	if *dst != "" {
		return false
	}
	*dst = string(value)
	return true
}

// validFieldName reports whether name is an RFC 9110 token.
func validFieldName(name []byte) bool {
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c >= 0x80 || !tokenChar[c] {
			return false
		}
	}
	return true
}

var tokenChar = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// equalFold reports whether b equals the lower-case ASCII s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// containsToken reports whether a comma-separated header value holds the
// lower-case token, ignoring case.
func containsToken(value []byte, token string) bool {
	for part := range bytes.SplitSeq(value, []byte(",")) {
		if equalFold(bytes.TrimSpace(part), token) {
			return true
		}
	}
	return false
}
