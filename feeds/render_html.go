package feeds

import (
	"html"
	"net/url"
	"strings"

	xhtml "golang.org/x/net/html"
)

// urlAttrs are the attributes whose value is one URL.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "poster": true, "cite": true, "action": true, "longdesc": true,
}

// AbsoluteHTML returns the HTML fragment with every relative URL in href,
// src, srcset (and the few other URL attributes) resolved against base,
// which must be absolute. Feed readers show content away from the page it
// came from, where a relative link leads nowhere. Tags that need no change
// are copied byte for byte; a tag that changes is written out again.
func AbsoluteHTML(fragment, base string) string {
	b, err := url.Parse(base)
	if err != nil || !b.IsAbs() {
		return fragment
	}
	z := xhtml.NewTokenizer(strings.NewReader(fragment))
	var out strings.Builder
	out.Grow(len(fragment))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			out.Write(z.Raw()) // an unfinished tag at the end
			return out.String()
		}
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			out.Write(z.Raw())
			continue
		}
		raw := string(z.Raw()) // Token lowercases names in the buffer Raw shares
		if t := z.Token(); resolveAttrs(t.Attr, b) {
			out.WriteString(t.String())
		} else {
			out.WriteString(raw)
		}
	}
}

// resolveAttrs resolves the URL attributes of a tag against base and reports
// whether any changed.
func resolveAttrs(attrs []xhtml.Attribute, base *url.URL) bool {
	changed := false
	for i, a := range attrs {
		v := a.Val
		switch {
		case urlAttrs[a.Key]:
			v = resolveURL(a.Val, base)
		case a.Key == "srcset":
			v = resolveSrcset(a.Val, base)
		}
		if v != a.Val {
			attrs[i].Val, changed = v, true
		}
	}
	return changed
}

// resolveURL resolves ref against base; a ref that is absolute already or
// does not parse is returned as it is.
func resolveURL(ref string, base *url.URL) string {
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil || u.IsAbs() {
		return ref
	}
	return base.ResolveReference(u).String()
}

// resolveSrcset resolves each image candidate of a srcset ("a.png 1x,
// b.png 2x") against base, keeping the descriptors.
func resolveSrcset(srcset string, base *url.URL) string {
	var out []string
	for _, c := range splitSrcset(srcset) {
		out = append(out, strings.TrimSpace(resolveURL(c.url, base)+" "+c.descriptor))
	}
	return strings.Join(out, ", ")
}

// srcsetCandidate is one image in a srcset.
type srcsetCandidate struct {
	url, descriptor string
}

// splitSrcset splits a srcset the way HTML does: a URL runs to the next
// whitespace and may itself hold commas (a trailing comma ends the
// candidate); its descriptor runs to the next comma.
func splitSrcset(s string) []srcsetCandidate {
	var cs []srcsetCandidate
	for {
		s = strings.TrimLeft(s, " \t\n\r\f,")
		if s == "" {
			return cs
		}
		end := strings.IndexAny(s, " \t\n\r\f")
		if end < 0 {
			end = len(s)
		}
		u := s[:end]
		s = s[end:]
		c := srcsetCandidate{url: strings.TrimRight(u, ",")}
		if !strings.HasSuffix(u, ",") {
			d, rest, _ := strings.Cut(s, ",")
			c.descriptor, s = strings.TrimSpace(d), rest
		}
		cs = append(cs, c)
	}
}

// absoluteURL resolves ref against base, an absolute URL; "" stays "".
func absoluteURL(ref, base string) string {
	b, err := url.Parse(base)
	if ref == "" || err != nil {
		return ref
	}
	return resolveURL(ref, b)
}

// withImage puts the article's image at the top of its content, for the
// formats that have no field for it: an RSS enclosure must give the file's
// length, which newsdesk does not know. An image the content shows already
// is not repeated.
func withImage(content, image string) string {
	src := html.EscapeString(image)
	if image == "" || strings.Contains(content, image) || strings.Contains(content, src) {
		return content
	}
	return `<p><img src="` + src + `" alt=""></p>` + content
}
