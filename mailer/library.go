package mailer

import (
	"context"
	"strconv"
	"sync"

	"github.com/newsdesk/newsdesk"
)

// EditionFinder reads editions.
type EditionFinder interface {
	FindEditionByID(ctx context.Context, id int64) (*newsdesk.Edition, error)
}

// SubscriberFinder reads subscribers.
type SubscriberFinder interface {
	FindSubscriberByID(ctx context.Context, id int64) (*newsdesk.Subscriber, error)
}

// Library gives the outbox the content of deliveries: an edition's as it
// was stored when the edition was made, prepared once and kept while it is
// being sent; a confirmation's rendered for its subscriber.
type Library struct {
	Editions    EditionFinder
	Subscribers SubscriberFinder
	Renderer    *Renderer

	mu       sync.Mutex
	editions map[int64]*Prepared
}

// keptEditions bounds the editions kept prepared; more than a few are
// rarely sent at once.
const keptEditions = 8

// Prepared returns the content of d.
func (l *Library) Prepared(ctx context.Context, d *newsdesk.Delivery) (*Prepared, error) {
	switch d.Kind {
	case newsdesk.DeliveryEdition:
		return l.edition(ctx, d.EditionID)
	case newsdesk.DeliveryConfirm:
		return l.confirmation(ctx, d)
	}
	return nil, newsdesk.Errorf(newsdesk.EINVALID, "delivery %d: unknown kind %q", d.ID, d.Kind)
}

func (l *Library) edition(ctx context.Context, id int64) (*Prepared, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p, ok := l.editions[id]; ok {
		return p, nil
	}
	e, err := l.Editions.FindEditionByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if l.editions == nil || len(l.editions) >= keptEditions {
		l.editions = map[int64]*Prepared{}
	}
	p := Prepare(e.Subject, Content{HTML: e.HTML, Text: e.Text}, e.Newsletter, "e"+strconv.FormatInt(id, 10))
	l.editions[id] = p
	return p, nil
}

// ConfirmationSubject is the subject of confirmation emails.
func ConfirmationSubject(site string) string {
	return "Please confirm your subscription to " + site
}

func (l *Library) confirmation(ctx context.Context, d *newsdesk.Delivery) (*Prepared, error) {
	sub, err := l.Subscribers.FindSubscriberByID(ctx, d.Subscriber.ID)
	if err != nil {
		return nil, err
	}
	var pending []*newsdesk.Newsletter
	for _, x := range sub.Subscriptions {
		if x.Status == newsdesk.SubscriptionPending {
			pending = append(pending, x.Newsletter)
		}
	}
	subject := ConfirmationSubject(l.Renderer.Site.Title)
	c, err := l.Renderer.Confirmation(subject, pending)
	if err != nil {
		return nil, err
	}
	return Prepare(subject, c, nil, "t"+strconv.FormatInt(d.ID, 10)), nil
}
