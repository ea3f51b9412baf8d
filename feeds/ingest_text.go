package feeds

import (
	"html"
	"net/url"
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

// safeHTML makes outside HTML fit to store: through the one sanitiser
// policy, then with every URL made absolute against base, an http(s) URL,
// so that a resolved URL can only be an http(s) one.
func safeHTML(policy *bluemonday.Policy, fragment, base string) string {
	clean := strings.TrimSpace(policy.Sanitize(CleanXMLText(fragment)))
	b, err := url.Parse(base)
	if clean == "" || err != nil || !b.IsAbs() {
		return clean
	}
	if strings.Contains(clean, ` srcset="`) {
		return AbsoluteHTML(clean, base) // candidates lists need the full parser
	}
	return resolveSanitized(clean, b)
}

// sanitizedURLAttrs are the URL attributes as the sanitiser writes them,
// up to the "=".
var sanitizedURLAttrs = []string{" href", " src", " cite", " poster", " longdesc", " action"}

// resolveSanitized makes the URL attributes of sanitised HTML absolute. It
// is AbsoluteHTML's work without parsing the HTML again: the sanitiser
// writes every attribute as name="value" and escapes quotes in text and in
// values, so `="` occurs only where an attribute's value begins.
func resolveSanitized(s string, base *url.URL) string {
	var out strings.Builder
	copied, pos := 0, 0
	for {
		start := nextURLAttr(s, pos)
		if start < 0 {
			break
		}
		end := strings.IndexByte(s[start:], '"')
		if end < 0 {
			break
		}
		end += start
		raw := html.UnescapeString(s[start:end])
		if hasHTTPScheme(raw) {
			pos = end // absolute already, as most are: no need to parse it
			continue
		}
		if resolved := resolveURL(raw, base); resolved != raw {
			out.WriteString(s[copied:start])
			out.WriteString(html.EscapeString(resolved))
			copied = end
		}
		pos = end
	}
	if copied == 0 {
		return s
	}
	out.WriteString(s[copied:])
	return out.String()
}

// nextURLAttr returns where the value of the first URL attribute at or
// after from begins, or -1.
func nextURLAttr(s string, from int) int {
	for {
		i := strings.Index(s[from:], `="`)
		if i < 0 {
			return -1
		}
		i += from
		for _, name := range sanitizedURLAttrs {
			if strings.HasSuffix(s[:i], name) {
				return i + 2
			}
		}
		from = i + 2
	}
}

// hasHTTPScheme reports whether ref starts with http: or https:, in any case.
func hasHTTPScheme(ref string) bool {
	for _, scheme := range []string{"http:", "https:"} {
		if len(ref) >= len(scheme) && strings.EqualFold(ref[:len(scheme)], scheme) {
			return true
		}
	}
	return false
}
