package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
)

// Item is an alias kept short for this file's signatures.
type Item = newsdesk.Item

const itemColumns = `i.id, i.source_id, i.hash, i.fingerprint, i.guid, i.url, i.title, i.summary,
	i.content_html, i.author, i.published_at, i.updated_at, i.created_at, ` + sourceColumns

const itemFrom = ` FROM items i JOIN sources s ON s.id = i.source_id LEFT JOIN categories c ON c.id = s.category_id`

func scanItem(row scanner) (*Item, error) {
	it := &Item{Source: &Source{}}
	var published, updated, created string
	srcDest, finish := sourceDest(it.Source)
	dest := append([]any{&it.ID, &it.SourceID, &it.Hash, &it.Fingerprint, &it.GUID, &it.URL, &it.Title,
		&it.Summary, &it.ContentHTML, &it.Author, &published, &updated, &created}, srcDest...)
	if err := row.Scan(dest...); err != nil {
		return nil, fmt.Errorf("scan item: %w", err)
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return it, parseTimes(map[*time.Time]string{&it.PublishedAt: published, &it.UpdatedAt: updated, &it.CreatedAt: created})
}

// ItemFingerprints returns the stored fingerprint of each of the source's
// items whose hash is among hashes; unknown hashes are absent.
func (s *SourceService) ItemFingerprints(ctx context.Context, sourceID int64, hashes []string) (map[string]string, error) {
	out := make(map[string]string, len(hashes))
	// SQLite takes at most 32766 parameters; feeds hold far fewer items,
	// but a hostile one must not break the query.
	for len(hashes) > 0 {
		n := min(len(hashes), 500)
		args := make([]any, 0, n+1)
		args = append(args, sourceID)
		for _, h := range hashes[:n] {
			args = append(args, h)
		}
		rows, err := s.db.read.QueryContext(ctx, `SELECT hash, fingerprint FROM items
			WHERE source_id = ? AND hash IN (`+placeholders(n)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("item fingerprints: %w", err)
		}
		for rows.Next() {
			var h, fp string
			if err := rows.Scan(&h, &fp); err != nil {
				rows.Close()
				return nil, err
			}
			out[h] = fp
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		hashes = hashes[n:]
	}
	return out, nil
}

// upsertSQL inserts an item or, when the source has it already and it
// changed, updates it in place. An item without a date of its own keeps
// the date it was first stored with.
const upsertSQL = `INSERT INTO items (source_id, hash, fingerprint, guid, url, title, summary, content_html,
	author, published_at, updated_at, created_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, COALESCE(?10, ?12), COALESCE(?11, ?10, ?12), ?12)
ON CONFLICT (source_id, hash) DO UPDATE SET
	fingerprint = excluded.fingerprint, guid = excluded.guid, url = excluded.url, title = excluded.title,
	summary = excluded.summary, content_html = excluded.content_html, author = excluded.author,
	published_at = COALESCE(?10, items.published_at), updated_at = COALESCE(?11, ?12)
WHERE items.fingerprint <> excluded.fingerprint`

// upsertItems writes items with one prepared statement.
func upsertItems(ctx context.Context, tx *sql.Tx, sourceID int64, items []*Item, now time.Time) error {
	if len(items) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, upsertSQL)
	if err != nil {
		return fmt.Errorf("prepare item upsert: %w", err)
	}
	defer stmt.Close()
	stamp := formatTime(now)
	for _, it := range items {
		if _, err := stmt.ExecContext(ctx, sourceID, it.Hash, it.Fingerprint, it.GUID, it.URL, it.Title,
			it.Summary, it.ContentHTML, it.Author, nullTime(it.PublishedAt), nullTime(it.UpdatedAt), stamp); err != nil {
			return fmt.Errorf("save item %q of source %d: %w", it.URL, sourceID, err)
		}
	}
	return nil
}

// PruneItems deletes the items published before the cutoff and reports
// how many it deleted.
func (s *SourceService) PruneItems(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.write.ExecContext(ctx, `DELETE FROM items WHERE published_at < ?`, formatTime(before))
	if err != nil {
		return 0, fmt.Errorf("prune items: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func itemWhere(f newsdesk.ItemFilter) (string, []any) {
	where, args := []string{"1 = 1"}, []any{}
	if f.SourceID != nil {
		where, args = append(where, "i.source_id = ?"), append(args, *f.SourceID)
	}
	if f.Category != nil {
		where, args = append(where, "c.slug = ?"), append(args, *f.Category)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "i.published_at >= ?"), append(args, formatTime(f.Since))
	}
	if !f.Before.IsZero() {
		where, args = append(where, "i.published_at < ?"), append(args, formatTime(f.Before))
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// FindItems returns the matching items, newest first, each with its source.
func (s *SourceService) FindItems(ctx context.Context, f newsdesk.ItemFilter) ([]*Item, int, error) {
	where, args := itemWhere(f)
	var n int
	if err := s.db.read.QueryRowContext(ctx, `SELECT COUNT(*)`+itemFrom+where, args...).Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("count items: %w", err)
	}
	items, err := queryItems(ctx, s.db.read, `SELECT `+itemColumns+itemFrom+where+
		` ORDER BY i.published_at DESC, i.id DESC`+limitClause(f.Offset, f.Limit), args...)
	return items, n, err
}

func queryItems(ctx context.Context, q queryer, query string, args ...any) ([]*Item, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("find items: %w", err)
	}
	defer rows.Close()
	var items []*Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, rows.Err()
}
