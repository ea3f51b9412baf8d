package feeds

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"testing"

	"github.com/newsdesk/newsdesk"
)

func FuzzRender(f *testing.F) {
	f.Add("Why “dues < costs” & the <b> tag matter", "a\x0bb & <c>", `<p><a href="../x">x</a><img srcset="a.png 1x, b.png 2x"></p>`)
	f.Add("横浜港の未来", "", "]]><![CDATA[ <!-- --> &amp;")
	f.Add("\x00\ufffe\xed\xa0\x80", "\r\n\t", `<a href="http://[::1">`)
	f.Add("&#x26; &lt;", "]]>", "<script>alert(1)</script><style>a{}</style><svg><a href=x/></svg>")
	f.Fuzz(func(t *testing.T, title, summary, html string) {
		a := testDues()
		a.Title, a.Summary, a.HTML = title, summary, html
		articles := []*newsdesk.Article{a, testNote()}
		checkRSSFuzz(t, mustRender(t, RSS, testEconomyMeta(RSS), articles), title)
		checkAtomFuzz(t, mustRender(t, Atom, testEconomyMeta(Atom), articles), title)
		checkJSONFuzz(t, mustRender(t, JSON, testEconomyMeta(JSON), articles), title)
	})
}

func checkRSSFuzz(t *testing.T, b []byte, title string) {
	checkWellFormed(t, b)
	var doc rssTest
	decodeXML(t, b, &doc)
	if got, want := doc.Channel.Items[0].Title, CleanXMLText(title); got != want {
		t.Fatalf("RSS title = %q, want %q", got, want)
	}
}

func checkAtomFuzz(t *testing.T, b []byte, title string) {
	checkWellFormed(t, b)
	var doc atomTest
	decodeXML(t, b, &doc)
	if got, want := doc.Entries[0].Title, CleanXMLText(title); got != want {
		t.Fatalf("Atom title = %q, want %q", got, want)
	}
}

func checkJSONFuzz(t *testing.T, b []byte, title string) {
	var doc jsonTest
	if err := json.Unmarshal(b, &doc); err != nil || doc.Items == nil {
		t.Fatalf("JSON output does not parse (%v):\n%s", err, b)
	}
	if got, want := (*doc.Items)[0].Title, CleanXMLText(title); got != want {
		t.Fatalf("JSON title = %q, want %q", got, want)
	}
}

// checkWellFormed reads every token of an XML document with a strict decoder.
func checkWellFormed(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, b)
		}
	}
}
