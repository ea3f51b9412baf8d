package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
)

// Ensure the service implements the interface.
var _ newsdesk.ArticleService = (*ArticleService)(nil)

// ArticleService stores articles, authors and categories.
type ArticleService struct {
	db *DB
	// Render turns an article's Markdown into HTML when it is saved.
	Render func(markdown string) (string, error)
	// Authority is the tag: URI authority (the site's host) that new
	// articles' immutable ids are minted under.
	Authority string
}

// NewArticleService returns a service on db that renders Markdown with render.
func NewArticleService(db *DB, render func(string) (string, error), authority string) *ArticleService {
	return &ArticleService{db: db, Render: render, Authority: authority}
}

const articleColumns = `a.id, a.uid, a.slug, a.title, a.summary, a.body, a.html, a.image, a.status,
	COALESCE(a.published_at, ''), a.created_at, a.updated_at,
	au.id, au.slug, au.name, au.email, au.url, au.bio`

const articleFrom = ` FROM articles a LEFT JOIN authors au ON au.id = a.author_id`

// FindArticleByID returns the article with the given id, or ENOTFOUND.
func (s *ArticleService) FindArticleByID(ctx context.Context, id int64) (*Article, error) {
	return s.findOne(ctx, newsdesk.ArticleFilter{ID: &id}, fmt.Sprintf("article %d not found", id))
}

// FindArticleBySlug returns the article with the given slug, or ENOTFOUND.
func (s *ArticleService) FindArticleBySlug(ctx context.Context, slug string) (*Article, error) {
	return s.findOne(ctx, newsdesk.ArticleFilter{Slug: &slug}, fmt.Sprintf("article %q not found", slug))
}

// Article is an alias kept short for this file's signatures.
type Article = newsdesk.Article

func (s *ArticleService) findOne(ctx context.Context, f newsdesk.ArticleFilter, msg string) (*Article, error) {
	f.Limit = 1
	as, _, err := findArticles(ctx, s.db.read, f, false)
	if err != nil {
		return nil, err
	} else if len(as) == 0 {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "%s", msg)
	}
	return as[0], nil
}

// FindArticles returns the matching articles, newest first (drafts, which
// have no publication time, by last change), and the number of matches.
func (s *ArticleService) FindArticles(ctx context.Context, f newsdesk.ArticleFilter) ([]*Article, int, error) {
	return findArticles(ctx, s.db.read, f, true)
}

// queryer is what both *sql.DB and *sql.Tx offer for reading.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func articleWhere(f newsdesk.ArticleFilter) (string, []any) {
	where, args := []string{"1 = 1"}, []any{}
	if f.ID != nil {
		where, args = append(where, "a.id = ?"), append(args, *f.ID)
	}
	if f.Slug != nil {
		where, args = append(where, "a.slug = ?"), append(args, *f.Slug)
	}
	if f.Status != nil {
		where, args = append(where, "a.status = ?"), append(args, string(*f.Status))
	}
	if f.Author != nil {
		where, args = append(where, "a.author_id = (SELECT id FROM authors WHERE slug = ?)"), append(args, *f.Author)
	}
	if f.Category != nil {
		// EXISTS, not IN: walking the newest articles first, it stops at the
		// limit instead of listing the whole category on every feed render.
		where = append(where, `EXISTS (SELECT 1 FROM article_categories ac JOIN categories c ON c.id = ac.category_id
			WHERE ac.article_id = a.id AND c.slug = ?)`)
		args = append(args, *f.Category)
	}
	if !f.PublishedAfter.IsZero() {
		where, args = append(where, "a.published_at > ?"), append(args, formatTime(f.PublishedAfter))
	}
	if !f.PublishedUntil.IsZero() {
		where, args = append(where, "a.published_at <= ?"), append(args, formatTime(f.PublishedUntil))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, "(a.title LIKE ? ESCAPE '\\' OR a.summary LIKE ? ESCAPE '\\')")
		like := "%" + escapeLike(q) + "%"
		args = append(args, like, like)
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func findArticles(ctx context.Context, q queryer, f newsdesk.ArticleFilter, count bool) ([]*Article, int, error) {
	where, args := articleWhere(f)
	n := 0
	if count {
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles a`+where, args...).Scan(&n); err != nil {
			return nil, 0, fmt.Errorf("count articles: %w", err)
		}
	}
	query := `SELECT ` + articleColumns + articleFrom + where + orderBy(f) + limitClause(f.Offset, f.Limit)
	as, err := queryArticles(ctx, q, query, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("find articles: %w", err)
	}
	if !count {
		n = len(as)
	}
	return as, n, nil
}

// queryArticles runs a query that selects articleColumns and returns its
// articles with their categories.
func queryArticles(ctx context.Context, q queryer, query string, args ...any) ([]*Article, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var as []*Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, err
		}
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return as, attachCategories(ctx, q, as)
}

// queryIDs runs a query that selects one integer column and returns it.
func queryIDs(ctx context.Context, q queryer, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// orderBy sorts newest first. With a status that has publication times it
// is exactly the order of the articles_by_status and articles_by_author
// indexes, so a feed reads 20 rows however large the archive is; a mixed
// list puts drafts, which have no time, first.
func orderBy(f newsdesk.ArticleFilter) string {
	if f.Status != nil && *f.Status != newsdesk.StatusDraft {
		return ` ORDER BY a.published_at DESC, a.id DESC`
	}
	return ` ORDER BY a.published_at IS NULL DESC, a.published_at DESC, a.updated_at DESC, a.id DESC`
}

// LatestPublished returns the newest published articles that match,
// without counting all matches as FindArticles does: the feed renderer's
// query, which must not grow with the archive.
func (s *ArticleService) LatestPublished(ctx context.Context, f newsdesk.ArticleFilter) ([]*Article, error) {
	published := newsdesk.StatusPublished
	f.Status = &published
	as, _, err := findArticles(ctx, s.db.read, f, false)
	return as, err
}

func limitClause(offset, limit int) string {
	if limit <= 0 {
		limit = -1
	}
	return fmt.Sprintf(" LIMIT %d OFFSET %d", limit, max(offset, 0))
}

func scanArticle(rows *sql.Rows) (*Article, error) {
	var a Article
	var status, published, created, updated string
	var auID sql.NullInt64
	var auSlug, auName, auEmail, auURL, auBio sql.NullString
	if err := rows.Scan(&a.ID, &a.UID, &a.Slug, &a.Title, &a.Summary, &a.Body, &a.HTML, &a.Image, &status,
		&published, &created, &updated, &auID, &auSlug, &auName, &auEmail, &auURL, &auBio); err != nil {
		return nil, fmt.Errorf("scan article: %w", err)
	}
	a.Status = newsdesk.ArticleStatus(status)
	if auID.Valid {
		a.Author = &newsdesk.Author{ID: auID.Int64, Slug: auSlug.String, Name: auName.String,
			Email: auEmail.String, URL: auURL.String, Bio: auBio.String}
	}
	var err error
	if published != "" {
		if a.PublishedAt, err = parseTime(published); err != nil {
			return nil, err
		}
	}
	if a.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	a.UpdatedAt, err = parseTime(updated)
	return &a, err
}

// attachCategories loads the categories of all articles in one query.
func attachCategories(ctx context.Context, q queryer, as []*Article) error {
	if len(as) == 0 {
		return nil
	}
	byID := make(map[int64]*Article, len(as))
	ids := make([]any, len(as))
	for i, a := range as {
		byID[a.ID], ids[i] = a, a.ID
	}
	rows, err := q.QueryContext(ctx, `SELECT ac.article_id, c.id, c.slug, c.name
		FROM article_categories ac JOIN categories c ON c.id = ac.category_id
		WHERE ac.article_id IN (`+placeholders(len(ids))+`) ORDER BY ac.article_id, ac.position`, ids...)
	if err != nil {
		return fmt.Errorf("find article categories: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c newsdesk.Category
		if err := rows.Scan(&id, &c.ID, &c.Slug, &c.Name); err != nil {
			return err
		}
		byID[id].Categories = append(byID[id].Categories, &c)
	}
	return rows.Err()
}

// CreateArticle validates a, renders its Markdown, mints its immutable id
// and stores it with its categories (created as needed). The author must
// exist. Status and PublishedAt are reconciled with the clock: a published
// article with no time is published now, one with a future time is scheduled.
func (s *ArticleService) CreateArticle(ctx context.Context, a *Article) error {
	if err := s.prepare(a, s.db.Clock.Now()); err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error { return insertArticle(ctx, tx, a) })
}

// ImportArticles saves a batch in one transaction, so that a bad article
// leaves nothing half done: an article whose slug is new is created, one
// whose slug exists is updated in place and keeps its immutable id.
func (s *ArticleService) ImportArticles(ctx context.Context, as []*Article) (created, updated int, err error) {
	now := s.db.Clock.Now()
	for _, a := range as {
		if err := s.prepare(a, now); err != nil {
			return 0, 0, err
		}
	}
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		created, updated = 0, 0
		for _, a := range as {
			existing, _, err := findArticles(ctx, tx, newsdesk.ArticleFilter{Slug: &a.Slug, Limit: 1}, false)
			if err != nil {
				return err
			} else if len(existing) == 0 {
				created++
				err = insertArticle(ctx, tx, a)
			} else {
				updated++
				err = replaceArticle(ctx, tx, existing[0], a, now)
			}
			if err != nil {
				return fmt.Errorf("article %q: %w", a.Slug, err)
			}
		}
		return nil
	})
	return created, updated, err
}

// replaceArticle overwrites old with the content of a, keeping old's id
// and immutable uid; the edit shows in feeds as an update.
func replaceArticle(ctx context.Context, tx *sql.Tx, old, a *Article, now time.Time) error {
	a.ID, a.UID, a.CreatedAt = old.ID, old.UID, old.CreatedAt
	if old.Title != a.Title || old.Summary != a.Summary || old.Body != a.Body || old.Image != a.Image {
		a.UpdatedAt = newsdesk.LastChange(now, a.PublishedAt)
	} else {
		a.UpdatedAt = newsdesk.LastChange(old.UpdatedAt, a.PublishedAt)
	}
	if err := saveFields(ctx, tx, a); err != nil {
		return err
	}
	var err error
	a.Categories, err = setCategories(ctx, tx, a.ID, categorySlugs(a.Categories))
	return err
}

func insertArticle(ctx context.Context, tx *sql.Tx, a *Article) error {
	authorID, err := authorIDBySlug(ctx, tx, a.Author)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO articles (uid, slug, title, summary, body, html, image, author_id,
		status, published_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.UID, a.Slug, a.Title, a.Summary, a.Body, a.HTML, a.Image, authorID,
		string(a.Status), nullTime(a.PublishedAt), formatTime(a.CreatedAt), formatTime(a.UpdatedAt))
	if isUnique(err) {
		return newsdesk.Errorf(newsdesk.ECONFLICT, "an article with slug %q already exists", a.Slug)
	} else if err != nil {
		return fmt.Errorf("insert article: %w", err)
	}
	if a.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	a.Categories, err = setCategories(ctx, tx, a.ID, categorySlugs(a.Categories))
	return err
}

// prepare fills in what CreateArticle derives: slug, HTML, times, status, uid.
func (s *ArticleService) prepare(a *Article, now time.Time) error {
	if a.Slug == "" {
		a.Slug = newsdesk.Slugify(a.Title)
	}
	if err := a.Validate(); err != nil {
		return err
	}
	html, err := s.Render(a.Body)
	if err != nil {
		return newsdesk.Errorf(newsdesk.EINVALID, "article %q: cannot render body: %w", a.Slug, err)
	}
	a.HTML = html
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	a.Status, a.PublishedAt = newsdesk.PublishStatus(a.Status, a.PublishedAt, now)
	if a.Status == newsdesk.StatusPublished && a.UpdatedAt.Before(a.PublishedAt) {
		a.UpdatedAt = a.PublishedAt
	}
	a.UID, err = s.mintUID(a.CreatedAt)
	return err
}

// mintUID returns a tag: URI (RFC 4151) that names the article for ever,
// whatever later happens to its slug, title or the site's address.
func (s *ArticleService) mintUID(created time.Time) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	authority := s.Authority
	if authority == "" {
		authority = "localhost"
	}
	return fmt.Sprintf("tag:%s,%s:article:%s", authority, created.UTC().Format("2006-01-02"), hex.EncodeToString(b[:])), nil
}

func categorySlugs(cs []*newsdesk.Category) []string {
	slugs := make([]string, len(cs))
	for i, c := range cs {
		slugs[i] = c.Slug
	}
	return slugs
}

func authorIDBySlug(ctx context.Context, tx *sql.Tx, au *newsdesk.Author) (any, error) {
	if au == nil || au.Slug == "" {
		return nil, nil
	}
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM authors WHERE slug = ?`, au.Slug).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "unknown author %q", au.Slug)
	}
	return id, err
}

// setCategories replaces an article's categories, creating unknown ones
// with a name made from the slug.
func setCategories(ctx context.Context, tx *sql.Tx, articleID int64, slugs []string) ([]*newsdesk.Category, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM article_categories WHERE article_id = ?`, articleID); err != nil {
		return nil, err
	}
	var cs []*newsdesk.Category
	seen := map[string]bool{}
	for _, slug := range slugs {
		if seen[slug] {
			continue
		}
		seen[slug] = true
		c, err := ensureCategory(ctx, tx, slug)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO article_categories (article_id, category_id, position) VALUES (?, ?, ?)`,
			articleID, c.ID, len(cs)); err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

func ensureCategory(ctx context.Context, tx *sql.Tx, slug string) (*newsdesk.Category, error) {
	if !newsdesk.ValidSlug(slug) {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "category slug %q is not valid: use lowercase letters, digits and hyphens", slug)
	}
	c := &newsdesk.Category{Slug: slug}
	err := tx.QueryRowContext(ctx, `SELECT id, name FROM categories WHERE slug = ?`, slug).Scan(&c.ID, &c.Name)
	if errors.Is(err, sql.ErrNoRows) {
		c.Name = categoryName(slug)
		err = tx.QueryRowContext(ctx, `INSERT INTO categories (slug, name) VALUES (?, ?) RETURNING id`, slug, c.Name).Scan(&c.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("category %q: %w", slug, err)
	}
	return c, nil
}

// categoryName makes "climate-policy" into "Climate policy".
func categoryName(slug string) string {
	s := strings.ReplaceAll(slug, "-", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// UpdateArticle applies upd to the article and stamps it as updated, so
// feeds show the change; its immutable id never changes.
func (s *ArticleService) UpdateArticle(ctx context.Context, id int64, upd newsdesk.ArticleUpdate) (*Article, error) {
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		a, err := s.findInTx(ctx, tx, id)
		if err != nil {
			return err
		}
		applyUpdate(a, upd)
		if err := a.Validate(); err != nil {
			return err
		}
		if a.HTML, err = s.Render(a.Body); err != nil {
			return newsdesk.Errorf(newsdesk.EINVALID, "article %q: cannot render body: %w", a.Slug, err)
		}
		a.UpdatedAt = newsdesk.LastChange(s.db.Clock.Now(), a.PublishedAt)
		if err := saveFields(ctx, tx, a); err != nil {
			return err
		}
		if upd.Categories != nil {
			_, err = setCategories(ctx, tx, a.ID, *upd.Categories)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.FindArticleByID(ctx, id)
}

func applyUpdate(a *Article, upd newsdesk.ArticleUpdate) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&a.Title, upd.Title)
	set(&a.Slug, upd.Slug)
	set(&a.Summary, upd.Summary)
	set(&a.Body, upd.Body)
	set(&a.Image, upd.Image)
	if upd.Author != nil {
		a.Author = nil
		if *upd.Author != "" {
			a.Author = &newsdesk.Author{Slug: *upd.Author}
		}
	}
}

func (s *ArticleService) findInTx(ctx context.Context, tx *sql.Tx, id int64) (*Article, error) {
	as, _, err := findArticles(ctx, tx, newsdesk.ArticleFilter{ID: &id, Limit: 1}, false)
	if err != nil {
		return nil, err
	} else if len(as) == 0 {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "article %d not found", id)
	}
	return as[0], nil
}

func saveFields(ctx context.Context, tx *sql.Tx, a *Article) error {
	authorID, err := authorIDBySlug(ctx, tx, a.Author)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE articles SET slug = ?, title = ?, summary = ?, body = ?, html = ?, image = ?,
		author_id = ?, status = ?, published_at = ?, updated_at = ? WHERE id = ?`,
		a.Slug, a.Title, a.Summary, a.Body, a.HTML, a.Image, authorID,
		string(a.Status), nullTime(a.PublishedAt), formatTime(a.UpdatedAt), a.ID)
	if isUnique(err) {
		return newsdesk.Errorf(newsdesk.ECONFLICT, "an article with slug %q already exists", a.Slug)
	}
	return err
}

// PublishArticle publishes the article at once when at is not after now,
// and schedules it otherwise. Publishing an article that is already
// published changes nothing, so its date in feeds stays put.
func (s *ArticleService) PublishArticle(ctx context.Context, id int64, at time.Time) (*Article, error) {
	now := s.db.Clock.Now()
	if at.IsZero() {
		at = now
	}
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		a, err := s.findInTx(ctx, tx, id)
		if err != nil || (a.Status == newsdesk.StatusPublished && !at.After(now)) {
			return err
		}
		a.Status, a.PublishedAt = newsdesk.PublishStatus(newsdesk.StatusScheduled, at, now)
		if a.Status == newsdesk.StatusPublished {
			a.UpdatedAt = newsdesk.LastChange(a.UpdatedAt, a.PublishedAt)
		}
		return saveFields(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return s.FindArticleByID(ctx, id)
}

// UnpublishArticle takes the article out of pages and feeds, back to draft.
func (s *ArticleService) UnpublishArticle(ctx context.Context, id int64) (*Article, error) {
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		a, err := s.findInTx(ctx, tx, id)
		if err != nil {
			return err
		}
		a.Status, a.PublishedAt = newsdesk.StatusDraft, time.Time{}
		a.UpdatedAt = s.db.Clock.Now()
		return saveFields(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return s.FindArticleByID(ctx, id)
}

// DeleteArticle removes the article for good.
func (s *ArticleService) DeleteArticle(ctx context.Context, id int64) error {
	res, err := s.db.write.ExecContext(ctx, `DELETE FROM articles WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete article %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return newsdesk.Errorf(newsdesk.ENOTFOUND, "article %d not found", id)
	}
	return nil
}

// PublishDue publishes every scheduled article whose time has come.
func (s *ArticleService) PublishDue(ctx context.Context) ([]*Article, error) {
	now := formatTime(s.db.Clock.Now())
	var ids []int64
	err := s.db.withTx(ctx, func(tx *sql.Tx) (err error) {
		ids, err = queryIDs(ctx, tx, `UPDATE articles SET status = 'published', updated_at = MAX(updated_at, published_at)
			WHERE status = 'scheduled' AND published_at <= ? RETURNING id`, now)
		return err
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	var as []*Article
	for _, id := range ids {
		a, err := s.FindArticleByID(ctx, id)
		if err != nil {
			return nil, err
		}
		as = append(as, a)
	}
	return as, nil
}

// NextScheduled returns the publication time of the next scheduled article.
func (s *ArticleService) NextScheduled(ctx context.Context) (time.Time, error) {
	var at sql.NullString
	err := s.db.read.QueryRowContext(ctx, `SELECT MIN(published_at) FROM articles WHERE status = 'scheduled'`).Scan(&at)
	if err != nil || !at.Valid {
		return time.Time{}, err
	}
	return parseTime(at.String)
}
