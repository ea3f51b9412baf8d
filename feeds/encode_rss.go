package feeds

import (
	"encoding/xml"
	"regexp"
	"strings"

	"github.com/gorilla/feeds"
)

// XML namespaces RSS documents declare beside gorilla's content namespace.
const (
	atomNS    = "http://www.w3.org/2005/Atom"
	dcNS      = "http://purl.org/dc/elements/1.1/"
	historyNS = "http://purl.org/syndication/history/1.0" // RFC 5005
)

// rssDoc is gorilla's <rss> root with the Atom and Dublin Core namespaces
// and newsdesk's channel.
type rssDoc struct {
	feeds.RssFeedXml
	AtomNS    string      `xml:"xmlns:atom,attr"`
	DCNS      string      `xml:"xmlns:dc,attr"`
	HistoryNS string      `xml:"xmlns:fh,attr,omitempty"`
	Channel   *rssChannel `xml:"channel"`
}

// rssChannel is gorilla's channel with the atom:link elements it lacks (self
// and WebSub hub) and items that can say more.
type rssChannel struct {
	*feeds.RssFeed
	AtomLinks []rssAtomLink `xml:"atom:link"`
	Archive   *struct{}     `xml:"fh:archive,omitempty"`
	Items     []*rssItem    `xml:"item"`
}

// rssAtomLink is gorilla's Atom link under its RSS name.
type rssAtomLink struct {
	XMLName xml.Name `xml:"atom:link"`
	feeds.AtomLink
}

// rssItem is gorilla's item with a dc:creator, since RSS's own <author>
// must be an email address, and any number of categories.
type rssItem struct {
	*feeds.RssItem
	Creator    string     `xml:"dc:creator,omitempty"`
	Categories []string   `xml:"category"`
	Source     *rssSource `xml:"source,omitempty"`
}

// rssSource is the channel an ingested item came from.
type rssSource struct {
	URL   string `xml:"url,attr"`
	Title string `xml:",chardata"`
}

// encodeRSS writes md as RSS 2.0.
func encodeRSS(md *model) ([]byte, error) {
	ch := &rssChannel{RssFeed: (&feeds.Rss{Feed: md.feed}).RssFeed()}
	ch.ManagingEditor = "" // an email address, which newsdesk does not publish
	ch.Language = md.Language
	ch.Generator = Generator
	ch.AtomLinks = rssAtomLinks(md.Meta)
	if rssImageTypes.MatchString(md.Logo) { // RSS takes only GIF, JPEG and PNG
		ch.Image = &feeds.RssImage{Url: md.Logo, Title: md.Title, Link: md.HomeURL}
	}
	if md.Archive {
		ch.Archive = &struct{}{}
	}
	for i, it := range ch.RssFeed.Items {
		ch.Items = append(ch.Items, newRSSItem(it, md.entries[i]))
	}
	doc := &rssDoc{
		RssFeedXml: *ch.RssFeed.FeedXml().(*feeds.RssFeedXml),
		AtomNS:     atomNS,
		DCNS:       dcNS,
		Channel:    ch,
	}
	if md.Archive {
		doc.HistoryNS = historyNS
	}
	b, err := encodeXML(doc)
	return b, wrapf(RSS, err)
}

// rssAtomLinks returns the channel's link to itself and to its hub.
func rssAtomLinks(m Meta) []rssAtomLink {
	links := []rssAtomLink{{AtomLink: feeds.AtomLink{Href: m.SelfURL, Rel: "self", Type: "application/rss+xml"}}}
	if m.Hub != "" {
		links = append(links, rssAtomLink{AtomLink: feeds.AtomLink{Href: m.Hub, Rel: "hub"}})
	}
	for _, l := range historyLinks(m) {
		links = append(links, rssAtomLink{AtomLink: feeds.AtomLink{Href: l.Href, Rel: l.Rel, Type: "application/rss+xml"}})
	}
	return links
}

// rssImageTypes matches the image formats RSS 2.0 allows for a channel.
var rssImageTypes = regexp.MustCompile(`(?i)\.(gif|jpe?g|png)$`)

// newRSSItem completes gorilla's item for entry e.
func newRSSItem(it *feeds.RssItem, e *entry) *rssItem {
	it.Author = ""
	it.Description = htmlText(e.Description)
	it.Content = nil
	if content := withImage(e.Content, e.Image); content != "" {
		it.Content = &feeds.RssContent{Content: content}
	}
	item := &rssItem{RssItem: it}
	if e.Author != nil {
		item.Creator = e.Author.Name
	}
	for _, c := range e.Categories {
		item.Categories = append(item.Categories, c.Name)
	}
	if e.Source != nil {
		item.Source = &rssSource{URL: e.Source.FeedURL, Title: e.Source.Title}
	}
	return item
}

// htmlText escapes plain text for an element that holds HTML, such as an
// RSS description, so that "a <b> c" reads as written.
func htmlText(s string) string {
	return htmlTextEscaper.Replace(s)
}

var htmlTextEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
