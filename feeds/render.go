package feeds

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/feeds"
	"github.com/newsdesk/newsdesk"
)

// Format is a feed format.
type Format string

// The formats newsdesk publishes.
const (
	RSS  Format = "rss"  // RSS 2.0, served as application/rss+xml
	Atom Format = "atom" // Atom 1.0, application/atom+xml
	JSON Format = "json" // JSON Feed 1.1, application/feed+json
)

// ContentType returns the media type to serve f with, charset included.
func (f Format) ContentType() string {
	switch f {
	case RSS:
		return "application/rss+xml; charset=utf-8"
	case Atom:
		return "application/atom+xml; charset=utf-8"
	case JSON:
		return "application/feed+json; charset=utf-8"
	}
	return "application/octet-stream"
}

// Meta describes one feed document.
type Meta struct {
	Title       string    // e.g. "The Harbour Review" or "The Harbour Review: Economy"
	Description string    // what the feed holds; Title stands in when empty
	Language    string    // BCP 47, e.g. "en-GB"
	BaseURL     string    // site root, absolute, no trailing slash, e.g. "https://example.org"
	HomeURL     string    // absolute URL of the HTML page this feed mirrors (alternate)
	SelfURL     string    // absolute URL of this very document
	ID          string    // the feed's Atom id (an absolute URI; caller supplies)
	IDPrefix    string    // the desk's tag: prefix, for entries whose id is not an IRI
	Hub         string    // WebSub hub URL; "" when none
	Updated     time.Time // newest change among items (caller computes; used for lastBuildDate / updated)
	Icon        string    // absolute URL of the site's icon; "" for none
	Logo        string    // absolute URL of the publication's logo; "" for none

	// The feed's history (RFC 5005): the archive before this document and
	// the one after it, absolute URLs, "" where there is none. Archive marks
	// an archive document, whose Current is the subscription feed.
	PrevArchive, NextArchive string
	Archive                  bool
	Current                  string
}

// Generator is the name feeds give for the software that wrote them.
const Generator = "newsdesk"

// Render encodes articles (already newest first, only published ones) as
// one feed document. The same input always gives the same bytes.
func Render(f Format, m Meta, articles []*newsdesk.Article) ([]byte, error) {
	md, err := newModel(m, articles)
	if err != nil {
		return nil, err
	}
	switch f {
	case RSS:
		return encodeRSS(md)
	case Atom:
		return encodeAtom(md)
	case JSON:
		return encodeJSON(md)
	}
	return nil, newsdesk.Errorf(newsdesk.EINVALID, "unknown feed format %q", f)
}

// model is one feed document ready for the encoders: gorilla's generic feed,
// which holds what every format shares, and beside each of its items the
// entry with what gorilla's Item cannot hold.
type model struct {
	Meta
	feed    *feeds.Feed
	entries []*entry // entries[i].Item == feed.Items[i]
}

// entry is one article ready for the encoders. Its strings are clean and
// its URLs absolute. Item.Description is the plain-text summary and
// Item.Content the full HTML; Item.Created is when it was published.
type entry struct {
	*feeds.Item
	AuthorURL  string
	Categories []category
	Image      string
	Source     *entrySource // where an ingested item came from; nil for articles
}

// category is one of an entry's categories.
type category struct {
	Slug, Name string
}

// newModel validates and cleans the metadata and prepares every article.
func newModel(m Meta, articles []*newsdesk.Article) (*model, error) {
	m = cleanMeta(m)
	if err := m.validate(); err != nil {
		return nil, err
	}
	md := &model{Meta: m, feed: &feeds.Feed{
		Title:       m.Title,
		Link:        &feeds.Link{Href: m.HomeURL},
		Description: m.Description,
		Author:      &feeds.Author{Name: m.Title},
		Updated:     m.Updated,
	}}
	for _, a := range articles {
		e, err := newEntry(m, a)
		if err != nil {
			return nil, err
		}
		md.feed.Items = append(md.feed.Items, e.Item)
		md.entries = append(md.entries, e)
	}
	return md, nil
}

// cleanMeta returns m with every string cleaned for XML, the base URL
// without a trailing slash, the update time in UTC to the second and a
// description even when none was given.
func cleanMeta(m Meta) Meta {
	for _, s := range []*string{&m.Title, &m.Description, &m.Language, &m.BaseURL,
		&m.HomeURL, &m.SelfURL, &m.ID, &m.Hub, &m.Icon, &m.Logo, &m.PrevArchive, &m.NextArchive, &m.Current} {
		*s = CleanXMLText(*s)
	}
	if m.Description == "" {
		m.Description = m.Title
	}
	m.BaseURL = strings.TrimRight(m.BaseURL, "/")
	m.Updated = utc(m.Updated)
	return m
}

// validate reports the first field a feed cannot do without.
func (m Meta) validate() error {
	required := []struct{ name, value string }{
		{"title", m.Title}, {"base URL", m.BaseURL}, {"home URL", m.HomeURL},
		{"self URL", m.SelfURL}, {"id", m.ID},
	}
	for _, r := range required {
		if r.value == "" {
			return newsdesk.Errorf(newsdesk.EINVALID, "feed %s is required", r.name)
		}
	}
	if m.Updated.IsZero() {
		return newsdesk.Errorf(newsdesk.EINVALID, "feed update time is required")
	}
	return nil
}

// newEntry prepares article a for the feed described by m.
func newEntry(m Meta, a *newsdesk.Article) (*entry, error) {
	if a.UID == "" {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "article %q has no UID to use as its feed id", a.Slug)
	}
	link := m.BaseURL + "/articles/" + url.PathEscape(CleanXMLText(a.Slug))
	published, updated := entryTimes(a, m.Updated)
	e := &entry{Item: &feeds.Item{
		Title:       CleanXMLText(a.Title),
		Link:        &feeds.Link{Href: link, Rel: "alternate", Type: "text/html"},
		Description: CleanXMLText(a.Summary),
		Id:          CleanXMLText(a.UID),
		IsPermaLink: "false",
		Created:     published,
		Updated:     updated,
		Content:     AbsoluteHTML(CleanXMLText(a.HTML), link),
	}}
	e.Image = absoluteURL(CleanXMLText(a.Image), m.BaseURL+"/")
	e.setAuthor(m, a.Author)
	for _, c := range a.Categories {
		e.Categories = append(e.Categories, category{Slug: CleanXMLText(c.Slug), Name: CleanXMLText(c.Name)})
	}
	return e, nil
}

// setAuthor credits the entry to author, when there is one. The author's
// email address stays out of feeds, which anyone can read.
func (e *entry) setAuthor(m Meta, author *newsdesk.Author) {
	if author == nil || CleanXMLText(author.Name) == "" {
		return
	}
	e.Author = &feeds.Author{Name: CleanXMLText(author.Name)}
	if author.Slug != "" {
		e.AuthorURL = m.BaseURL + "/author/" + url.PathEscape(CleanXMLText(author.Slug))
	}
}

// entryTimes returns when a was published and last updated, in UTC to the
// second. Updated is never before published; fallback stands in for an
// article with no times at all.
func entryTimes(a *newsdesk.Article, fallback time.Time) (published, updated time.Time) {
	published = utc(a.PublishedAt)
	for _, t := range []time.Time{a.CreatedAt, a.UpdatedAt, fallback} {
		if published.IsZero() {
			published = utc(t)
		}
	}
	updated = utc(a.UpdatedAt)
	if updated.Before(published) {
		updated = published
	}
	return published, updated
}

// utc returns t in UTC without its fraction of a second, the precision
// every feed format shares.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Second)
}

// wrapf adds the format to an encoding error.
func wrapf(f Format, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("encode %s feed: %w", f, err)
}
