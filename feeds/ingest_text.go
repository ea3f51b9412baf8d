package feeds

import (
	"bytes"
	"html"
	"net/url"
	"strings"
	"sync"

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
	if text, ok := stripSimpleTags(s); ok {
		return strings.Join(strings.Fields(CleanXMLText(html.UnescapeString(text))), " ")
	}
	return tokenizedText(s)
}

// tokenizedText is plainText by the HTML tokenizer, for any markup.
func tokenizedText(s string) string {
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

// stripSimpleTags drops the tags from the markup most summaries are: plain
// elements, whose text all shows. It reports false, leaving the work to
// the tokenizer, at anything else: comments, CDATA, declarations, an
// unclosed tag, or an element whose content is not text (script, style).
// It spares the tokenizer's per-call buffer, which most of plain-text
// extraction would otherwise cost.
func stripSimpleTags(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		name, end, ok := simpleTag(s)
		if !ok {
			return "", false
		}
		if name == "" { // a "<" that starts no tag is text
			b.WriteByte('<')
			continue
		}
		if !inline[name] {
			b.WriteByte(' ')
		}
		s = s[end:]
	}
}

// simpleTag reads the tag that s (just after a "<") starts: its lower-case
// name and the index after its ">". The name is "" when "<" starts no tag;
// ok is false for anything stripSimpleTags leaves to the tokenizer.
func simpleTag(s string) (name string, end int, ok bool) {
	i := 0
	if i < len(s) && s[i] == '/' {
		i++
	}
	start := i
	for i < len(s) && (isASCIILetter(s[i]) || (i > start && s[i] >= '0' && s[i] <= '9')) {
		i++
	}
	if i == start {
		return "", 0, s == "" || (s[0] != '!' && s[0] != '?' && s[0] != '/')
	}
	name = strings.ToLower(s[start:i])
	if hiddenText[name] {
		return "", 0, false
	}
	var quote byte
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return name, i + 1, true
		}
	}
	return "", 0, false
}

func isASCIILetter(c byte) bool {
	return c|0x20 >= 'a' && c|0x20 <= 'z'
}

// hiddenDepth is how entering or leaving an element changes the depth
// inside elements whose text is not shown. A void element (embed) has no
// end tag, so its start tag opens nothing.
func hiddenDepth(tt xhtml.TokenType, name string, depth int) int {
	switch {
	case !hiddenText[name] || voidElements[name]:
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

// voidElements are the HTML elements that have no content and no end tag.
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true, "input": true,
	"keygen": true, "link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true,
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
	clean := strings.TrimSpace(sanitize(policy, CleanXMLText(fragment)))
	b, err := url.Parse(base)
	if clean == "" || err != nil || !b.IsAbs() {
		return clean
	}
	if strings.Contains(clean, ` srcset="`) {
		return AbsoluteHTML(clean, base) // candidates lists need the full parser
	}
	return resolveSanitized(clean, b)
}

// sanitizeBuffers keep the sanitiser's output buffers between items:
// grown afresh for every item they are most of what ingest allocates.
var sanitizeBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// sanitize is policy.Sanitize writing into a pooled buffer.
func sanitize(policy *bluemonday.Policy, s string) string {
	buf := sanitizeBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	buf.Grow(len(s) + len(s)/8)
	if err := policy.SanitizeReaderToWriter(strings.NewReader(s), buf); err != nil {
		buf.Reset() // it fails only when writing fails, which a buffer does not
	}
	out := buf.String()
	if buf.Cap() <= 1<<20 {
		sanitizeBuffers.Put(buf)
	}
	return out
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
