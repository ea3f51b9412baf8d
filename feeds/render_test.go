package feeds

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

var update = flag.Bool("update", false, "rewrite golden files")

const testBase = "https://example.org"

var (
	testTokyo  = time.FixedZone("JST", 9*60*60)
	testParis  = time.FixedZone("CET", 60*60)
	testJane   = &newsdesk.Author{ID: 1, Slug: "jane-doe", Name: "Jane O’Neil & Co", Email: "jane@example.org"}
	testHanako = &newsdesk.Author{ID: 2, Slug: "hanako-sato", Name: "佐藤 花子", Email: "hanako@example.org"}
	testEcon   = &newsdesk.Category{ID: 1, Slug: "economy", Name: "Economy"}
	testShip   = &newsdesk.Category{ID: 2, Slug: "shipping", Name: "Shipping & Ports"}
	testPorts  = &newsdesk.Category{ID: 3, Slug: "ports", Name: "港湾"}
)

// testDues has an awkward title, relative URLs, an image and control
// characters that XML forbids.
func testDues() *newsdesk.Article {
	return &newsdesk.Article{
		ID: 3, UID: "tag:example.org,2025-03-04:article/3", Slug: "harbour-dues-qa",
		Title:   "Why “dues < costs” & the <b> tag matter",
		Summary: "Port dues rise 4% in 2025 \x0b& what it means for <shippers>.",
		HTML: "<p>Dues rose, as <a href=\"../category/economy\">our economy desk</a> and " +
			"<a href=\"/about#method\">our method</a> show.\x01</p>\n" +
			"<p><img src=\"chart.png\" srcset=\"chart.png 1x, /media/chart@2x.png 2x\" alt=\"Dues, 2020–2025\"></p>\n" +
			"<p>Fees &amp; charges, <em>“quoted”</em>: see <a href=\"https://example.com/report?a=1&amp;b=2\">the report</a>.</p>\n",
		Image: "/media/cranes.jpg", Author: testJane, Categories: []*newsdesk.Category{testEcon, testShip},
		Status:      newsdesk.StatusPublished,
		PublishedAt: time.Date(2025, 3, 4, 9, 30, 0, 0, time.UTC),
		CreatedAt:   time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC),
		UpdatedAt:   time.Date(2025, 3, 5, 11, 0, 0, 500, testParis),
	}
}

// testYokohama is in Japanese, and its stored update time is before its
// publication time.
func testYokohama() *newsdesk.Article {
	return &newsdesk.Article{
		ID: 2, UID: "tag:example.org,2025-02-28:article/2", Slug: "yokohama-sea-level",
		Title:   "横浜港の未来：海面上昇への備え",
		Summary: "横浜と神戸の港湾都市は、海面上昇にどう備えているのか。",
		HTML:    "<p>横浜港は防潮堤の<strong>かさ上げ</strong>を進めている。</p>\n<p><a href=\"https://example.com/report\">報告書</a></p>\n",
		Author:  testHanako, Categories: []*newsdesk.Category{testPorts},
		Status:      newsdesk.StatusPublished,
		PublishedAt: time.Date(2025, 3, 2, 9, 0, 0, 0, testTokyo),
		CreatedAt:   time.Date(2025, 2, 28, 9, 0, 0, 0, time.UTC),
		UpdatedAt:   time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC),
	}
}

// testNote has no author, categories, image or summary.
func testNote() *newsdesk.Article {
	return &newsdesk.Article{
		ID: 1, UID: "tag:example.org,2025-02-20:article/1", Slug: "editors-note",
		Title:       "Editor’s note: our corrections policy",
		HTML:        "<p>When we get something wrong, we say so <a href=\"#corrections\">below</a>.</p>\n<h2 id=\"corrections\">Corrections</h2>\n<p>None yet.</p>\n",
		Status:      newsdesk.StatusPublished,
		PublishedAt: time.Date(2025, 2, 20, 12, 0, 0, 0, time.UTC),
		CreatedAt:   time.Date(2025, 2, 20, 12, 0, 0, 0, time.UTC),
		UpdatedAt:   time.Date(2025, 2, 20, 12, 0, 0, 0, time.UTC),
	}
}

// testFile is each format's file name, as the site serves it.
var testFile = map[Format]string{RSS: "feed.xml", Atom: "atom.xml", JSON: "feed.json"}

// testSiteMeta describes the site-wide feed in format f.
func testSiteMeta(f Format) Meta {
	return Meta{
		Title: "The Harbour Review", Description: "Ports, shipping & coastal economies, explained",
		Language: "en-GB", BaseURL: testBase, HomeURL: testBase + "/",
		SelfURL: testBase + "/" + testFile[f], ID: testBase + "/",
		Updated: time.Date(2025, 3, 5, 10, 0, 0, 0, time.UTC),
	}
}

// testEconomyMeta describes the economy category's feed, with a WebSub hub.
func testEconomyMeta(f Format) Meta {
	home := testBase + "/category/economy"
	return Meta{
		Title: "The Harbour Review: Economy", Description: "Articles in Economy from The Harbour Review",
		Language: "en-GB", BaseURL: testBase, HomeURL: home, SelfURL: home + "/" + testFile[f], ID: home,
		Hub: "https://hub.example.net/", Updated: time.Date(2025, 3, 5, 10, 0, 0, 0, time.UTC),
	}
}

type renderCase struct {
	name     string
	meta     func(Format) Meta
	articles []*newsdesk.Article
}

var renderCases = []renderCase{
	{"site", testSiteMeta, []*newsdesk.Article{testDues(), testYokohama(), testNote()}},
	{"empty", testSiteMeta, nil},
	{"hub", testEconomyMeta, []*newsdesk.Article{testDues()}},
}

var testFormats = []Format{RSS, Atom, JSON}

func TestRenderGolden(t *testing.T) {
	for _, c := range renderCases {
		for _, f := range testFormats {
			t.Run(c.name+"/"+string(f), func(t *testing.T) {
				got := mustRender(t, f, c.meta(f), c.articles)
				again := mustRender(t, f, c.meta(f), c.articles)
				if !bytes.Equal(got, again) {
					t.Fatal("two renders of the same input differ")
				}
				checkGolden(t, filepath.Join("testdata", "publish", c.name+"."+string(f)+".golden"), got)
			})
		}
	}
}

func mustRender(t *testing.T, f Format, m Meta, articles []*newsdesk.Article) []byte {
	t.Helper()
	b, err := Render(f, m, articles)
	if err != nil {
		t.Fatalf("Render(%s): %v", f, err)
	}
	return b
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output; got:\n%s", path, got)
	}
}

func TestContentType(t *testing.T) {
	tests := map[Format]string{
		RSS:  "application/rss+xml; charset=utf-8",
		Atom: "application/atom+xml; charset=utf-8",
		JSON: "application/feed+json; charset=utf-8",
	}
	for f, want := range tests {
		if got := f.ContentType(); got != want {
			t.Errorf("%s.ContentType() = %q, want %q", f, got, want)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	noUID := testNote()
	noUID.UID = ""
	tests := []struct {
		name     string
		format   Format
		meta     func(Meta) Meta
		articles []*newsdesk.Article
	}{
		{"unknown format", "rdf", func(m Meta) Meta { return m }, nil},
		{"no title", RSS, func(m Meta) Meta { m.Title = "\x00"; return m }, nil},
		{"no self URL", Atom, func(m Meta) Meta { m.SelfURL = ""; return m }, nil},
		{"no id", Atom, func(m Meta) Meta { m.ID = ""; return m }, nil},
		{"no update time", JSON, func(m Meta) Meta { m.Updated = time.Time{}; return m }, nil},
		{"article without UID", RSS, func(m Meta) Meta { return m }, []*newsdesk.Article{noUID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(tt.format, tt.meta(testSiteMeta(tt.format)), tt.articles)
			if code := newsdesk.ErrorCode(err); code != newsdesk.EINVALID {
				t.Errorf("error %v has code %q, want %q", err, code, newsdesk.EINVALID)
			}
		})
	}
}

func TestRenderKeepsEmailsOut(t *testing.T) {
	for _, f := range testFormats {
		b := mustRender(t, f, testSiteMeta(f), []*newsdesk.Article{testDues(), testYokohama()})
		if bytes.Contains(b, []byte("@example.org")) {
			t.Errorf("%s feed shows an author's email address:\n%s", f, b)
		}
	}
}

// rssTest is the part of an RSS document the tests read back.
type rssTest struct {
	Channel struct {
		Title     string `xml:"title"`
		Language  string `xml:"language"`
		Generator string `xml:"generator"`
		Links     []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"http://www.w3.org/2005/Atom link"`
		Items []struct {
			Title       string   `xml:"title"`
			Link        string   `xml:"link"`
			Description string   `xml:"description"`
			Content     string   `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			Creator     string   `xml:"http://purl.org/dc/elements/1.1/ creator"`
			Categories  []string `xml:"category"`
			GUID        struct {
				IsPermaLink string `xml:"isPermaLink,attr"`
				ID          string `xml:",chardata"`
			} `xml:"guid"`
			PubDate string `xml:"pubDate"`
		} `xml:"item"`
	} `xml:"channel"`
}

func TestRenderRSSReadsBack(t *testing.T) {
	a := testDues()
	var doc rssTest
	decodeXML(t, mustRender(t, RSS, testEconomyMeta(RSS), []*newsdesk.Article{a}), &doc)
	ch := doc.Channel
	if ch.Title != "The Harbour Review: Economy" || ch.Language != "en-GB" || ch.Generator != Generator {
		t.Errorf("channel = %q, %q, %q", ch.Title, ch.Language, ch.Generator)
	}
	if len(ch.Links) != 2 || ch.Links[0].Rel != "self" || ch.Links[0].Href != testBase+"/category/economy/feed.xml" || ch.Links[1].Rel != "hub" {
		t.Errorf("atom:links = %+v", ch.Links)
	}
	if len(ch.Items) != 1 {
		t.Fatalf("%d items, want 1", len(ch.Items))
	}
	it := ch.Items[0]
	checkEqual(t, "title", it.Title, a.Title)
	checkEqual(t, "link", it.Link, testBase+"/articles/harbour-dues-qa")
	checkEqual(t, "description", it.Description, "Port dues rise 4% in 2025 &amp; what it means for &lt;shippers&gt;.")
	checkEqual(t, "dc:creator", it.Creator, "Jane O’Neil & Co")
	checkEqual(t, "guid", it.GUID.ID+" "+it.GUID.IsPermaLink, a.UID+" false")
	checkEqual(t, "pubDate", it.PubDate, "Tue, 04 Mar 2025 09:30:00 +0000")
	checkEqual(t, "categories", strings.Join(it.Categories, "|"), "Economy|Shipping & Ports")
	for _, want := range []string{`src="https://example.org/media/cranes.jpg"`, `href="https://example.org/category/economy"`} {
		if !strings.Contains(it.Content, want) {
			t.Errorf("content:encoded lacks %s:\n%s", want, it.Content)
		}
	}
}

// atomTest is the part of an Atom document the tests read back.
type atomTest struct {
	ID      string `xml:"id"`
	Lang    string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Updated string `xml:"updated"`
	Author  struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Links []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID        string `xml:"id"`
		Title     string `xml:"title"`
		Published string `xml:"published"`
		Updated   string `xml:"updated"`
		Author    struct {
			Name string `xml:"name"`
			URI  string `xml:"uri"`
		} `xml:"author"`
		Categories []struct {
			Term   string `xml:"term,attr"`
			Label  string `xml:"label,attr"`
			Scheme string `xml:"scheme,attr"`
		} `xml:"category"`
		Summary struct {
			Type string `xml:"type,attr"`
			Text string `xml:",chardata"`
		} `xml:"summary"`
		Content struct {
			Type string `xml:"type,attr"`
			Text string `xml:",chardata"`
		} `xml:"content"`
	} `xml:"entry"`
}

func TestRenderAtomReadsBack(t *testing.T) {
	var doc atomTest
	decodeXML(t, mustRender(t, Atom, testSiteMeta(Atom), []*newsdesk.Article{testDues(), testYokohama()}), &doc)
	checkEqual(t, "id", doc.ID, testBase+"/")
	checkEqual(t, "xml:lang", doc.Lang, "en-GB")
	checkEqual(t, "updated", doc.Updated, "2025-03-05T10:00:00Z")
	checkEqual(t, "feed author", doc.Author.Name, "The Harbour Review")
	if len(doc.Links) != 2 || doc.Links[0].Rel != "alternate" || doc.Links[1].Rel != "self" {
		t.Errorf("links = %+v", doc.Links)
	}
	if len(doc.Entries) != 2 {
		t.Fatalf("%d entries, want 2", len(doc.Entries))
	}
	e := doc.Entries[0]
	checkEqual(t, "entry id", e.ID, testDues().UID)
	checkEqual(t, "title", e.Title, testDues().Title)
	checkEqual(t, "published", e.Published, "2025-03-04T09:30:00Z")
	checkEqual(t, "updated", e.Updated, "2025-03-05T10:00:00Z")
	checkEqual(t, "author", e.Author.Name+" "+e.Author.URI, "Jane O’Neil & Co "+testBase+"/author/jane-doe")
	checkEqual(t, "summary", e.Summary.Type+" "+e.Summary.Text, "text Port dues rise 4% in 2025 & what it means for <shippers>.")
	checkEqual(t, "content type", e.Content.Type, "html")
	if len(e.Categories) != 2 || e.Categories[1].Term != "shipping" || e.Categories[1].Label != "Shipping & Ports" ||
		e.Categories[1].Scheme != testBase+"/category/" {
		t.Errorf("categories = %+v", e.Categories)
	}
	y := doc.Entries[1]
	if y.Updated != y.Published || y.Published != "2025-03-02T00:00:00Z" {
		t.Errorf("updated %s, published %s: want both 2025-03-02T00:00:00Z", y.Updated, y.Published)
	}
}

func decodeXML(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := xml.Unmarshal(b, v); err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, b)
	}
}

func checkEqual(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

// jsonTest is a JSON Feed 1.1 document, as far as the tests read it.
type jsonTest struct {
	Version     string `json:"version"`
	Title       string `json:"title"`
	HomePageURL string `json:"home_page_url"`
	FeedURL     string `json:"feed_url"`
	Language    string `json:"language"`
	Authors     []struct {
		Name string `json:"name"`
	} `json:"authors"`
	Hubs []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"hubs"`
	Items *[]struct {
		ID            string   `json:"id"`
		URL           string   `json:"url"`
		Title         string   `json:"title"`
		ContentHTML   string   `json:"content_html"`
		Summary       string   `json:"summary"`
		Image         string   `json:"image"`
		DatePublished string   `json:"date_published"`
		DateModified  string   `json:"date_modified"`
		Tags          []string `json:"tags"`
		Authors       []struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"authors"`
	} `json:"items"`
}

func TestRenderJSONReadsBack(t *testing.T) {
	for _, c := range renderCases {
		t.Run(c.name, func(t *testing.T) {
			var doc jsonTest
			b := mustRender(t, JSON, c.meta(JSON), c.articles)
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatalf("output does not parse: %v\n%s", err, b)
			}
			m := c.meta(JSON)
			checkEqual(t, "version", doc.Version, "https://jsonfeed.org/version/1.1")
			checkEqual(t, "feed_url", doc.FeedURL, m.SelfURL)
			checkEqual(t, "home_page_url", doc.HomePageURL, m.HomeURL)
			checkEqual(t, "language", doc.Language, "en-GB")
			if len(doc.Authors) != 1 || doc.Authors[0].Name != m.Title {
				t.Errorf("authors = %+v", doc.Authors)
			}
			if (m.Hub != "") != (len(doc.Hubs) == 1) {
				t.Errorf("hubs = %+v with hub %q", doc.Hubs, m.Hub)
			}
			checkJSONItems(t, &doc, c.articles)
		})
	}
}

func checkJSONItems(t *testing.T, doc *jsonTest, articles []*newsdesk.Article) {
	t.Helper()
	if doc.Items == nil || len(*doc.Items) != len(articles) {
		t.Fatalf("items = %v, want %d", doc.Items, len(articles))
	}
	for i, it := range *doc.Items {
		a := articles[i]
		checkEqual(t, "id", it.ID, a.UID)
		checkEqual(t, "url", it.URL, testBase+"/articles/"+a.Slug)
		checkEqual(t, "title", it.Title, a.Title)
		checkEqual(t, "summary", it.Summary, CleanXMLText(a.Summary))
		if it.ContentHTML == "" || it.DatePublished == "" || it.DateModified < it.DatePublished {
			t.Errorf("item %d: content_html %q, published %q, modified %q", i, it.ContentHTML, it.DatePublished, it.DateModified)
		}
		if len(it.Tags) != len(a.Categories) || (a.Author != nil) != (len(it.Authors) == 1) {
			t.Errorf("item %d: tags %v, authors %+v", i, it.Tags, it.Authors)
		}
	}
}

// BenchmarkRender renders a feed of 20 articles of about 4 KB of HTML each.
func BenchmarkRender(b *testing.B) {
	html := strings.Repeat(`<p>Dues rose, as <a href="../category/economy">our desk</a> shows: “fees &amp; charges” <img src="c.png" alt=""></p>`+"\n", 35)
	var articles []*newsdesk.Article
	for range 20 {
		a := testDues()
		a.HTML = html
		articles = append(articles, a)
	}
	for _, f := range testFormats {
		b.Run(string(f), func(b *testing.B) {
			for b.Loop() {
				if _, err := Render(f, testSiteMeta(f), articles); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
