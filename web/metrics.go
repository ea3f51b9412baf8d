package web

import "github.com/newsdesk/newsdesk/feeds"

// Counter counts events; a prometheus.Counter is one.
type Counter interface{ Inc() }

// FeedMetrics gives the counters of one feed route: requests, and those
// answered 304 Not Modified. The server asks once per route when it builds
// its handlers, so that serving a feed costs an atomic add, not a lookup.
// scope is the route's kind (site, category, author, related), never the
// URL, which keeps the number of series bounded.
type FeedMetrics interface {
	FeedCounters(scope string, f feeds.Format) (requests, notModified Counter)
}

type noCounter struct{}

func (noCounter) Inc() {}

// feedCounters returns the route's counters, or ones that count nothing
// when no FeedMetrics is set.
func (s *Server) feedCounters(kind string, f feeds.Format) (requests, notModified Counter) {
	if s.FeedMetrics == nil {
		return noCounter{}, noCounter{}
	}
	return s.FeedMetrics.FeedCounters(kind, f)
}
