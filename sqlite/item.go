package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
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

// saveItems stores a fetch's new and changed items and moves the content
// version once for all of them. New items go in many to a statement: the
// full-text index is kept by triggers, and FTS5 flushes its pending terms
// at the end of every statement, so a few statements per fetch rather than
// one per item is what keeps the index cheap to maintain. Changed items,
// which are few, are updated one by one.
func (s *SourceService) saveItems(ctx context.Context, tx *sql.Tx, sourceID int64, items []*Item, now time.Time) error {
	if len(items) == 0 {
		return nil
	}
	known, err := s.knownHashes(ctx, tx, sourceID, items)
	if err != nil {
		return err
	}
	var fresh []*Item
	for _, it := range items {
		switch {
		case known[it.Hash]:
			err = s.updateItem(ctx, tx, sourceID, it, now)
		default:
			fresh = append(fresh, it)
			known[it.Hash] = true // a second item with one hash is the same item
		}
		if err != nil {
			return err
		}
	}
	if err := s.insertItems(ctx, tx, sourceID, fresh, now); err != nil {
		return err
	}
	_, err = s.stmts.exec(ctx, tx, bumpVersionSQL)
	return err
}

// knownHashesSQL finds which hashes, given as a JSON array, a source has:
// one statement, prepared once, for any number of them.
const knownHashesSQL = `SELECT hash FROM items WHERE source_id = ? AND hash IN (SELECT value FROM json_each(?))`

// knownHashes returns which of the items' hashes the source has stored.
func (s *SourceService) knownHashes(ctx context.Context, tx *sql.Tx, sourceID int64, items []*Item) (map[string]bool, error) {
	hashes := make([]string, len(items))
	for i, it := range items {
		hashes[i] = it.Hash
	}
	list, err := json.Marshal(hashes)
	if err != nil {
		return nil, err
	}
	rows, err := s.stmts.query(ctx, tx, knownHashesSQL, sourceID, string(list))
	if err != nil {
		return nil, fmt.Errorf("find stored items: %w", err)
	}
	defer rows.Close()
	known := make(map[string]bool, len(items))
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		known[h] = true
	}
	return known, rows.Err()
}

// maxInsertRows is the most rows one INSERT adds. Inserts come in sizes
// that are powers of two up to it, so that a handful of prepared
// statements serve any number of items.
const maxInsertRows = 64

// insertSQL is the INSERT statement for n items.
func insertSQL(n int) string {
	row := "(" + placeholders(12) + ")"
	return `INSERT INTO items (source_id, hash, fingerprint, guid, url, title, summary, content_html,
	author, published_at, updated_at, created_at) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// insertSQLs are the prepared inserts, by size.
var insertSQLs = func() map[int]string {
	m := map[int]string{}
	for n := 1; n <= maxInsertRows; n *= 2 {
		m[n] = insertSQL(n)
	}
	return m
}()

// insertItems adds new items, many to a statement. An item without a date
// of its own is dated when it was first seen.
func (s *SourceService) insertItems(ctx context.Context, tx *sql.Tx, sourceID int64, items []*Item, now time.Time) error {
	stamp := formatTime(now)
	for len(items) > 0 {
		n := maxInsertRows
		for n > len(items) {
			n /= 2
		}
		args := make([]any, 0, 12*n)
		for _, it := range items[:n] {
			published := it.PublishedAt
			if published.IsZero() {
				published = now
			}
			updated := newsdesk.LastChange(it.UpdatedAt, published)
			args = append(args, sourceID, it.Hash, it.Fingerprint, it.GUID, it.URL, it.Title, it.Summary,
				it.ContentHTML, it.Author, formatTime(published), formatTime(updated), stamp)
		}
		if _, err := s.stmts.exec(ctx, tx, insertSQLs[n], args...); err != nil {
			return fmt.Errorf("save items of source %d: %w", sourceID, err)
		}
		items = items[n:]
	}
	return nil
}

// updateItemSQL rewrites a stored item that changed, in place.
const updateItemSQL = `UPDATE items SET fingerprint = ?, guid = ?, url = ?, title = ?, summary = ?,
	content_html = ?, author = ?, published_at = COALESCE(?, published_at), updated_at = ?
	WHERE source_id = ? AND hash = ? AND fingerprint <> ?`

// updateItem rewrites a stored item that changed: its id and first-seen
// time stay, its date stays when the source gives none, and it counts as
// updated now unless the source says when.
func (s *SourceService) updateItem(ctx context.Context, tx *sql.Tx, sourceID int64, it *Item, now time.Time) error {
	updated := it.UpdatedAt
	if updated.IsZero() {
		updated = now
	}
	_, err := s.stmts.exec(ctx, tx, updateItemSQL,
		it.Fingerprint, it.GUID, it.URL, it.Title, it.Summary, it.ContentHTML, it.Author,
		nullTime(it.PublishedAt), formatTime(updated), sourceID, it.Hash, it.Fingerprint)
	if err != nil {
		return fmt.Errorf("update item %q of source %d: %w", it.URL, sourceID, err)
	}
	return nil
}

const bumpVersionSQL = `UPDATE meta SET value = value + 1 WHERE key = 'content_version'`

// bumpContentVersion tells pages and feeds that what they show changed.
func bumpContentVersion(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, bumpVersionSQL)
	return err
}

// PruneItems deletes the items published before the cutoff and reports
// how many it deleted.
func (s *SourceService) PruneItems(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM items WHERE published_at < ?`, formatTime(before))
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return bumpContentVersion(ctx, tx)
	})
	if err != nil {
		return 0, fmt.Errorf("prune items: %w", err)
	}
	return int(n), nil
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
