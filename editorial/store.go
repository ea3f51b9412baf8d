package editorial

import (
	"context"
	"time"

	"github.com/newsdesk/newsdesk"
)

// ArticleStore is what the editor reads and writes of articles.
type ArticleStore interface {
	FindArticleByID(ctx context.Context, id int64) (*newsdesk.Article, error)
	FindArticleBySlug(ctx context.Context, slug string) (*newsdesk.Article, error)
	CreateArticle(ctx context.Context, a *newsdesk.Article) error
	PublishArticle(ctx context.Context, id int64, at time.Time) (*newsdesk.Article, error)
	UnpublishArticle(ctx context.Context, id int64) (*newsdesk.Article, error)
	PublishDue(ctx context.Context) ([]*newsdesk.Article, error)
	ImportArticles(ctx context.Context, as []*newsdesk.Article) (created, updated int, err error)
}

// NewsletterStore is what the editor reads and writes of newsletters and
// their editions.
type NewsletterStore interface {
	FindNewsletterBySlug(ctx context.Context, slug string) (*newsdesk.Newsletter, error)
	CreateNewsletter(ctx context.Context, n *newsdesk.Newsletter) error
	UpdateNewsletter(ctx context.Context, slug string, upd newsdesk.NewsletterUpdate) (*newsdesk.Newsletter, error)
	FindEditionByID(ctx context.Context, id int64) (*newsdesk.Edition, error)
	AddEdition(ctx context.Context, e *newsdesk.Edition) error
	CountRecipients(ctx context.Context, newsletterID int64) (int, error)
	RecordEditionEvent(ctx context.Context, id int64, action string) error
	ApproveEdition(ctx context.Context, id int64) (*newsdesk.Edition, error)
	PauseEdition(ctx context.Context, id int64) (*newsdesk.Edition, error)
	ResumeEdition(ctx context.Context, id int64) (*newsdesk.Edition, error)
	CancelEdition(ctx context.Context, id int64) (*newsdesk.Edition, error)
}

// SubscriberStore is what the editor reads and writes of subscribers.
type SubscriberStore interface {
	FindSubscriberByEmail(ctx context.Context, email string) (*newsdesk.Subscriber, error)
	FindSubscribers(ctx context.Context, f newsdesk.SubscriberFilter) ([]*newsdesk.Subscriber, error)
	ImportSubscribers(ctx context.Context, rows []*newsdesk.SubscriberImport, defaultStatus newsdesk.SubscriberStatus) (int, []error, error)
}
