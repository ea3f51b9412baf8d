package feeds_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/feeds"
)

// archiveStore holds n articles, newest first, one an hour.
func archiveStore(n int) *memStore {
	s := &memStore{}
	for i := n; i >= 1; i-- {
		s.articles = append(s.articles, article(fmt.Sprintf("a%02d", i), day.Add(time.Duration(i)*time.Hour)))
	}
	return s
}

type atomDoc struct {
	Archive *struct{} `xml:"http://purl.org/syndication/history/1.0 archive"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID string `xml:"id"`
	} `xml:"entry"`
}

func (d atomDoc) link(rel string) string {
	for _, l := range d.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// TestArchivesHoldTheWholeFeed: from the subscription feed, a reader that
// follows prev-archive (RFC 5005) reaches every article once or more, the
// archives mark themselves and link back; a complete archive keeps its
// bytes when more is published.
func TestArchivesHoldTheWholeFeed(t *testing.T) {
	store := archiveStore(45)
	p := newPublisher(store)
	ctx := context.Background()
	seen := map[string]bool{}
	scope := feeds.Scope{}
	docs := 0
	for {
		doc, err := p.Feed(ctx, scope, feeds.Atom)
		if err != nil {
			t.Fatalf("%s: %v", scope.Path(feeds.Atom), err)
		}
		var d atomDoc
		if err := xml.Unmarshal(doc.Body, &d); err != nil {
			t.Fatal(err)
		}
		docs++
		for _, e := range d.Entries {
			seen[e.ID] = true
		}
		if scope.Archive > 0 && (d.Archive == nil || d.link("current") != "https://example.org/atom.xml") {
			t.Errorf("archive %d: fh:archive %v, current %q", scope.Archive, d.Archive != nil, d.link("current"))
		}
		prev := d.link("prev-archive")
		if prev == "" {
			break
		}
		if _, err := fmt.Sscanf(prev, "https://example.org/archive/%d/atom.xml", &scope.Archive); err != nil {
			t.Fatalf("prev-archive %q: %v", prev, err)
		}
	}
	if len(seen) != 45 || docs != 3 {
		t.Errorf("%d documents hold %d articles, want 3 holding all 45", docs, len(seen))
	}
	first, _ := p.Feed(ctx, feeds.Scope{Archive: 1}, feeds.RSS)
	if !strings.Contains(string(first.Body), `<atom:link href="https://example.org/archive/2/feed.xml" rel="next-archive"`) ||
		!strings.Contains(string(first.Body), "<fh:archive></fh:archive>") {
		t.Errorf("RSS archive 1 lacks its history:\n%s", first.Body)
	}
	if _, err := p.Feed(ctx, feeds.Scope{Archive: 3}, feeds.Atom); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("archive 3 of 2: %v, want ENOTFOUND", err)
	}
	store.articles = append([]*newsdesk.Article{article("a46", day.Add(46*time.Hour))}, store.articles...)
	p.Invalidate()
	again, _ := p.Feed(ctx, feeds.Scope{Archive: 1}, feeds.RSS)
	if again.ETag != first.ETag {
		t.Error("archive 1 changed when an article was published")
	}
}

// TestJSONFeedPagesBackwards: next_url leads from the newest articles to
// the oldest, so a JSON Feed reader can fetch the whole archive.
func TestJSONFeedPagesBackwards(t *testing.T) {
	p := newPublisher(archiveStore(45))
	p.Site.Favicon, p.Site.Logo = "https://example.org/media/icon.svg", "https://example.org/media/logo.png"
	ctx := context.Background()
	seen := map[string]bool{}
	scope := feeds.Scope{}
	for i := 0; i < 10; i++ {
		doc, err := p.Feed(ctx, scope, feeds.JSON)
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			NextURL string `json:"next_url"`
			Icon    string `json:"icon"`
			Favicon string `json:"favicon"`
			Items   []struct{ ID string }
		}
		if err := json.Unmarshal(doc.Body, &f); err != nil {
			t.Fatal(err)
		}
		if f.Icon != p.Site.Logo || f.Favicon != p.Site.Favicon {
			t.Errorf("icon %q favicon %q", f.Icon, f.Favicon)
		}
		for _, it := range f.Items {
			seen[it.ID] = true
		}
		if f.NextURL == "" {
			break
		}
		fmt.Sscanf(f.NextURL, "https://example.org/archive/%d/feed.json", &scope.Archive)
	}
	if len(seen) != 45 {
		t.Errorf("next_url reaches %d articles, want 45", len(seen))
	}
	rss, _ := p.Feed(ctx, feeds.Scope{}, feeds.RSS)
	if !strings.Contains(string(rss.Body), "<image>") || !strings.Contains(string(rss.Body), "<url>https://example.org/media/logo.png</url>") {
		t.Errorf("RSS lacks the logo as its image:\n%.600s", rss.Body)
	}
	atom, _ := p.Feed(ctx, feeds.Scope{}, feeds.Atom)
	if !strings.Contains(string(atom.Body), "<icon>https://example.org/media/icon.svg</icon>") ||
		!strings.Contains(string(atom.Body), "<logo>https://example.org/media/logo.png</logo>") {
		t.Errorf("Atom lacks icon and logo:\n%.800s", atom.Body)
	}
}
