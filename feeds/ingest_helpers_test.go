package feeds

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/sqlite"
)

// testNow is the fixed time ingest tests run at.
var testNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// ingestEnv is an ingester on a real SQLite file, on a fixed clock.
type ingestEnv struct {
	t     testing.TB
	clock *newsdesk.FixedClock
	store *sqlite.SourceService
	in    *Ingester
}

func newIngestEnv(t testing.TB) *ingestEnv {
	t.Helper()
	clock := newsdesk.NewFixedClock(testNow)
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "newsdesk.db"))
	db.Clock = clock
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store := sqlite.NewSourceService(db)
	return &ingestEnv{t: t, clock: clock, store: store, in: &Ingester{
		Store: store, Client: NewIngestClient(true), Clock: clock,
		UserAgent: "newsdesk/test (+https://example.org)",
		Interval:  30 * time.Minute, Timeout: 5 * time.Second, MaxBody: 1 << 20, MaxErrors: 3,
		Retention: 90 * 24 * time.Hour, Concurrency: 4,
		Rand:   func() float64 { return 0 },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}}
}

// addSource stores a source for url.
func (e *ingestEnv) addSource(url string) *newsdesk.Source {
	e.t.Helper()
	src := &newsdesk.Source{URL: url}
	if err := e.store.CreateSource(context.Background(), src); err != nil {
		e.t.Fatal(err)
	}
	return src
}

// ingest fetches the source now and returns the result and the source as
// stored afterwards.
func (e *ingestEnv) ingest(src *newsdesk.Source) (*IngestResult, *newsdesk.Source) {
	e.t.Helper()
	res := e.in.Ingest(context.Background(), src)
	stored, err := e.store.FindSourceByID(context.Background(), src.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return res, stored
}

// items returns the source's stored items, newest first.
func (e *ingestEnv) items(src *newsdesk.Source) []*newsdesk.Item {
	e.t.Helper()
	items, _, err := e.store.FindItems(context.Background(), newsdesk.ItemFilter{SourceID: &src.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	return items
}

// serve starts a test server with one handler at /feed.xml and returns
// the feed's URL.
func serve(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.xml", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/feed.xml"
}

// feedHandler answers with body as an RSS document.
func feedHandler(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, body)
	}
}

// testItem is one RSS item for testRSS.
type testItem struct {
	Title, Link, GUID, Description, Content, Date string
}

// testRSS writes an RSS 2.0 document with the items.
func testRSS(items ...testItem) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Test Source</title><link>https://source.example/</link><description>Tests</description>`)
	for _, it := range items {
		b.WriteString("<item>")
		for _, f := range [][2]string{{"title", it.Title}, {"link", it.Link}, {"guid", it.GUID}, {"pubDate", it.Date}} {
			if f[1] != "" {
				fmt.Fprintf(&b, "<%s>%s</%[1]s>", f[0], xmlEscape(f[1]))
			}
		}
		if it.Description != "" {
			fmt.Fprintf(&b, "<description>%s</description>", xmlEscape(it.Description))
		}
		if it.Content != "" {
			fmt.Fprintf(&b, "<content:encoded><![CDATA[%s]]></content:encoded>", it.Content)
		}
		b.WriteString("</item>\n")
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// twoItems is a small, ordinary feed.
func twoItems() string {
	return testRSS(
		testItem{Title: "Dredging costs double", Link: "https://source.example/a", GUID: "a",
			Description: "The harbour dredging tender.", Date: "Mon, 16 Nov 2026 08:00:00 +0000"},
		testItem{Title: "Shore power delayed", Link: "https://source.example/b", GUID: "b",
			Description: "Quayside electrification slips.", Date: "Tue, 10 Nov 2026 07:30:00 +0000"},
	)
}
