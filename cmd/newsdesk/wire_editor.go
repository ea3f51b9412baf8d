package main

import (
	"context"

	"github.com/newsdesk/newsdesk/digest"
	"github.com/newsdesk/newsdesk/editorial"
)

// editor wires the editor's use cases, which the commands, the desk and
// the API share.
func (a *app) editor() *editorial.Editor {
	return &editorial.Editor{
		Articles: a.articles, Newsletters: a.newsletters, Subscribers: a.subscribers,
		Digests: func() (editorial.DigestMaker, error) {
			d, err := a.digestDesk()
			if err != nil {
				return nil, err
			}
			return d, nil
		},
		Templates: func(set string) error { _, err := a.sets.renderer(set); return err },
		Builder:   a.builder, Transport: a.transport,
		Feeds: a.publisher, Announce: a.announce, Kick: a.kick, Clock: a.clock,
	}
}

// digestDesk is the daemon's digest desk when this process runs one,
// otherwise a new one.
func (a *app) digestDesk() (*digest.Desk, error) {
	if a.digests != nil {
		return a.digests.desk, nil
	}
	return a.newDesk()
}

// kick runs the digest pass soon in a daemon, so that an edition made or
// approved by hand is prepared without waiting for the next tick.
func (a *app) kick() {
	if a.digests != nil {
		go a.runDigests(context.Background())
	}
	a.owner.Wake()
}
