package web

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ipLimiter gives each client address its own token bucket, and forgets
// addresses it has not seen for a while so the table stays small.
type ipLimiter struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	clients map[string]*client
	swept   time.Time
}

type client struct {
	l    *rate.Limiter
	seen time.Time
}

// Defaults for sign-ups per address: a burst of 10, then one a minute.
const (
	defaultSubscribeRate  = rate.Limit(1.0 / 60)
	defaultSubscribeBurst = 10
	forgetAfter           = 30 * time.Minute
)

func newIPLimiter(limit rate.Limit, burst int) *ipLimiter {
	if limit <= 0 {
		limit = defaultSubscribeRate
	}
	if burst <= 0 {
		burst = defaultSubscribeBurst
	}
	return &ipLimiter{limit: limit, burst: burst, clients: map[string]*client{}}
}

// allow reports whether ip may make a request now.
func (l *ipLimiter) allow(ip string) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, c := range l.clients {
			if now.Sub(c.seen) > forgetAfter {
				delete(l.clients, k)
			}
		}
		l.swept = now
	}
	c, ok := l.clients[ip]
	if !ok {
		c = &client{l: rate.NewLimiter(l.limit, l.burst)}
		l.clients[ip] = c
	}
	c.seen = now
	return c.l.AllowN(now, 1)
}
