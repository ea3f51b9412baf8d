package web

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter gives each key (a client address, an account) its own token
// bucket, and forgets keys it has not seen for a while so the table stays
// small. It is safe for concurrent use.
type Limiter struct {
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

func newIPLimiter(limit rate.Limit, burst int) *Limiter {
	if limit <= 0 {
		limit = defaultSubscribeRate
	}
	if burst <= 0 {
		burst = defaultSubscribeBurst
	}
	return NewLimiter(limit, burst)
}

// NewLimiter returns a limiter that lets each key make burst requests at
// once, then limit a second.
func NewLimiter(limit rate.Limit, burst int) *Limiter {
	return &Limiter{limit: limit, burst: burst, clients: map[string]*client{}}
}

// Allow reports whether key may make a request now, and counts it.
func (l *Limiter) Allow(key string) bool {
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
	c, ok := l.clients[key]
	if !ok {
		c = &client{l: rate.NewLimiter(l.limit, l.burst)}
		l.clients[key] = c
	}
	c.seen = now
	return c.l.AllowN(now, 1)
}
