package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// hostileFeed holds markup that must never reach a page or feed.
const hostileFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Harbour Watch</title><link>https://harbourwatch.example/</link><description>d</description>
<item><title><![CDATA[Harbour dredging <script>alert(1)</script>tender]]></title>
<link>https://harbourwatch.example/dredging</link><guid>d1</guid>
<pubDate>Mon, 16 Nov 2026 08:00:00 +0000</pubDate>
<description><![CDATA[<img src=x onerror="alert(2)">The harbour dredging tender <iframe src="https://evil.example/"></iframe>]]></description>
<content:encoded><![CDATA[<p><a href="javascript:alert(3)">docks</a></p><script>alert(4)</script><iframe src="https://evil.example/"></iframe><p onclick="alert(5)">Channel</p>]]></content:encoded>
</item></channel></rss>`

// sourceServer serves a good feed, a hostile one and a failing one.
func sourceServer(t *testing.T) string {
	mux := http.NewServeMux()
	mux.HandleFunc("/good.xml", func(w http.ResponseWriter, r *http.Request) {
		b, _ := os.ReadFile(filepath.Join("..", "..", "feeds", "testdata", "conformance", "harbour-watch.xml"))
		w.Write(b)
	})
	mux.HandleFunc("/hostile.xml", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, hostileFeed) })
	mux.HandleFunc("/broken.xml", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "database down", http.StatusInternalServerError)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// linkedData matches a page's JSON-LD element, which html/template wrote
// with every "<" escaped.
var linkedData = regexp.MustCompile(`(?s)<script type="application/ld\+json">[^<]*</script>`)

func TestSourcesIngestAndRelatedReading(t *testing.T) {
	d := newInstall(t, "NEWSDESK_INGEST_ALLOW_PRIVATE=true")
	feeds := sourceServer(t)
	d.mustRun("source", "add", feeds+"/good.xml", "--category", "economy")
	d.mustRun("source", "add", feeds+"/broken.xml", "--interval", "2h")
	d.mustRun("source", "add", feeds+"/hostile.xml", "--category", "climate", "--title", "Hostile")

	// The first pass runs before the daemon starts, whose poller would
	// otherwise race it for the sources, all due at once.
	out, stderr, code := d.run("ingest")
	if code != 1 || !strings.Contains(stderr, "ingest: 1 of 3 sources failed") {
		t.Fatalf("ingest: exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"source 1 (Harbour Watch): 4 new, 0 updated, 0 unchanged",
		"source 2 (127.0.0.1", "failed: HTTP 500 Internal Server Error (next try ", "source 3 (Hostile): 1 new",
		"ingest: 3 sources, 5 new, 0 updated, 0 unchanged items, 1 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("ingest output lacks %q:\n%s", want, out)
		}
	}
	list := d.mustRun("source", "list")
	if !strings.Contains(list, "failing(1)") || !strings.Contains(list, "HTTP 500 Internal Server Error") ||
		!strings.Contains(list, "Harbour Watch") {
		t.Errorf("source list does not show the failure:\n%s", list)
	}
	base := d.serve()
	if out := d.mustRun("ingest", "--source", "1"); !strings.Contains(out, "source 1 (Harbour Watch): 0 new, 0 updated, 4 unchanged") {
		t.Errorf("second ingest: %s", out)
	}

	waitFor(t, 5*time.Second, func() bool {
		_, page := get(t, base+"/articles/harbour-at-a-crossroads")
		return strings.Contains(page, "Related reading")
	}, "related reading on the article page")
	_, page := get(t, base+"/articles/harbour-at-a-crossroads")
	if !strings.Contains(page, `<a href="https://harbourwatch.example/">Harbour Watch</a>`) ||
		!strings.Contains(page, "Dredging the main channel") {
		t.Errorf("article page lacks attributed related reading")
	}
	for _, path := range []string{"/articles/harbour-at-a-crossroads", "/related/feed.xml", "/related/atom.xml"} {
		resp, body := get(t, base+path)
		if resp.StatusCode != 200 || !strings.Contains(body, "Harbour dredging") {
			t.Fatalf("GET %s: %d, hostile item missing", path, resp.StatusCode)
		}
		// The page's own linked data is the one script element it may hold:
		// data, written by html/template, not from the feeds.
		body = linkedData.ReplaceAllString(body, "")
		for _, bad := range []string{"<script", "onerror", "onclick", "javascript:", "<iframe", "alert("} {
			if strings.Contains(strings.ToLower(body), bad) {
				t.Errorf("GET %s holds %q", path, bad)
			}
		}
	}
	if resp, _ := get(t, base+"/related/feed.json"); resp.StatusCode != 404 {
		t.Errorf("/related/feed.json: %d", resp.StatusCode)
	}
	if resp, _ := get(t, base+"/healthz"); resp.StatusCode != 200 {
		t.Errorf("daemon unhealthy after ingest: %d", resp.StatusCode)
	}
}

func TestSourceOPMLImportExport(t *testing.T) {
	d := newInstall(t)
	opml := filepath.Join("..", "..", "feeds", "testdata", "opml")
	out := d.mustRun("source", "import", filepath.Join(opml, "feedly.opml"))
	if !strings.Contains(out, "Imported 4 sources") {
		t.Fatalf("import: %s", out)
	}
	if out := d.mustRun("source", "import", filepath.Join(opml, "miniflux.opml")); !strings.Contains(out, "Imported 2 sources") ||
		!strings.Contains(out, "(1 were there already)") {
		t.Errorf("second import: %s", out)
	}
	exported := d.mustRun("source", "export")
	for _, want := range []string{`<opml version="2.0">`, `<outline text="Economy" title="Economy">`,
		`<outline type="rss" text="Harbour Watch" title="Harbour Watch" xmlUrl="https://harbourwatch.example/feed.xml" htmlUrl="https://harbourwatch.example/"></outline>`,
		`<outline text="Cities &amp; Housing" title="Cities &amp; Housing">`} {
		if !strings.Contains(exported, want) {
			t.Errorf("export lacks %s:\n%s", want, exported)
		}
	}
	again := newInstall(t)
	path := again.writeFile("exported.opml", exported)
	again.mustRun("source", "import", path)
	if a, b := listWithoutTimes(d.mustRun("source", "list")), listWithoutTimes(again.mustRun("source", "list")); a != b {
		t.Errorf("export then import changed the sources:\n%s\nvs\n%s", a, b)
	}
	for _, line := range strings.Split(d.mustRun("source", "list"), "\n") {
		if f := strings.Fields(line); strings.Contains(line, "The City Ledger") && f[3] != "cities" {
			t.Errorf("an OPML category named like the desk's own is not that category: %s", line)
		}
	}
	d.mustRun("source", "remove", "1")
	if list := d.mustRun("source", "list"); strings.Contains(list, "harbourwatch.example/feed.xml") {
		t.Errorf("removed source still listed:\n%s", list)
	}
}

// listWithoutTimes is source list output without its ID and NEXT CHECK
// columns, sorted: what an OPML round trip must keep.
func listWithoutTimes(list string) string {
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(list), "\n")[1:] {
		f := strings.Fields(line)
		lines = append(lines, strings.Join(append(f[1:2], f[3:]...), " "))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestSourceBadInput(t *testing.T) {
	d := newInstall(t)
	notOPML := d.writeFile("feed.opml", `<rss version="2.0"><channel/></rss>`)
	badURL := d.writeFile("bad.opml", `<opml version="2.0"><body><outline text="X" xmlUrl="ftp://x.example/"/></body></opml>`)
	d.mustRun("source", "add", "https://a.example/feed.xml")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"source", "add"}, "expected one feed URL"},
		{[]string{"source", "add", "not a url"}, `feed URL "not a url" is not an absolute http(s) URL`},
		{[]string{"source", "add", "https://a.example/feed.xml"}, "source 1 already has the URL"},
		{[]string{"source", "add", "https://b.example/", "--category", "Bad Slug"}, `category slug "Bad Slug" is not valid`},
		{[]string{"source", "add", "https://b.example/", "--interval", "soon"}, "invalid value"},
		{[]string{"source", "remove", "x"}, `"x" is not a valid source ID`},
		{[]string{"source", "remove", "42"}, "source 42 not found"},
		{[]string{"source", "import", notOPML}, "not an OPML file: the document is <rss>"},
		{[]string{"source", "import", badURL}, `outline "X": feed URL "ftp://x.example/" is not an absolute http(s) URL`},
		{[]string{"ingest", "--source", "42"}, "source 42 not found"},
		{[]string{"ingest", "extra"}, `unexpected argument "extra"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, stderr, code := d.run(tc.args...)
			if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and one line with %q", code, stderr, tc.want)
			}
		})
	}
	if list := d.mustRun("source", "list"); strings.Count(list, "\n") != 2 {
		t.Errorf("bad input changed the sources:\n%s", list)
	}
}
