package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/newsdesk/newsdesk"
)

// maxSearchTerms bounds the words a search query is made of.
const maxSearchTerms = 12

// SearchArticles returns the published articles that hold every word of
// query (the last one also as the start of a word, for search as you type)
// in their title, summary or body, best match first, with how many match
// in all. A query without words finds nothing.
func (s *ArticleService) SearchArticles(ctx context.Context, query string, limit, offset int) ([]*Article, int, error) {
	match := searchMatch(query)
	if match == "" {
		return nil, 0, nil
	}
	const from = ` FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
		LEFT JOIN authors au ON au.id = a.author_id
		WHERE articles_fts MATCH ? AND a.status = 'published'`
	var n int
	if err := s.db.read.QueryRowContext(ctx, `SELECT COUNT(*)`+from, match).Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("count search results: %w", err)
	}
	// Title words weigh most, then the summary's, then the body's.
	as, err := queryArticles(ctx, s.db.read, `SELECT `+articleColumns+from+
		` ORDER BY bm25(articles_fts, 10.0, 4.0, 1.0), a.published_at DESC`+limitClause(offset, limit), match)
	if err != nil {
		return nil, 0, fmt.Errorf("search articles: %w", err)
	}
	return as, n, nil
}

// searchMatch turns what a reader typed into an FTS5 query: every word
// quoted, so that nothing typed is FTS5 syntax, all required, the last one
// also as a prefix.
func searchMatch(query string) string {
	words := strings.FieldsFunc(query, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) > maxSearchTerms {
		words = words[:maxSearchTerms]
	}
	terms := make([]string, len(words))
	for i, w := range words {
		terms[i] = `"` + w + `"`
	}
	if n := len(terms); n > 0 {
		terms[n-1] += "*"
	}
	return strings.Join(terms, " ")
}

// PublishedStamps lists the published articles' slugs with their
// publication and update times, newest first, for sitemaps: no bodies.
func (s *ArticleService) PublishedStamps(ctx context.Context, after time.Time, offset, limit int) ([]newsdesk.ArticleStamp, error) {
	q := `SELECT slug, title, published_at, updated_at FROM articles WHERE status = 'published'`
	args := []any{}
	if !after.IsZero() {
		q, args = q+` AND published_at > ?`, append(args, formatTime(after))
	}
	rows, err := s.db.read.QueryContext(ctx, q+` ORDER BY published_at DESC, id DESC`+limitClause(offset, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list published articles: %w", err)
	}
	defer rows.Close()
	var out []newsdesk.ArticleStamp
	for rows.Next() {
		var st newsdesk.ArticleStamp
		var published, updated string
		if err := rows.Scan(&st.Slug, &st.Title, &published, &updated); err != nil {
			return nil, fmt.Errorf("list published articles: %w", err)
		}
		if st.PublishedAt, err = parseTime(published); err != nil {
			return nil, err
		}
		if st.UpdatedAt, err = parseTime(updated); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list published articles: %w", err)
	}
	return out, nil
}

// CountPublished returns how many articles are published.
func (s *ArticleService) CountPublished(ctx context.Context) (int, error) {
	var n int
	if err := s.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles WHERE status = 'published'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count published articles: %w", err)
	}
	return n, nil
}
