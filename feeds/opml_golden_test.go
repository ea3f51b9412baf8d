package feeds

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/newsdesk/newsdesk"
)

// TestWriteOPMLGolden holds the OPML export, sources with and without a
// category and names that need escaping, to a golden file.
func TestWriteOPMLGolden(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "opml", "miniflux.opml"))
	if err != nil {
		t.Fatal(err)
	}
	sources, err := ParseOPML(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	sources = append(sources, &newsdesk.Source{URL: "https://example.net/feed?a=1&b=2", Title: "Tom & Jerry’s <feed>\x01",
		SiteURL: "https://example.net/", Category: &newsdesk.Category{Slug: "misc", Name: "Misc & more"}})
	var out bytes.Buffer
	if err := WriteOPML(&out, "The Harbour Review: sources", testNow, sources); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "opml", "export.opml.golden"), out.Bytes())
}

// FuzzParseOPML: whatever file is uploaded, ParseOPML returns sources that
// validate, or an EINVALID error, and what it returns survives a round
// trip through WriteOPML.
func FuzzParseOPML(f *testing.F) {
	for _, name := range []string{"miniflux.opml", "feedly.opml"} {
		b, err := os.ReadFile(filepath.Join("testdata", "opml", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<opml><body><outline text="&amp;"><outline xmlUrl="http://a.example/&#x0;" /></outline></body></opml>`))
	f.Add([]byte(`<?xml version="1.0" encoding="windows-1252"?><opml><outline xmlUrl="https://b.example/f" title="caf\xe9"/></opml>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sources, err := ParseOPML(bytes.NewReader(data))
		if err != nil {
			if newsdesk.ErrorCode(err) != newsdesk.EINVALID {
				t.Fatalf("error without EINVALID: %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := WriteOPML(&out, "t", testNow, sources); err != nil {
			t.Fatalf("WriteOPML of parsed sources: %v", err)
		}
		again, err := ParseOPML(&out)
		if err != nil {
			t.Fatalf("the export does not read back: %v\n%s", err, out.String())
		}
		if len(again) != len(sources) {
			t.Fatalf("%d sources after a round trip, %d before", len(again), len(sources))
		}
	})
}
