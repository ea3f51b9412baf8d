package feeds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/newsdesk/newsdesk"
)

// maxRedirects is how many redirects one fetch follows.
const maxRedirects = 5

// NewIngestClient returns the HTTP client that fetches sources. It dials
// only public addresses unless allowPrivate is set: the check runs on the
// address actually dialled, after DNS, so a name that resolves to a private
// address is refused too. It uses no proxy from the environment, which
// would hide the real address, and follows at most five redirects.
func NewIngestClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = refusePrivate
	}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:            dialer.DialContext,
			ForceAttemptHTTP2:      true,
			MaxIdleConns:           100,
			MaxIdleConnsPerHost:    2,
			IdleConnTimeout:        90 * time.Second,
			TLSHandshakeTimeout:    10 * time.Second,
			MaxResponseHeaderBytes: 64 << 10,
		},
		CheckRedirect: checkRedirect,
	}
}

// refusedError is a connection newsdesk would not make.
type refusedError struct {
	addr   netip.Addr
	reason string
}

func (e *refusedError) Error() string {
	return fmt.Sprintf("refused to connect to %s, a %s address (set ingest.allow_private to allow it)", e.addr, e.reason)
}

// refusePrivate is a net.Dialer Control function: it runs once the
// address to dial is known, before the connection is made.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	if reason := forbiddenAddr(ip.Unmap()); reason != "" {
		return &refusedError{addr: ip, reason: reason}
	}
	return nil
}

var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10") // RFC 6598, carrier-grade NAT

// forbiddenAddr says why ip is not a public address, or "" when it is one.
func forbiddenAddr(ip netip.Addr) string {
	switch {
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate(), sharedAddressSpace.Contains(ip):
		return "private"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsUnspecified(), ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "non-unicast"
	}
	return ""
}

// redirectKey finds a fetch's redirect record in its request's context.
type redirectKey struct{}

// redirects records where permanent redirects led. URL is the target of
// the last redirect in an unbroken run of permanent ones from the start;
// a temporary redirect ends the run, since the old address stays valid.
type redirects struct {
	URL       string
	temporary bool
}

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	r, _ := req.Context().Value(redirectKey{}).(*redirects)
	if r == nil || r.temporary || req.Response == nil {
		return nil
	}
	switch req.Response.StatusCode {
	case http.StatusMovedPermanently, http.StatusPermanentRedirect:
		r.URL = req.URL.String()
	default:
		r.temporary = true
	}
	return nil
}

// fetched is a source's answer.
type fetched struct {
	Status       int
	Header       http.Header
	Body         []byte // nil for 304
	MovedTo      string // the new permanent address, "" when none
	ETag         string
	LastModified string
}

// statusError is an answer other than 200 or 304.
type statusError struct {
	Status     int
	RetryAfter time.Duration // from Retry-After on 429 and 503; 0 when none
}

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
}

// fetcher makes conditional GETs within the limits.
type fetcher struct {
	client    *http.Client
	userAgent string
	maxBody   int64
	timeout   time.Duration
	clock     newsdesk.Clock
}

// fetch GETs src's feed with its validators. The whole exchange, body
// included, must end within the timeout, and the body (once decompressed)
// must fit in maxBody.
func (f *fetcher) fetch(ctx context.Context, src *newsdesk.Source) (*fetched, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	moved := &redirects{}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, redirectKey{}, moved), http.MethodGet, src.URL, nil)
	if err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "bad feed URL: %v", err)
	}
	f.setHeaders(req, src)
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.transportError(ctx, err)
	}
	defer resp.Body.Close()
	out := &fetched{Status: resp.StatusCode, Header: resp.Header, MovedTo: moved.URL,
		ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	switch resp.StatusCode {
	case http.StatusOK:
		out.Body, err = f.readBody(resp)
		if err != nil {
			return out, f.transportError(ctx, err)
		}
		return out, nil
	case http.StatusNotModified:
		return out, nil
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10)) // lets the connection be reused
	return out, &statusError{Status: resp.StatusCode, RetryAfter: f.retryAfter(resp)}
}

func (f *fetcher) setHeaders(req *http.Request, src *newsdesk.Source) {
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, "+
		"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")
	if src.ETag != "" {
		req.Header.Set("If-None-Match", src.ETag)
	}
	if src.LastModified != "" {
		req.Header.Set("If-Modified-Since", src.LastModified)
	}
}

// errTooLarge is a body over the limit.
type errTooLarge struct{ limit int64 }

func (e *errTooLarge) Error() string {
	return fmt.Sprintf("feed is larger than %s (ingest.max_body)", formatSize(e.limit))
}

// readBody reads the (transparently decompressed) body up to the limit.
func (f *fetcher) readBody(resp *http.Response) ([]byte, error) {
	if resp.ContentLength > f.maxBody && !resp.Uncompressed {
		return nil, &errTooLarge{f.maxBody}
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 && resp.ContentLength <= f.maxBody {
		buf.Grow(int(resp.ContentLength))
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, f.maxBody+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > f.maxBody {
		return nil, &errTooLarge{f.maxBody}
	}
	return buf.Bytes(), nil
}

// transportError turns what net/http reports into one line an editor can
// act on.
func (f *fetcher) transportError(ctx context.Context, err error) error {
	var refused *refusedError
	var tooLarge *errTooLarge
	switch {
	case errors.As(err, &refused):
		return refused
	case errors.As(err, &tooLarge):
		return tooLarge
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("no complete answer within %s (ingest.timeout)", f.timeout)
	}
	// *url.Error repeats the method and URL, which the source list shows anyway.
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// retryAfter reads Retry-After (seconds or an HTTP date) on 429 and 503.
func (f *fetcher) retryAfter(resp *http.Response) time.Duration {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0
	}
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs > 0 {
		return time.Duration(min(secs, int64(maxHint/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, min(t.Sub(f.clock.Now()), maxHint))
	}
	return 0
}

// formatSize writes a byte count the way config files do: 10MiB, 512KiB.
func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
