package feeds

import (
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/newsdesk/newsdesk"
	xhtml "golang.org/x/net/html"
)

// plainText returns the text of an HTML fragment (or of text that may hold
// entities): tags dropped, entities decoded, the contents of script, style
// and the like left out, and white space collapsed. Feed titles and
// summaries are HTML as often as not, and newsdesk stores them as text.
func plainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.Join(strings.Fields(CleanXMLText(s)), " ")
	}
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0 // depth inside elements whose text is not text
	for {
		switch tt := z.Next(); tt {
		case xhtml.ErrorToken:
			return strings.Join(strings.Fields(CleanXMLText(b.String())), " ")
		case xhtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case xhtml.StartTagToken, xhtml.EndTagToken, xhtml.SelfClosingTagToken:
			name, _ := z.TagName()
			skip += hiddenDepth(tt, string(name), skip)
			if !inline[string(name)] {
				b.WriteByte(' ') // a block or a line break separates words
			}
		}
	}
}

// hiddenDepth is how entering or leaving an element changes the depth
// inside elements whose text is not shown.
func hiddenDepth(tt xhtml.TokenType, name string, depth int) int {
	switch {
	case !hiddenText[name]:
		return 0
	case tt == xhtml.StartTagToken:
		return 1
	case tt == xhtml.EndTagToken && depth > 0:
		return -1
	}
	return 0
}

// inline are the elements that sit within a line of text; the others end
// a word.
var inline = map[string]bool{
	"a": true, "abbr": true, "b": true, "bdi": true, "bdo": true, "cite": true, "code": true, "data": true,
	"dfn": true, "em": true, "i": true, "kbd": true, "mark": true, "q": true, "s": true, "samp": true,
	"small": true, "span": true, "strong": true, "sub": true, "sup": true, "time": true, "u": true, "var": true,
	"del": true, "ins": true, "font": true,
}

// hiddenText are the elements whose content is not shown as text.
var hiddenText = map[string]bool{
	"script": true, "style": true, "noscript": true, "template": true,
	"iframe": true, "object": true, "embed": true, "svg": true, "math": true, "head": true, "title": true,
}

// safe returns the entry's item with its HTML made fit to store.
func (e *entryIn) safe(policy *bluemonday.Policy) *newsdesk.Item {
	e.Item.ContentHTML = safeHTML(policy, e.Content, e.Item.URL)
	return e.Item
}

// safeHTML makes outside HTML fit to store: every URL absolute against
// base, then through the one sanitiser policy, which has the last word.
func safeHTML(policy *bluemonday.Policy, fragment, base string) string {
	fragment = CleanXMLText(fragment)
	if fragment == "" {
		return ""
	}
	return strings.TrimSpace(policy.Sanitize(AbsoluteHTML(fragment, base)))
}
