package importer

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	htmlmd "github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/strikethrough"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"
	"github.com/k3a/html2text"
	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"

	"github.com/newsdesk/newsdesk/feeds"
)

// keptAsHTML are elements Markdown has no syntax for: they stay in the
// body as (sanitised) HTML, which the Markdown renderer passes through.
var keptAsHTML = []string{"figure", "sup", "sub", "mark", "u", "ins", "abbr", "q", "cite", "small", "time", "dl", "details"}

// converter turns the HTML of a post into Markdown. What Markdown cannot
// say stays as sanitised HTML; what is removed or changed is noted.
type converter struct {
	policy *bluemonday.Policy
	md     *htmlmd.Converter
	// gallery returns the images of a [gallery] shortcode: by ids, or the
	// post's attached images when it names none.
	gallery func(ids []string) []image
	// media rewrites an uploaded file's URL to the media store's, or
	// returns "" to leave it.
	media func(url string) string
}

type image struct{ URL, Alt string }

// converted is a post's body as Markdown, with what the conversion did.
type converted struct {
	Body    string
	Teaser  string // plain text before <!--more-->, "" without one
	Changes []string
}

func newConverter() *converter {
	md := htmlmd.NewConverter(htmlmd.WithPlugins(
		base.NewBasePlugin(), commonmark.NewCommonmarkPlugin(),
		table.NewTablePlugin(), strikethrough.NewStrikethroughPlugin(),
	))
	for _, tag := range keptAsHTML {
		tt := htmlmd.TagTypeInline
		if tag == "figure" || tag == "dl" || tag == "details" {
			tt = htmlmd.TagTypeBlock
		}
		md.Register.RendererFor(tag, tt, base.RenderAsHTML, htmlmd.PriorityEarly)
	}
	return &converter{policy: feeds.SanitizePolicy(), md: md}
}

var (
	blockComment = regexp.MustCompile(`<!--\s*/?wp:[^>]*?-->`)
	moreTag      = regexp.MustCompile(`<!--more(?:\s[^>]*)?-->`)
	nextPage     = regexp.MustCompile(`<!--nextpage-->`)
	captionSC    = regexp.MustCompile(`(?s)\[(?:wp_)?caption([^\]]*)\](.*?)\[/(?:wp_)?caption\]`)
	captionImg   = regexp.MustCompile(`(?s)^\s*((?:<a\s[^>]*>\s*)?<img\s[^>]*>(?:\s*</a>)?)(.*)$`)
	gallerySC    = regexp.MustCompile(`\[gallery([^\]]*)\]`)
	embedSC      = regexp.MustCompile(`(?s)\[embed[^\]]*\](.*?)\[/embed\]`)
	urlSC        = regexp.MustCompile(`\[(youtube|vimeo|soundcloud|tweet|twitter|instagram|audio|video|playlist)([^\]]*)\](?:(.*?)\[/(?:youtube|vimeo|soundcloud|tweet|twitter|instagram|audio|video|playlist)\])?`)
	codeSC       = regexp.MustCompile(`(?s)\[(code|sourcecode)([^\]]*)\](.*?)\[/(?:code|sourcecode)\]`)
	otherSC      = regexp.MustCompile(`\[([a-zA-Z][a-zA-Z0-9_-]*)(\s[^\]]*=[^\]]*)?\](?:.*?\[/([a-zA-Z][a-zA-Z0-9_-]*)\])?`)
	scAttr       = regexp.MustCompile(`([a-zA-Z_-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))`)
	firstURL     = regexp.MustCompile(`https?://[^\s"'<>\]\[]+`)
	iframeTag    = regexp.MustCompile(`(?is)<(iframe|video|audio|embed|object)\s[^>]*?(?:src|data)\s*=\s*["']([^"']+)["'][^>]*>(?:.*?</(?:iframe|video|audio|object)>)?`)
	embedWrapper = regexp.MustCompile(`(?s)<div class="wp-block-embed__wrapper">\s*(https?://[^\s<]+)\s*</div>`)
	urlAttr      = regexp.MustCompile(`(?i)\b(src|href)\s*=\s*"([^"]*)"`)
	blockStart   = regexp.MustCompile(`(?i)^<(p|div|h[1-6]|ul|ol|li|blockquote|pre|figure|table|thead|tbody|tr|td|th|hr|dl|dt|dd|form|section|article|aside|header|footer|address|iframe|!--|/)`)
	preBlock     = regexp.MustCompile(`(?is)<pre[\s>].*?</pre>`)
)

// convert turns src into Markdown.
func (c *converter) convert(src string) (converted, error) {
	var out converted
	note := func(format string, args ...any) { out.Changes = append(out.Changes, fmt.Sprintf(format, args...)) }
	s := strings.ReplaceAll(strings.ReplaceAll(src, "\r\n", "\n"), "\r", "\n")
	if n := len(blockComment.FindAllString(s, -1)); n > 0 {
		s = blockComment.ReplaceAllString(s, "")
	} else if strings.TrimSpace(s) != "" {
		s = autop(s)
	}
	if loc := moreTag.FindStringIndex(s); loc != nil {
		out.Teaser = teaser(s[:loc[0]])
		s = moreTag.ReplaceAllString(s, "")
		note("<!--more--> removed: the text before it is the summary when the post has no excerpt")
	}
	if nextPage.MatchString(s) {
		s = nextPage.ReplaceAllString(s, "")
		note("<!--nextpage--> removed: the pages are one article")
	}
	s = c.shortcodes(s, note)
	s = embeds(s, note)
	if c.media != nil {
		s = c.rewriteMedia(s, note)
	}
	for _, r := range unsafeParts(s) {
		note("removed: %s", r)
	}
	safe := c.policy.Sanitize(s)
	for _, tag := range usedTags(safe, keptAsHTML) {
		note("kept as HTML: <%s>", tag)
	}
	md, err := c.md.ConvertString(safe)
	if err != nil {
		return out, fmt.Errorf("convert to Markdown: %w", err)
	}
	out.Body = strings.TrimSpace(md)
	return out, nil
}

// autop makes paragraphs of the blank-line-separated text the classic
// WordPress editor stores, as WordPress's own wpautop does when it shows
// the post. Blocks that are already HTML, and <pre>, are left as they are.
func autop(s string) string {
	var pres []string
	s = preBlock.ReplaceAllStringFunc(s, func(m string) string {
		pres = append(pres, m)
		return fmt.Sprintf("\x00pre%d\x00", len(pres)-1)
	})
	chunks := regexp.MustCompile(`\n\s*\n`).Split(s, -1)
	for i, ch := range chunks {
		ch = strings.TrimSpace(ch)
		if ch == "" || blockStart.MatchString(ch) || strings.HasPrefix(ch, "\x00pre") || strings.HasPrefix(ch, "[") && strings.HasSuffix(ch, "]") {
			chunks[i] = ch
			continue
		}
		chunks[i] = "<p>" + strings.ReplaceAll(ch, "\n", "<br>\n") + "</p>"
	}
	s = strings.Join(chunks, "\n\n")
	for i, p := range pres {
		s = strings.Replace(s, fmt.Sprintf("\x00pre%d\x00", i), p, 1)
	}
	return s
}

// shortcodes replaces the WordPress shortcodes HTML can say, and notes the
// ones it cannot, which stay as they are written.
func (c *converter) shortcodes(s string, note func(string, ...any)) string {
	s = captionSC.ReplaceAllStringFunc(s, func(m string) string {
		sub := captionSC.FindStringSubmatch(m)
		attrs := shortcodeAttrs(sub[1])
		img, text := sub[2], attrs["caption"]
		if parts := captionImg.FindStringSubmatch(sub[2]); parts != nil {
			img, text = parts[1], strings.TrimSpace(parts[2])+text
		}
		note("[caption] became a figure with its caption")
		return "\n\n<figure>" + img + "<figcaption>" + strings.TrimSpace(text) + "</figcaption></figure>\n\n"
	})
	s = gallerySC.ReplaceAllStringFunc(s, func(m string) string {
		var ids []string
		if v := shortcodeAttrs(gallerySC.FindStringSubmatch(m)[1])["ids"]; v != "" {
			ids = strings.Split(strings.ReplaceAll(v, " ", ""), ",")
		}
		var imgs []image
		if c.gallery != nil {
			imgs = c.gallery(ids)
		}
		if len(imgs) == 0 {
			note("[gallery] left out: the export holds none of its images")
			return ""
		}
		note("[gallery] became %d images", len(imgs))
		var b strings.Builder
		for _, im := range imgs {
			fmt.Fprintf(&b, "\n\n<p><img src=\"%s\" alt=\"%s\"></p>", xhtml.EscapeString(im.URL), xhtml.EscapeString(im.Alt))
		}
		return b.String() + "\n\n"
	})
	s = embedSC.ReplaceAllStringFunc(s, func(m string) string {
		u := strings.TrimSpace(embedSC.FindStringSubmatch(m)[1])
		note("[embed] became a link to %s", u)
		return linkPara(u)
	})
	s = urlSC.ReplaceAllStringFunc(s, func(m string) string {
		sub := urlSC.FindStringSubmatch(m)
		u := firstURL.FindString(sub[2] + " " + sub[3])
		if u == "" {
			note("[%s] left out: it names no address", sub[1])
			return ""
		}
		note("[%s] became a link to %s", sub[1], u)
		return linkPara(u)
	})
	s = codeSC.ReplaceAllStringFunc(s, func(m string) string {
		sub := codeSC.FindStringSubmatch(m)
		attrs := shortcodeAttrs(sub[2])
		lang := attrs["language"] + attrs["lang"]
		note("[%s] became a code block", sub[1])
		class := ""
		if lang != "" {
			class = ` class="language-` + xhtml.EscapeString(lang) + `"`
		}
		return "\n\n<pre><code" + class + ">" + sub[3] + "</code></pre>\n\n"
	})
	seen := map[string]bool{}
	for _, sub := range otherSC.FindAllStringSubmatch(s, -1) {
		if (sub[2] != "" || sub[3] == sub[1]) && !seen[sub[1]] {
			seen[sub[1]] = true
			note("shortcode [%s] is not known here: kept as text", sub[1])
		}
	}
	return s
}

func linkPara(u string) string {
	e := xhtml.EscapeString(u)
	return "\n\n<p><a href=\"" + e + "\">" + e + "</a></p>\n\n"
}

func shortcodeAttrs(s string) map[string]string {
	attrs := map[string]string{}
	for _, m := range scAttr.FindAllStringSubmatch(s, -1) {
		attrs[strings.ToLower(m[1])] = m[2] + m[3] + m[4]
	}
	return attrs
}

// embeds turns frames, players and embed blocks, which no page, feed or
// email here carries, into links to what they showed.
func embeds(s string, note func(string, ...any)) string {
	s = iframeTag.ReplaceAllStringFunc(s, func(m string) string {
		sub := iframeTag.FindStringSubmatch(m)
		note("<%s> became a link to %s", strings.ToLower(sub[1]), sub[2])
		return linkPara(xhtml.UnescapeString(sub[2]))
	})
	return embedWrapper.ReplaceAllStringFunc(s, func(m string) string {
		u := embedWrapper.FindStringSubmatch(m)[1]
		note("embed became a link to %s", u)
		return linkPara(xhtml.UnescapeString(u))
	})
}

// rewriteMedia points the links and images of uploaded files at their
// copies in the media store.
func (c *converter) rewriteMedia(s string, note func(string, ...any)) string {
	n := 0
	s = urlAttr.ReplaceAllStringFunc(s, func(m string) string {
		sub := urlAttr.FindStringSubmatch(m)
		if to := c.media(xhtml.UnescapeString(sub[2])); to != "" {
			n++
			return sub[1] + `="` + xhtml.EscapeString(to) + `"`
		}
		return m
	})
	if n > 0 {
		note("%d links to uploaded files now point to the media store", n)
	}
	return s
}

// unsafeParts names what the sanitiser will remove from s: elements that
// run code or load other documents, event handlers, javascript: links.
func unsafeParts(s string) []string {
	found := map[string]bool{}
	z := xhtml.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			continue
		}
		t := z.Token()
		switch t.Data {
		case "script", "style", "iframe", "object", "embed", "form", "input", "button", "textarea", "select", "link", "meta", "base", "frame", "frameset", "svg", "math":
			found["<"+t.Data+">"] = true
		}
		for _, a := range t.Attr {
			v := strings.ToLower(strings.TrimSpace(a.Val))
			switch {
			case strings.HasPrefix(a.Key, "on"):
				found["event handler "+a.Key] = true
			case a.Key == "style":
				found["style attribute"] = true
			case strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:text"):
				found["script link in "+a.Key] = true
			}
		}
	}
	out := make([]string, 0, len(found))
	for k := range found {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// usedTags returns which of tags s uses, in the order of tags.
func usedTags(s string, tags []string) []string {
	var used []string
	for _, t := range tags {
		if strings.Contains(s, "<"+t+">") || strings.Contains(s, "<"+t+" ") {
			used = append(used, t)
		}
	}
	return used
}

// plain is the text of an HTML fragment on one line.
func plain(s string) string {
	return strings.Join(strings.Fields(html2text.HTML2TextWithOptions(s, html2text.WithLinksInnerText())), " ")
}

// teaser is the plain text before <!--more-->, cut to a summary's length.
func teaser(s string) string {
	return cut(plain(blockComment.ReplaceAllString(s, "")), 500)
}

// cut shortens s to at most n runes, at a word break, with an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	if i := strings.LastIndexByte(string(r), ' '); i > 0 {
		return string(r)[:i] + "…"
	}
	return string(r) + "…"
}
