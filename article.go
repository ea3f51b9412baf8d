package newsdesk

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// ArticleStatus is where an article stands in its life.
type ArticleStatus string

// Article statuses. A scheduled article becomes published when its
// PublishedAt comes; only published articles appear in pages and feeds.
const (
	StatusDraft     ArticleStatus = "draft"
	StatusScheduled ArticleStatus = "scheduled"
	StatusPublished ArticleStatus = "published"
)

// Article is a piece an editor writes. Body is Markdown; HTML is its
// rendering, kept in the store so that pages and feeds never render twice.
type Article struct {
	ID int64
	// UID is the immutable identifier minted at creation (a tag: URI). Feeds
	// use it as the RSS guid and the Atom id, so it never changes.
	UID        string
	Slug       string
	Title      string
	Summary    string
	Body       string
	HTML       string
	Image      string
	Author     *Author
	Categories []*Category
	Status     ArticleStatus
	// PublishedAt is when the article is (or will be) published; zero for drafts.
	PublishedAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Author is a person articles are credited to.
type Author struct {
	ID    int64
	Slug  string
	Name  string
	Email string
	URL   string
	Bio   string
}

// Category groups articles; readers follow a category through its feeds.
type Category struct {
	ID   int64
	Slug string
	Name string
}

// ArticleStamp is what a sitemap says of a published article.
type ArticleStamp struct {
	Slug        string
	Title       string
	PublishedAt time.Time
	UpdatedAt   time.Time
}

// ArticleFilter selects articles. Zero fields do not filter.
type ArticleFilter struct {
	ID       *int64
	Slug     *string
	Status   *ArticleStatus
	Author   *string // author slug
	Category *string // category slug
	Query    string  // words in title or summary
	// PublishedAfter and PublishedUntil bound publication times:
	// (after, until]; zero means unbounded.
	PublishedAfter time.Time
	PublishedUntil time.Time

	Offset int
	Limit  int
}

// ArticleUpdate holds the fields an edit changes; nil fields stay as they are.
type ArticleUpdate struct {
	Title      *string
	Slug       *string
	Summary    *string
	Body       *string
	Image      *string
	Author     *string   // author slug; "" removes the author
	Categories *[]string // category slugs
}

// ArticleService stores articles, authors and categories.
type ArticleService interface {
	FindArticleByID(ctx context.Context, id int64) (*Article, error)
	FindArticleBySlug(ctx context.Context, slug string) (*Article, error)
	// FindArticles returns the articles that match, newest first, and the
	// total count of matches before Offset and Limit.
	FindArticles(ctx context.Context, filter ArticleFilter) ([]*Article, int, error)
	// LatestPublished returns the newest published articles that match,
	// without a total count.
	LatestPublished(ctx context.Context, filter ArticleFilter) ([]*Article, error)
	CreateArticle(ctx context.Context, a *Article) error
	UpdateArticle(ctx context.Context, id int64, upd ArticleUpdate) (*Article, error)
	// PublishArticle publishes an article at the given time: now or earlier
	// publishes it at once, later schedules it.
	PublishArticle(ctx context.Context, id int64, at time.Time) (*Article, error)
	UnpublishArticle(ctx context.Context, id int64) (*Article, error)
	DeleteArticle(ctx context.Context, id int64) error
	// PublishDue publishes every scheduled article whose time has come and
	// returns them.
	PublishDue(ctx context.Context) ([]*Article, error)
	// NextScheduled returns when the next scheduled article is due, or the
	// zero time when none is.
	NextScheduled(ctx context.Context) (time.Time, error)

	FindAuthorBySlug(ctx context.Context, slug string) (*Author, error)
	FindAuthors(ctx context.Context) ([]*Author, error)
	CreateAuthor(ctx context.Context, a *Author) error

	FindCategoryBySlug(ctx context.Context, slug string) (*Category, error)
	FindCategories(ctx context.Context) ([]*Category, error)
}

var slugRe = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// ValidSlug reports whether s is a slug: lowercase letters and digits in
// words joined by single hyphens, at most 100 characters.
func ValidSlug(s string) bool {
	return len(s) <= 100 && slugRe.MatchString(s)
}

// Slugify makes a slug from a title: ASCII letters and digits kept and
// lowercased, everything else a word break. A title with no such characters
// (a title in a non-Latin script, say) gives "".
func Slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		case r == '\'' || r == '’':
			// "Editor's note" gives "editors-note", not "editor-s-note".
		default:
			dash = true
		}
		if b.Len() >= 80 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

// Validate checks the fields an editor supplies.
func (a *Article) Validate() error {
	switch {
	case strings.TrimSpace(a.Title) == "":
		return FieldErrorf("title", "article title is required")
	case len(a.Title) > 500:
		return FieldErrorf("title", "article title is longer than 500 characters")
	case !ValidSlug(a.Slug):
		return FieldErrorf("slug", "article slug %q is not valid: use lowercase letters, digits and hyphens", a.Slug)
	}
	return nil
}
