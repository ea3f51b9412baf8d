package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/digest"
	"github.com/newsdesk/newsdesk/mailer"
)

// editor is what an editor does that takes more than one store call:
// previews, test sends, editions by hand and publishing. The commands, the
// admin pages and the API share it, so each action behaves the same
// wherever it is asked for.
type editor struct {
	a *app
}

func (a *app) editor() *editor { return &editor{a: a} }

// desk is the daemon's digest desk when this process runs one, otherwise a
// new one.
func (ed *editor) desk() (*digest.Desk, error) {
	if ed.a.digests != nil {
		return ed.a.digests.desk, nil
	}
	return ed.a.newDesk()
}

// kick runs the digest pass soon in a daemon, so that an edition made or
// approved by hand is prepared without waiting for the next tick.
func (ed *editor) kick() {
	if ed.a.digests != nil {
		go ed.a.runDigests(context.Background())
	}
	ed.a.wake()
}

// edition returns a stored edition of the newsletter, or with id 0 the one
// it would cut now.
func (ed *editor) edition(ctx context.Context, slug string, id int64) (*newsdesk.Edition, *digest.Desk, error) {
	n, err := ed.a.newsletters.FindNewsletterBySlug(ctx, slug)
	if err != nil {
		return nil, nil, err
	}
	desk, err := ed.desk()
	if err != nil {
		return nil, nil, err
	}
	if id == 0 {
		e, err := desk.NextEdition(ctx, n, ed.a.clock.Now())
		return e, desk, err
	}
	e, err := ed.a.newsletters.FindEditionByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if e.Newsletter.ID != n.ID || e.Kind == "" {
		return nil, nil, newsdesk.Errorf(newsdesk.EINVALID, "edition %d is not a digest of %s", id, n.Slug)
	}
	return e, desk, nil
}

// PreviewDigest renders what a subscriber would get from an edition
// (editionID 0: the one the newsletter would cut now); subscriber ""
// previews for a sample reader of every topic.
func (ed *editor) PreviewDigest(ctx context.Context, newsletter string, editionID int64, subscriber string) (*newsdesk.DigestPreview, error) {
	e, desk, err := ed.edition(ctx, newsletter, editionID)
	if err != nil {
		return nil, err
	}
	to, r, err := ed.recipient(ctx, e.Newsletter, subscriber)
	if err != nil {
		return nil, err
	}
	rd, err := desk.Preview(ctx, e, r)
	if err != nil {
		return nil, err
	}
	pv := &newsdesk.DigestPreview{Edition: e, To: to.Email, Empty: rd == nil}
	if rd == nil {
		return pv, nil
	}
	b, err := ed.a.builder()
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
func (ed *editor) recipient(ctx context.Context, n *newsdesk.Newsletter, email string) (mailer.Recipient, newsdesk.Recipient, error) {
	if email == "" {
		return mailer.Recipient{Email: "reader@example.com", Name: "A Reader"}, newsdesk.Recipient{}, nil
	}
	norm, err := newsdesk.NormalizeEmail(email)
	if err != nil {
		return mailer.Recipient{}, newsdesk.Recipient{}, err
	}
	s, err := ed.a.subscribers.FindSubscriberByEmail(ctx, norm)
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

// SendTest sends the digest of an edition (editionID 0: the next one) to
// one address straight through the transport, outside the outbox, with
// every article, as a reader of every topic gets it. Nothing is recorded.
func (ed *editor) SendTest(ctx context.Context, newsletter string, editionID int64, to string) error {
	email, err := newsdesk.NormalizeEmail(to)
	if err != nil {
		return err
	}
	e, desk, err := ed.edition(ctx, newsletter, editionID)
	if err != nil {
		return err
	}
	rd, err := desk.Preview(ctx, e, newsdesk.Recipient{})
	if err != nil {
		return err
	} else if rd == nil {
		return newsdesk.Errorf(newsdesk.EINVALID, "nothing was published in the window of this edition of %s; no test was sent", newsletter)
	}
	b, err := ed.a.builder()
	if err != nil {
		return err
	}
	t, err := ed.a.transport()
	if err != nil {
		return err
	}
	key := "x" + strconv.FormatInt(ed.a.clock.Now().UnixNano(), 36) // a test is a new message each time
	p := mailer.PrepareRendered("[TEST] "+rd.Subject, mailer.Content{HTML: rd.HTML, Text: rd.Text}, e.Newsletter, key)
	msg, err := b.BuildBytes(p, mailer.Recipient{Email: email})
	if err != nil {
		return err
	}
	conn, err := t.Dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	env := mailer.Envelope{From: b.From.Address, To: email, ID: b.MessageID(key, 0)}
	return conn.Send(ctx, env, msg, func() error { return nil })
}

// SendNow stores an edition of the newsletter cut now, outside its
// schedule, with what was published since its last edition. A daemon
// prepares and delivers it at once; follow it with FindEditionByID.
func (ed *editor) SendNow(ctx context.Context, newsletter string) (*newsdesk.Edition, error) {
	e, err := ed.addNow(ctx, newsletter)
	if err != nil {
		return nil, err
	}
	ed.kick()
	return e, nil
}

// addNow stores the edition the newsletter would cut now.
func (ed *editor) addNow(ctx context.Context, newsletter string) (*newsdesk.Edition, error) {
	e, _, err := ed.edition(ctx, newsletter, 0)
	if err != nil {
		return nil, err
	}
	if err := ed.a.newsletters.AddEdition(ctx, e); err != nil {
		return nil, err
	}
	if e.Newsletter.Subscribers, err = ed.a.newsletters.CountRecipients(ctx, e.Newsletter.ID); err != nil {
		return nil, err
	}
	return e, ed.a.newsletters.RecordEditionEvent(ctx, e.ID, newsdesk.ActionSendNow)
}

// CreateEdition stores a one-off edition: hand-picked articles with an
// editor's note, to go at a chosen time.
func (ed *editor) CreateEdition(ctx context.Context, o newsdesk.OneOffEdition) (*newsdesk.Edition, error) {
	intro := strings.TrimSpace(o.Intro)
	if utf8.RuneCountInString(intro) > newsdesk.MaxIntroLength {
		return nil, newsdesk.FieldErrorf("intro", "intro: longer than %d characters", newsdesk.MaxIntroLength)
	}
	n, err := ed.a.newsletters.FindNewsletterBySlug(ctx, o.Newsletter)
	if err != nil {
		return nil, err
	}
	picked, err := ed.pick(ctx, o.Articles)
	if err != nil {
		return nil, err
	}
	at := o.At
	if at.IsZero() {
		at = ed.a.clock.Now()
	}
	e := &newsdesk.Edition{Newsletter: n, Kind: newsdesk.EditionKindOneOff, Intro: intro,
		Picked: picked, ScheduledFor: at, Status: newsdesk.EditionScheduled}
	if err := ed.a.newsletters.AddEdition(ctx, e); err != nil {
		return nil, err
	}
	if !at.After(ed.a.clock.Now()) {
		ed.kick()
	}
	return e, nil
}

// pick resolves article slugs to IDs; drafts cannot be picked.
func (ed *editor) pick(ctx context.Context, slugs []string) ([]int64, error) {
	if len(slugs) == 0 || len(slugs) > newsdesk.MaxPickedArticles {
		return nil, newsdesk.FieldErrorf("articles", "articles: pick from 1 to %d articles", newsdesk.MaxPickedArticles)
	}
	var ids []int64
	for _, s := range slugs {
		art, err := ed.a.articles.FindArticleBySlug(ctx, s)
		if err != nil {
			return nil, newsdesk.FieldErrorf("articles", "articles: %s", newsdesk.ErrorMessage(err))
		}
		if art.Status == newsdesk.StatusDraft {
			return nil, newsdesk.FieldErrorf("articles", "articles: %q is a draft; publish or schedule it first", s)
		}
		ids = append(ids, art.ID)
	}
	return ids, nil
}

// ApproveEdition lets an edition that waits for approval go.
func (ed *editor) ApproveEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return ed.control(ctx, id, ed.a.newsletters.ApproveEdition)
}

// PauseEdition holds an edition's deliveries that have not gone yet.
func (ed *editor) PauseEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return ed.control(ctx, id, ed.a.newsletters.PauseEdition)
}

// ResumeEdition lets a paused edition go on.
func (ed *editor) ResumeEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return ed.control(ctx, id, ed.a.newsletters.ResumeEdition)
}

// CancelEdition stops an edition: what has not gone never goes.
func (ed *editor) CancelEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return ed.control(ctx, id, ed.a.newsletters.CancelEdition)
}

func (ed *editor) control(ctx context.Context, id int64, act func(context.Context, int64) (*newsdesk.Edition, error)) (*newsdesk.Edition, error) {
	e, err := act(ctx, id)
	if err != nil {
		return nil, err
	}
	ed.kick()
	return e, nil
}

// PublishArticle publishes an article at a time (zero or past: now; later:
// scheduled), drops the cached feeds and tells the WebSub hub.
func (ed *editor) PublishArticle(ctx context.Context, id int64, at time.Time) (*newsdesk.Article, error) {
	before, err := ed.a.articles.FindArticleByID(ctx, id)
	if err != nil {
		return nil, err
	}
	art, err := ed.a.articles.PublishArticle(ctx, id, at)
	if err != nil {
		return nil, err
	}
	ed.a.publisher.Invalidate()
	if art.Status == newsdesk.StatusPublished && before.Status != newsdesk.StatusPublished {
		ed.a.announce(ctx, []*newsdesk.Article{art})
	}
	return art, nil
}

// UnpublishArticle makes an article a draft again and drops the cached
// feeds.
func (ed *editor) UnpublishArticle(ctx context.Context, id int64) (*newsdesk.Article, error) {
	art, err := ed.a.articles.UnpublishArticle(ctx, id)
	if err != nil {
		return nil, err
	}
	ed.a.publisher.Invalidate()
	return art, nil
}

// CreateNewsletter stores a new newsletter once its schedule, time zone
// and template set are known to work as digests will use them.
func (ed *editor) CreateNewsletter(ctx context.Context, n *newsdesk.Newsletter) error {
	if n.TimeZone == "" {
		n.TimeZone = "UTC"
	}
	if err := ed.checkNewsletter(n); err != nil {
		return err
	}
	return ed.a.newsletters.CreateNewsletter(ctx, n)
}

// UpdateNewsletter changes a newsletter, with the same checks as
// CreateNewsletter on the schedule, time zone and template it would have.
func (ed *editor) UpdateNewsletter(ctx context.Context, slug string, upd newsdesk.NewsletterUpdate) (*newsdesk.Newsletter, error) {
	n, err := ed.a.newsletters.FindNewsletterBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	next := *n
	if upd.Schedule != nil {
		next.Schedule = strings.TrimSpace(*upd.Schedule)
	}
	if upd.TimeZone != nil {
		next.TimeZone = strings.TrimSpace(*upd.TimeZone)
	}
	if upd.Template != nil {
		next.Template = strings.TrimSpace(*upd.Template)
	}
	if err := ed.checkNewsletter(&next); err != nil {
		return nil, err
	}
	return ed.a.newsletters.UpdateNewsletter(ctx, slug, upd)
}

func (ed *editor) checkNewsletter(n *newsdesk.Newsletter) error {
	if err := digest.CheckNewsletter(n); err != nil {
		return err
	}
	if n.Template == "" {
		return nil
	}
	if _, err := ed.a.sets.renderer(n.Template); err != nil {
		return newsdesk.Errorf(newsdesk.EINVALID, "%s", newsdesk.ErrorMessage(err))
	}
	return nil
}
