package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// ParseTrustedProxies reads http.trusted_proxies: CIDR prefixes such as
// 10.0.0.0/8 or fd00::/8, or single addresses, which stand for themselves.
func ParseTrustedProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := parsePrefix(s)
		if err != nil {
			return nil, newsdesk.Errorf(newsdesk.EINVALID, "trusted proxy %q is not an address or a CIDR prefix such as 10.0.0.0/8", s)
		}
		out = append(out, p)
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, err
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// clientKey is the context key of the address ClientAddrs decided on.
type clientKey struct{}

// ClientAddrs decides, once per request, which address the request comes
// from (see ClientAddr) and records it for ClientIP and ClientKey.
func ClientAddrs(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := ClientAddr(r, trusted)
		if a.IsValid() {
			r = r.WithContext(context.WithValue(r.Context(), clientKey{}, a))
		}
		next.ServeHTTP(w, r)
	})
}

// ClientAddr is the address of the client that made r. It is the TCP peer
// unless the peer is one of the trusted proxies; then it is the right-most
// address of X-Forwarded-For (or, without one, of Forwarded, RFC 7239)
// that is not itself a trusted proxy. Entries to the left of that one were
// written by the client and prove nothing. If the chain holds something
// that is not an address before an untrusted one is found, the last
// trusted hop stands: it is the nearest one known to be telling the truth.
func ClientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := peerAddr(r.RemoteAddr)
	if !peer.IsValid() || !contains(trusted, peer) {
		return peer
	}
	hops := forwardedFor(r.Header)
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseNode(hops[i])
		if !ok {
			return client
		}
		client = a
		if !contains(trusted, a) {
			return a
		}
	}
	return client
}

// ClientIP is the address a request came from, without the port, as
// ClientAddrs decided it; for logs.
func ClientIP(r *http.Request) string {
	if a, ok := r.Context().Value(clientKey{}).(netip.Addr); ok {
		return a.String()
	}
	if a := peerAddr(r.RemoteAddr); a.IsValid() {
		return a.String()
	}
	return r.RemoteAddr
}

// ClientKey is what rate limits count a request's client by: its IPv4
// address, or the /64 of its IPv6 address, since one host or home gets a
// whole /64 and can pick any address in it.
func ClientKey(r *http.Request) string {
	a, ok := r.Context().Value(clientKey{}).(netip.Addr)
	if !ok {
		a = peerAddr(r.RemoteAddr)
	}
	if !a.IsValid() {
		return r.RemoteAddr
	}
	return AddrKey(a)
}

// AddrKey is ClientKey for an address.
func AddrKey(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

func contains(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedFor lists the hops a request passed, left to right: the
// X-Forwarded-For entries (all its lines, in order) or, when there is no
// X-Forwarded-For, the for= of each Forwarded element. X-Forwarded-For
// wins because it is what nginx, HAProxy, Caddy and most proxies append
// to; a client can send either header, so a proxy that writes only
// Forwarded must also drop X-Forwarded-For (see the README).
func forwardedFor(h http.Header) []string {
	if xff := h.Values("X-Forwarded-For"); len(xff) > 0 {
		var hops []string
		for _, line := range xff {
			hops = append(hops, strings.Split(line, ",")...)
		}
		return hops
	}
	var hops []string
	for _, line := range h.Values("Forwarded") {
		for _, elem := range splitQuoted(line, ',') {
			hops = append(hops, forValue(elem))
		}
	}
	return hops
}

// forValue is the for= parameter of one Forwarded element, unquoted; ""
// when it has none, which parseNode refuses.
func forValue(elem string) string {
	for _, pair := range splitQuoted(elem, ';') {
		name, value, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "for") {
			continue
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = strings.ReplaceAll(value[1:len(value)-1], `\`, "")
		}
		return value
	}
	return ""
}

// splitQuoted splits s at sep outside double quotes.
func splitQuoted(s string, sep byte) []string {
	var parts []string
	quoted, escaped, start := false, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case escaped:
			escaped = false
		case c == '\\' && quoted:
			escaped = true
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// parseNode reads one hop: 192.0.2.1, 192.0.2.1:4711, 2001:db8::1 or
// [2001:db8::1]:4711. Anything else (unknown, an obfuscated _name, junk)
// is not an address.
func parseNode(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, false
		}
		s = s[1:end]
	} else if strings.Count(s, ":") == 1 {
		s, _, _ = strings.Cut(s, ":")
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}
