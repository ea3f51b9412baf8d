// Package newsdesk holds the domain of a publication's syndication and
// newsletter desk: articles, authors and categories, and the small service
// interfaces through which the rest of the program reaches them.
//
// Technologies live in subpackages named after them (sqlite, feeds, web);
// only cmd/newsdesk knows them all and wires them together.
package newsdesk

import (
	"sync"
	"time"
)

// Version is the release newsdesk reports, e.g. in the User-Agent of its
// feed fetcher. Builds set it with
// -ldflags "-X github.com/newsdesk/newsdesk.Version=1.2.3".
var Version = "dev"

// Clock tells the time. Everything that schedules or stamps takes one, so
// that tests can run on a fixed or stepped clock.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// FixedClock is a clock that moves only when told to. It is safe for
// concurrent use.
type FixedClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFixedClock returns a clock stopped at t.
func NewFixedClock(t time.Time) *FixedClock { return &FixedClock{t: t} }

// Now returns the clock's instant.
func (c *FixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *FixedClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Add moves the clock forward by d.
func (c *FixedClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
