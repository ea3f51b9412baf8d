package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/newsdesk/newsdesk"
)

// Store is what a Maker needs of the database.
type Store interface {
	// FindScheduledNewsletters returns the newsletters with a schedule
	// that are not paused.
	FindScheduledNewsletters(ctx context.Context) ([]*newsdesk.Newsletter, error)
	LastCutoff(ctx context.Context, newsletterID int64) (time.Time, error)
	AddEdition(ctx context.Context, e *newsdesk.Edition) error
	FindWaitingEditions(ctx context.Context, now time.Time) ([]*newsdesk.Edition, error)
	StartPreparing(ctx context.Context, id int64) (bool, error)
	FindRecipients(ctx context.Context, newsletterID, after int64, limit int) ([]newsdesk.Recipient, error)
	SentArticles(ctx context.Context, newsletterID int64, subscribers []int64, uids []string) (map[int64]map[string]bool, error)
	QueueDigests(ctx context.Context, e *newsdesk.Edition, through int64, ds []newsdesk.DigestDelivery) error
	FinishPreparing(ctx context.Context, id int64) error
}

// ArticleFinder reads articles.
type ArticleFinder interface {
	FindArticles(ctx context.Context, f newsdesk.ArticleFilter) ([]*newsdesk.Article, int, error)
}

// RelatedFinder finds related reading for articles (ingested items).
type RelatedFinder interface {
	RelatedItems(ctx context.Context, articleIDs []int64, limit int) ([]*newsdesk.Item, error)
}

// Maker cuts editions when newsletters' schedules say so and prepares them:
// it selects each subscriber's articles, renders each distinct digest once
// and queues the deliveries for the outbox. Its methods are the daemon's
// jobs and the commands' actions; none keeps state between calls.
type Maker struct {
	Store    Store
	Articles ArticleFinder
	Related  RelatedFinder // nil: no related reading
	Renderer *Renderer     // the default template set's
	// Templates returns the renderer of a newsletter's own template set
	// (Newsletter.Template); nil renders every newsletter with Renderer.
	Templates func(set string) (*Renderer, error)
	Site      newsdesk.Site
	// Links rendered into every digest; the sender fills in each
	// subscriber's token (mailer.Placeholder).
	UnsubscribeURL string
	PreferencesURL string
	Clock          newsdesk.Clock
	Logger         *slog.Logger
	Batch          int    // subscribers per transaction; default 500
	Wake           func() // called when deliveries were queued; may be nil
}

// RunDue cuts an edition for every active scheduled newsletter that is due
// at now, one per newsletter however many ticks were missed, then prepares
// every edition whose time has come. Errors of one newsletter are logged
// and do not stop the others.
func (d *Maker) RunDue(ctx context.Context, now time.Time) error {
	ns, err := d.Store.FindScheduledNewsletters(ctx)
	if err != nil {
		return err
	}
	for _, n := range ns {
		if _, err := d.cut(ctx, n, now); err != nil {
			d.logger().Error("digest: cutting edition failed", "newsletter", n.Slug, "err", err)
		}
	}
	return d.PrepareWaiting(ctx, now)
}

// cut makes the newsletter's scheduled edition if one is due at now.
func (d *Maker) cut(ctx context.Context, n *newsdesk.Newsletter, now time.Time) (*newsdesk.Edition, error) {
	if n.Schedule == "" || n.Paused {
		return nil, nil
	}
	s, err := ParseSchedule(n.Schedule, n.TimeZone)
	if err != nil {
		return nil, err
	}
	last, err := d.Store.LastCutoff(ctx, n.ID)
	if err != nil {
		return nil, err
	}
	cutoff, ok := Due(s, last, n.ScheduleSince, now)
	if !ok {
		return nil, nil
	}
	w := WindowFor(s, last, cutoff)
	e := &newsdesk.Edition{Newsletter: n, Kind: newsdesk.EditionKindScheduled, WindowStart: w.Start, Cutoff: cutoff,
		ScheduledFor: cutoff, Status: newsdesk.EditionScheduled}
	if n.ApprovalRequired {
		e.Status = newsdesk.EditionAwaitingApproval
	}
	if err := d.Store.AddEdition(ctx, e); err != nil {
		return nil, err
	}
	d.logger().Info("digest: edition cut", "newsletter", n.Slug, "edition", e.ID, "window_start", w.Start, "cutoff", cutoff, "status", e.Status)
	return e, nil
}

// PrepareWaiting prepares every edition scheduled for now or earlier, and
// finishes any whose preparation was interrupted.
func (d *Maker) PrepareWaiting(ctx context.Context, now time.Time) error {
	es, err := d.Store.FindWaitingEditions(ctx, now)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range es {
		if _, err := d.Prepare(ctx, e); err != nil {
			d.logger().Error("digest: preparing edition failed", "edition", e.ID, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Prepare queues an edition's deliveries, subscriber batch by batch, from
// where an interrupted preparation stopped, and returns how many it queued.
// An edition paused or cancelled meanwhile stops without error.
func (d *Maker) Prepare(ctx context.Context, e *newsdesk.Edition) (int, error) {
	if ok, err := d.Store.StartPreparing(ctx, e.ID); err != nil || !ok {
		return 0, err
	}
	articles, err := d.EditionArticles(ctx, e)
	if err != nil {
		return 0, err
	}
	related, err := d.related(ctx, articles)
	if err != nil {
		return 0, err
	}
	r, err := d.renderer(e.Newsletter)
	if err != nil {
		return 0, err
	}
	p := &preparation{desk: d, e: e, articles: articles, related: related, memo: NewMemo(r)}
	queued, err := p.run(ctx)
	if errors.Is(err, errStopped) {
		return queued, nil
	} else if err != nil {
		return queued, err
	}
	if err := d.Store.FinishPreparing(ctx, e.ID); err != nil {
		return queued, err
	}
	d.logger().Info("digest: edition queued", "newsletter", e.Newsletter.Slug, "edition", e.ID,
		"articles", len(articles), "deliveries", queued)
	return queued, nil
}

// EditionArticles returns the articles an edition may carry, before each
// subscriber's topics: for a one-off the editor's picks in their order,
// otherwise those published in its window and in the newsletter's
// categories, newest first.
func (d *Maker) EditionArticles(ctx context.Context, e *newsdesk.Edition) ([]*newsdesk.Article, error) {
	published := newsdesk.StatusPublished
	if e.Kind == newsdesk.EditionKindOneOff {
		return d.picked(ctx, e.Picked)
	}
	as, _, err := d.Articles.FindArticles(ctx, newsdesk.ArticleFilter{Status: &published,
		PublishedAfter: e.WindowStart, PublishedUntil: e.Cutoff})
	if err != nil {
		return nil, err
	}
	return InWindow(as, Window{Start: e.WindowStart, End: e.Cutoff}, e.Newsletter.Categories), nil
}

// picked loads hand-picked articles in the order given.
func (d *Maker) picked(ctx context.Context, ids []int64) ([]*newsdesk.Article, error) {
	var out []*newsdesk.Article
	for _, id := range ids {
		as, _, err := d.Articles.FindArticles(ctx, newsdesk.ArticleFilter{ID: &id, Limit: 1})
		if err != nil {
			return nil, err
		}
		out = append(out, as...) // a deleted article is left out
	}
	return out, nil
}

// related finds each article's related reading once per edition.
func (d *Maker) related(ctx context.Context, articles []*newsdesk.Article) (map[int64][]Related, error) {
	out := map[int64][]Related{}
	if d.Related == nil {
		return out, nil
	}
	for _, a := range articles {
		items, err := d.Related.RelatedItems(ctx, []int64{a.ID}, MaxRelated)
		if err != nil {
			return nil, fmt.Errorf("related reading for article %d: %w", a.ID, err)
		}
		for _, it := range items {
			r := Related{Title: it.Title, URL: it.URL, Summary: it.Summary}
			if it.Source != nil {
				r.SourceTitle, r.SourceURL = it.Source.Title, it.Source.SiteURL
			}
			out[a.ID] = append(out[a.ID], r)
		}
	}
	return out, nil
}

// Data returns what one subscriber's digest of the edition is rendered
// from, given their selection of articles. Dates show in the subscriber's
// time zone, or when they gave none in the newsletter's.
func (d *Maker) Data(e *newsdesk.Edition, r newsdesk.Recipient, selection []*newsdesk.Article, related map[int64][]Related) DigestData {
	date := e.Cutoff
	if e.Kind == newsdesk.EditionKindOneOff || date.IsZero() {
		date = e.ScheduledFor
	}
	var loc *time.Location
	if l, err := loadZone(r.TimeZone); err == nil && r.TimeZone != "" {
		loc = l
	} else if l, err := loadZone(e.Newsletter.TimeZone); err == nil {
		loc = l
	}
	return DigestData{Site: d.Site, Newsletter: e.Newsletter.Name, Date: date, Location: loc, Intro: e.Intro,
		Articles: selection, Related: RelatedFor(selection, related),
		UnsubscribeURL: d.UnsubscribeURL, PreferencesURL: d.PreferencesURL}
}

// renderer renders the newsletter's digests with its template set.
func (d *Maker) renderer(n *newsdesk.Newsletter) (*Renderer, error) {
	if n.Template == "" || d.Templates == nil {
		return d.Renderer, nil
	}
	return d.Templates(n.Template)
}

func (d *Maker) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.Default()
	}
	return d.Logger
}

func (d *Maker) batch() int {
	if d.Batch <= 0 {
		return 500
	}
	return d.Batch
}
