package editorial

import (
	"bytes"
	"context"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer"
)

// edition returns a stored edition of the newsletter, or with id 0 the one
// it would cut now.
func (ed *Editor) edition(ctx context.Context, slug string, id int64) (*newsdesk.Edition, DigestMaker, error) {
	n, err := ed.Newsletters.FindNewsletterBySlug(ctx, slug)
	if err != nil {
		return nil, nil, err
	}
	dm, err := ed.Digests()
	if err != nil {
		return nil, nil, err
	}
	if id == 0 {
		e, err := dm.NextEdition(ctx, n, ed.now())
		return e, dm, err
	}
	e, err := ed.Newsletters.FindEditionByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if e.Newsletter.ID != n.ID || e.Kind == "" {
		return nil, nil, newsdesk.Errorf(newsdesk.EINVALID, "edition %d is not a digest of %s", id, n.Slug)
	}
	return e, dm, nil
}

// PreviewDigest renders what a subscriber would get from an edition
// (editionID 0: the one the newsletter would cut now); subscriber ""
// previews for a sample reader of every topic.
func (ed *Editor) PreviewDigest(ctx context.Context, newsletter string, editionID int64, subscriber string) (*newsdesk.DigestPreview, error) {
	e, dm, err := ed.edition(ctx, newsletter, editionID)
	if err != nil {
		return nil, err
	}
	to, r, err := ed.recipient(ctx, e.Newsletter, subscriber)
	if err != nil {
		return nil, err
	}
	rd, err := dm.Preview(ctx, e, r)
	if err != nil {
		return nil, err
	}
	pv := &newsdesk.DigestPreview{Edition: e, To: to.Email, Empty: rd == nil}
	if rd == nil {
		return pv, nil
	}
	b, err := ed.Builder()
	if err != nil {
		return nil, err
	}
	p := mailer.PrepareRendered(rd.Subject, mailer.Content{HTML: rd.HTML, Text: rd.Text}, e.Newsletter, "preview")
	var html, text, msg bytes.Buffer
	vals := b.Values(p, to)
	if _, err := p.HTML.WriteTo(&html, vals); err != nil {
		return nil, err
	}
	if _, err := p.Text.WriteTo(&text, vals); err != nil {
		return nil, err
	}
	if err := b.Build(&msg, p, to); err != nil {
		return nil, err
	}
	pv.Subject, pv.HTML, pv.Text, pv.Message = rd.Subject, html.String(), text.String(), msg.Bytes()
	return pv, nil
}

// recipient is who a preview is for: the subscriber with the address and
// their topics in the newsletter, or a sample reader of every topic.
func (ed *Editor) recipient(ctx context.Context, n *newsdesk.Newsletter, email string) (mailer.Recipient, newsdesk.Recipient, error) {
	if email == "" {
		return mailer.Recipient{Email: "reader@example.com", Name: "A Reader"}, newsdesk.Recipient{}, nil
	}
	norm, err := newsdesk.NormalizeEmail(email)
	if err != nil {
		return mailer.Recipient{}, newsdesk.Recipient{}, err
	}
	s, err := ed.Subscribers.FindSubscriberByEmail(ctx, norm)
	if err != nil {
		return mailer.Recipient{}, newsdesk.Recipient{}, err
	}
	for _, x := range s.Subscriptions {
		if x.Newsletter.ID == n.ID {
			return mailer.Recipient{SubscriberID: s.ID, Email: s.Email, Name: s.Name, LinkKey: s.LinkKey},
				newsdesk.Recipient{SubscriberID: s.ID, Topics: x.Topics, TimeZone: s.TimeZone}, nil
		}
	}
	return mailer.Recipient{}, newsdesk.Recipient{}, newsdesk.Errorf(newsdesk.EINVALID,
		"subscriber %s is not subscribed to %s", s.Email, n.Slug)
}
