package editorial

import (
	"context"
	"time"

	"github.com/newsdesk/newsdesk"
)

// CreateArticle stores a new article (published, scheduled or a draft, as
// newsdesk.PublishStatus decides from its status and date), drops the
// cached feeds and tells the WebSub hub when it went live.
func (ed *Editor) CreateArticle(ctx context.Context, a *newsdesk.Article) error {
	if err := ed.Articles.CreateArticle(ctx, a); err != nil {
		return err
	}
	var published []*newsdesk.Article
	if a.Status == newsdesk.StatusPublished {
		published = append(published, a)
	}
	ed.changed(ctx, published)
	return nil
}

// PublishArticle publishes an article at a time (zero or past: now; later:
// scheduled, as newsdesk.PublishStatus decides), drops the cached feeds and
// tells the WebSub hub when it went live.
func (ed *Editor) PublishArticle(ctx context.Context, id int64, at time.Time) (*newsdesk.Article, error) {
	before, err := ed.Articles.FindArticleByID(ctx, id)
	if err != nil {
		return nil, err
	}
	art, err := ed.Articles.PublishArticle(ctx, id, at)
	if err != nil {
		return nil, err
	}
	var published []*newsdesk.Article
	if art.Status == newsdesk.StatusPublished && before.Status != newsdesk.StatusPublished {
		published = append(published, art)
	}
	ed.changed(ctx, published)
	return art, nil
}

// UnpublishArticle makes an article a draft again and drops the cached
// feeds.
func (ed *Editor) UnpublishArticle(ctx context.Context, id int64) (*newsdesk.Article, error) {
	art, err := ed.Articles.UnpublishArticle(ctx, id)
	if err != nil {
		return nil, err
	}
	ed.changed(ctx, nil)
	return art, nil
}

// PublishDue publishes the scheduled articles whose time has come, drops
// the cached feeds and tells the WebSub hub; it returns what it published.
func (ed *Editor) PublishDue(ctx context.Context) ([]*newsdesk.Article, error) {
	published, err := ed.Articles.PublishDue(ctx)
	if err != nil || len(published) == 0 {
		return nil, err
	}
	ed.changed(ctx, published)
	return published, nil
}
