package feeds

import (
	"context"
	"net/url"
	"strings"
	"sync"

	"github.com/newsdesk/newsdesk"
)

// hostQueue hands out sources to workers in order, skipping past any
// whose host is being fetched already, so that a host never has two
// requests from newsdesk at once.
type hostQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	hosts   []string // by source index
	pending []int    // source indexes not yet handed out, in order
	busy    map[string]bool
}

func newHostQueue(sources []*newsdesk.Source) *hostQueue {
	q := &hostQueue{hosts: make([]string, len(sources)), pending: make([]int, len(sources)), busy: map[string]bool{}}
	q.cond = sync.NewCond(&q.mu)
	for i, s := range sources {
		q.hosts[i], q.pending[i] = hostOf(s.URL), i
	}
	return q
}

// hostOf is the host a URL's requests go to, in lower case.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.ToLower(u.Hostname())
}

// next returns the index of the next source whose host is free, and the
// function to call when its fetch is over; -1 when none are left or ctx
// has ended. It waits while every pending source's host is busy.
func (q *hostQueue) next(ctx context.Context) (int, func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for ctx.Err() == nil && len(q.pending) > 0 {
		for j, i := range q.pending {
			if host := q.hosts[i]; !q.busy[host] {
				q.busy[host] = true
				q.pending = append(q.pending[:j], q.pending[j+1:]...)
				return i, func() { q.release(host) }
			}
		}
		q.cond.Wait() // a busy host's fetch is in flight and will release it
	}
	return -1, nil
}

func (q *hostQueue) release(host string) {
	q.mu.Lock()
	delete(q.busy, host)
	q.mu.Unlock()
	q.cond.Broadcast()
}
