package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
)

// Ensure the service implements the interface.
var _ newsdesk.SourceService = (*SourceService)(nil)

// SourceService stores external sources, their items and the poller's
// state about each source.
type SourceService struct {
	db    *DB
	stmts stmtCache
}

// NewSourceService returns a service on db.
func NewSourceService(db *DB) *SourceService {
	return &SourceService{db: db}
}

// Source is an alias kept short for this file's signatures.
type Source = newsdesk.Source

const sourceColumns = `s.id, s.url, s.title, s.site_url, s.interval_seconds, s.etag, s.last_modified,
	s.next_check_at, COALESCE(s.last_checked_at, ''), s.consecutive_errors, s.last_error, s.last_status,
	s.paused, s.paused_reason, s.created_at, s.updated_at, c.id, c.slug, c.name`

const sourceFrom = ` FROM sources s LEFT JOIN categories c ON c.id = s.category_id`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// sourceDest returns the scan destinations of sourceColumns and a function
// that completes s once the row is scanned.
func sourceDest(s *Source) ([]any, func() error) {
	var interval int64
	var next, checked, created, updated string
	var catID sql.NullInt64
	var catSlug, catName sql.NullString
	dest := []any{&s.ID, &s.URL, &s.Title, &s.SiteURL, &interval, &s.ETag, &s.LastModified,
		&next, &checked, &s.ConsecutiveErrors, &s.LastError, &s.LastStatus,
		&s.Paused, &s.PausedReason, &created, &updated, &catID, &catSlug, &catName}
	return dest, func() error {
		s.Interval = time.Duration(interval) * time.Second
		if catID.Valid {
			s.Category = &newsdesk.Category{ID: catID.Int64, Slug: catSlug.String, Name: catName.String}
		}
		return parseTimes(map[*time.Time]string{&s.NextCheckAt: next, &s.LastCheckedAt: checked,
			&s.CreatedAt: created, &s.UpdatedAt: updated})
	}
}

// parseTimes parses stored times into their destinations; "" leaves the
// zero time.
func parseTimes(ts map[*time.Time]string) error {
	for dst, s := range ts {
		if s == "" {
			continue
		}
		t, err := parseTime(s)
		if err != nil {
			return err
		}
		*dst = t
	}
	return nil
}

func scanSource(row scanner) (*Source, error) {
	s := &Source{}
	dest, finish := sourceDest(s)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	return s, finish()
}

// FindSourceByID returns the source with the given id, or ENOTFOUND.
func (s *SourceService) FindSourceByID(ctx context.Context, id int64) (*Source, error) {
	return findSourceByID(ctx, s.db.read, id)
}

func findSourceByID(ctx context.Context, q queryer, id int64) (*Source, error) {
	src, err := scanSource(q.QueryRowContext(ctx, `SELECT `+sourceColumns+sourceFrom+` WHERE s.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "source %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("find source %d: %w", id, err)
	}
	return src, nil
}

// FindSources returns the matching sources: due ones in the order they
// fell due, others by id.
func (s *SourceService) FindSources(ctx context.Context, f newsdesk.SourceFilter) ([]*Source, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.ID != nil {
		where, args = append(where, "s.id = ?"), append(args, *f.ID)
	}
	if f.Paused != nil {
		where, args = append(where, "s.paused = ?"), append(args, *f.Paused)
	}
	order := " ORDER BY s.id"
	if !f.DueBy.IsZero() {
		where, args = append(where, "s.paused = 0 AND s.next_check_at <= ?"), append(args, formatTime(f.DueBy))
		order = " ORDER BY s.next_check_at, s.id"
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+sourceColumns+sourceFrom+
		` WHERE `+strings.Join(where, " AND ")+order, args...)
	if err != nil {
		return nil, fmt.Errorf("find sources: %w", err)
	}
	defer rows.Close()
	var out []*Source
	for rows.Next() {
		src, err := scanSource(rows)
		if err != nil {
			return nil, fmt.Errorf("scan source: %w", err)
		}
		out = append(out, src)
	}
	return out, rows.Err()
}

// CreateSource validates src and stores it, due for a check now.
func (s *SourceService) CreateSource(ctx context.Context, src *Source) error {
	if err := src.Validate(); err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		if id, err := sourceIDByURL(ctx, tx, src.URL); err != nil {
			return err
		} else if id != 0 {
			return newsdesk.Errorf(newsdesk.ECONFLICT, "source %d already has the URL %s", id, src.URL)
		}
		return insertSource(ctx, tx, src, s.db.Clock.Now())
	})
}

// ImportSources adds, in one transaction, every source whose URL is not
// stored yet; all are validated before anything is written.
func (s *SourceService) ImportSources(ctx context.Context, sources []*Source) (int, error) {
	for _, src := range sources {
		if err := src.Validate(); err != nil {
			return 0, err
		}
	}
	created := 0
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		created = 0
		now := s.db.Clock.Now()
		for _, src := range sources {
			id, err := sourceIDByURL(ctx, tx, src.URL)
			if err != nil {
				return err
			} else if id != 0 {
				src.ID = id
				continue
			}
			if err := insertSource(ctx, tx, src, now); err != nil {
				return err
			}
			created++
		}
		return nil
	})
	return created, err
}

func sourceIDByURL(ctx context.Context, tx *sql.Tx, u string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM sources WHERE url = ?`, u).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

func insertSource(ctx context.Context, tx *sql.Tx, src *Source, now time.Time) error {
	var catID any
	if src.Category != nil {
		c, err := ensureNamedCategory(ctx, tx, src.Category)
		if err != nil {
			return err
		}
		src.Category, catID = c, c.ID
	}
	src.NextCheckAt, src.CreatedAt, src.UpdatedAt = now, now, now
	err := tx.QueryRowContext(ctx, `INSERT INTO sources (url, title, site_url, category_id, interval_seconds,
		next_check_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		src.URL, src.Title, src.SiteURL, catID, int64(src.Interval/time.Second),
		formatTime(now), formatTime(now), formatTime(now)).Scan(&src.ID)
	if err != nil {
		return fmt.Errorf("insert source %s: %w", src.URL, err)
	}
	return nil
}

// ensureNamedCategory returns the category c names: the one with its name
// (an OPML file knows categories by name, and the desk's may have slugs
// that are not made from their names), else the one with its slug, else a
// new one with both.
func ensureNamedCategory(ctx context.Context, tx *sql.Tx, c *newsdesk.Category) (*newsdesk.Category, error) {
	if c.Name == "" {
		return ensureCategory(ctx, tx, c.Slug)
	}
	out := &newsdesk.Category{}
	err := tx.QueryRowContext(ctx, `SELECT id, slug, name FROM categories WHERE name = ? COLLATE NOCASE
		ORDER BY id LIMIT 1`, c.Name).Scan(&out.ID, &out.Slug, &out.Name)
	if errors.Is(err, sql.ErrNoRows) {
		out.Slug = c.Slug
		err = tx.QueryRowContext(ctx, `INSERT INTO categories (slug, name) VALUES (?, ?)
			ON CONFLICT (slug) DO UPDATE SET slug = excluded.slug RETURNING id, name`, c.Slug, c.Name).Scan(&out.ID, &out.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("category %q: %w", c.Slug, err)
	}
	return out, nil
}

// DeleteSource removes the source; its items go with it.
func (s *SourceService) DeleteSource(ctx context.Context, id int64) error {
	res, err := s.db.write.ExecContext(ctx, `DELETE FROM sources WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete source %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return newsdesk.Errorf(newsdesk.ENOTFOUND, "source %d not found", id)
	}
	return nil
}

// ResumeSource unpauses the source, forgets its errors and makes it due now.
func (s *SourceService) ResumeSource(ctx context.Context, id int64) (*Source, error) {
	now := formatTime(s.db.Clock.Now())
	res, err := s.db.write.ExecContext(ctx, `UPDATE sources SET paused = 0, paused_reason = '',
		consecutive_errors = 0, next_check_at = ?, updated_at = ? WHERE id = ?`, now, now, id)
	if err != nil {
		return nil, fmt.Errorf("resume source %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "source %d not found", id)
	}
	return s.FindSourceByID(ctx, id)
}

// SaveFetch records what one fetch of src learnt, atomically: the
// source's new state and every new or changed item. A permanent redirect
// to a URL that another source already has leaves the URL as it was.
func (s *SourceService) SaveFetch(ctx context.Context, src *Source, items []*newsdesk.Item) error {
	return s.SaveFetches(ctx, []*newsdesk.Fetched{{Source: src, Items: items}})[0]
}

// SaveFetches records several fetches in one transaction and returns each
// one's error. A fetch whose source was removed meanwhile is not saved,
// and the others are; any other failure fails them all. Committing
// fetches together spares SQLite most of the per-commit work (the
// full-text index is flushed once, shared B-tree pages are written once),
// which is what lets ingest keep pace with parsing.
func (s *SourceService) SaveFetches(ctx context.Context, fetches []*newsdesk.Fetched) []error {
	errs := make([]error, len(fetches))
	now := s.db.Clock.Now()
	err := s.stmts.prepare(ctx, s.db.write, saveFetchSQLs()...)
	if err == nil {
		err = s.db.withTx(ctx, func(tx *sql.Tx) error {
			for i, f := range fetches {
				err := s.saveSourceState(ctx, tx, f.Source, now)
				if newsdesk.ErrorCode(err) == newsdesk.ENOTFOUND {
					errs[i] = err // nothing was written for it
					continue
				} else if err != nil {
					return err
				}
				if err := s.saveItems(ctx, tx, f.Source.ID, f.Items, now); err != nil {
					return err
				}
			}
			return nil
		})
	}
	for i := range errs {
		if err != nil {
			errs[i] = err
		}
	}
	return errs
}

// saveFetchSQLs are the statements SaveFetches runs.
func saveFetchSQLs() []string {
	qs := []string{saveSourceSQL, moveSourceSQL, knownHashesSQL, updateItemSQL, bumpVersionSQL}
	for _, q := range insertSQLs {
		qs = append(qs, q)
	}
	return qs
}

const saveSourceSQL = `UPDATE sources SET title = ?, site_url = ?, etag = ?, last_modified = ?,
	next_check_at = ?, last_checked_at = ?, consecutive_errors = ?, last_error = ?, last_status = ?,
	paused = ?, paused_reason = ?, updated_at = ? WHERE id = ?`

// moveSourceSQL rewrites a source's URL after a permanent redirect, unless
// another source has the new URL already.
const moveSourceSQL = `UPDATE sources SET url = ?1 WHERE id = ?2 AND url <> ?1
	AND NOT EXISTS (SELECT 1 FROM sources WHERE url = ?1)`

func (s *SourceService) saveSourceState(ctx context.Context, tx *sql.Tx, src *Source, now time.Time) error {
	res, err := s.stmts.exec(ctx, tx, saveSourceSQL,
		src.Title, src.SiteURL, src.ETag, src.LastModified, formatTime(src.NextCheckAt), nullTime(src.LastCheckedAt),
		src.ConsecutiveErrors, src.LastError, src.LastStatus, src.Paused, src.PausedReason, formatTime(now), src.ID)
	if err != nil {
		return fmt.Errorf("save source %d: %w", src.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return newsdesk.Errorf(newsdesk.ENOTFOUND, "source %d not found (removed while it was fetched?)", src.ID)
	}
	_, err = s.stmts.exec(ctx, tx, moveSourceSQL, src.URL, src.ID)
	return err
}
