package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/newsdesk/newsdesk"
)

// SaveImported saves a batch of articles brought from another platform in
// one transaction, so that a bad article leaves nothing of the batch
// written. Each is matched by its UID, the id the old feeds gave it: a new
// one is created under its slug, or the first free slug-2, slug-3 after it;
// a known one is updated in place, keeping its slug and id, or left alone
// when nothing differs. Missing authors and categories are created; the
// article's old addresses are recorded as redirects to it.
func (s *ArticleService) SaveImported(ctx context.Context, batch []*newsdesk.ImportedArticle) ([]newsdesk.ImportOutcome, error) {
	now := s.db.Clock.Now()
	for _, im := range batch {
		if err := s.prepareImported(im.Article, now); err != nil {
			return nil, err
		}
	}
	var outcomes []newsdesk.ImportOutcome
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		outcomes = outcomes[:0]
		for _, im := range batch {
			o, err := saveImported(ctx, tx, im, now)
			if err != nil {
				return fmt.Errorf("article %q (%s): %w", im.Article.Title, im.Article.UID, err)
			}
			outcomes = append(outcomes, o)
		}
		return nil
	})
	return outcomes, err
}

// prepareImported checks a and derives its HTML and status as CreateArticle
// would, keeping the UID and times it came with.
func (s *ArticleService) prepareImported(a *Article, now time.Time) error {
	if a.UID == "" {
		return newsdesk.FieldErrorf("uid", "article %q has no id", a.Title)
	}
	err := a.Validate()
	if err != nil {
		return err
	}
	if a.HTML, err = s.Render(a.Body); err != nil {
		return newsdesk.Errorf(newsdesk.EINVALID, "article %q: cannot render body: %w", a.Title, err)
	}
	a.Status, a.PublishedAt = newsdesk.PublishStatus(a.Status, a.PublishedAt, now)
	if a.CreatedAt.IsZero() {
		a.CreatedAt = newsdesk.LastChange(a.PublishedAt, a.UpdatedAt)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	if !a.UpdatedAt.IsZero() && a.CreatedAt.After(a.UpdatedAt) {
		a.CreatedAt = a.UpdatedAt // a scheduled post's date is when it is due
	}
	a.UpdatedAt = newsdesk.LastChange(a.UpdatedAt, a.CreatedAt)
	if a.Status == newsdesk.StatusPublished {
		a.UpdatedAt = newsdesk.LastChange(a.UpdatedAt, a.PublishedAt)
	}
	return nil
}

func saveImported(ctx context.Context, tx *sql.Tx, im *newsdesk.ImportedArticle, now time.Time) (newsdesk.ImportOutcome, error) {
	a := im.Article
	if err := ensureImportAuthor(ctx, tx, im.Author, now); err != nil {
		return "", err
	}
	for _, c := range a.Categories {
		if _, err := tx.ExecContext(ctx, `INSERT INTO categories (slug, name) VALUES (?, ?) ON CONFLICT (slug) DO NOTHING`,
			c.Slug, c.Name); err != nil {
			return "", fmt.Errorf("category %q: %w", c.Slug, err)
		}
	}
	old, err := queryArticles(ctx, tx, `SELECT `+articleColumns+articleFrom+` WHERE a.uid = ?`, a.UID)
	if err != nil {
		return "", err
	}
	outcome := newsdesk.ImportUnchanged
	undated := a.CreatedAt.Equal(now) // the export gave no time: the first import's stays
	if len(old) > 0 && undated {
		a.CreatedAt, a.UpdatedAt = old[0].CreatedAt, old[0].UpdatedAt
	}
	switch {
	case len(old) == 0:
		if a.Slug, err = freeSlug(ctx, tx, a.Slug); err != nil {
			return "", err
		}
		if err := insertArticle(ctx, tx, a); err != nil {
			return "", err
		}
		outcome = newsdesk.ImportCreated
	case sameImport(old[0], a):
		a.ID, a.Slug = old[0].ID, old[0].Slug
	default:
		a.ID, a.Slug = old[0].ID, old[0].Slug
		if undated {
			a.UpdatedAt = now
		}
		if err := saveFields(ctx, tx, a); err != nil {
			return "", err
		}
		if a.Categories, err = setCategories(ctx, tx, a.ID, categorySlugs(a.Categories)); err != nil {
			return "", err
		}
		outcome = newsdesk.ImportUpdated
	}
	changed, err := saveRedirects(ctx, tx, a, im.OldPaths)
	if changed && outcome == newsdesk.ImportUnchanged {
		outcome = newsdesk.ImportUpdated
	}
	return outcome, err
}

// sameImport reports whether saving a over old would change nothing.
func sameImport(old, a *Article) bool {
	slug := func(au *newsdesk.Author) string {
		if au == nil {
			return ""
		}
		return au.Slug
	}
	return old.Title == a.Title && old.Summary == a.Summary && old.Body == a.Body && old.HTML == a.HTML &&
		old.Image == a.Image && old.Status == a.Status && slug(old.Author) == slug(a.Author) &&
		formatTime(old.PublishedAt) == formatTime(a.PublishedAt) && formatTime(old.UpdatedAt) == formatTime(a.UpdatedAt) &&
		slices.Equal(categorySlugs(old.Categories), dedupe(categorySlugs(a.Categories)))
}

func dedupe(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func ensureImportAuthor(ctx context.Context, tx *sql.Tx, au *newsdesk.Author, now time.Time) error {
	if au == nil {
		return nil
	}
	if err := validateAuthor(au); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO authors (slug, name, email, url, bio, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (slug) DO NOTHING`,
		au.Slug, au.Name, au.Email, au.URL, au.Bio, formatTime(now))
	if err != nil {
		return fmt.Errorf("author %q: %w", au.Slug, err)
	}
	return nil
}

// freeSlug returns slug if no article has it, else the first of slug-2,
// slug-3… that none has: the same answer for the same store and input.
func freeSlug(ctx context.Context, tx *sql.Tx, slug string) (string, error) {
	if !newsdesk.ValidSlug(slug) {
		return "", newsdesk.FieldErrorf("slug", "article slug %q is not valid: use lowercase letters, digits and hyphens", slug)
	}
	base := slug
	if len(base) > 90 {
		base = base[:90]
	}
	for n := 1; n < 10000; n++ {
		if n > 1 {
			slug = base + "-" + strconv.Itoa(n)
		}
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM articles WHERE slug = ?`, slug).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return slug, nil
		} else if err != nil {
			return "", err
		}
	}
	return "", newsdesk.Errorf(newsdesk.ECONFLICT, "no free slug after %q", slug)
}

// saveRedirects points the old paths no other article has at a, and
// reports whether any was new. The article's own address is never a
// redirect.
func saveRedirects(ctx context.Context, tx *sql.Tx, a *Article, paths []string) (bool, error) {
	changed := false
	for _, p := range paths {
		if p == "" || p == "/articles/"+a.Slug {
			continue
		}
		// The first article to claim a path keeps it, so that running the
		// same import again finds every path as it left it.
		res, err := tx.ExecContext(ctx, `INSERT INTO redirects (path, article_id) VALUES (?, ?)
			ON CONFLICT (path) DO NOTHING`, p, a.ID)
		if err != nil {
			return false, fmt.Errorf("redirect %q: %w", p, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			changed = true
		}
	}
	return changed, nil
}

// FindRedirect returns the slug of the article an old address (a
// newsdesk.RedirectPath) moved to, or ENOTFOUND.
func (s *ArticleService) FindRedirect(ctx context.Context, path string) (string, error) {
	var slug string
	err := s.db.read.QueryRowContext(ctx, `SELECT a.slug FROM redirects r JOIN articles a ON a.id = r.article_id
		WHERE r.path = ? AND a.status = 'published'`, path).Scan(&slug)
	if errors.Is(err, sql.ErrNoRows) {
		return "", newsdesk.Errorf(newsdesk.ENOTFOUND, "no redirect from %q", path)
	}
	return slug, err
}

// FindArticleByUID returns the article with the immutable id, or ENOTFOUND.
func (s *ArticleService) FindArticleByUID(ctx context.Context, uid string) (*Article, error) {
	as, err := queryArticles(ctx, s.db.read, `SELECT `+articleColumns+articleFrom+` WHERE a.uid = ?`, uid)
	if err != nil {
		return nil, err
	} else if len(as) == 0 {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "article %q not found", uid)
	}
	return as[0], nil
}
