package feeds

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"html"
	"regexp"
	"strings"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html/charset"
)

// textKind is how a feed element's text is to be read: as text, or as
// markup whose text is wanted.
type textKind int

const (
	kindText  textKind = iota // literal text: "List<T>" stays as it is
	kindHTML                  // escaped HTML, flattened to its text
	kindXHTML                 // inline XHTML markup, flattened to its text
)

// textOf is the stored text of an element's value read as kind.
func textOf(s string, kind textKind) string {
	if kind == kindText {
		return strings.Join(strings.Fields(CleanXMLText(s)), " ")
	}
	return plainText(s)
}

// textConstruct is an Atom text construct (title, subtitle, summary,
// content) as written, with the type and the Atom 0.3 mode that say how to
// read it.
type textConstruct struct {
	Type  string `xml:"type,attr"`
	Mode  string `xml:"mode,attr"`
	Chars string `xml:",chardata"`
	Inner string `xml:",innerxml"`
	set   bool
}

func (t *textConstruct) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if t.set || (start.Name.Space != "" && !atomNamespaces[start.Name.Space]) {
		return d.Skip() // the first one counts, as for gofeed; media:title is another thing
	}
	type plain textConstruct
	if err := d.DecodeElement((*plain)(t), &start); err != nil {
		return err
	}
	t.set = true
	return nil
}

var atomNamespaces = map[string]bool{"http://www.w3.org/2005/Atom": true, "http://purl.org/atom/ns#": true}

// read returns the construct's value and how to read it, by Atom 1.0's
// type="text"|"html"|"xhtml" or Atom 0.3's MIME type and
// mode="xml"|"escaped"|"base64". parsed is gofeed's value for it, which is
// right (entities decoded, xml:base applied) except for base64.
func (t *textConstruct) read(parsed string) (string, textKind) {
	typ, mode := strings.ToLower(strings.TrimSpace(t.Type)), strings.ToLower(strings.TrimSpace(t.Mode))
	kind := kindText
	switch {
	case typ == "html" || typ == "text/html":
		kind = kindHTML
	case strings.Contains(typ, "xhtml"):
		kind = kindXHTML
	}
	switch mode {
	case "escaped":
		if typ == "" {
			kind = kindHTML
		}
	case "xml":
		kind = kindXHTML
	case "base64":
		decoded, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(t.Chars), ""))
		if err == nil {
			return string(decoded), kind
		}
		return t.Chars, kindText
	}
	return parsed, kind
}

// stripDiv returns the content of the <div> that wraps an xhtml construct.
func stripDiv(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "<div") && !strings.Contains(s[:min(len(s), 40)], ":div") {
		return s
	}
	if i := strings.IndexByte(s, '>'); i >= 0 {
		if j := strings.LastIndex(s, "</"); j > i {
			return s[i+1 : j]
		}
	}
	return s
}

// atomTexts are an Atom document's text constructs, in document order.
type atomTexts struct {
	Title    textConstruct `xml:"title"`
	Subtitle textConstruct `xml:"subtitle"`
	Tagline  textConstruct `xml:"tagline"`
	Entries  []struct {
		Title   textConstruct `xml:"title"`
		Summary textConstruct `xml:"summary"`
		Content textConstruct `xml:"content"`
	} `xml:"entry"`
}

// readAtomTexts reads the text constructs of an Atom document, which
// gofeed hands over without their types. It reports false when the
// document does not read, or its entries are not gofeed's.
func readAtomTexts(body []byte, feed *gofeed.Feed) (*atomTexts, bool) {
	if feed.FeedType != "atom" {
		return nil, false
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	d.CharsetReader = charset.NewReaderLabel
	var at atomTexts
	if err := d.Decode(&at); err != nil || len(at.Entries) != len(feed.Items) {
		return nil, false
	}
	return &at, true
}

// guessedKind is how to read an element with no type, as in RSS: as HTML
// when it looks like HTML (an end tag or an entity, and only known HTML
// elements), as Python's feedparser reads it, else as text. Unlike
// feedparser, script, style, the other hidden elements and the void ones
// (param) count as HTML:
// their content is never stored as text.
func guessedKind(s string) textKind {
	if !strings.ContainsAny(s, "<&") || !(endTag.MatchString(s) || entityRef.MatchString(s)) {
		return kindText
	}
	for _, m := range anyTag.FindAllStringSubmatch(s, -1) {
		if name := strings.ToLower(m[1]); !htmlElements[name] && !hiddenText[name] && !voidElements[name] {
			return kindText
		}
	}
	return kindHTML
}

var (
	endTag    = regexp.MustCompile(`</\w+>`)
	entityRef = regexp.MustCompile(`&#?\w+;`)
	anyTag    = regexp.MustCompile(`</?(\w+)`)
)

// escapedText is text as HTML content.
func escapedText(s string) string {
	return html.EscapeString(s)
}

// htmlElements are the HTML elements a text may hold and still be read as
// HTML (feedparser's acceptable elements).
var htmlElements = func() map[string]bool {
	m := map[string]bool{}
	for _, name := range strings.Fields(`a abbr acronym address area article aside audio b big blockquote br
		button canvas caption center cite code col colgroup command datagrid datalist dd del details dfn
		dialog dir div dl dt em event-source fieldset figcaption figure footer font form header h1 h2 h3 h4
		h5 h6 hr i img input ins keygen kbd label legend li m map menu meter multicol nav nextid noscript ol
		output optgroup option p pre progress q s samp section select small sound source spacer span strike
		strong sub sup table tbody td textarea time tfoot th thead tr tt u ul var video`) {
		m[name] = true
	}
	return m
}()
