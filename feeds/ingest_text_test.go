package feeds

import (
	"html"
	"net/url"
	"strings"
	"testing"
)

func TestPlainText(t *testing.T) {
	for in, want := range map[string]string{
		"Plain  title\n":                        "Plain title",
		"A &amp; B &lt;c&gt;":                   "A & B <c>",
		"<p>One</p><p>Two<br>three</p>":         "One Two three",
		"Appeals <b>backlog</b>, <em>50</em>%.": "Appeals backlog, 50%.",
		"<script>alert(1)</script>Safe<style>p{}</style> text<iframe>x</iframe>": "Safe text",
		"dues < costs":                          "dues < costs",
		"a\x00b\x0bc":                           "abc",
		`<a title="x>y" href="/">link</a> text`: "link text",
		"<!-- note -->Text<![CDATA[x]]>":        "Text",
		"<p>Unclosed <b":                        "Unclosed",
		"<SCRIPT>x</SCRIPT>y":                   "y",
		"1 <2 and 3> 2":                         "1 <2 and 3> 2",
	} {
		if got := plainText(in); got != want {
			t.Errorf("plainText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPlainTextShortcutAgreesWithTokenizer checks the tag stripper against
// the tokenizer wherever the stripper takes the input on.
func TestPlainTextShortcutAgreesWithTokenizer(t *testing.T) {
	inputs := []string{
		"<p>One &amp; two</p><ul><li>three</li><li>four</li></ul>",
		`<p class="x">Caf&eacute; <a href="/a?b=1&amp;c=2" title='q"uote'>link</a></p>`,
		"x <br/> y <img src=x alt=\"a > b\"> z", "a<b>b</b>c", "<h1>T</h1>t", "5 < 6 > 4",
		"<p>Unclosed <b", "<p>text</p", "&lt;p&gt;escaped&lt;/p&gt;", "<div>\n\t<span>x</span>\n</div>",
	}
	for _, in := range inputs {
		text, ok := stripSimpleTags(in)
		if !ok {
			continue
		}
		got := strings.Join(strings.Fields(CleanXMLText(html.UnescapeString(text))), " ")
		if want := tokenizedText(in); got != want {
			t.Errorf("%q: shortcut %q, tokenizer %q", in, got, want)
		}
	}
}

func TestResolveSanitized(t *testing.T) {
	base, _ := url.Parse("https://site.example/2026/11/post/")
	for in, want := range map[string]string{
		`<a href="https://other.example/x">x</a>`:                             `<a href="https://other.example/x">x</a>`,
		`<a href="/a?b=1&amp;c=2">x</a> <img src="img/p.png" alt="">`:         `<a href="https://site.example/a?b=1&amp;c=2">x</a> <img src="https://site.example/2026/11/post/img/p.png" alt="">`,
		`<a href="#notes">n</a><blockquote cite="../q">q</blockquote>`:        `<a href="https://site.example/2026/11/post/#notes">n</a><blockquote cite="https://site.example/2026/11/q">q</blockquote>`,
		`<a href="//cdn.example/x" title="a href=&#34;/x&#34;">x</a>`:         `<a href="https://cdn.example/x" title="a href=&#34;/x&#34;">x</a>`,
		`<p>src="/not-an-attribute" in text is escaped: src=&#34;/x&#34;</p>`: `<p>src="/not-an-attribute" in text is escaped: src=&#34;/x&#34;</p>`,
		`<a href="mailto:ed@site.example">mail</a>`:                           `<a href="mailto:ed@site.example">mail</a>`,
	} {
		if got := resolveSanitized(in, base); got != want {
			t.Errorf("resolveSanitized(%s)\n got %s\nwant %s", in, got, want)
		}
	}
}

func TestXMLEncoding(t *testing.T) {
	for in, want := range map[string]string{
		`<?xml version="1.0" encoding="ISO-8859-1"?><rss/>`:    "iso-8859-1",
		"  \n<?xml version='1.0' encoding = 'windows-1252' ?>": "windows-1252",
		`<?xml version="1.0"?><rss encoding="x"/>`:             "",
		`<rss/>`: "",
		`{"version": "https://jsonfeed.org/version/1.1"}`: "",
	} {
		if got := xmlEncoding([]byte(in)); got != want {
			t.Errorf("xmlEncoding(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPlainTextVoidHiddenElements(t *testing.T) {
	for in, want := range map[string]string{
		`Before <embed src="/a.swf"> after`:                                         "Before after",
		`<object data="x"><param name="a" value="b"><embed src="x"></object> after`: "after",
		`A <embed src="x"/> b <embed src="y"></embed> c`:                            "A b c",
		`<iframe src="/f"></iframe>shown<script>hidden</script> too`:                "shown too",
	} {
		if got := plainText(in); got != want {
			t.Errorf("plainText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGuessedKind(t *testing.T) {
	for in, want := range map[string]textKind{
		"Using List<T> in C#":           kindText,
		"a < b and c > d":               kindText,
		"<b>Bold</b> move":              kindHTML,
		"Fish &amp; chips":              kindHTML,
		"<script>x</script>Safe":        kindHTML,
		"Map<K, V> is </K>":             kindText,
		`Clip <embed src="x"> stays`:    kindText,
		`Clip <embed src="x"> <b>b</b>`: kindHTML,
	} {
		if got := guessedKind(in); got != want {
			t.Errorf("guessedKind(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestFromUTF16(t *testing.T) {
	le := []byte{'<', 0, 'r', 0, '/', 0, '>', 0}
	for _, c := range []struct {
		body    []byte
		charset string
		want    string
		ok      bool
	}{
		{append([]byte{0xff, 0xfe}, le...), "", "<r/>", true},
		{[]byte{0xfe, 0xff, 0, '<', 0, 'r', 0, '/', 0, '>'}, "utf-8", "<r/>", true}, // the mark wins
		{le, "utf-16", "<r/>", true},                                                // no mark: the zero bytes say little-endian
		{le, "UTF-16LE", "<r/>", true},
		{[]byte{0, '<', 0, 'r', 0, '/', 0, '>'}, "utf-16", "<r/>", true},
		{[]byte("<r/>"), "utf-8", "", false},
		{[]byte(`<?xml version="1.0"?><r/>`), "utf-16", "", false}, // a server that says UTF-16 of an 8-bit document
		{[]byte{'<', 0, '?', 0, 'x', 0, 'm', 0, 'l', 0, ' ', 0, 'e', 0, 'n', 0, 'c', 0, 'o', 0, 'd', 0, 'i', 0, 'n', 0, 'g', 0,
			'=', 0, '\'', 0, 'U', 0, 'T', 0, 'F', 0, '-', 0, '1', 0, '6', 0, '\'', 0, '?', 0, '>', 0}, "", "<?xml encoding='utf-8'?>", true},
	} {
		got, ok := fromUTF16(c.body, c.charset)
		if ok != c.ok || string(got) != c.want {
			t.Errorf("fromUTF16(%q, %q) = %q, %v; want %q, %v", c.body, c.charset, got, ok, c.want, c.ok)
		}
	}
}
