package main

import (
	"bufio"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk/mailer/smtptest"
)

// scrape reads /metrics into series → value, e.g.
// `newsdesk_feed_requests_total{format="rss",scope="site"}` → 3.
func scrape(t *testing.T, base string) map[string]float64 {
	t.Helper()
	resp, body := get(t, base+"/metrics")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d", resp.StatusCode)
	}
	series := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		series[line[:i]] = v
	}
	return series
}

// TestMetricsMoveWhenThingsHappen runs the real daemon and checks that each
// metric exists and moves when the thing it counts happens: feed requests
// and 304s, a delivery through an SMTP server, an ingest fetch and the
// items it stored, and the scheduler's job runs.
func TestMetricsMoveWhenThingsHappen(t *testing.T) {
	srv := smtptest.Start(t)
	d := newInstall(t, smtpEnv(srv, "NEWSDESK_INGEST_ALLOW_PRIVATE=true")...)
	d.mustRun("source", "add", sourceServer(t)+"/good.xml", "--category", "economy")
	base := d.serve()
	before := scrape(t, base)
	for _, name := range []string{
		`newsdesk_outbox_depth{status="queued"}`, `newsdesk_ingest_fetches_total{result="ok"}`,
		`newsdesk_ingest_items_stored_total{change="new"}`, `newsdesk_feed_requests_total{format="rss",scope="site"}`,
		`go_goroutines`, `process_resident_memory_bytes`,
	} {
		if _, ok := before[name]; !ok {
			t.Errorf("/metrics lacks %s", name)
		}
	}

	resp, _ := get(t, base+"/feed.xml")
	get(t, base+"/feed.xml", "If-None-Match", resp.Header.Get("ETag"))
	get(t, base+"/category/economy/atom.xml")
	if status, _ := postForm(t, base+"/subscribe", "email=metrics%40example.com&newsletter=weekly&website="); status != 200 {
		t.Fatalf("subscribe: %d", status)
	}
	srv.Wait(t, 1, 10*time.Second)
	// The daemon started with every counter at 0: values are absolute.
	var after map[string]float64
	waitFor(t, 45*time.Second, func() bool { // the scheduler polls sources every 30 seconds
		after = scrape(t, base)
		return after[`newsdesk_job_runs_total{job="ingest",result="ok"}`] > 0 &&
			after[`newsdesk_ingest_fetches_total{result="ok"}`] > 0 &&
			after[`newsdesk_deliveries_total{status="sent"}`] > 0
	}, "an ingest run and a delivery counted")

	for name, want := range map[string]float64{
		`newsdesk_feed_requests_total{format="rss",scope="site"}`:          2,
		`newsdesk_feed_not_modified_total{format="rss",scope="site"}`:      1,
		`newsdesk_feed_requests_total{format="atom",scope="category"}`:     1,
		`newsdesk_feed_not_modified_total{format="atom",scope="category"}`: 0,
		`newsdesk_deliveries_total{status="sent"}`:                         1,
		`newsdesk_ingest_fetches_total{result="ok"}`:                       1,
		`newsdesk_ingest_items_stored_total{change="new"}`:                 4,
	} {
		if got := after[name]; got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	for _, name := range []string{`newsdesk_job_runs_total{job="digests",result="ok"}`,
		`newsdesk_job_duration_seconds_count{job="ingest"}`} {
		if after[name] < 1 {
			t.Errorf("%s = %v, want at least 1", name, after[name])
		}
	}
}

// TestMetricsShowEditionProgressAndSMTPErrors sends an edition to a server
// that refuses one recipient for good and defers another: the edition's
// progress and the SMTP error codes show on /metrics.
func TestMetricsShowEditionProgressAndSMTPErrors(t *testing.T) {
	srv := smtptest.Start(t)
	srv.SetHook(func(stage, rcpt string, n int) *smtptest.Reply {
		switch {
		case stage == "rcpt" && strings.HasPrefix(rcpt, "gone"):
			return &smtptest.Reply{Code: 550, Message: "No such user"}
		case stage == "rcpt" && strings.HasPrefix(rcpt, "later"):
			return &smtptest.Reply{Code: 451, Message: "Try again later"}
		}
		return nil
	})
	d := newInstall(t, smtpEnv(srv)...)
	d.mustRun("newsletter", "add", "--slug", "notes", "--name", "Notes")
	for _, email := range []string{"one@example.com", "two@example.com", "gone@example.com", "later@example.com"} {
		d.mustRun("subscriber", "add", email, "--newsletter", "notes", "--confirmed")
	}
	base := d.serve()
	d.mustRun("digest", "send", "--newsletter", "notes", "--now")
	var m map[string]float64
	waitFor(t, 20*time.Second, func() bool {
		m = scrape(t, base)
		return m[`newsdesk_edition_deliveries{edition="1",newsletter="notes",status="sent"}`] == 2 &&
			m[`newsdesk_edition_deliveries{edition="1",newsletter="notes",status="failed"}`] == 1
	}, "edition 1 with two sent and one failed on /metrics")
	for name, want := range map[string]float64{
		`newsdesk_edition_deliveries{edition="1",newsletter="notes",status="deferred"}`: 1,
		`newsdesk_smtp_errors_total{code="550"}`:                                        1,
		`newsdesk_smtp_errors_total{code="451"}`:                                        1,
		`newsdesk_deliveries_total{status="deferred"}`:                                  1,
		`newsdesk_outbox_depth{status="deferred"}`:                                      1,
	} {
		if m[name] != want {
			t.Errorf("%s = %v, want %v", name, m[name], want)
		}
	}
}
