package feeds

import (
	"strings"

	"github.com/microcosm-cc/bluemonday"
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
		switch z.Next() {
		case xhtml.ErrorToken:
			return strings.Join(strings.Fields(CleanXMLText(b.String())), " ")
		case xhtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case xhtml.StartTagToken:
			name, _ := z.TagName()
			if hiddenText[string(name)] {
				skip++
			}
			b.WriteByte(' ')
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			if hiddenText[string(name)] && skip > 0 {
				skip--
			}
			b.WriteByte(' ')
		case xhtml.SelfClosingTagToken:
			b.WriteByte(' ')
		}
	}
}

// hiddenText are the elements whose content is not shown as text.
var hiddenText = map[string]bool{
	"script": true, "style": true, "noscript": true, "template": true,
	"iframe": true, "object": true, "embed": true, "svg": true, "math": true, "head": true, "title": true,
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
