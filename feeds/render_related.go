package feeds

import (
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/feeds"
	"github.com/newsdesk/newsdesk"
)

// entrySource is the feed an ingested item came from, as feeds credit it.
type entrySource struct {
	Title   string
	FeedURL string
	SiteURL string
	Updated time.Time // the newest change among its items in this document
}

// RenderRelated encodes ingested items (newest first) as one feed of
// related reading, each item crediting its source: RSS <source url> and
// Atom <source>. JSON Feed has no way to credit a source, so it is not
// offered.
func RenderRelated(f Format, m Meta, items []*newsdesk.Item) ([]byte, error) {
	if f != RSS && f != Atom {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "related reading is published as RSS and Atom only")
	}
	md, err := newModel(m, nil)
	if err != nil {
		return nil, err
	}
	sources := map[int64]*entrySource{}
	for _, it := range items {
		e := newItemEntry(md.Meta, it, sources)
		md.feed.Items = append(md.feed.Items, e.Item)
		md.entries = append(md.entries, e)
	}
	if f == RSS {
		return encodeRSS(md)
	}
	return encodeAtom(md)
}

// newItemEntry prepares an ingested item. Its HTML was sanitised and its
// URLs made absolute when it was stored; it is cleaned for XML here.
func newItemEntry(m Meta, it *newsdesk.Item, sources map[int64]*entrySource) *entry {
	published := utc(it.PublishedAt)
	if published.IsZero() {
		published = m.Updated
	}
	updated := utc(it.UpdatedAt)
	if updated.Before(published) {
		updated = published
	}
	e := &entry{Item: &feeds.Item{
		Title:       CleanXMLText(it.Title),
		Link:        &feeds.Link{Href: CleanXMLText(it.URL), Rel: "alternate", Type: "text/html"},
		Description: CleanXMLText(it.Summary),
		Id:          relatedItemID(m.ID, it),
		IsPermaLink: "false",
		Created:     published,
		Updated:     updated,
		Content:     CleanXMLText(it.ContentHTML),
	}}
	if e.Description == "" && e.Content == "" {
		e.Description = e.Title // Atom wants some text in an entry, and readers too
	}
	if name := CleanXMLText(it.Author); name != "" {
		e.Author = &feeds.Author{Name: name}
	}
	if src := it.Source; src != nil {
		if c := src.Category; c != nil {
			e.Categories = []category{{Slug: CleanXMLText(c.Slug), Name: CleanXMLText(c.Name)}}
		}
		e.Source = sourceOf(src, it.SourceID, sources)
		if updated.After(e.Source.Updated) {
			e.Source.Updated = updated
		}
	}
	return e
}

// sourceOf returns the one entrySource of a source in this document.
func sourceOf(src *newsdesk.Source, id int64, sources map[int64]*entrySource) *entrySource {
	if s, ok := sources[id]; ok {
		return s
	}
	s := &entrySource{Title: CleanXMLText(src.Name()), FeedURL: CleanXMLText(src.URL), SiteURL: CleanXMLText(src.SiteURL)}
	sources[id] = s
	return s
}

// relatedItemID is an ingested item's id in newsdesk's feeds, under the
// related feed's own id: the item's hash is fixed for as long as its
// source is, so readers never see it twice.
func relatedItemID(feedID string, it *newsdesk.Item) string {
	id := strconv.FormatInt(it.SourceID, 10) + ":" + it.Hash
	if strings.HasPrefix(feedID, "tag:") {
		return feedID + ":item:" + id
	}
	return strings.TrimSuffix(feedID, "/") + "/item/" + strings.ReplaceAll(id, ":", "/")
}

// newAtomSource describes s for an Atom entry; credit adds s as the
// author, for entries that name none.
func newAtomSource(s *entrySource, credit bool) *atomSource {
	as := &atomSource{
		ID:      s.FeedURL,
		Title:   atomText{Type: "text", Text: s.Title},
		Links:   []feeds.AtomLink{{Href: s.FeedURL, Rel: "self"}},
		Updated: s.Updated.Format(time.RFC3339),
	}
	if s.SiteURL != "" {
		as.Links = append(as.Links, feeds.AtomLink{Href: s.SiteURL, Rel: "alternate", Type: "text/html"})
	}
	if credit {
		as.Author = &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: s.Title}}
	}
	return as
}
