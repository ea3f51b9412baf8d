// Command ingestbench measures newsdesk's ingest against a bare loop of
// gofeed parsing the same bytes. scripts/bench/ingest.sh runs it; each mode
// runs in its own process, so that each one's peak memory is its own.
//
//	ingestbench gen    -dir DIR -n N          write N feeds of 20-50 items
//	ingestbench serve  -dir DIR -port P -hosts H
//	                                          serve them on 127.0.0.1..127.0.0.H
//	ingestbench bare   -dir DIR -n N          parse every file with gofeed
//	ingestbench ingest -n N -port P -hosts H  two ingest cycles into a new database
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/feeds"
	"github.com/newsdesk/newsdesk/sqlite"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ingestbench gen|serve|bare|ingest [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	dir := fs.String("dir", "feeds", "directory of feed files")
	n := fs.Int("n", 1000, "number of feeds")
	port := fs.Int("port", 0, "server port")
	hosts := fs.Int("hosts", 50, "loopback addresses the feeds are spread over")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the mode to `FILE`")
	memprofile := fs.String("memprofile", "", "write an allocation profile of the mode to `FILE`")
	traceFile := fs.String("trace", "", "write an execution trace of the mode to `FILE`")
	fs.Parse(os.Args[2:])
	if *traceFile != "" {
		if f, err := os.Create(*traceFile); err == nil {
			trace.Start(f)
			defer trace.Stop()
		}
	}
	if *memprofile != "" {
		defer func() {
			if f, err := os.Create(*memprofile); err == nil {
				pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = generate(*dir, *n)
	case "serve":
		err = serveFeeds(*dir, *port, *hosts)
	case "bare":
		err = bare(*dir, *n)
	case "ingest":
		if _, set := os.LookupEnv("GOGC"); !set {
			debug.SetGCPercent(200) // as cmd/newsdesk runs
		}
		err = ingest(*n, *port, *hosts)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ingestbench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// feedPath is where feed i lives, on disk and on the server.
func feedPath(i int) string { return fmt.Sprintf("feed%04d.xml", i) }

// --- gen -------------------------------------------------------------------

var words = strings.Fields(`harbour port council budget housing rents wages planning appeal transport fare
	climate flood insurance energy grid heat pump data portal policy report evidence city region board tender
	dredging channel docks shipping cargo jobs economy inflation survey review committee minister funding
	school hospital water river coast storm season market prices households tenants landlords builders`)

// generate writes n feeds shaped like real ones: 20-50 items, full HTML
// content in most, RSS 2.0, Atom 1.0 and summary-only RSS mixed.
func generate(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(1, 2))
	total := 0
	for i := range n {
		var b bytes.Buffer
		switch kind := i % 20; {
		case kind < 12:
			writeRSS(&b, r, i, true)
		case kind < 17:
			writeAtom(&b, r, i)
		default:
			writeRSS(&b, r, i, false)
		}
		total += b.Len()
		if err := os.WriteFile(filepath.Join(dir, feedPath(i)), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("generated %d feeds, %.1f MB, %.0f KB on average\n", n, float64(total)/1e6, float64(total)/float64(n)/1e3)
	return nil
}

func sentence(r *rand.Rand, min, max int) string {
	n := min + r.IntN(max-min+1)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = words[r.IntN(len(words))]
	}
	s := strings.Join(ws, " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// content is an article body of a few paragraphs with links and images,
// some relative, as blogs write them.
func content(r *rand.Rand, site string) string {
	var b strings.Builder
	for p := range 2 + r.IntN(6) {
		fmt.Fprintf(&b, "<p>%s, <a href=\"%s/%s\">%s</a> %s. <em>%s</em>.</p>\n", sentence(r, 8, 20),
			[]string{site, ""}[p%2], strings.ReplaceAll(sentence(r, 2, 3), " ", "-"), sentence(r, 1, 3), sentence(r, 6, 18), sentence(r, 2, 5))
		if p%3 == 1 {
			fmt.Fprintf(&b, "<figure><img src=\"/uploads/%d.jpg\" alt=\"%s\" width=\"800\" height=\"450\"><figcaption>%s</figcaption></figure>\n",
				r.IntN(1e6), sentence(r, 2, 4), sentence(r, 4, 8))
		}
	}
	return b.String()
}

func itemDate(r *rand.Rand, j int) time.Time {
	return time.Now().UTC().Add(-time.Duration(j)*7*time.Hour - time.Duration(r.IntN(3600))*time.Second)
}

func writeRSS(b *bytes.Buffer, r *rand.Rand, i int, full bool) {
	site := fmt.Sprintf("https://site%d.example", i)
	fmt.Fprintf(b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>%s</title><link>%s/</link><description>%s</description><language>en</language>
`, sentence(r, 2, 4), site, sentence(r, 5, 10))
	for j := range 20 + r.IntN(31) {
		fmt.Fprintf(b, "<item><title>%s</title><link>%s/%d/post-%d</link><guid isPermaLink=\"false\">%s/?p=%d</guid>"+
			"<pubDate>%s</pubDate><dc:creator>%s</dc:creator><category>%s</category>"+
			"<description><![CDATA[<p>%s</p>]]></description>", sentence(r, 5, 11), site, i, j, site, j,
			itemDate(r, j).Format(time.RFC1123Z), sentence(r, 2, 2), sentence(r, 1, 2), sentence(r, 25, 50))
		if full {
			fmt.Fprintf(b, "<content:encoded><![CDATA[%s]]></content:encoded>", content(r, site))
		}
		b.WriteString("</item>\n")
	}
	b.WriteString("</channel></rss>\n")
}

func writeAtom(b *bytes.Buffer, r *rand.Rand, i int) {
	site := fmt.Sprintf("https://site%d.example", i)
	fmt.Fprintf(b, `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>%s</title><link href="%s/"/><id>%s/</id><updated>%s</updated>
`, sentence(r, 2, 4), site, site, time.Now().UTC().Format(time.RFC3339))
	for j := range 20 + r.IntN(31) {
		var esc bytes.Buffer
		xmlEscape(&esc, content(r, site))
		fmt.Fprintf(b, "<entry><title>%s</title><link href=\"%s/%d/entry-%d\"/><id>%s/entry/%d</id><updated>%s</updated>"+
			"<author><name>%s</name></author><summary>%s</summary><content type=\"html\">%s</content></entry>\n",
			sentence(r, 5, 11), site, i, j, site, j, itemDate(r, j).Format(time.RFC3339), sentence(r, 2, 2),
			sentence(r, 20, 40), esc.String())
	}
	b.WriteString("</feed>\n")
}

func xmlEscape(w io.Writer, s string) {
	io.WriteString(w, strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s))
}

// --- serve -----------------------------------------------------------------

// serveFeeds serves the files from memory with ETag and Last-Modified, as
// a static file server does, on each of the loopback addresses.
func serveFeeds(dir string, port, hosts int) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		return err
	}
	bodies := map[string][]byte{}
	for _, f := range files {
		if bodies["/"+filepath.Base(f)], err = os.ReadFile(f); err != nil {
			return err
		}
	}
	modified := time.Now().Add(-time.Hour)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := bodies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", `"`+strconv.Itoa(len(b))+`"`)
		w.Header().Set("Content-Type", "application/xml")
		http.ServeContent(w, r, r.URL.Path, modified, bytes.NewReader(b))
	})
	errc := make(chan error, hosts)
	for i := 1; i <= hosts; i++ {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:%d", i, port))
		if err != nil {
			return err
		}
		go func() { errc <- http.Serve(ln, h) }()
	}
	fmt.Printf("serving %d feeds on 127.0.0.1-%d:%d\n", len(bodies), hosts, port)
	return <-errc
}

// --- bare ------------------------------------------------------------------

// bare parses each file with gofeed, first on one goroutine and then on
// as many as there are CPUs: the floor ingest is measured against. It runs
// gofeed as it comes (NewParser) and then as newsdesk sets it up, without
// the scan of item HTML for images that newsdesk has no use for.
func bare(dir string, n int) error {
	plain := gofeed.NewParser()
	lean := gofeed.NewParser()
	lean.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	for _, run := range []struct {
		name    string
		parser  *gofeed.Parser
		workers int
	}{{"gofeed", plain, 1}, {"gofeed", plain, runtime.GOMAXPROCS(0)}, {"gofeed without image scan", lean, 1}} {
		resetPeak()
		start, cpu := time.Now(), cpuTime()
		if err := parallel(n, run.workers, func(i int) error { return parseFile(run.parser, dir, i) }); err != nil {
			return err
		}
		d := time.Since(start)
		fmt.Printf("bare %s, %d goroutine(s): %d feeds in %.2fs (%.0f feeds/s), CPU %.2fs, peak RSS %d MB\n",
			run.name, run.workers, n, d.Seconds(), float64(n)/d.Seconds(), (cpuTime() - cpu).Seconds(), peakRSS()>>20)
	}
	return nil
}

func parseFile(p *gofeed.Parser, dir string, i int) error {
	b, err := os.ReadFile(filepath.Join(dir, feedPath(i)))
	if err != nil {
		return err
	}
	f, err := p.Parse(bytes.NewReader(b))
	if err == nil && len(f.Items) < 20 {
		err = fmt.Errorf("%s: %d items", feedPath(i), len(f.Items))
	}
	return err
}

func parallel(n, workers int, fn func(int) error) error {
	next := make(chan int)
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					errc <- err
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errc)
	return <-errc
}

// --- ingest ----------------------------------------------------------------

// ingest runs two cycles over n sources in a new database: the first
// fetches, parses and stores everything, the second finds every source
// unchanged (304).
func ingest(n, port, hosts int) error {
	dir, err := os.MkdirTemp("", "ingestbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db := sqlite.NewDB(filepath.Join(dir, "newsdesk.db"))
	if err := db.Open(); err != nil {
		return err
	}
	defer db.Close()
	store := sqlite.NewSourceService(db)
	if err := addSources(store, n, port, hosts); err != nil {
		return err
	}
	in := &feeds.Ingester{Store: store, Client: feeds.NewIngestClient(true), Interval: 30 * time.Minute,
		Timeout: 30 * time.Second, MaxBody: 10 << 20, MaxErrors: 10, Retention: 90 * 24 * time.Hour,
		Concurrency: concurrency(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, cycle := range []string{"first cycle (all 200)", "second cycle (all 304)"} {
		if err := runCycle(in, store, cycle); err != nil {
			return err
		}
	}
	return nil
}

func addSources(store *sqlite.SourceService, n, port, hosts int) error {
	sources := make([]*newsdesk.Source, n)
	for i := range n {
		sources[i] = &newsdesk.Source{URL: fmt.Sprintf("http://127.0.0.%d:%d/%s", 1+i%hosts, port, feedPath(i))}
	}
	_, err := store.ImportSources(context.Background(), sources)
	return err
}

func runCycle(in *feeds.Ingester, store *sqlite.SourceService, name string) error {
	ctx := context.Background()
	sources, err := store.FindSources(ctx, newsdesk.SourceFilter{})
	if err != nil {
		return err
	}
	runtime.GC()
	resetPeak()
	start, cpu := time.Now(), cpuTime()
	results := in.Run(ctx, sources, nil)
	d := time.Since(start)
	cpu = cpuTime() - cpu
	var items, notModified int
	for _, r := range results {
		if r.Err != nil {
			return fmt.Errorf("source %d: %w", r.Source.ID, r.Err)
		}
		items += r.New + r.Updated
		if r.NotModified {
			notModified++
		}
	}
	fmt.Printf("newsdesk ingest, %s: %d sources in %.2fs (%.0f sources/s), CPU %.2fs, %d items stored, %d not modified, peak RSS %d MB\n",
		name, len(sources), d.Seconds(), float64(len(sources))/d.Seconds(), cpu.Seconds(), items, notModified, peakRSS()>>20)
	return nil
}

// --- memory and time ---------------------------------------------------------

// cpuTime is the CPU time this process has used, user and system: on a
// shared machine it varies less than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeak resets the kernel's record of this process's peak resident
// memory (Linux), so that each phase's peak is its own.
func resetPeak() {
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS is the peak resident memory since the last reset, in bytes.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// concurrency is ingest.concurrency for the run: the default, 8, unless
// INGEST_CONCURRENCY says otherwise.
func concurrency() int {
	if n, err := strconv.Atoi(os.Getenv("INGEST_CONCURRENCY")); err == nil && n > 0 {
		return n
	}
	return 8
}
