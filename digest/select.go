package digest

import (
	"cmp"
	"slices"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// Select returns the articles one subscriber's digest lists: those
// published in the window, in at least one of the newsletter's categories
// and at least one of the subscriber's topics (an empty list of either
// means every category), newest first, at most MaxArticles of them. An
// article whose UID is in alreadySent was sent to this subscriber in this
// newsletter before and is left out, so that re-publishing or editing it
// does not send it again.
//
// Selection goes by the window only, never by when the subscriber joined:
// someone who subscribed yesterday gets this edition's articles, not last
// month's. An empty result means no digest for this subscriber.
//
// Select is InWindow then ForSubscriber; a sender with many subscribers
// calls InWindow once per edition and ForSubscriber per subscriber.
func Select(articles []*newsdesk.Article, window Window, newsletterCategories, subscriberTopics []string, alreadySent map[string]bool) []*newsdesk.Article {
	return ForSubscriber(InWindow(articles, window, newsletterCategories), subscriberTopics, alreadySent)
}

// InWindow returns the published articles of an edition: those published
// in the window and in one of the newsletter's categories (none means
// all), newest first, without a cap. The input is not changed.
func InWindow(articles []*newsdesk.Article, window Window, newsletterCategories []string) []*newsdesk.Article {
	var out []*newsdesk.Article
	for _, a := range articles {
		if a.Status == newsdesk.StatusPublished && window.Contains(a.PublishedAt) && inAny(a, newsletterCategories) {
			out = append(out, a)
		}
	}
	sortNewestFirst(out)
	return out
}

// ForSubscriber returns, in the order given, the articles of an edition
// that one subscriber gets: published, in the subscriber's topics (none
// means all), not already sent to them (by UID), each once, at most
// MaxArticles. It serves both the output of InWindow and the hand-picked
// articles of a one-off edition, whose order is the editor's.
func ForSubscriber(articles []*newsdesk.Article, subscriberTopics []string, alreadySent map[string]bool) []*newsdesk.Article {
	var out []*newsdesk.Article
	for _, a := range articles {
		if len(out) == MaxArticles {
			break
		}
		if a.Status != newsdesk.StatusPublished || alreadySent[a.UID] || !inAny(a, subscriberTopics) || listed(out, a) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// listed reports whether an article with a's UID is in the list.
func listed(list []*newsdesk.Article, a *newsdesk.Article) bool {
	return slices.ContainsFunc(list, func(b *newsdesk.Article) bool { return b.UID == a.UID })
}

// inAny reports whether the article is in one of the categories, by slug;
// no categories at all means any article.
func inAny(a *newsdesk.Article, slugs []string) bool {
	if len(slugs) == 0 {
		return true
	}
	for _, c := range a.Categories {
		if slices.Contains(slugs, c.Slug) {
			return true
		}
	}
	return false
}

// sortNewestFirst orders articles by publication time, newest first; ties
// go by UID so that every subscriber sees the same order.
func sortNewestFirst(articles []*newsdesk.Article) {
	slices.SortStableFunc(articles, func(a, b *newsdesk.Article) int {
		if c := b.PublishedAt.Compare(a.PublishedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.UID, b.UID)
	})
}

// Related is an item of related reading from an ingested source, as a
// digest shows it. All text is plain; URLs are absolute.
type Related struct {
	Title       string
	URL         string
	Summary     string
	SourceTitle string
	SourceURL   string
}

// RelatedFor merges the related reading of the selected articles, given
// per article ID best first: the best item of each article in the
// selection's order, then the second best of each, and so on, so that
// every article contributes before any contributes twice. Items are
// deduplicated by URL; items without one are dropped. At most MaxRelated.
func RelatedFor(articles []*newsdesk.Article, byArticle map[int64][]Related) []Related {
	var out []Related
	seen := make(map[string]bool)
	for rank := 0; len(out) < MaxRelated; rank++ {
		more := false
		for _, a := range articles {
			items := byArticle[a.ID]
			if rank >= len(items) {
				continue
			}
			more = true
			r := items[rank]
			if r.URL == "" || seen[r.URL] || len(out) == MaxRelated {
				continue
			}
			seen[r.URL] = true
			out = append(out, r)
		}
		if !more {
			break
		}
	}
	return out
}

// Key identifies a selection of articles, in order. Subscribers whose
// selections have the same key get the same digest apart from their own
// links, so a sender can render once per key rather than once per
// subscriber.
func Key(articles []*newsdesk.Article) string {
	uids := make([]string, len(articles))
	for i, a := range articles {
		uids[i] = a.UID
	}
	return strings.Join(uids, "\n")
}
