package feeds

import (
	"encoding/xml"
	"time"

	"github.com/gorilla/feeds"
)

// atomFeed is gorilla's Atom feed with a language, several links
// (alternate, self, hub), a generator and entries that can say more.
type atomFeed struct {
	*feeds.AtomFeed
	Lang      string           `xml:"xml:lang,attr,omitempty"`
	HistoryNS string           `xml:"xmlns:fh,attr,omitempty"`
	Archive   *struct{}        `xml:"fh:archive,omitempty"`
	Links     []feeds.AtomLink `xml:"link"`
	Generator *atomGenerator
	Entries   []*atomEntry `xml:"entry"`
}

// atomGenerator names the software that wrote the feed.
type atomGenerator struct {
	XMLName xml.Name `xml:"generator"`
	Name    string   `xml:",chardata"`
}

// atomEntry is gorilla's entry with a typed title, content that stays
// readable, and categories that have the term Atom requires.
type atomEntry struct {
	Title atomText `xml:"title"`
	*feeds.AtomEntry
	Content    *atomHTML      `xml:"content"`
	Categories []atomCategory `xml:"category"`
	Source     *atomSource    `xml:"source,omitempty"`
}

// atomSource describes the feed an ingested entry came from. It credits
// the source as author when the entry names none, as Atom asks.
type atomSource struct {
	ID      string            `xml:"id"`
	Title   atomText          `xml:"title"`
	Links   []feeds.AtomLink  `xml:"link"`
	Updated string            `xml:"updated"`
	Author  *feeds.AtomAuthor `xml:"author,omitempty"`
}

// atomHTML is HTML content in a CDATA section, as RSS's content:encoded
// has it, rather than escaped character by character.
type atomHTML struct {
	Type string `xml:"type,attr"`
	HTML string `xml:",cdata"`
}

// atomText is an Atom text construct.
type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

// atomCategory is an Atom category: a slug as the term, the name as its label.
type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
	Label  string `xml:"label,attr,omitempty"`
}

// encodeAtom writes md as Atom 1.0.
func encodeAtom(md *model) ([]byte, error) {
	f := &atomFeed{AtomFeed: (&feeds.Atom{Feed: md.feed}).AtomFeed()}
	f.Id = md.ID
	f.Lang = md.Language
	// Entries without an author of their own are credited to the site,
	// since Atom wants an author for every entry.
	f.Author.Uri = md.BaseURL
	f.Links = atomLinks(md.Meta)
	f.Icon, f.Logo = md.Icon, md.Logo
	if md.Archive {
		f.HistoryNS, f.Archive = historyNS, &struct{}{}
	}
	f.Generator = &atomGenerator{Name: Generator}
	for i, e := range f.AtomFeed.Entries {
		ae := newAtomEntry(e, md.entries[i], md.BaseURL)
		ae.Id = atomEntryID(ae.Id, md.Meta)
		f.Entries = append(f.Entries, ae)
	}
	b, err := encodeXML(f)
	return b, wrapf(Atom, err)
}

// atomLinks returns the feed's links to its page, itself and its hub.
func atomLinks(m Meta) []feeds.AtomLink {
	links := []feeds.AtomLink{
		{Href: m.HomeURL, Rel: "alternate", Type: "text/html"},
		{Href: m.SelfURL, Rel: "self", Type: "application/atom+xml"},
	}
	if m.Hub != "" {
		links = append(links, feeds.AtomLink{Href: m.Hub, Rel: "hub"})
	}
	for _, l := range historyLinks(m) {
		links = append(links, feeds.AtomLink{Href: l.Href, Rel: l.Rel, Type: "application/atom+xml"})
	}
	return links
}

// newAtomEntry completes gorilla's entry x for entry e.
func newAtomEntry(x *feeds.AtomEntry, e *entry, baseURL string) *atomEntry {
	x.Published = e.Created.Format(time.RFC3339)
	if x.Summary != nil {
		x.Summary.Type = "text"
	}
	x.Content = nil
	if x.Author != nil {
		x.Author.Uri = e.AuthorURL
	}
	ae := &atomEntry{Title: atomText{Type: "text", Text: x.Title}, AtomEntry: x}
	if content := withImage(e.Content, e.Image); content != "" {
		ae.Content = &atomHTML{Type: "html", HTML: content}
	}
	for _, c := range e.Categories {
		ae.Categories = append(ae.Categories, atomCategory{
			Term: c.Slug, Label: c.Name, Scheme: baseURL + "/category/",
		})
	}
	if e.Source != nil {
		ae.Source = newAtomSource(e.Source, x.Author == nil)
	}
	return ae
}
