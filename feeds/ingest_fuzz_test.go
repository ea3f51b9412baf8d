package feeds

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newsdesk/newsdesk"
	xhtml "golang.org/x/net/html"
)

// FuzzIngest feeds raw bytes, as a server might send them, through
// parsing, sanitising and storing, then reads back what was stored: it must
// never panic, and what is stored must be valid, safe and linkable.
func FuzzIngest(f *testing.F) {
	// Small seeds: the fuzzer minimises every new input it finds, which
	// takes time in proportion to the input's size.
	f.Add([]byte(twoItems()), "application/rss+xml")
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://a.example/b/"><title type="html">&lt;i>T&lt;/i></title>`+
		`<entry><id>1</id><link href="c"/><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><a href="d">x</a></div></content></entry></feed>`),
		"application/atom+xml")
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "+
		"xmlns=\"http://purl.org/rss/1.0/\"><item><title>caf\xe9</title><link>x</link></item></rdf:RDF>"), "text/xml")
	f.Add([]byte(testRSS(testItem{Title: "<b>x</b>", Link: "/rel", Content: hostile})), "text/xml; charset=windows-1252")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":1,"url":7}]}`), "application/json")
	f.Add([]byte("<rss><channel><item><title>\xff\xfe</title></item></channel></rss>"), "text/xml; charset=bogus")
	f.Add([]byte("\xff\xfe<\x00r\x00s\x00s\x00>\x00"), "text/xml; charset=utf-16")
	f.Add([]byte(`<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><title mode="base64">PGI+VDwvYj4=</title>`+
		`<summary type="text/html" mode="escaped">&lt;embed src=x>a</summary><link href="http://a.example/"/></entry></feed>`), "application/atom+xml")
	e := newIngestEnv(f)
	e.in.init()
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		// A source of its own each time, removed afterwards, keeps the
		// store small and the check to this input's items.
		src := &newsdesk.Source{URL: "https://fuzz.example/feed.xml"}
		if err := e.store.CreateSource(context.Background(), src); err != nil {
			t.Fatal(err)
		}
		defer e.store.DeleteSource(context.Background(), src.ID)
		res := &IngestResult{Source: src}
		got := &fetched{Status: http.StatusOK, Body: body, Header: http.Header{"Content-Type": {contentType}}}
		items, err := e.in.absorb(context.Background(), src, got, testNow, res)
		if err != nil {
			return // a bad document is an error on the source, which is fine
		}
		if e.in.store([]*pendingFetch{{res: res, items: items, save: true}}); res.Err != nil {
			t.Fatalf("storing: %v", res.Err)
		}
		stored, _, err := e.store.FindItems(context.Background(), newsdesk.ItemFilter{SourceID: &src.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != res.New {
			t.Fatalf("%d items stored, %d reported new", len(stored), res.New)
		}
		for _, it := range stored {
			checkStoredItem(t, it)
		}
	})
}

// checkStoredItem fails the test for an item newsdesk must never store.
func checkStoredItem(t *testing.T, it *newsdesk.Item) {
	t.Helper()
	if !isHTTPURL(it.URL) || it.Title == "" || it.Hash == "" {
		t.Fatalf("item without a link, title or hash: %+v", it)
	}
	for _, s := range []string{it.Title, it.Summary, it.ContentHTML, it.Author, it.GUID, it.URL} {
		if !utf8.ValidString(s) || s != CleanXMLText(s) {
			t.Fatalf("stored text is not clean UTF-8: %q", s)
		}
	}
	if bad := unsafeMarkup(it.ContentHTML); bad != "" {
		t.Fatalf("stored HTML holds %s: %s", bad, it.ContentHTML)
	}
}

// unsafeMarkup names the first thing in html that could run code or load
// a frame, or returns "".
func unsafeMarkup(html string) string {
	z := xhtml.NewTokenizer(strings.NewReader(html))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return ""
		}
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "script", "iframe", "style", "object", "embed", "form", "frame", "base", "meta", "link":
			return "<" + tok.Data + ">"
		}
		for _, a := range tok.Attr {
			v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
			if strings.HasPrefix(a.Key, "on") || a.Key == "style" ||
				strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") || strings.HasPrefix(v, "vbscript:") {
				return a.Key + "=" + a.Val
			}
		}
	}
}
