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
			d, err := a.digestMaker()
			if err != nil {
				return nil, err
			}
			return d, nil
		},
		Templates: func(set string) error { _, err := a.sets.Renderer(set); return err },
		Builder:   a.builder, Transport: a.transport,
		Feeds: a.publisher, Announce: a.announce, Kick: a.kick, Clock: a.clock,
	}
}

// digestMaker is the daemon's digest maker when this process runs one,
// otherwise a new one.
func (a *app) digestMaker() (*digest.Maker, error) {
	if a.digests != nil {
		return a.digests.maker, nil
	}
	return a.newDigestMaker()
}

// kick runs the digest pass soon in a daemon, so that an edition made or
// approved by hand is prepared without waiting for the next tick.
func (a *app) kick() {
	if a.digests != nil {
		go a.runDigests(context.Background())
	}
	a.owner.Wake()
}
