package feeds

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
	"golang.org/x/net/html/charset"
)

// ParseOPML reads an OPML subscription list, as Miniflux, Feedly,
// NetNewsWire and most readers export it: every outline with an xmlUrl is
// a feed, and the outline around it, when there is one, names its
// category. A feed listed twice keeps its first place. Entities are not
// expanded beyond HTML's own, so the file cannot reach outside itself.
func ParseOPML(r io.Reader) ([]*newsdesk.Source, error) {
	d := xml.NewDecoder(io.LimitReader(r, 32<<20))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	d.CharsetReader = charset.NewReaderLabel
	var out []*newsdesk.Source
	seen := map[string]bool{}
	var stack []string // the category each open outline gives its children
	root := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, newsdesk.Errorf(newsdesk.EINVALID, "not a readable OPML file: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !root {
				if !strings.EqualFold(t.Name.Local, "opml") {
					return nil, newsdesk.Errorf(newsdesk.EINVALID, "not an OPML file: the document is <%s>, not <opml>", t.Name.Local)
				}
				root = true
				continue
			}
			if !strings.EqualFold(t.Name.Local, "outline") {
				continue
			}
			src, category := outlineSource(t.Attr, stack)
			if src != nil && !seen[src.URL] {
				seen[src.URL] = true
				out = append(out, src)
			}
			stack = append(stack, category)
		case xml.EndElement:
			if strings.EqualFold(t.Name.Local, "outline") && len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if !root {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "not an OPML file: no <opml> element")
	}
	return out, nil
}

// outlineSource reads one outline: the source it describes, when it has an
// xmlUrl, and the category it gives the outlines inside it.
func outlineSource(attrs []xml.Attr, stack []string) (*newsdesk.Source, string) {
	a := map[string]string{}
	for _, at := range attrs {
		a[strings.ToLower(at.Name.Local)] = strings.TrimSpace(CleanXMLText(at.Value))
	}
	name := firstNonEmpty(a["title"], a["text"])
	parent := ""
	if len(stack) > 0 {
		parent = stack[len(stack)-1]
	}
	if a["xmlurl"] == "" {
		return nil, firstNonEmpty(name, parent)
	}
	src := &newsdesk.Source{URL: newsdesk.NormalizeFeedURL(a["xmlurl"]), Title: newsdesk.Truncate(name, maxTitleRunes)}
	if isHTTPURL(a["htmlurl"]) {
		src.SiteURL = a["htmlurl"]
	}
	if parent != "" {
		src.Category = &newsdesk.Category{Slug: categorySlug(parent), Name: newsdesk.Truncate(parent, 100)}
	}
	return src, parent
}

// categorySlug makes a slug for a category name from an OPML file; a name
// with no Latin letters or digits gets one made from its hash.
func categorySlug(name string) string {
	if slug := newsdesk.Slugify(name); slug != "" {
		return slug
	}
	return "category-" + digest(name)[:8]
}

// opmlDoc is an OPML 2.0 document.
type opmlDoc struct {
	XMLName xml.Name      `xml:"opml"`
	Version string        `xml:"version,attr"`
	Title   string        `xml:"head>title"`
	Created string        `xml:"head>dateCreated"`
	Body    []opmlOutline `xml:"body>outline"`
}

// opmlOutline carries the attributes Miniflux and Feedly both write.
type opmlOutline struct {
	Type     string        `xml:"type,attr,omitempty"`
	Text     string        `xml:"text,attr"`
	Title    string        `xml:"title,attr,omitempty"`
	XMLURL   string        `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string        `xml:"htmlUrl,attr,omitempty"`
	Outlines []opmlOutline `xml:"outline"`
}

// WriteOPML writes the sources as OPML 2.0: one outline per category,
// named after it, holding its feeds, then the feeds with no category.
func WriteOPML(w io.Writer, title string, created time.Time, sources []*newsdesk.Source) error {
	doc := opmlDoc{Version: "2.0", Title: CleanXMLText(title), Created: created.UTC().Format(time.RFC1123Z)}
	byCategory := map[string][]opmlOutline{}
	var names []string
	for _, s := range sources {
		o := opmlOutline{Type: "rss", Text: CleanXMLText(s.Name()), Title: CleanXMLText(s.Name()),
			XMLURL: CleanXMLText(s.URL), HTMLURL: CleanXMLText(s.SiteURL)}
		if s.Category == nil {
			doc.Body = append(doc.Body, o)
			continue
		}
		name := CleanXMLText(firstNonEmpty(s.Category.Name, s.Category.Slug))
		if _, ok := byCategory[name]; !ok {
			names = append(names, name)
		}
		byCategory[name] = append(byCategory[name], o)
	}
	sort.Strings(names)
	folders := make([]opmlOutline, 0, len(names))
	for _, name := range names {
		folders = append(folders, opmlOutline{Text: name, Title: name, Outlines: byCategory[name]})
	}
	doc.Body = append(folders, doc.Body...)
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("write OPML: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s%s\n", xml.Header, b)
	return err
}
