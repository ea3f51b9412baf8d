package feeds

import (
	"bytes"
	"context"
	"encoding/xml"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

// testRelatedMeta describes the related-reading feed in format f.
func testRelatedMeta(f Format) Meta {
	return Meta{
		Title: "The Harbour Review: Related reading", Description: "Reading from other publications",
		Language: "en-GB", BaseURL: testBase, HomeURL: testBase + "/",
		SelfURL: testBase + "/related/" + testFile[f], ID: "tag:example.org,2025-01-01:feed:related",
		Updated: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
	}
}

func testRelatedItems() []*newsdesk.Item {
	watch := &newsdesk.Source{ID: 1, URL: "https://harbourwatch.example/feed.xml", Title: "Harbour Watch & Co",
		SiteURL: "https://harbourwatch.example/", Category: &newsdesk.Category{Slug: "economy", Name: "Economy"}}
	ledger := &newsdesk.Source{ID: 2, URL: "https://cityledger.example/feed.atom"} // never titled
	return []*newsdesk.Item{
		{ID: 3, SourceID: 2, Source: ledger, Hash: "c3", URL: "https://cityledger.example/rents",
			Title: "Rents rose faster than wages “again”", Summary: "Median rents rose 6% while wages grew 3% <sic>.",
			ContentHTML: `<p>Our <a href="https://cityledger.example/data.csv">data</a> &amp; charts.</p>`,
			PublishedAt: time.Date(2026, 11, 19, 9, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)},
		{ID: 2, SourceID: 1, Source: watch, Hash: "a2", URL: "https://harbourwatch.example/dredging",
			Title: "Dredging – what the tender says", Summary: "The tender puts dredging at £180m.", Author: "Ines Moreau",
			ContentHTML: `<p>The harbour board’s <a href="https://harbourwatch.example/tender.pdf">tender</a>.</p><p><img src="https://harbourwatch.example/c.png" alt="The channel"></p>`,
			PublishedAt: time.Date(2026, 11, 16, 8, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 11, 16, 8, 0, 0, 0, time.UTC)},
		{ID: 1, SourceID: 1, Source: watch, Hash: "a1", URL: "https://harbourwatch.example/shore-power",
			Title: "Shore power slips", Summary: "",
			PublishedAt: time.Date(2026, 11, 10, 7, 30, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)},
	}
}

func TestRenderRelatedGolden(t *testing.T) {
	for _, f := range []Format{RSS, Atom} {
		t.Run(string(f), func(t *testing.T) {
			got, err := RenderRelated(f, testRelatedMeta(f), testRelatedItems())
			if err != nil {
				t.Fatal(err)
			}
			checkWellFormed(t, got)
			checkGolden(t, filepath.Join("testdata", "publish", "related."+string(f)+".golden"), got)
		})
	}
	if _, err := RenderRelated(JSON, testRelatedMeta(JSON), nil); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("related JSON: %v", err)
	}
}

func TestRenderRelatedCreditsSources(t *testing.T) {
	b, _ := RenderRelated(Atom, testRelatedMeta(Atom), testRelatedItems())
	var doc struct {
		Entries []struct {
			Author *testPerson `xml:"author"`
			Source struct {
				ID      string      `xml:"id"`
				Title   string      `xml:"title"`
				Updated string      `xml:"updated"`
				Author  *testPerson `xml:"author"`
			} `xml:"source"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	ledger, dredging := doc.Entries[0], doc.Entries[1]
	if ledger.Author != nil || ledger.Source.Author == nil || ledger.Source.Author.Name != "cityledger.example" {
		t.Errorf("an entry with no author must credit its source: %+v", ledger)
	}
	if dredging.Author == nil || dredging.Source.Author != nil || dredging.Source.Title != "Harbour Watch & Co" {
		t.Errorf("an entry with an author: %+v", dredging)
	}
	if dredging.Source.Updated != "2026-11-16T08:00:00Z" || dredging.Source.ID != "https://harbourwatch.example/feed.xml" {
		t.Errorf("source: %+v", dredging.Source)
	}
	rss, _ := RenderRelated(RSS, testRelatedMeta(RSS), testRelatedItems())
	if !bytes.Contains(rss, []byte(`<source url="https://harbourwatch.example/feed.xml">Harbour Watch &#x26; Co</source>`)) {
		t.Errorf("RSS lacks the source:\n%s", rss)
	}
}

type testPerson struct {
	Name string `xml:"name"`
}

// relatedStore is a RelatedStore with fixed items.
type relatedStore struct{ items []*newsdesk.Item }

func (s relatedStore) FindItems(_ context.Context, f newsdesk.ItemFilter) ([]*newsdesk.Item, int, error) {
	return s.items[:min(len(s.items), f.Limit)], len(s.items), nil
}

func TestPublisherServesRelatedFeeds(t *testing.T) {
	items := testRelatedItems()
	items[2].CreatedAt = time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC) // stored after the others changed
	p := &Publisher{Related: relatedStore{items}, Site: newsdesk.Site{Title: "Desk", BaseURL: "https://example.org",
		IDPrefix: "tag:example.org,2025-01-01:"}, Epoch: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	doc, err := p.Feed(context.Background(), Scope{Kind: ScopeRelated}, Atom)
	if err != nil {
		t.Fatal(err)
	}
	if !doc.LastModified.Equal(items[2].CreatedAt) || !strings.Contains(string(doc.Body), "<id>tag:example.org,2025-01-01:feed:related</id>") ||
		!strings.Contains(string(doc.Body), `href="https://example.org/related/atom.xml" rel="self"`) {
		t.Errorf("Last-Modified %s:\n%s", doc.LastModified, doc.Body)
	}
	if _, err := p.Feed(context.Background(), Scope{Kind: ScopeRelated}, JSON); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("related JSON feed: %v", err)
	}
	p.Related = nil
	p.Invalidate()
	if _, err := p.Feed(context.Background(), Scope{Kind: ScopeRelated}, RSS); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("related feed with no store: %v", err)
	}
}
