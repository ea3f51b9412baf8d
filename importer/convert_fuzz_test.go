package importer

import (
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"

	"github.com/newsdesk/newsdesk/feeds"
)

// Whatever a post's HTML holds, its Markdown renders to HTML with no
// script, frame or event handler in it.
func FuzzConvert(f *testing.F) {
	for _, s := range []string{
		`<p onclick="x()">a</p><script>alert(1)</script>`,
		`[caption id="a"]<img src="x.jpg" onerror="y()"> cap[/caption]`,
		`<!-- wp:embed --><figure><div class="wp-block-embed__wrapper">https://e.x/v</div></figure>`,
		"[code lang=\"go\"]<script>x</script>[/code]\n\n<a href=\"javascript:alert(1)\">x</a>",
		`<iframe src="javascript:alert(1)"></iframe><!--more-->[gallery ids="1"]`,
	} {
		f.Add(s)
	}
	md := feeds.NewMarkdown()
	f.Fuzz(func(t *testing.T, src string) {
		c := newConverter()
		c.gallery = func([]string) []image { return []image{{URL: "https://e.x/a.png", Alt: src}} }
		out, err := c.convert(src)
		if err != nil {
			return
		}
		html, err := md.Render(out.Body)
		if err != nil {
			return
		}
		z := xhtml.NewTokenizer(strings.NewReader(html))
		for tt := z.Next(); tt != xhtml.ErrorToken; tt = z.Next() {
			tok := z.Token()
			if tok.Type != xhtml.StartTagToken && tok.Type != xhtml.SelfClosingTagToken {
				continue // text that reads "script" is not an element
			}
			switch tok.Data {
			case "script", "iframe", "style", "object", "embed", "form":
				t.Fatalf("%q rendered with <%s>:\n%s", src, tok.Data, html)
			}
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(a.Key, "on") || strings.HasPrefix(v, "javascript:") {
					t.Fatalf("%q rendered with %s=%q:\n%s", src, a.Key, a.Val, html)
				}
			}
		}
	})
}
