package web

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/feeds"
)

// PublicPaths lists every URL path of the public site that a static copy
// needs: each page of every list, each published article, every feed, the
// subscribe page, the sitemaps, robots.txt and the favicon. An export that
// writes them all is a complete mirror. The news sitemap, made for the
// moment it is read, and search are left out.
func (s *Server) PublicPaths(ctx context.Context) ([]string, error) {
	paths := []string{}
	lists := []exportList{{base: "/"}}
	if s.Directory != nil {
		cats, err := s.Directory.FindCategories(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range cats {
			slug := c.Slug
			lists = append(lists, exportList{"/category/" + url.PathEscape(slug), newsdesk.ArticleFilter{Category: &slug}, feeds.Scope{Kind: feeds.ScopeCategory, Slug: slug}})
		}
		authors, err := s.Directory.FindAuthors(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range authors {
			slug := a.Slug
			lists = append(lists, exportList{"/author/" + url.PathEscape(slug), newsdesk.ArticleFilter{Author: &slug}, feeds.Scope{Kind: feeds.ScopeAuthor, Slug: slug}})
		}
	}
	published := newsdesk.StatusPublished
	for _, l := range lists {
		f := l.filter
		f.Status, f.Limit = &published, 1
		_, total, err := s.Articles.FindArticles(ctx, f)
		if err != nil {
			return nil, err
		}
		paths = append(paths, l.base)
		for n := 2; (n-1)*s.pageSize() < total; n++ {
			paths = append(paths, listPath(l.base, n))
		}
		for _, format := range feeds.Formats {
			paths = append(paths, l.scope.Path(format))
		}
		// The feed's archives (RFC 5005): one per complete run of a feed's
		// articles. The publisher says how many by its links; s.FeedItems
		// is how long a run is.
		for n := 1; n*s.feedItems() <= total; n++ {
			archive := l.scope
			archive.Archive = n
			for _, format := range feeds.Formats {
				paths = append(paths, archive.Path(format))
			}
		}
	}
	related := feeds.Scope{Kind: feeds.ScopeRelated}
	paths = append(paths, related.Path(feeds.RSS), related.Path(feeds.Atom))
	if s.Subscriptions != nil {
		paths = append(paths, "/subscribe")
	}
	paths = append(paths, "/robots.txt")
	if s.Site.Favicon == "" {
		paths = append(paths, "/favicon.ico")
	}
	if s.Directory == nil {
		return paths, nil
	}
	n, err := s.Directory.CountPublished(ctx)
	if err != nil {
		return nil, err
	}
	paths = append(paths, "/sitemap.xml", "/sitemap-pages.xml")
	for i := 1; i == 1 || (i-1)*sitemapURLs < n; i++ {
		paths = append(paths, "/sitemap-articles-"+strconv.Itoa(i)+".xml")
	}
	for offset := 0; offset < n; offset += sitemapURLs {
		stamps, err := s.Directory.PublishedStamps(ctx, time.Time{}, offset, sitemapURLs)
		if err != nil {
			return nil, err
		}
		for _, st := range stamps {
			paths = append(paths, "/articles/"+url.PathEscape(st.Slug))
		}
	}
	return paths, nil
}

// exportList is a list of articles with its pages and feeds.
type exportList struct {
	base   string
	filter newsdesk.ArticleFilter
	scope  feeds.Scope
}
