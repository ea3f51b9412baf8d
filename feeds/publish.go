package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsdesk/newsdesk"
	"golang.org/x/sync/singleflight"
)

// ArticleStore is what the publisher needs from the store.
type ArticleStore interface {
	LatestPublished(ctx context.Context, filter newsdesk.ArticleFilter) ([]*newsdesk.Article, error)
	// FindArticles is LatestPublished with the count of all matches, which
	// tells how many archive documents a feed has.
	FindArticles(ctx context.Context, filter newsdesk.ArticleFilter) ([]*newsdesk.Article, int, error)
	FindAuthorBySlug(ctx context.Context, slug string) (*newsdesk.Author, error)
	FindCategoryBySlug(ctx context.Context, slug string) (*newsdesk.Category, error)
}

// RelatedStore is what the publisher needs for the related-reading feeds.
type RelatedStore interface {
	FindItems(ctx context.Context, filter newsdesk.ItemFilter) ([]*newsdesk.Item, int, error)
}

// Scope names a feed's selection: the whole site, a category or an author,
// and which document of it: the subscription feed (the newest articles) or
// one of its archives (RFC 5005).
type Scope struct {
	Kind string // "", "category" or "author"
	Slug string
	// Archive numbers an archive document from the oldest, 1 on; 0 is the
	// subscription feed. Archive n holds the nth oldest run of as many
	// articles as a feed holds, so an archive, once complete, keeps its
	// articles as newer ones are published.
	Archive int
}

// Scope kinds.
const (
	ScopeSite     = ""
	ScopeCategory = "category"
	ScopeAuthor   = "author"
	ScopeRelated  = "related" // ingested items from external sources
)

// Path returns the URL path of the scope's feed in format f.
func (s Scope) Path(f Format) string {
	name := map[Format]string{RSS: "feed.xml", Atom: "atom.xml", JSON: "feed.json"}[f]
	if s.Archive > 0 {
		name = "archive/" + strconv.Itoa(s.Archive) + "/" + name
	}
	if s.Kind == ScopeSite {
		return "/" + name
	}
	if s.Kind == ScopeRelated {
		return "/related/" + name
	}
	return "/" + s.Kind + "/" + url.PathEscape(s.Slug) + "/" + name
}

// Document is a rendered feed, ready to serve or write to disk.
type Document struct {
	Body         []byte
	Gzip         []byte // Body gzipped once, when rendered
	ETag         string // strong, from the bytes
	GzipETag     string
	LastModified time.Time
	ContentType  string

	plain, gzip  representation
	lastModified []string
	contentType  []string
}

// Publisher renders feeds and keeps their bytes until content changes, so
// serving a feed costs about what serving a static file does.
type Publisher struct {
	Store   ArticleStore
	Related RelatedStore // nil: no related-reading feeds
	Site    newsdesk.Site
	Items   int    // articles per feed
	Hub     string // WebSub hub, "" for none
	// Epoch stands in as the feed's updated time while it has no articles.
	Epoch time.Time

	gen   atomic.Int64
	mu    sync.RWMutex
	cache map[cacheKey]*cached
	group singleflight.Group
}

type cacheKey struct {
	scope  Scope
	format Format
}

type cached struct {
	gen int64
	doc *Document
}

// Invalidate drops every cached document; the next request renders anew.
func (p *Publisher) Invalidate() {
	p.gen.Add(1)
	p.mu.Lock()
	p.cache = nil
	p.mu.Unlock()
}

// Generation returns a number that Invalidate changes: what was rendered
// at one generation is stale at the next. Pages cached elsewhere use it to
// change with the feeds.
func (p *Publisher) Generation() int64 { return p.gen.Load() }

// Feed returns the document for scope in format f, from the cache when it
// is fresh. An unknown category or author is ENOTFOUND, never an empty feed.
func (p *Publisher) Feed(ctx context.Context, scope Scope, f Format) (*Document, error) {
	key := cacheKey{scope, f}
	gen := p.gen.Load()
	p.mu.RLock()
	c := p.cache[key]
	p.mu.RUnlock()
	if c != nil && c.gen == gen {
		return c.doc, nil
	}
	v, err, _ := p.group.Do(fmt.Sprintf("%d/%s/%s/%d/%s", gen, scope.Kind, scope.Slug, scope.Archive, f), func() (any, error) {
		return p.render(ctx, scope, f, gen)
	})
	if err != nil {
		return nil, err
	}
	return v.(*Document), nil
}

// render builds a document and caches it under the generation it was read
// at, so a render that raced with a change is never taken for fresh.
func (p *Publisher) render(ctx context.Context, scope Scope, f Format, gen int64) (*Document, error) {
	renderScope := p.renderArticles
	if scope.Kind == ScopeRelated {
		renderScope = p.renderRelated
	}
	body, updated, err := renderScope(ctx, scope, f)
	if err != nil {
		return nil, err
	}
	doc := NewDocument(body, f.ContentType(), updated)
	p.mu.Lock()
	if p.gen.Load() == gen {
		if p.cache == nil {
			p.cache = make(map[cacheKey]*cached)
		}
		p.cache[cacheKey{scope, f}] = &cached{gen: gen, doc: doc}
	}
	p.mu.Unlock()
	return doc, nil
}

// renderArticles renders the feed of a site, category or author scope, or
// one of its archives, and returns it with its update time.
func (p *Publisher) renderArticles(ctx context.Context, scope Scope, f Format) ([]byte, time.Time, error) {
	meta, filter, err := p.meta(ctx, scope, f)
	if err != nil {
		return nil, time.Time{}, err
	}
	articles, archives, err := p.selectArticles(ctx, scope, filter)
	if err != nil {
		return nil, time.Time{}, err
	}
	p.archiveLinks(&meta, scope, f, archives)
	meta.Updated = newest(articles)
	if meta.Updated.IsZero() {
		meta.Updated = p.Epoch
	}
	body, err := Render(f, meta, articles)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("render %s: %w", scope.Path(f), err)
	}
	return body, meta.Updated, nil
}

// selectArticles returns the articles of the scope's document, newest
// first, and how many complete archives the scope has. An archive that
// does not exist (yet) is ENOTFOUND.
func (p *Publisher) selectArticles(ctx context.Context, scope Scope, filter newsdesk.ArticleFilter) ([]*newsdesk.Article, int, error) {
	size := p.items()
	count := filter
	count.Limit = 1
	_, total, err := p.Store.FindArticles(ctx, count)
	if err != nil {
		return nil, 0, err
	}
	archives := total / size
	if scope.Archive == 0 {
		articles, err := p.Store.LatestPublished(ctx, filter)
		return articles, archives, err
	}
	if scope.Archive > archives {
		return nil, 0, newsdesk.Errorf(newsdesk.ENOTFOUND, "There is no archive %d of this feed.", scope.Archive)
	}
	// Newest first, archive n starts after the total - n*size newest.
	filter.Offset, filter.Limit = total-scope.Archive*size, size
	articles, err := p.Store.LatestPublished(ctx, filter)
	return articles, archives, err
}

// archiveLinks links a document to its neighbours in the feed's history:
// the subscription feed to its newest archive, an archive to the ones
// before and after it and to the subscription feed.
func (p *Publisher) archiveLinks(m *Meta, scope Scope, f Format, archives int) {
	at := func(n int) string {
		s := scope
		s.Archive = n
		return p.Site.BaseURL + s.Path(f)
	}
	switch {
	case scope.Archive == 0:
		if archives > 0 {
			m.PrevArchive = at(archives)
		}
	default:
		m.Archive = true
		m.Current = at(0)
		if scope.Archive > 1 {
			m.PrevArchive = at(scope.Archive - 1)
		}
		if scope.Archive < archives {
			m.NextArchive = at(scope.Archive + 1)
		}
	}
}

// renderRelated renders the related-reading feed: the newest ingested
// items, each crediting its source.
func (p *Publisher) renderRelated(ctx context.Context, scope Scope, f Format) ([]byte, time.Time, error) {
	if p.Related == nil || f == JSON {
		return nil, time.Time{}, newsdesk.Errorf(newsdesk.ENOTFOUND, "no such feed")
	}
	items, _, err := p.Related.FindItems(ctx, newsdesk.ItemFilter{Limit: p.items()})
	if err != nil {
		return nil, time.Time{}, err
	}
	m := Meta{
		Title:       p.Site.Title + ": Related reading",
		Description: "Reading from other publications, chosen to go with " + p.Site.Title,
		Language:    p.Site.Language, BaseURL: p.Site.BaseURL, HomeURL: p.Site.BaseURL + "/",
		SelfURL: p.Site.BaseURL + scope.Path(f), ID: p.feedID(scope), Hub: p.Hub,
	}
	// The document changes when newsdesk stores an item, whatever date the
	// item itself carries, so Last-Modified goes by when items were stored.
	for _, it := range items {
		m.Updated = latest(m.Updated, it.CreatedAt, it.UpdatedAt)
	}
	if m.Updated.IsZero() {
		m.Updated = p.Epoch
	}
	body, err := RenderRelated(f, m, items)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("render %s: %w", scope.Path(f), err)
	}
	return body, m.Updated, nil
}

// meta describes the feed of scope and the filter that selects its items.
func (p *Publisher) meta(ctx context.Context, scope Scope, f Format) (Meta, newsdesk.ArticleFilter, error) {
	published := newsdesk.StatusPublished
	filter := newsdesk.ArticleFilter{Status: &published, Limit: p.items()}
	m := Meta{
		Title: p.Site.Title, Description: p.Site.Description, Language: p.Site.Language,
		BaseURL: p.Site.BaseURL, HomeURL: p.Site.BaseURL + "/", SelfURL: p.Site.BaseURL + scope.Path(f),
		ID: p.feedID(scope), Hub: p.Hub, Icon: newsdesk.SiteURL(p.Site.BaseURL, p.Site.Favicon), Logo: newsdesk.SiteURL(p.Site.BaseURL, p.Site.Logo), IDPrefix: p.Site.IDPrefix,
	}
	switch scope.Kind {
	case ScopeCategory:
		c, err := p.Store.FindCategoryBySlug(ctx, scope.Slug)
		if err != nil {
			return m, filter, err
		}
		filter.Category = &c.Slug
		m.Title, m.Description = p.Site.Title+": "+c.Name, "Articles in "+c.Name+" from "+p.Site.Title
	case ScopeAuthor:
		a, err := p.Store.FindAuthorBySlug(ctx, scope.Slug)
		if err != nil {
			return m, filter, err
		}
		filter.Author = &a.Slug
		m.Title, m.Description = p.Site.Title+": "+a.Name, "Articles by "+a.Name+" in "+p.Site.Title
	case ScopeSite:
	default:
		return m, filter, newsdesk.Errorf(newsdesk.ENOTFOUND, "no such feed")
	}
	if scope.Kind != ScopeSite {
		m.HomeURL = p.Site.BaseURL + "/" + scope.Kind + "/" + url.PathEscape(scope.Slug)
	}
	return m, filter, nil
}

// feedID is the feed's permanent Atom id.
func (p *Publisher) feedID(scope Scope) string {
	if p.Site.IDPrefix == "" {
		if scope.Kind == ScopeSite {
			return p.Site.BaseURL + "/"
		}
		return p.Site.BaseURL + "/" + scope.Kind + "/" + url.PathEscape(scope.Slug)
	}
	if scope.Kind == ScopeSite {
		return p.Site.IDPrefix + "feed"
	}
	if scope.Kind == ScopeRelated {
		return p.Site.IDPrefix + "feed:related"
	}
	return p.Site.IDPrefix + "feed:" + scope.Kind + ":" + scope.Slug
}

func (p *Publisher) items() int {
	if p.Items <= 0 {
		return 20
	}
	return p.Items
}

// newest returns the latest change among the articles.
func newest(articles []*newsdesk.Article) time.Time {
	var t time.Time
	for _, a := range articles {
		if a.UpdatedAt.After(t) {
			t = a.UpdatedAt
		}
	}
	return t
}

func latest(ts ...time.Time) time.Time {
	var t time.Time
	for _, u := range ts {
		if u.After(t) {
			t = u
		}
	}
	return t
}

// NewDocument wraps rendered bytes with what serving them needs: the gzipped
// bytes, strong ETags for each, and the header values, all made once.
func NewDocument(body []byte, contentType string, modified time.Time) *Document {
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:16])
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.DefaultCompression)
	zw.Write(body)
	zw.Close()
	d := &Document{
		Body: body, Gzip: gz.Bytes(),
		ETag: strconv.Quote(tag), GzipETag: strconv.Quote(tag + "-gzip"),
		LastModified: modified.UTC().Truncate(time.Second), ContentType: contentType,
		contentType: []string{contentType},
	}
	d.plain = representation{body: d.Body, etag: []string{d.ETag}, length: []string{strconv.Itoa(len(d.Body))}}
	d.gzip = representation{body: d.Gzip, etag: []string{d.GzipETag}, length: []string{strconv.Itoa(len(d.Gzip))},
		encoding: gzipEncoding}
	if !d.LastModified.IsZero() {
		d.lastModified = []string{d.LastModified.Format(http.TimeFormat)}
	}
	return d
}
