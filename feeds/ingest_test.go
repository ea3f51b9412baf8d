package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

func TestIngestNotModifiedIsNotParsed(t *testing.T) {
	e := newIngestEnv(t)
	var conditional atomic.Value
	src := e.addSource(serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 16 Nov 2026 08:00:00 GMT")
		if inm := r.Header.Get("If-None-Match"); inm != "" {
			conditional.Store(inm + " | " + r.Header.Get("If-Modified-Since"))
			w.WriteHeader(http.StatusNotModified)
			return
		}
		io.WriteString(w, twoItems())
	}))
	res, src := e.ingest(src)
	if res.Err != nil || res.New != 2 || src.ETag != `"v1"` {
		t.Fatalf("first fetch: %+v, etag %q", res, src.ETag)
	}
	parsed := e.in.Stats().Parsed
	res, src = e.ingest(src)
	if res.Err != nil || !res.NotModified || res.Status != http.StatusNotModified {
		t.Fatalf("second fetch: %+v", res)
	}
	if got := conditional.Load(); got != `"v1" | Mon, 16 Nov 2026 08:00:00 GMT` {
		t.Errorf("validators sent: %v", got)
	}
	if e.in.Stats().Parsed != parsed {
		t.Error("a 304 was parsed")
	}
	if src.LastStatus != 304 || !src.NextCheckAt.Equal(testNow.Add(30*time.Minute)) || len(e.items(src)) != 2 {
		t.Errorf("after 304: status %d, next check %s, %d items", src.LastStatus, src.NextCheckAt, len(e.items(src)))
	}
}

func TestIngestRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		want       time.Duration
	}{
		{"429 seconds", http.StatusTooManyRequests, "7200", 2 * time.Hour},
		{"503 date", http.StatusServiceUnavailable, testNow.Add(3 * time.Hour).Format(http.TimeFormat), 3 * time.Hour},
		{"429 a year", http.StatusTooManyRequests, "31536000", 24 * time.Hour},
		{"503 none", http.StatusServiceUnavailable, "", 15 * time.Minute}, // backoff alone
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newIngestEnv(t)
			src := e.addSource(serve(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.status)
			}))
			res, src := e.ingest(src)
			if res.Err == nil || src.LastStatus != tt.status || src.ConsecutiveErrors != 1 {
				t.Fatalf("result %+v; source status %d, errors %d", res, src.LastStatus, src.ConsecutiveErrors)
			}
			if got := src.NextCheckAt.Sub(testNow); got != tt.want {
				t.Errorf("next check in %s, want %s", got, tt.want)
			}
		})
	}
}

func TestIngestBackoffGrowsAndPausesAtLimit(t *testing.T) {
	e := newIngestEnv(t)
	src := e.addSource(serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	var waits []time.Duration
	for i := 1; i <= 3; i++ {
		res, stored := e.ingest(src)
		if res.Err == nil || stored.ConsecutiveErrors != i || !strings.Contains(stored.LastError, "HTTP 500") {
			t.Fatalf("failure %d: %+v, stored errors %d %q", i, res, stored.ConsecutiveErrors, stored.LastError)
		}
		waits = append(waits, stored.NextCheckAt.Sub(testNow))
		if paused := i == 3; stored.Paused != paused {
			t.Fatalf("after %d failures paused = %v (%q)", i, stored.Paused, stored.PausedReason)
		}
		src = stored
	}
	if !(waits[0] < waits[1] && waits[1] < waits[2]) {
		t.Errorf("backoff does not grow: %v", waits)
	}
	if !strings.Contains(src.PausedReason, "3 failures in a row") || !strings.Contains(src.PausedReason, "HTTP 500") {
		t.Errorf("paused reason %q", src.PausedReason)
	}
	due, _ := e.store.FindSources(context.Background(), newsdesk.SourceFilter{DueBy: testNow.Add(48 * time.Hour)})
	if len(due) != 0 {
		t.Errorf("a paused source is due: %v", due)
	}
}

func TestIngestBackoffJitter(t *testing.T) {
	s := schedule{interval: time.Hour, maxErrors: 10}
	for _, tt := range []struct {
		n    int
		rand float64
		want time.Duration
	}{
		{1, 0, 30 * time.Minute}, {1, 0.5, 45 * time.Minute}, {2, 0, time.Hour},
		{3, 0, 2 * time.Hour}, {9, 0, 12 * time.Hour}, {9, 0.99, 12*time.Hour + time.Duration(0.99*float64(12*time.Hour))},
	} {
		s.rand = func() float64 { return tt.rand }
		if got := s.backoff(time.Hour, tt.n); got != tt.want {
			t.Errorf("backoff(%d, rand %v) = %s, want %s", tt.n, tt.rand, got, tt.want)
		}
	}
}

func TestIngestPermanentRedirectRewritesURL(t *testing.T) {
	for _, tt := range []struct {
		name  string
		hops  []int // statuses of the redirects, in order
		moves bool
	}{
		{"301", []int{301}, true},
		{"308 then 301", []int{308, 301}, true},
		{"302", []int{302}, false},
		{"301 then 307", []int{301, 307}, true}, // up to the first temporary hop
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newIngestEnv(t)
			mux := http.NewServeMux()
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			for i, status := range tt.hops {
				mux.HandleFunc(fmt.Sprintf("/hop%d", i), func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, fmt.Sprintf("/hop%d", i+1), status)
				})
			}
			mux.HandleFunc(fmt.Sprintf("/hop%d", len(tt.hops)), feedHandler(twoItems()))
			src := e.addSource(srv.URL + "/hop0")
			res, stored := e.ingest(src)
			if res.Err != nil || res.New != 2 {
				t.Fatalf("fetch: %+v", res)
			}
			want := srv.URL + "/hop0"
			if tt.moves {
				want = srv.URL + "/hop1"
				if tt.hops[len(tt.hops)-1] != 307 {
					want = fmt.Sprintf("%s/hop%d", srv.URL, len(tt.hops))
				}
			}
			if stored.URL != want {
				t.Errorf("URL = %s, want %s", stored.URL, want)
			}
		})
	}
}

func TestIngestGonePauses(t *testing.T) {
	e := newIngestEnv(t)
	src := e.addSource(serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusGone)
	}))
	res, stored := e.ingest(src)
	if res.Err == nil || !stored.Paused || stored.LastStatus != 410 || !strings.Contains(stored.PausedReason, "gone") {
		t.Fatalf("after 410: %+v; paused %v %q", res, stored.Paused, stored.PausedReason)
	}
}

func TestIngestBodyLimits(t *testing.T) {
	big := testRSS(testItem{Title: "Big", Link: "https://source.example/big", Description: strings.Repeat("x", 2<<20)})
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zw.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>`))
	zw.Write(bytes.Repeat([]byte("a"), 64<<20))
	zw.Close()
	tests := []struct {
		name string
		h    http.HandlerFunc
	}{
		{"declared length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(big)))
			io.WriteString(w, big)
		}},
		{"chunked", func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < len(big); i += 64 << 10 {
				io.WriteString(w, big[i:min(i+64<<10, len(big))])
				w.(http.Flusher).Flush()
			}
		}},
		{"gzip bomb", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(bomb.Bytes())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newIngestEnv(t)
			res, stored := e.ingest(e.addSource(serve(t, tt.h)))
			if res.Err == nil || stored.LastError != "feed is larger than 1 MiB (ingest.max_body)" {
				t.Fatalf("error %v; source shows %q", res.Err, stored.LastError)
			}
		})
	}
	if bomb.Len() > 1<<20 {
		t.Fatalf("the bomb is %d bytes compressed, more than the limit it should beat", bomb.Len())
	}
}

func TestIngestSlowDripHitsDeadline(t *testing.T) {
	e := newIngestEnv(t)
	e.in.Timeout = 1500 * time.Millisecond
	stop := make(chan struct{})
	src := e.addSource(serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		doc := twoItems()
		for i := range len(doc) {
			select {
			case <-stop:
				return
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
			w.Write([]byte{doc[i]})
			w.(http.Flusher).Flush()
		}
	}))
	defer close(stop)
	res, stored := e.ingest(src)
	if res.Err == nil || stored.LastError != "no complete answer within 1.5s (ingest.timeout)" {
		t.Fatalf("error %v; source shows %q", res.Err, stored.LastError)
	}
}

func TestIngestRedirectLoopStopsAtFive(t *testing.T) {
	e := newIngestEnv(t)
	var requests atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		http.Redirect(w, r, fmt.Sprintf("/loop%d", n%2), http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	res, stored := e.ingest(e.addSource(srv.URL + "/loop0"))
	if res.Err == nil || stored.LastError != "stopped after 5 redirects" {
		t.Fatalf("error %v; source shows %q", res.Err, stored.LastError)
	}
	if n := requests.Load(); n != 6 {
		t.Errorf("%d requests, want the first and 5 redirects", n)
	}
}

func TestIngestHTMLPageIsAnError(t *testing.T) {
	e := newIngestEnv(t)
	src := e.addSource(serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!DOCTYPE html>\n<html><head><title>We moved</title></head><body><p>Our feed is elsewhere.</p></body></html>")
	}))
	res, stored := e.ingest(src)
	if res.Err == nil || stored.LastError != "not a feed: the server sent an HTML page" || len(e.items(stored)) != 0 {
		t.Fatalf("error %v; source shows %q", res.Err, stored.LastError)
	}
}

func TestIngestCharsetFromContentType(t *testing.T) {
	// “Café” – naïve in windows-1252, with no encoding in the document.
	doc := "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Caf\xe9 \x93Ledger\x94</title>" +
		"<link>https://source.example/</link><description>d</description><item><title>Na\xefve \x96 caf\xe9 \x80</title>" +
		"<link>https://source.example/a</link><description>\x93Quoted\x94</description></item></channel></rss>"
	e := newIngestEnv(t)
	src := e.addSource(serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=windows-1252")
		io.WriteString(w, doc)
	}))
	res, stored := e.ingest(src)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	items := e.items(stored)
	if stored.Title != "Café “Ledger”" || len(items) != 1 || items[0].Title != "Naïve – café €" || items[0].Summary != "“Quoted”" {
		t.Fatalf("source %q, items %+v", stored.Title, items)
	}
}

func TestIngestDeclaredEncodingWins(t *testing.T) {
	doc := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss version=\"2.0\"><channel><title>Caf\xe9</title>" +
		"<item><title>A\xe9</title><link>https://source.example/a</link></item></channel></rss>"
	pf, err := parseFeed([]byte(doc), "text/xml; charset=utf-8", "https://source.example/feed", testNow)
	if err != nil || pf.Title != "Café" || pf.Entries[0].Item.Title != "Aé" {
		t.Fatalf("%v: %+v", err, pf)
	}
}

// hostile holds everything that must never reach a page, feed or email.
const hostile = `<p onclick="x()">Text <a href="javascript:alert(1)">link</a></p>
<script>alert("s")</script><iframe src="https://evil.example/"></iframe>
<img src="/x.png" onerror="alert(2)"><a href="JaVaScRiPt:alert(3)">b</a><style>p{}</style>
<svg><script>alert(4)</script></svg><object data="x.swf"></object><form action="https://evil.example/"><input></form>`

// forbidden are the markers of hostile markup.
var forbidden = []string{"<script", "onerror", "onclick", "javascript:", "<iframe", "<style", "<object", "<form", "alert("}

func TestIngestSanitisesHTML(t *testing.T) {
	e := newIngestEnv(t)
	src := e.addSource(serve(t, feedHandler(testRSS(testItem{
		Title: `<script>alert(5)</script>Safe <b>title</b>`, Link: "https://source.example/h", GUID: "h",
		Description: hostile, Content: hostile,
	}))))
	res, stored := e.ingest(src)
	if res.Err != nil || res.New != 1 {
		t.Fatalf("%+v", res)
	}
	it := e.items(stored)[0]
	stored.SiteURL = "https://source.example/"
	it.Source = stored
	if it.Title != "Safe title" || !strings.Contains(it.ContentHTML, `<img src="https://source.example/x.png">`) {
		t.Errorf("title %q, content %q", it.Title, it.ContentHTML)
	}
	for _, f := range []Format{RSS, Atom} {
		doc, err := RenderRelated(f, testSiteMeta(f), []*newsdesk.Item{it})
		if err != nil {
			t.Fatal(err)
		}
		for name, text := range map[string]string{"title": it.Title, "summary": it.Summary, "content": it.ContentHTML, string(f): string(doc)} {
			for _, bad := range forbidden {
				if strings.Contains(strings.ToLower(text), bad) {
					t.Errorf("%s holds %q:\n%s", name, bad, text)
				}
			}
		}
	}
}

func TestIngestSameFeedTwiceAddsNothing(t *testing.T) {
	e := newIngestEnv(t)
	src := e.addSource(serve(t, feedHandler(twoItems())))
	first, _ := e.ingest(src)
	before := e.items(src)
	second, _ := e.ingest(src)
	after := e.items(src)
	if first.New != 2 || second.New != 0 || second.Updated != 0 || second.Unchanged != 2 || len(after) != 2 {
		t.Fatalf("first %+v, second %+v, %d items", first, second, len(after))
	}
	for i := range after {
		if after[i].ID != before[i].ID || !after[i].UpdatedAt.Equal(before[i].UpdatedAt) {
			t.Errorf("item %d changed on a second ingest", i)
		}
	}
}

func TestIngestChangedTitleUpdatesItem(t *testing.T) {
	e := newIngestEnv(t)
	doc := atomic.Value{}
	doc.Store(twoItems())
	src := e.addSource(serve(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, doc.Load().(string)) }))
	e.ingest(src)
	before := e.items(src)
	doc.Store(strings.Replace(twoItems(), "Dredging costs double", "Dredging costs treble", 1))
	e.clock.Add(time.Hour)
	res, _ := e.ingest(src)
	after := e.items(src)
	if res.New != 0 || res.Updated != 1 || res.Unchanged != 1 || len(after) != 2 {
		t.Fatalf("%+v, %d items", res, len(after))
	}
	if after[0].ID != before[0].ID || after[0].Title != "Dredging costs treble" || !after[0].UpdatedAt.Equal(testNow.Add(time.Hour)) {
		t.Errorf("updated item: %+v", after[0])
	}
	if !after[0].PublishedAt.Equal(before[0].PublishedAt) {
		t.Errorf("publication date moved from %s to %s", before[0].PublishedAt, after[0].PublishedAt)
	}
}

func TestIngestEntitiesDoNotExpand(t *testing.T) {
	laughs := `<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<rss version="2.0"><channel><title>&lol9;</title><link>https://source.example/</link><description>d</description>
<item><title>Laughs &lol9;</title><link>https://source.example/l</link><description>&xxe; &lol9;</description>
<content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/">&xxe;</content:encoded></item></channel></rss>`
	e := newIngestEnv(t)
	src := e.addSource(serve(t, feedHandler(laughs)))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res, stored := e.ingest(src)
	runtime.ReadMemStats(&after)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	items := e.items(stored)
	if len(items) != 1 {
		t.Fatalf("%d items", len(items))
	}
	it := items[0]
	for _, text := range []string{stored.Title, it.Title, it.Summary, it.ContentHTML} {
		if strings.Contains(text, "lollol") || strings.Contains(text, "root:") || len(text) > 100 {
			t.Errorf("an entity expanded: %q", text)
		}
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 64<<20 {
		t.Errorf("ingesting a 2 KB document allocated %d MiB", grown>>20)
	}
}

func TestIngestRefusesPrivateAddresses(t *testing.T) {
	srv := httptest.NewServer(feedHandler(twoItems()))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, u := range []string{srv.URL + "/feed.xml", "http://localhost" + port + "/feed.xml", "http://[::1]" + port + "/"} {
		t.Run(u, func(t *testing.T) {
			e := newIngestEnv(t)
			e.in.Client = NewIngestClient(false)
			res, stored := e.ingest(e.addSource(u))
			if res.Err == nil || !strings.HasPrefix(stored.LastError, "refused to connect to ") ||
				!strings.Contains(stored.LastError, "a loopback address (set ingest.allow_private to allow it)") {
				t.Fatalf("error %v; source shows %q", res.Err, stored.LastError)
			}
		})
	}
	for ip, want := range map[string]string{"10.1.2.3": "private", "192.168.0.1": "private", "100.64.0.1": "private",
		"169.254.169.254": "link-local", "fe80::1": "link-local", "fd00::1": "private", "0.0.0.0": "non-unicast",
		"::ffff:127.0.0.1": "loopback", "93.184.215.14": "", "2606:4700::1111": ""} {
		if got := refusePrivate("tcp", "["+ip+"]:80", nil); (got == nil) != (want == "") ||
			(got != nil && !strings.Contains(got.Error(), "a "+want+" address")) {
			t.Errorf("%s: %v, want %q", ip, got, want)
		}
	}
}

func TestIngestHonoursCacheHints(t *testing.T) {
	ttl := strings.Replace(twoItems(), "<description>Tests</description>", "<description>Tests</description><ttl>180</ttl>", 1)
	syHourly := strings.Replace(twoItems(), "<description>Tests</description>", `<description>Tests</description>`+
		`<sy:updatePeriod xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">daily</sy:updatePeriod>`+
		`<sy:updateFrequency xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">6</sy:updateFrequency>`, 1)
	skipAll := "<skipHours>"
	for h := range 24 {
		skipAll += fmt.Sprintf("<hour>%d</hour>", h)
	}
	skipHour := strings.Replace(twoItems(), "<description>Tests</description>", "<description>Tests</description>"+skipAll+"</skipHours>", 1)
	tests := []struct {
		name, cacheControl, doc string
		want                    time.Duration
	}{
		{"interval", "", twoItems(), 30 * time.Minute},
		{"max-age", "public, max-age=7200", twoItems(), 2 * time.Hour},
		{"short max-age", "max-age=60", twoItems(), 30 * time.Minute},
		{"no-cache", "no-cache, max-age=7200", twoItems(), 30 * time.Minute},
		{"ttl", "", ttl, 3 * time.Hour},
		{"ttl and max-age", "max-age=14400", ttl, 4 * time.Hour},
		{"huge max-age", "max-age=99999999", twoItems(), 24 * time.Hour},
		{"sy:updatePeriod", "", syHourly, 4 * time.Hour},
		{"skipHours", "", skipHour, 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newIngestEnv(t)
			_, stored := e.ingest(e.addSource(serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Cache-Control", tt.cacheControl)
				io.WriteString(w, tt.doc)
			})))
			if got := stored.NextCheckAt.Sub(testNow); got != tt.want {
				t.Errorf("next check in %s, want %s", got, tt.want)
			}
		})
	}
}

func TestIngestUserAgent(t *testing.T) {
	e := newIngestEnv(t)
	var ua atomic.Value
	e.ingest(e.addSource(serve(t, func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.Header.Get("User-Agent"))
		io.WriteString(w, twoItems())
	})))
	if got := ua.Load(); got != "newsdesk/test (+https://example.org)" {
		t.Errorf("User-Agent %q", got)
	}
}

func TestRunOneRequestPerHostAtATime(t *testing.T) {
	e := newIngestEnv(t)
	var mu sync.Mutex
	inFlight, most := map[string]int{}, map[string]int{}
	h := func(w http.ResponseWriter, r *http.Request) {
		host := r.Host[:strings.LastIndex(r.Host, ":")]
		mu.Lock()
		inFlight[host]++
		most[host] = max(most[host], inFlight[host])
		mu.Unlock()
		time.Sleep(20 * time.Millisecond) // long enough for the others to try
		io.WriteString(w, twoItems())
		mu.Lock()
		inFlight[host]--
		mu.Unlock()
	}
	srv := httptest.NewServer(http.HandlerFunc(h))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	var sources []*newsdesk.Source
	for i := range 12 {
		host := []string{"127.0.0.1", "localhost"}[i%2] // two hosts, one listener
		sources = append(sources, e.addSource(fmt.Sprintf("http://%s%s/feed%d.xml", host, port, i)))
	}
	results := e.in.Run(context.Background(), sources, nil)
	for i, r := range results {
		if r.Err != nil || r.New != 2 || r.Source.ID != sources[i].ID {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
	if most["127.0.0.1"] != 1 || most["localhost"] != 1 {
		t.Errorf("most requests at once per host: %v", most)
	}
}

func TestRunDueSkipsPausedAndKeepsGoingPastFailures(t *testing.T) {
	e := newIngestEnv(t)
	good := e.addSource(serve(t, feedHandler(twoItems())))
	bad := e.addSource(serve(t, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 500) }))
	good2 := e.addSource(serve(t, feedHandler(twoItems())))
	e.ingest(e.addSource(serve(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(410) }))) // paused
	results, err := e.in.RunDue(context.Background())
	if err != nil || len(results) != 3 {
		t.Fatalf("%v, %d results", err, len(results))
	}
	byID := map[int64]*IngestResult{}
	for _, r := range results {
		byID[r.Source.ID] = r
	}
	if byID[good.ID].New != 2 || byID[bad.ID].Err == nil || byID[good2.ID].New != 2 {
		t.Errorf("results: good %+v, bad %+v", byID[good.ID], byID[bad.ID])
	}
	if again, _ := e.in.RunDue(context.Background()); len(again) != 0 {
		t.Errorf("%d sources due straight after a run", len(again))
	}
}

func TestIngestPrunesAfterRetention(t *testing.T) {
	e := newIngestEnv(t)
	old := testNow.Add(-100 * 24 * time.Hour).Format(time.RFC1123Z)
	recent := testNow.Add(-80 * 24 * time.Hour).Format(time.RFC1123Z)
	src := e.addSource(serve(t, feedHandler(testRSS(
		testItem{Title: "Too old", Link: "https://source.example/old", Date: old},
		testItem{Title: "Recent", Link: "https://source.example/recent", Date: recent},
		testItem{Title: "Undated", Link: "https://source.example/undated"},
	))))
	res, _ := e.ingest(src)
	if res.New != 2 {
		t.Fatalf("an item older than the retention was stored: %+v", res)
	}
	e.clock.Add(15 * 24 * time.Hour)
	n, err := e.in.Prune(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("pruned %d (%v), want the recent one, now 95 days old", n, err)
	}
	if items := e.items(src); len(items) != 1 || items[0].Title != "Undated" {
		t.Errorf("left: %+v", items)
	}
}

func TestIngestRecordsRemovedSource(t *testing.T) {
	e := newIngestEnv(t)
	src := e.addSource(serve(t, feedHandler(twoItems())))
	if err := e.store.DeleteSource(context.Background(), src.ID); err != nil {
		t.Fatal(err)
	}
	res := e.in.Ingest(context.Background(), src)
	if newsdesk.ErrorCode(res.Err) != newsdesk.ENOTFOUND {
		t.Errorf("ingesting a removed source: %v", res.Err)
	}
}

func TestIngestSuccessUnpausesSource(t *testing.T) {
	e := newIngestEnv(t)
	var gone atomic.Bool
	gone.Store(true)
	src := e.addSource(serve(t, func(w http.ResponseWriter, r *http.Request) {
		if gone.Load() {
			w.WriteHeader(http.StatusGone)
			return
		}
		io.WriteString(w, twoItems())
	}))
	if _, stored := e.ingest(src); !stored.Paused {
		t.Fatal("410 did not pause the source")
	}
	gone.Store(false) // the editor asks for it anyway (ingest --source) and it is back
	res, stored := e.ingest(src)
	if res.Err != nil || stored.Paused || stored.PausedReason != "" || stored.ConsecutiveErrors != 0 || stored.LastError != "" {
		t.Errorf("after a good fetch: %+v; source %+v", res, stored)
	}
}

// TestRunDueTakesSourcesDueWithinSlack polls a one-minute source on a
// 30-second tick: with half a tick of slack it is fetched every minute,
// not every other tick after its interval.
func TestRunDueTakesSourcesDueWithinSlack(t *testing.T) {
	e := newIngestEnv(t)
	e.in.Slack = 15 * time.Second
	src := e.addSource(serve(t, feedHandler(twoItems())))
	src.Interval = time.Minute
	e.ingest(src) // next check at testNow + 1m
	for _, tc := range []struct {
		after time.Duration
		due   bool
	}{{30 * time.Second, false}, {59 * time.Second, true}} {
		e.clock.Set(testNow.Add(tc.after))
		got, err := e.in.RunDue(context.Background())
		if err != nil || (len(got) == 1) != tc.due {
			t.Errorf("%s after a fetch: %d sources due (%v), want due %v", tc.after, len(got), err, tc.due)
		}
	}
}
