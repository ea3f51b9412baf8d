package web

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk/feeds"
	"github.com/newsdesk/newsdesk/templates"
)

// fixedFeeds serves one document per format for the site scope; a
// missing format is an internal error.
type fixedFeeds map[feeds.Format]*feeds.Document

func (ff fixedFeeds) Feed(_ context.Context, scope feeds.Scope, f feeds.Format) (*feeds.Document, error) {
	if d := ff[f]; d != nil && scope.Kind == feeds.ScopeSite {
		return d, nil
	}
	return nil, errors.New("no such feed here")
}

type count struct{ n atomic.Int64 }

func (c *count) Inc() { c.n.Add(1) }

type feedCounts struct{ requests, notModified count }

func (fc *feedCounts) FeedCounters(string, feeds.Format) (Counter, Counter) {
	return &fc.requests, &fc.notModified
}

var modified = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// fastServer runs a Server behind its fast listener on loopback, the way
// the daemon does, and returns its address and counters.
func fastServer(t *testing.T) (string, *Server, *feedCounts) {
	t.Helper()
	big := bytes.Repeat([]byte("<item>a feed larger than a socket buffer</item>\n"), 30000) // 1.4 MB
	counts := &feedCounts{}
	s := &Server{Logger: slog.New(slog.DiscardHandler), MaxAge: 5 * time.Minute, FeedMetrics: counts,
		Feeds: fixedFeeds{
			feeds.RSS:  feeds.NewDocument([]byte("<rss>small</rss>"), "application/rss+xml; charset=utf-8", modified),
			feeds.Atom: feeds.NewDocument(big, "application/atom+xml; charset=utf-8", modified),
		},
		Health: func(context.Context) error { return nil }}
	pages, err := templates.Pages("", s.Funcs())
	if err != nil {
		t.Fatal(err)
	}
	s.Pages = pages
	h := s.Handler()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(s.FastListener(ln, time.Minute, 5*time.Second)) }()
	t.Cleanup(func() {
		hs.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String(), s, counts
}

// roundTrip sends raw requests on one connection and reads as many
// responses, bodies included.
func roundTrip(t *testing.T, addr string, raw ...string) []*http.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	var out []*http.Response
	for _, r := range raw {
		if _, err := io.WriteString(c, r); err != nil {
			t.Fatal(err)
		}
		out = append(out, readResponse(t, br, r))
	}
	return out
}

func readResponse(t *testing.T, br *bufio.Reader, raw string) *http.Response {
	t.Helper()
	method, _, _ := strings.Cut(raw, " ")
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("response to %q: %v", raw, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("body of the response to %q: %v", raw, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp
}

func bodyOf(r *http.Response) string {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return string(b)
}

// The fast path answers exactly what net/http answers: the same status,
// headers (Date aside) and body, for plain, gzip, conditional and HEAD
// requests, including a body larger than the socket's buffer.
func TestFastPathAnswersAsNetHTTP(t *testing.T) {
	addr, s, counts := fastServer(t)
	small := s.Feeds.(fixedFeeds)[feeds.RSS]
	for _, tc := range []struct {
		name, method, path string
		header             map[string]string
	}{
		{"plain", "GET", "/feed.xml", nil},
		{"large", "GET", "/atom.xml", nil},
		{"large gzip", "GET", "/atom.xml", map[string]string{"Accept-Encoding": "gzip, deflate"}},
		{"gzip refused", "GET", "/feed.xml", map[string]string{"Accept-Encoding": "gzip;q=0, br"}},
		{"etag matches", "GET", "/feed.xml", map[string]string{"If-None-Match": small.ETag}},
		{"weak etag in a list", "GET", "/feed.xml", map[string]string{"If-None-Match": `"x", W/` + small.ETag}},
		{"etag differs", "GET", "/feed.xml", map[string]string{"If-None-Match": `"old"`}},
		{"not modified since", "GET", "/feed.xml", map[string]string{"If-Modified-Since": modified.Format(http.TimeFormat)}},
		{"modified since", "GET", "/feed.xml", map[string]string{"If-Modified-Since": modified.Add(-time.Hour).Format(http.TimeFormat)}},
		{"head", "HEAD", "/atom.xml", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.method + " " + tc.path + " HTTP/1.1\r\nHost: news.example\r\nUser-Agent: test\r\n"
			req := httptest.NewRequest(tc.method, tc.path, nil)
			for k, v := range tc.header {
				raw += k + ": " + v + "\r\n"
				req.Header.Set(k, v)
			}
			got := roundTrip(t, addr, raw+"\r\n")[0]
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, req)
			want := w.Result()
			if got.StatusCode != want.StatusCode || bodyOf(got) != w.Body.String() {
				t.Fatalf("fast path %d with %d bytes, net/http %d with %d", got.StatusCode, len(bodyOf(got)), want.StatusCode, w.Body.Len())
			}
			got.Header.Del("Date")
			for k := range want.Header {
				if !slices.Equal(got.Header[k], want.Header[k]) {
					t.Errorf("%s: fast path %q, net/http %q", k, got.Header[k], want.Header[k])
				}
			}
			for k := range got.Header {
				if _, ok := want.Header[k]; !ok {
					t.Errorf("fast path adds %s: %q", k, got.Header[k])
				}
			}
		})
	}
	// Each case was answered twice, by the fast path and by net/http.
	if n, nm := counts.requests.n.Load(), counts.notModified.n.Load(); n != 20 || nm != 6 {
		t.Errorf("counted %d requests and %d not modified, want 20 and 6", n, nm)
	}
}

// Requests sent together are answered in order; the first request of
// another kind moves the connection to net/http, which answers it and the
// rest.
func TestFastPathPipeliningAndHandOff(t *testing.T) {
	addr, _, counts := fastServer(t)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	get := func(path string) string { return "GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n" }
	io.WriteString(c, get("/feed.xml")+get("/atom.xml")+get("/healthz")+get("/feed.xml")+get("/nope"))
	br := bufio.NewReader(c)
	want := []struct {
		status int
		date   bool // net/http's own answer has its Date header among the others
	}{{200, false}, {200, false}, {200, true}, {200, true}, {404, true}}
	for i, w := range want {
		resp := readResponse(t, br, "GET")
		if resp.StatusCode != w.status {
			t.Errorf("response %d: %d, want %d", i+1, resp.StatusCode, w.status)
		}
	}
	if n := counts.requests.n.Load(); n != 3 {
		t.Errorf("%d feed requests counted, want 3 (two fast, one by net/http)", n)
	}
}

// Whatever the fast path does not answer goes to net/http with the bytes
// read, and gets net/http's answer.
func TestFastPathHandsOffTheRest(t *testing.T) {
	addr, _, _ := fastServer(t)
	for _, tc := range []struct {
		name, raw string
		status    int
	}{
		{"query", "GET /feed.xml?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", 200},
		{"HTTP/1.0", "GET /feed.xml HTTP/1.0\r\n\r\n", 200},
		{"post", "POST /feed.xml HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nab", 405},
		{"no host", "GET /feed.xml HTTP/1.1\r\n\r\n", 400},
		{"folded header", "GET /feed.xml HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  2\r\n\r\n", 200}, // net/http unfolds it
		{"bad header name", "GET /feed.xml HTTP/1.1\r\nHost: h\r\nBad Name: 1\r\n\r\n", 400},
		{"two etags", "GET /feed.xml HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n\r\n", 200},
		{"long head", "GET /feed.xml HTTP/1.1\r\nHost: h\r\nX-Long: " + strings.Repeat("x", 6000) + "\r\n\r\n", 200},
		{"garbage", "HELLO\r\n\r\n", 400},
		{"feed failing", "GET /feed.json HTTP/1.1\r\nHost: h\r\n\r\n", 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := roundTrip(t, addr, tc.raw)[0]; got.StatusCode != tc.status {
				t.Errorf("status %d, want %d", got.StatusCode, tc.status)
			}
		})
	}
}

// A client that asks to close gets the answer and the end of the
// connection.
func TestFastPathConnectionClose(t *testing.T) {
	addr, _, _ := fastServer(t)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET /feed.xml HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
	br := bufio.NewReader(c)
	resp := readResponse(t, br, "GET")
	if resp.StatusCode != 200 || !resp.Close {
		t.Errorf("status %d, close %v", resp.StatusCode, resp.Close)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("after the answer: %v, want EOF", err)
	}
}

// Closing the listener ends the idle connections the fast path holds, so
// that a shutdown does not wait for clients.
func TestFastPathCloseEndsIdleConnections(t *testing.T) {
	s := &Server{Logger: slog.New(slog.DiscardHandler),
		Feeds: fixedFeeds{feeds.RSS: feeds.NewDocument([]byte("<rss/>"), "application/rss+xml", modified)}}
	s.Handler()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl := s.FastListener(ln, time.Minute, time.Minute)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET /feed.xml HTTP/1.1\r\nHost: h\r\n\r\n")
	br := bufio.NewReader(c)
	readResponse(t, br, "GET")
	fl.Close()
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("idle connection after Close: %v, want EOF", err)
	}
	if _, err := fl.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v", err)
	}
}

func TestParseFastRequest(t *testing.T) {
	for _, tc := range []struct {
		head string
		ok   bool
		want feeds.RawRequest
	}{
		{"GET /feed.xml HTTP/1.1\r\nHost: h\r\n\r\n", true, feeds.RawRequest{}},
		{"HEAD /feed.xml HTTP/1.1\r\nhost: h\r\nIF-NONE-MATCH:  \"a\" \r\naccept-encoding: gzip\r\nConnection: keep-alive, Close\r\n\r\n", true,
			feeds.RawRequest{Head: true, IfNoneMatch: `"a"`, AcceptEncoding: "gzip", Close: true}},
		{"GET /feed.xml HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", true, feeds.RawRequest{}},
		{"GET /feed.xml HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n", false, feeds.RawRequest{}},
		{"GET /feed.xml HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", false, feeds.RawRequest{}},
		{"GET /feed.xml HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n", false, feeds.RawRequest{}},
		{"GET /feed.xml HTTP/1.1\r\nHost:\r\n\r\n", false, feeds.RawRequest{}},
		{"GET http://h/feed.xml HTTP/1.1\r\nHost: h\r\n\r\n", false, feeds.RawRequest{}},
		{"DELETE /feed.xml HTTP/1.1\r\nHost: h\r\n\r\n", false, feeds.RawRequest{}},
		{"GET /feed.xml HTTP/2.0\r\nHost: h\r\n\r\n", false, feeds.RawRequest{}},
		{"GET /feed.xml HTTP/1.1\r\nHost: h\r\nNo colon here\r\n\r\n", false, feeds.RawRequest{}},
	} {
		req, ok := parseFastRequest([]byte(tc.head))
		if ok != tc.ok || (ok && (req.RawRequest != tc.want || string(req.path) != "/feed.xml")) {
			t.Errorf("%q: %+v %v, want %+v %v", tc.head, req, ok, tc.want, tc.ok)
		}
	}
}

// Any bytes a client sends get an answer or a closed connection from the
// fast path and net/http together, never a hang or a panic.
func FuzzFastPath(f *testing.F) {
	f.Add([]byte("GET /feed.xml HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"x\"\r\n\r\n"))
	f.Add([]byte("HEAD /atom.xml HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip\r\n\r\nGET /feed.xml HTTP/1.1\r\n\r\n"))
	f.Add([]byte("GET /feed.xml HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, ok := parseFastRequest(raw)
		if ok && (!bytes.HasPrefix(raw, []byte("GET ")) && !bytes.HasPrefix(raw, []byte("HEAD "))) {
			t.Fatalf("%q parsed as a feed request: %+v", raw, req)
		}
	})
}
