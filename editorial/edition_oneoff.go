package editorial

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/newsdesk/newsdesk"
)

// CreateEdition stores a one-off edition: hand-picked articles with an
// editor's note, to go at a chosen time. Its errors name the field to
// blame ("articles", "intro").
func (ed *Editor) CreateEdition(ctx context.Context, o newsdesk.OneOffEdition) (*newsdesk.Edition, error) {
	intro := strings.TrimSpace(o.Intro)
	if utf8.RuneCountInString(intro) > newsdesk.MaxIntroLength {
		return nil, newsdesk.FieldErrorf("intro", "intro: longer than %d characters", newsdesk.MaxIntroLength)
	}
	n, err := ed.Newsletters.FindNewsletterBySlug(ctx, o.Newsletter)
	if err != nil {
		return nil, err
	}
	picked, err := ed.pick(ctx, o.Articles)
	if err != nil {
		return nil, err
	}
	at := o.At
	if at.IsZero() {
		at = ed.now()
	}
	e := &newsdesk.Edition{Newsletter: n, Kind: newsdesk.EditionKindOneOff, Intro: intro,
		Picked: picked, ScheduledFor: at, Status: newsdesk.EditionScheduled}
	if err := ed.Newsletters.AddEdition(ctx, e); err != nil {
		return nil, err
	}
	if !at.After(ed.now()) {
		ed.kick()
	}
	return e, nil
}

// pick resolves article slugs to IDs, each checked by newsdesk.CanPick.
func (ed *Editor) pick(ctx context.Context, slugs []string) ([]int64, error) {
	if len(slugs) == 0 || len(slugs) > newsdesk.MaxPickedArticles {
		return nil, newsdesk.FieldErrorf("articles", "articles: pick from 1 to %d articles", newsdesk.MaxPickedArticles)
	}
	var ids []int64
	for _, s := range slugs {
		art, err := ed.Articles.FindArticleBySlug(ctx, s)
		if err != nil {
			return nil, newsdesk.FieldErrorf("articles", "articles: %s", newsdesk.ErrorMessage(err))
		}
		if err := newsdesk.CanPick(art); err != nil {
			return nil, err
		}
		ids = append(ids, art.ID)
	}
	return ids, nil
}
