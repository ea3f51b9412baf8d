package editorial

import (
	"context"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/digest"
)

// ValidateNewsletter decides whether a newsletter can be saved: its
// schedule and time zone as digests will read them (digest.ParseSchedule),
// its template set, which must load and render, and its fields
// (newsdesk.Newsletter.Validate, which the store applies again). Every create and edit goes through it; the store
// interfaces the desk and the API see offer no way around it.
func (ed *Editor) ValidateNewsletter(n *newsdesk.Newsletter) error {
	if err := digest.CheckNewsletter(n); err != nil {
		return err
	}
	if n.Template != "" && ed.Templates != nil {
		if err := ed.Templates(n.Template); err != nil {
			return newsdesk.Errorf(newsdesk.EINVALID, "%s", newsdesk.ErrorMessage(err))
		}
	}
	return n.Validate()
}

// CreateNewsletter stores a new newsletter once ValidateNewsletter accepts
// it; no time zone means UTC.
func (ed *Editor) CreateNewsletter(ctx context.Context, n *newsdesk.Newsletter) error {
	if n.TimeZone == "" {
		n.TimeZone = "UTC"
	}
	if err := ed.ValidateNewsletter(n); err != nil {
		return err
	}
	return ed.Newsletters.CreateNewsletter(ctx, n)
}

// UpdateNewsletter changes a newsletter once ValidateNewsletter accepts
// what it would become. Pausing and resuming go through here too: ticks
// missed while paused are not caught up, and the next edition after
// resuming covers everything since the last one.
func (ed *Editor) UpdateNewsletter(ctx context.Context, slug string, upd newsdesk.NewsletterUpdate) (*newsdesk.Newsletter, error) {
	n, err := ed.Newsletters.FindNewsletterBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	next := *n
	upd.Apply(&next)
	if err := ed.ValidateNewsletter(&next); err != nil {
		return nil, err
	}
	return ed.Newsletters.UpdateNewsletter(ctx, slug, upd)
}
