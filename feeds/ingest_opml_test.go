package feeds

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsdesk/newsdesk"
)

// sourceLine sums up what OPML carries about a source.
func sourceLine(s *newsdesk.Source) string {
	c := "-"
	if s.Category != nil {
		c = s.Category.Slug + "=" + s.Category.Name
	}
	return fmt.Sprintf("%s | %s | %s | %s", s.URL, s.Title, s.SiteURL, c)
}

func TestParseOPMLFromReaders(t *testing.T) {
	tests := map[string][]string{
		"miniflux.opml": {
			"https://harbourwatch.example/feed.xml | Harbour Watch | https://harbourwatch.example/ | all=All",
			"https://cityledger.example/feed.atom | The City Ledger | https://cityledger.example/ | cities-housing=Cities & Housing",
			"https://planning.example/rss | Planning Notes | https://planning.example/ | cities-housing=Cities & Housing",
		},
		"feedly.opml": {
			"https://harbourwatch.example/feed.xml | Harbour Watch | https://harbourwatch.example/ | economy=Economy",
			"https://coast.example/feed/ | Coastal Economy & Ports | https://coast.example | economy=Economy",
			"https://jp.example/rss | 日経 港湾 | https://jp.example/ | category-" + digest("経済")[:8] + "=経済",
			"http://blog.example/atom.xml | Uncategorised blog | https://blog.example/ | -",
		},
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "opml", name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sources, err := ParseOPML(f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range sources {
				got = append(got, sourceLine(s))
				if err := s.Validate(); err != nil {
					t.Errorf("%s: %v", s.URL, err)
				}
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestOPMLRoundTrip(t *testing.T) {
	for _, name := range []string{"miniflux.opml", "feedly.opml"} {
		t.Run(name, func(t *testing.T) {
			b, _ := os.ReadFile(filepath.Join("testdata", "opml", name))
			first, err := ParseOPML(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := WriteOPML(&out, "Desk sources", testNow, first); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(out.String(), `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<opml version="2.0">`) ||
				!strings.Contains(out.String(), "<dateCreated>Fri, 20 Nov 2026 12:00:00 +0000</dateCreated>") {
				t.Errorf("not OPML 2.0:\n%s", out.String())
			}
			second, err := ParseOPML(&out)
			if err != nil {
				t.Fatal(err)
			}
			if len(second) != len(first) {
				t.Fatalf("%d sources after a round trip, %d before", len(second), len(first))
			}
			byURL := map[string]string{}
			for _, s := range second {
				byURL[s.URL] = sourceLine(s)
			}
			for _, s := range first {
				if byURL[s.URL] != sourceLine(s) {
					t.Errorf("round trip changed\n %s\nto\n %s", sourceLine(s), byURL[s.URL])
				}
			}
		})
	}
}

func TestParseOPMLRejectsOtherDocuments(t *testing.T) {
	for doc, want := range map[string]string{
		`<rss version="2.0"><channel/></rss>`: "not an OPML file: the document is <rss>",
		``:                                    "not an OPML file: no <opml> element",
		`{"version": 1}`:                      "not an OPML file: no <opml> element",
		`<opml><body><outline xmlUrl="https://a.example/"`: "not a readable OPML file",
	} {
		_, err := ParseOPML(strings.NewReader(doc))
		if newsdesk.ErrorCode(err) != newsdesk.EINVALID || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", doc, err, want)
		}
	}
}

func TestParseOPMLExpandsNoEntities(t *testing.T) {
	doc := `<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<opml version="2.0"><body><outline text="&b;&xxe;"><outline text="&b;&xxe;" xmlUrl="https://a.example/feed"/></outline></body></opml>`
	sources, err := ParseOPML(strings.NewReader(doc))
	if err != nil || len(sources) != 1 {
		t.Fatalf("%v, %d sources", err, len(sources))
	}
	if s := sources[0]; strings.Contains(s.Title, "aaaa") || strings.Contains(s.Title, "root:") {
		t.Errorf("an entity expanded: %+v", s)
	}
}
