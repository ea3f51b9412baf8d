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
	"slices"
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
	if reason := forbiddenAddr(ip); reason != "" {
		return &refusedError{addr: ip, reason: reason}
	}
	return nil
}

// special is one block of IANA's special-purpose address registries
// (iana.org/assignments/iana-ipv4-special-registry and -ipv6-), with the
// word the refusal uses for it.
type special struct {
	prefix netip.Prefix
	reason string
}

func specials(reason string, prefixes ...string) []special {
	var out []special
	for _, p := range prefixes {
		out = append(out, special{netip.MustParsePrefix(p), reason})
	}
	return out
}

// specialIPv4 are the IPv4 blocks that are not global unicast.
var specialIPv4 = slices.Concat(
	specials("non-unicast", "0.0.0.0/8", "224.0.0.0/4", "255.255.255.255/32"),
	specials("loopback", "127.0.0.0/8"),
	specials("private", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"),
	specials("link-local", "169.254.0.0/16"),
	specials("documentation", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"),
	specials("benchmarking", "198.18.0.0/15"),
	specials("reserved", "192.0.0.0/24", "192.88.99.0/24", "240.0.0.0/4"),
)

// specialIPv6 are the blocks of global unicast (2000::/3) and around it
// that are not globally reachable; the embedding forms (IPv4-mapped,
// NAT64, 6to4) are unwrapped before this table is read.
var specialIPv6 = slices.Concat(
	specials("non-unicast", "::/128", "ff00::/8"),
	specials("loopback", "::1/128"),
	specials("private", "fc00::/7"),
	specials("link-local", "fe80::/10"),
	specials("documentation", "2001:db8::/32", "3fff::/20"),
	specials("benchmarking", "2001:2::/48"),
	specials("reserved", "100::/64", "5f00::/16"),
)

// ietfAssigned is 2001::/23, IETF protocol assignments: not globally
// reachable but for the blocks in globalIETF (Teredo, 2001::/32, is not
// among them: it hides the address it reaches).
var (
	ietfAssigned = netip.MustParsePrefix("2001::/23")
	globalIETF   = specials("", "2001:1::1/128", "2001:1::2/128", "2001:1::3/128", "2001:3::/32",
		"2001:4:112::/48", "2001:20::/28", "2001:30::/28")
	globalUnicast = netip.MustParsePrefix("2000::/3")
	nat64         = netip.MustParsePrefix("64:ff9b::/96")   // RFC 6052, well-known
	nat64Local    = netip.MustParsePrefix("64:ff9b:1::/48") // RFC 8215, local use
	sixToFour     = netip.MustParsePrefix("2002::/16")      // RFC 3056
)

func lookup(table []special, ip netip.Addr) string {
	for _, s := range table {
		if s.prefix.Contains(ip) {
			return s.reason
		}
	}
	return ""
}

// forbiddenAddr says why ip is not a public address, or "" when it is one.
// Only global unicast is public, minus IANA's special-purpose blocks. An
// IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64, 6to4) is
// judged by the IPv4 address it reaches.
func forbiddenAddr(ip netip.Addr) string {
	ip = ip.WithZone("")
	if ip.Is4In6() {
		ip = ip.Unmap()
	}
	if ip.Is4() {
		return lookup(specialIPv4, ip)
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return forbiddenAddr(netip.AddrFrom4([4]byte(b[12:16])))
	case nat64Local.Contains(ip):
		// Where the IPv4 address sits depends on a prefix length the
		// operator chose (RFC 6052: /48 to /96 here), so it cannot be
		// read; IANA lists the block as not globally reachable.
		return "reserved"
	case sixToFour.Contains(ip):
		return forbiddenAddr(netip.AddrFrom4([4]byte(b[2:6])))
	}
	if reason := lookup(specialIPv6, ip); reason != "" {
		return reason
	}
	if ietfAssigned.Contains(ip) && !slices.ContainsFunc(globalIETF, func(s special) bool { return s.prefix.Contains(ip) }) {
		return "reserved"
	}
	if !globalUnicast.Contains(ip) {
		return "reserved"
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
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "bad feed URL: %w", err)
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
