package web

import (
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// IPLimiter counts events per client address, such as failed logins or
// failed API authentications, and tells when an address has had too many.
type IPLimiter struct {
	l *ipLimiter
}

// NewIPLimiter allows each address burst events, then limit per second.
func NewIPLimiter(limit rate.Limit, burst int) *IPLimiter {
	return &IPLimiter{l: newIPLimiter(limit, burst)}
}

// Blocked reports whether ip has used up its allowance, without counting
// anything; a blocked address is refused before its request is looked at.
func (l *IPLimiter) Blocked(ip string) bool {
	l.l.mu.Lock()
	defer l.l.mu.Unlock()
	c, ok := l.l.clients[ip]
	return ok && c.l.TokensAt(time.Now()) < 1
}

// Count records one event from ip.
func (l *IPLimiter) Count(ip string) {
	l.l.allow(ip)
}

// ClientIP is the address a request came from, without the port.
func ClientIP(r *http.Request) string {
	return clientIP(r)
}
