package web

import (
	"container/list"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter gives each key (a client address as ClientKey makes it, an
// account, a pair of both) a token bucket of Burst events refilled at
// Rate. It holds at most MaxKeys buckets: a key not seen for 30 minutes
// is forgotten, and when the table is full the key seen longest ago makes
// room, so that a flood of new addresses costs bounded memory. Forgetting
// a key only ever gives it a full bucket again; it never refuses anyone.
// Set the fields before first use.
type Limiter struct {
	Rate    rate.Limit
	Burst   int
	MaxKeys int              // default DefaultMaxKeys
	Now     func() time.Time // default time.Now

	mu    sync.Mutex
	keys  map[string]*list.Element
	order *list.List // of *bucket, the most recently seen in front
}

// DefaultMaxKeys is how many keys a Limiter tracks unless told otherwise:
// about 2 MB of buckets.
const DefaultMaxKeys = 10000

// forgetAfter is how long a key unseen is kept; every bucket in use here
// refills within it.
const forgetAfter = 30 * time.Minute

// bucket is one key's tokens. It is a token bucket of its own rather than
// a rate.Limiter, which cannot give a token back once its time has passed.
type bucket struct {
	key    string
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

// fill brings the tokens up to now.
func (b *bucket) fill(now time.Time, limit rate.Limit, burst int) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(float64(burst), b.tokens+d.Seconds()*float64(limit))
		b.at = now
	}
}

// take takes one token when there is one.
func (l *Limiter) take(b *bucket, now time.Time) bool {
	b.fill(now, l.Rate, l.Burst)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// NewLimiter allows each key burst events, then limit per second.
func NewLimiter(limit rate.Limit, burst int) *Limiter {
	return &Limiter{Rate: limit, Burst: burst}
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// get returns key's bucket, making it if asked; it runs with l.mu held.
func (l *Limiter) get(key string, now time.Time, create bool) *bucket {
	if l.keys == nil {
		l.keys, l.order = map[string]*list.Element{}, list.New()
	}
	for e := l.order.Back(); e != nil && now.Sub(e.Value.(*bucket).at) > forgetAfter; e = l.order.Back() {
		l.remove(e)
	}
	if e, ok := l.keys[key]; ok {
		b := e.Value.(*bucket)
		b.fill(now, l.Rate, l.Burst)
		l.order.MoveToFront(e)
		return b
	}
	if !create {
		return nil
	}
	max := l.MaxKeys
	if max <= 0 {
		max = DefaultMaxKeys
	}
	for l.order.Len() >= max {
		l.remove(l.order.Back())
	}
	b := &bucket{key: key, tokens: float64(l.Burst), at: now}
	l.keys[key] = l.order.PushFront(b)
	return b
}

func (l *Limiter) remove(e *list.Element) {
	delete(l.keys, e.Value.(*bucket).key)
	l.order.Remove(e)
}

// Allow takes one event from key's bucket and reports whether there was
// one to take.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	return l.take(l.get(key, now, true), now)
}

// Blocked reports whether key has used up its allowance, without counting
// anything.
func (l *Limiter) Blocked(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.get(key, now, false)
	return b != nil && b.tokens < 1
}

// Count records one event from key, if it has any allowance left.
func (l *Limiter) Count(key string) { l.Allow(key) }

// Len is how many keys the limiter tracks.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.order == nil {
		return 0
	}
	return l.order.Len()
}

// reserve takes one event from key's bucket if it has one now.
func (l *Limiter) reserve(key string) (*bucket, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.get(key, now, true)
	return b, l.take(b, now)
}

// giveBack returns a token to b; a bucket forgotten meanwhile is full anyway.
func (l *Limiter) giveBack(b *bucket) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b.fill(l.now(), l.Rate, l.Burst)
	b.tokens = min(float64(l.Burst), b.tokens+1)
}

// Key names a bucket: a limiter and a key in it.
type Key struct {
	Limiter *Limiter
	Key     string
}

// Reservation is events taken from buckets ahead of the work they pay
// for; Cancel gives them back.
type Reservation struct {
	taken []taken
}

type taken struct {
	l *Limiter
	b *bucket
}

// Reserve takes one event from each bucket, from all of them or from
// none: the attempt is paid for before it is made, so attempts made in
// parallel cannot all slip through a check that is only charged later.
func Reserve(keys ...Key) (*Reservation, bool) {
	res := &Reservation{}
	for _, k := range keys {
		b, ok := k.Limiter.reserve(k.Key)
		if !ok {
			res.Cancel()
			return nil, false
		}
		res.taken = append(res.taken, taken{k.Limiter, b})
	}
	return res, true
}

// Cancel gives the reserved events back, for an attempt that was not
// made or that should not count.
func (res *Reservation) Cancel() {
	for _, t := range res.taken {
		t.l.giveBack(t.b)
	}
	res.taken = nil
}

// Defaults for sign-ups per client: a burst of 10, then one a minute.
const (
	defaultSubscribeRate  = rate.Limit(1.0 / 60)
	defaultSubscribeBurst = 10
)

// signUpLimiter limits sign-ups per client, with the defaults for what is
// not set.
func signUpLimiter(limit rate.Limit, burst int) *Limiter {
	if limit <= 0 {
		limit = defaultSubscribeRate
	}
	if burst <= 0 {
		burst = defaultSubscribeBurst
	}
	return NewLimiter(limit, burst)
}
