package web

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsdesk/newsdesk/feeds"
	"golang.org/x/sync/singleflight"
)

// Generations reports a number that changes whenever content that pages
// show changes. The feed publisher is one: what invalidates the feeds
// invalidates the pages with them.
type Generations interface {
	Generation() int64
}

// DefaultPageCacheBytes bounds the rendered pages kept in memory, counting
// both the plain and the gzipped bytes.
const DefaultPageCacheBytes = 64 << 20

// pageCache keeps rendered public pages until content changes. Entries are
// tagged with the generation they were rendered at; a stale entry is kept
// until it is rendered again, so that bytes which did not change keep their
// Last-Modified time.
type pageCache struct {
	gen   func() int64
	limit int64 // bytes

	mu    sync.RWMutex
	pages map[string]*cachedPage
	size  int64
	group singleflight.Group
	now   func() time.Time
}

type cachedPage struct {
	gen  int64
	doc  *feeds.Document
	used atomic.Bool // read since the last eviction sweep
}

func (c *cachedPage) bytes() int64 { return int64(len(c.doc.Body) + len(c.doc.Gzip)) }

// renderFunc renders a page's bytes, or fails with the error to show.
type renderFunc func(ctx context.Context) ([]byte, error)

// get returns the document at key, rendering it when it is missing or
// stale. Concurrent requests for one key share one render.
func (pc *pageCache) get(ctx context.Context, key, contentType string, render renderFunc) (*feeds.Document, error) {
	gen := pc.gen()
	pc.mu.RLock()
	c := pc.pages[key]
	pc.mu.RUnlock()
	if c != nil && c.gen == gen {
		if !c.used.Load() { // a read, not a write, on the hot path: no cache-line ping-pong
			c.used.Store(true)
		}
		return c.doc, nil
	}
	v, err, _ := pc.group.Do(strconv.FormatInt(gen, 10)+" "+key, func() (any, error) {
		// The render outlives a client that goes away: others may wait on it.
		body, err := render(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		return pc.store(key, contentType, gen, body, c), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*feeds.Document), nil
}

// store caches body under key, rendered at generation gen, and returns its
// document. The previous entry's Last-Modified carries over when the bytes
// are the same, so a change elsewhere does not make every page look new.
func (pc *pageCache) store(key, contentType string, gen int64, body []byte, prev *cachedPage) *feeds.Document {
	modified := pc.now()
	if prev != nil && bytes.Equal(prev.doc.Body, body) {
		modified = prev.doc.LastModified
	}
	doc := feeds.NewDocument(body, contentType, modified)
	c := &cachedPage{gen: gen, doc: doc}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.gen() != gen {
		return doc // content changed while rendering: serve it once, keep nothing
	}
	if pc.pages == nil {
		pc.pages = make(map[string]*cachedPage)
	}
	if old := pc.pages[key]; old != nil {
		pc.size -= old.bytes()
	}
	pc.pages[key] = c
	pc.size += c.bytes()
	pc.evict(key)
	return doc
}

// evict drops pages until the cache fits its limit: stale ones first, then
// those not read since the last sweep (a second chance, as in the CLOCK
// algorithm), then any. keep is never dropped. pc.mu is held.
func (pc *pageCache) evict(keep string) {
	gen := pc.gen()
	for pass := 0; pass < 3 && pc.size > pc.limit; pass++ {
		for k, c := range pc.pages {
			if pc.size <= pc.limit {
				return
			}
			if k == keep {
				continue
			}
			switch pass {
			case 0:
				if c.gen == gen {
					continue
				}
			case 1:
				if c.used.Swap(false) {
					continue
				}
			}
			delete(pc.pages, k)
			pc.size -= c.bytes()
		}
	}
}

// localGenerations is the generation counter of a server that has no feed
// publisher to share one with.
type localGenerations struct{ n atomic.Int64 }

func (g *localGenerations) Generation() int64 { return g.n.Load() }

// servePage serves the page that render makes from memory, with the same
// conditional GET, gzip and caching headers as the feeds.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, key string, render renderFunc) {
	s.serveCached(w, r, key, "text/html; charset=utf-8", render)
}

// serveCached serves what render makes, of the given type, from the cache.
func (s *Server) serveCached(w http.ResponseWriter, r *http.Request, key, contentType string, render renderFunc) {
	doc, err := s.pageCache.get(r.Context(), key, contentType, render)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	doc.Serve(w, r, s.pageCacheControl)
}

// Invalidate drops the cached pages of a server whose content generation
// is its own (no Generations given).
func (s *Server) Invalidate() {
	if g, ok := s.generations.(*localGenerations); ok {
		g.n.Add(1)
	}
}

// initPageCache makes the page cache from the server's settings.
func (s *Server) initPageCache() {
	s.generations = s.Generations
	if s.generations == nil {
		s.generations = &localGenerations{}
	}
	limit := s.PageCacheBytes
	if limit <= 0 {
		limit = DefaultPageCacheBytes
	}
	s.pageCacheControl = feeds.CacheControl(s.PageMaxAge)
	s.pageCache = &pageCache{gen: s.generations.Generation, limit: limit, now: time.Now}
	s.images = &imageSizes{dir: s.MediaDir, baseURL: s.Site.BaseURL}
}

// pageRoutes adds the public pages, each served from the page cache.
func (s *Server) pageRoutes(mux *http.ServeMux) {
	index, category, author := s.handleIndex(), s.handleCategory(), s.handleAuthor()
	mux.HandleFunc("GET /{$}", index)
	mux.HandleFunc("GET /page/{n}/{$}", index)
	mux.HandleFunc("GET /articles/{slug}", s.handleArticle)
	mux.HandleFunc("GET /category/{slug}", category)
	mux.HandleFunc("GET /category/{slug}/page/{n}/{$}", category)
	mux.HandleFunc("GET /author/{slug}", author)
	mux.HandleFunc("GET /author/{slug}/page/{n}/{$}", author)
	mux.HandleFunc("GET /{file}", s.rootFile)
	if s.Search != nil {
		mux.HandleFunc("GET /search", s.handleSearch)
	}
}

// feedItems is how many articles a feed, and so each of its archives, holds.
func (s *Server) feedItems() int {
	if s.FeedItems <= 0 {
		return 20
	}
	return s.FeedItems
}
