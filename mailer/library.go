package mailer

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/newsdesk/newsdesk"
)

// EditionFinder reads editions.
type EditionFinder interface {
	FindEditionByID(ctx context.Context, id int64) (*newsdesk.Edition, error)
}

// VariantFinder reads the variants of digest editions.
type VariantFinder interface {
	FindEditionVariant(ctx context.Context, id int64) (*newsdesk.EditionVariant, error)
}

// SubscriberFinder reads the requests that confirmations are for.
type SubscriberFinder interface {
	FindSubscriptionRequest(ctx context.Context, id int64) (*newsdesk.SubscriptionRequest, error)
}

// Library gives the outbox the content of deliveries: an edition's as it
// was stored when the edition was made, prepared once and kept while it is
// being sent; a confirmation's rendered for its subscriber.
type Library struct {
	Editions    EditionFinder
	Variants    VariantFinder // nil when no digest is sent
	Subscribers SubscriberFinder
	Renderer    *Renderer

	mu       sync.Mutex
	editions map[int64]*Prepared
	variants map[int64]*Prepared
}

// keptVariants bounds the digest variants kept prepared: an edition has
// one per distinct selection of articles.
const keptVariants = 1024

// keptEditions bounds the editions kept prepared; more than a few are
// rarely sent at once.
const keptEditions = 8

// Prepared returns the content of d.
func (l *Library) Prepared(ctx context.Context, d *newsdesk.Delivery) (*Prepared, error) {
	switch d.Kind {
	case newsdesk.DeliveryEdition:
		if d.VariantID != 0 {
			return l.variant(ctx, d)
		}
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

// variant returns the prepared content of a digest variant; the
// newsletter, for the list headers, comes from the edition.
func (l *Library) variant(ctx context.Context, d *newsdesk.Delivery) (*Prepared, error) {
	l.mu.Lock()
	p, ok := l.variants[d.VariantID]
	l.mu.Unlock()
	if ok {
		return p, nil
	}
	if l.Variants == nil {
		return nil, fmt.Errorf("delivery %d: digest variants are not wired", d.ID)
	}
	v, err := l.Variants.FindEditionVariant(ctx, d.VariantID)
	if err != nil {
		return nil, err
	}
	e, err := l.edition(ctx, d.EditionID)
	if err != nil {
		return nil, err
	}
	p = PrepareRendered(v.Subject, Content{HTML: v.HTML, Text: v.Text}, e.List, e.Key)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.variants == nil || len(l.variants) >= keptVariants {
		l.variants = map[int64]*Prepared{}
	}
	l.variants[d.VariantID] = p
	return p, nil
}

// ConfirmationSubject is the subject of confirmation emails.
func ConfirmationSubject(site string) string {
	return "Please confirm your subscription to " + site
}

// confirmation prepares the email asking to confirm the request d is
// for. It is addressed to the address alone: a name typed into the form
// is not shown to the mailbox's owner before they confirm (nor ever in
// this message, which anyone can make the desk send). Its Message-ID
// names the delivery and the subscriber, a pair never used twice, as
// subscriber ids are never reused.
func (l *Library) confirmation(ctx context.Context, d *newsdesk.Delivery) (*Prepared, error) {
	if d.RequestID == 0 {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "confirmation %d is for no request", d.ID)
	}
	req, err := l.Subscribers.FindSubscriptionRequest(ctx, d.RequestID)
	if err != nil {
		return nil, err
	}
	subject := ConfirmationSubject(l.Renderer.Site.Title)
	c, err := l.Renderer.Confirmation(subject, req.Newsletters)
	if err != nil {
		return nil, err
	}
	p := Prepare(subject, c, nil, "t"+strconv.FormatInt(d.ID, 10))
	p.AddressOnly = true
	return p, nil
}
