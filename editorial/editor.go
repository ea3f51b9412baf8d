// Package editorial holds the editor's use cases: what an editor does that
// takes more than one store call or follows a rule of the publication —
// publishing articles, checking and saving newsletters, previewing and
// sending editions, picking articles for one-off editions, importing
// articles and subscriber lists. The commands, the desk (web/admin) and
// the JSON API (web/api) all go through an Editor, so each action behaves
// the same wherever it is asked for.
//
// The package declares what it needs of the store (store.go); only
// cmd/newsdesk knows the concrete types.
package editorial

import (
	"context"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/digest"
	"github.com/newsdesk/newsdesk/mailer"
)

// Editor runs the editor's use cases. Set the fields, then call its
// methods; none keeps state between calls.
type Editor struct {
	Articles    ArticleStore
	Newsletters NewsletterStore
	Subscribers SubscriberStore
	// Digests returns the digest maker that cuts, previews and prepares
	// editions (the daemon's own when this process runs one).
	Digests func() (DigestMaker, error)
	// Templates checks that a newsletter's digest template set loads and
	// renders; nil accepts every set.
	Templates func(set string) error
	// Builder and Transport write and send test messages and previews.
	Builder   func() (*mailer.Builder, error)
	Transport func() (mailer.Transport, error)
	// Feeds is told when published content changes; may be nil.
	Feeds FeedCache
	// Announce tells the WebSub hub about newly published articles; may be
	// nil.
	Announce func(ctx context.Context, published []*newsdesk.Article)
	// Kick asks for the digest pass to run soon, so that an edition made or
	// approved by hand is prepared without waiting for the next tick; may
	// be nil.
	Kick  func()
	Clock newsdesk.Clock
}

// DigestMaker is what the editor needs of digest.Maker.
type DigestMaker interface {
	NextEdition(ctx context.Context, n *newsdesk.Newsletter, now time.Time) (*newsdesk.Edition, error)
	Preview(ctx context.Context, e *newsdesk.Edition, r newsdesk.Recipient) (*digest.Rendered, error)
}

// FeedCache drops cached feeds and pages.
type FeedCache interface {
	Invalidate()
}

func (ed *Editor) now() time.Time {
	if ed.Clock == nil {
		return time.Now()
	}
	return ed.Clock.Now()
}

func (ed *Editor) kick() {
	if ed.Kick != nil {
		ed.Kick()
	}
}

// changed drops the cached feeds and announces what was just published.
func (ed *Editor) changed(ctx context.Context, published []*newsdesk.Article) {
	if ed.Feeds != nil {
		ed.Feeds.Invalidate()
	}
	if ed.Announce != nil && len(published) > 0 {
		ed.Announce(ctx, published)
	}
}
