package api_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/digest"
	"github.com/newsdesk/newsdesk/sqlite"
	"github.com/newsdesk/newsdesk/web/api"
)

// storeEditor stands in for editorial.Editor, whose digest rendering
// and delivery are tested there: it runs the store's part of each action,
// checks newsletters with the digest package's rule (not template sets)
// and previews as a fixed text.
type storeEditor struct{ stores }

func (e *storeEditor) CreateNewsletter(ctx context.Context, n *newsdesk.Newsletter) error {
	if n.TimeZone == "" {
		n.TimeZone = "UTC"
	}
	if err := digest.CheckNewsletter(n); err != nil {
		return err
	}
	return e.newsletters.CreateNewsletter(ctx, n)
}

func (e *storeEditor) UpdateNewsletter(ctx context.Context, slug string, upd newsdesk.NewsletterUpdate) (*newsdesk.Newsletter, error) {
	n, err := e.newsletters.FindNewsletterBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	if upd.Schedule != nil {
		n.Schedule = *upd.Schedule
	}
	if upd.TimeZone != nil {
		n.TimeZone = *upd.TimeZone
	}
	if err := digest.CheckNewsletter(n); err != nil {
		return nil, err
	}
	return e.newsletters.UpdateNewsletter(ctx, slug, upd)
}

func (e *storeEditor) PreviewDigest(ctx context.Context, newsletter string, id int64, subscriber string) (*newsdesk.DigestPreview, error) {
	n, err := e.newsletters.FindNewsletterBySlug(ctx, newsletter)
	if err != nil {
		return nil, err
	}
	pv := &newsdesk.DigestPreview{Edition: &newsdesk.Edition{ID: id, Newsletter: n}, To: "reader@example.com",
		Subject: n.Name + " preview", HTML: "<p>Hello</p>", Text: "Hello"}
	if subscriber != "" {
		sub, err := e.subscribers.FindSubscriberByEmail(ctx, subscriber)
		if err != nil {
			return nil, err
		}
		pv.To = sub.Email
	}
	return pv, nil
}

func (e *storeEditor) SendTest(ctx context.Context, newsletter string, id int64, to string) error {
	if _, err := e.newsletters.FindNewsletterBySlug(ctx, newsletter); err != nil {
		return err
	}
	_, err := newsdesk.NormalizeEmail(to)
	return err
}

func (e *storeEditor) SendNow(ctx context.Context, newsletter string) (*newsdesk.Edition, error) {
	n, err := e.newsletters.FindNewsletterBySlug(ctx, newsletter)
	if err != nil {
		return nil, err
	}
	ed := &newsdesk.Edition{Newsletter: n, Kind: newsdesk.EditionKindManual, Status: newsdesk.EditionScheduled,
		Cutoff: e.db.Clock.Now(), ScheduledFor: e.db.Clock.Now()}
	return ed, e.newsletters.AddEdition(ctx, ed)
}

func (e *storeEditor) CreateEdition(ctx context.Context, o newsdesk.OneOffEdition) (*newsdesk.Edition, error) {
	n, err := e.newsletters.FindNewsletterBySlug(ctx, o.Newsletter)
	if err != nil {
		return nil, err
	}
	if len(o.Articles) == 0 {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "articles: pick from 1 to 50 articles")
	}
	ed := &newsdesk.Edition{Newsletter: n, Kind: newsdesk.EditionKindOneOff, Intro: o.Intro, Picked: []int64{},
		ScheduledFor: o.At, Status: newsdesk.EditionScheduled}
	for _, slug := range o.Articles {
		a, err := e.articles.FindArticleBySlug(ctx, slug)
		if err != nil {
			return nil, newsdesk.Errorf(newsdesk.EINVALID, "articles: %s", newsdesk.ErrorMessage(err))
		}
		ed.Picked = append(ed.Picked, a.ID)
	}
	return ed, e.newsletters.AddEdition(ctx, ed)
}

func (e *storeEditor) ApproveEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return e.newsletters.ApproveEdition(ctx, id)
}

func (e *storeEditor) PauseEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return e.newsletters.PauseEdition(ctx, id)
}

func (e *storeEditor) ResumeEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return e.newsletters.ResumeEdition(ctx, id)
}

func (e *storeEditor) CancelEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return e.newsletters.CancelEdition(ctx, id)
}

func (e *storeEditor) PublishArticle(ctx context.Context, id int64, at time.Time) (*newsdesk.Article, error) {
	return e.articles.PublishArticle(ctx, id, at)
}

func (e *storeEditor) UnpublishArticle(ctx context.Context, id int64) (*newsdesk.Article, error) {
	return e.articles.UnpublishArticle(ctx, id)
}

// importCSV reads "email,newsletter" rows, a stand-in for the command's
// CSV reader, which is tested with the command.
func importCSV(subs *sqlite.SubscriberService) func(context.Context, io.Reader, []string, newsdesk.SubscriberStatus) (*api.ImportReport, error) {
	return func(ctx context.Context, in io.Reader, nls []string, status newsdesk.SubscriberStatus) (*api.ImportReport, error) {
		r := csv.NewReader(in)
		var rows []*newsdesk.SubscriberImport
		for line := 1; ; line++ {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return nil, err
			}
			if line > 1 {
				rows = append(rows, &newsdesk.SubscriberImport{Line: line, Email: rec[0], Newsletters: append(nls, rec[1:]...)})
			}
		}
		n, bad, err := subs.ImportSubscribers(ctx, rows, status)
		rep := &api.ImportReport{Imported: n, Refused: len(bad)}
		for _, e := range bad {
			rep.Errors = append(rep.Errors, fmt.Sprint(e))
		}
		return rep, err
	}
}
