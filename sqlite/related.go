package sqlite

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// Related reading ranks items two ways for each article: by text (FTS5's
// BM25 over item titles and summaries, queried with the article's title and
// summary) and by topic (the newest items of sources in the article's
// categories). The two rankings are fused by reciprocal rank (each list
// gives an item weight/(k+rank)), so an item both on topic and about the
// same things comes first, and neither ranking's raw scores need
// calibrating. Text counts double: sharing a category says less about an
// item than sharing the words of the article's title.
const (
	relatedCandidates = 50 // items taken from each ranking
	rrfK              = 60 // the usual constant of reciprocal rank fusion
	textWeight        = 1.0
	topicWeight       = 0.5
	maxQueryTerms     = 24
)

// relatedArticle is what relating needs to know about an article.
type relatedArticle struct {
	text       string
	categories []any
}

// RelatedItems returns up to limit items related to the articles, best
// first; for several articles (a digest) their rankings are summed.
func (s *SourceService) RelatedItems(ctx context.Context, articleIDs []int64, limit int) ([]*Item, error) {
	if len(articleIDs) == 0 || limit <= 0 {
		return nil, nil
	}
	articles, err := s.relatedArticles(ctx, articleIDs)
	if err != nil {
		return nil, err
	}
	scores := map[int64]float64{}
	for _, a := range articles {
		if err := s.rankInto(ctx, scores, a); err != nil {
			return nil, err
		}
	}
	return s.topItems(ctx, scores, limit)
}

// relatedArticles loads the text and category ids of the articles.
func (s *SourceService) relatedArticles(ctx context.Context, ids []int64) ([]*relatedArticle, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT a.id, a.title, a.summary,
		COALESCE((SELECT group_concat(category_id) FROM article_categories WHERE article_id = a.id), '')
		FROM articles a WHERE a.id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("related: load articles: %w", err)
	}
	defer rows.Close()
	var out []*relatedArticle
	for rows.Next() {
		var id int64
		var title, summary, cats string
		if err := rows.Scan(&id, &title, &summary, &cats); err != nil {
			return nil, err
		}
		a := &relatedArticle{text: title + " " + summary}
		for _, c := range strings.Split(cats, ",") {
			if c != "" {
				a.categories = append(a.categories, c)
			}
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// rankInto adds the article's two rankings to scores.
func (s *SourceService) rankInto(ctx context.Context, scores map[int64]float64, a *relatedArticle) error {
	if q := ftsQuery(a.text); q != "" {
		ids, err := s.itemIDs(ctx, `SELECT rowid FROM items_fts WHERE items_fts MATCH ?
			ORDER BY bm25(items_fts, 2.0, 1.0) LIMIT ?`, q, relatedCandidates)
		if err != nil {
			return err
		}
		fuse(scores, ids, textWeight)
	}
	if len(a.categories) > 0 {
		args := append(append([]any{}, a.categories...), relatedCandidates)
		ids, err := s.itemIDs(ctx, `SELECT i.id FROM items i JOIN sources s ON s.id = i.source_id
			WHERE s.category_id IN (`+placeholders(len(a.categories))+`)
			ORDER BY i.published_at DESC, i.id DESC LIMIT ?`, args...)
		if err != nil {
			return err
		}
		fuse(scores, ids, topicWeight)
	}
	return nil
}

func fuse(scores map[int64]float64, ranked []int64, weight float64) {
	for rank, id := range ranked {
		scores[id] += weight / float64(rrfK+rank+1)
	}
}

func (s *SourceService) itemIDs(ctx context.Context, query string, args ...any) ([]int64, error) {
	ids, err := queryIDs(ctx, s.db.read, query, args...)
	if err != nil {
		return nil, fmt.Errorf("related items: %w", err)
	}
	return ids, nil
}

// topItems loads the best-scored items, leaving out a second item with the
// same link (two sources carrying one story).
func (s *SourceService) topItems(ctx context.Context, scores map[int64]float64, limit int) ([]*Item, error) {
	if len(scores) == 0 {
		return nil, nil
	}
	ids := make([]any, 0, len(scores))
	for id := range scores {
		ids = append(ids, id)
	}
	items, err := queryItems(ctx, s.db.read, `SELECT `+itemColumns+itemFrom+
		` WHERE i.id IN (`+placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if scores[a.ID] != scores[b.ID] {
			return scores[a.ID] > scores[b.ID]
		}
		if !a.PublishedAt.Equal(b.PublishedAt) {
			return a.PublishedAt.After(b.PublishedAt)
		}
		return a.ID > b.ID
	})
	seen := map[string]bool{}
	out := make([]*Item, 0, limit)
	for _, it := range items {
		if len(out) == limit {
			break
		}
		if !seen[it.URL] {
			seen[it.URL] = true
			out = append(out, it)
		}
	}
	return out, nil
}

// ftsQuery makes an FTS5 query that matches any of the text's significant
// words: letters and digits only, so nothing in it is FTS5 syntax.
func ftsQuery(text string) string {
	seen := map[string]bool{}
	var terms []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if len([]rune(w)) < 3 || stopwords[w] || seen[w] {
			continue
		}
		seen[w] = true
		terms = append(terms, `"`+w+`"`)
		if len(terms) == maxQueryTerms {
			break
		}
	}
	return strings.Join(terms, " OR ")
}

// stopwords are English words too common to say what a text is about.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`the and for are but not you all any can had her was one our out has
		have his how its may new now old see two way who did get him let put say she too use with this that
		from they will would there their what when which while about after again also been before being
		between both could does doing down each few more most other over same should some such than then
		these those through under until very were where why your into only just like make made many much
		must own off once here per via yet ever every still even upon whom whose across among around
		because during without within against further says said report reports`) {
		m[w] = true
	}
	return m
}()
