// Package metrics is the daemon's Prometheus instrumentation: counters the
// web, mail and job code call, and what the store and the ingester know,
// read at each scrape.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/feeds"
	"github.com/newsdesk/newsdesk/mailer"
	"github.com/newsdesk/newsdesk/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// maxEditionSeries bounds the editions whose progress /metrics shows.
const maxEditionSeries = 20

// scrapeTimeout bounds the store reads of one scrape.
const scrapeTimeout = 5 * time.Second

// Metrics is the daemon's Prometheus instrumentation, on a registry of its
// own. Counters on hot paths are resolved once, so counting is an atomic
// add; what the store knows (outbox depth, edition progress) and what the
// ingester counts are read when Prometheus scrapes.
type Metrics struct {
	reg             *prometheus.Registry
	feedRequests    *prometheus.CounterVec
	feedNotModified *prometheus.CounterVec
	deliveries      map[newsdesk.DeliveryStatus]prometheus.Counter
	smtpErrors      *prometheus.CounterVec
	jobRuns         *prometheus.CounterVec
	jobDuration     *prometheus.HistogramVec
}

// The metrics implement the hooks of the packages they observe.
var (
	_ web.FeedMetrics = (*Metrics)(nil)
	_ mailer.Observer = (*Metrics)(nil)
)

// Sources are what a scrape reads.
type Sources struct {
	Ingest   func() feeds.IngestStats
	Outbox   OutboxStore
	Editions EditionStore
	Logger   *slog.Logger
}

// OutboxStore counts the deliveries with work left, by status.
type OutboxStore interface {
	OutboxDepth(ctx context.Context) (map[newsdesk.DeliveryStatus]int, error)
}

// EditionStore reads the editions being prepared, sent or paused.
type EditionStore interface {
	ActiveEditions(ctx context.Context, limit int) ([]*newsdesk.Edition, error)
}

// New registers the daemon's metrics, reading src at each scrape.
func New(src Sources) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.feedRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "newsdesk_feed_requests_total",
		Help: "Feed requests by scope (site, category, author, related) and format."}, []string{"scope", "format"})
	m.feedNotModified = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "newsdesk_feed_not_modified_total",
		Help: "Feed requests answered 304 Not Modified, by scope and format."}, []string{"scope", "format"})
	deliveries := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "newsdesk_deliveries_total",
		Help: "Delivery attempts by outcome: sent, deferred or failed."}, []string{"status"})
	m.deliveries = map[newsdesk.DeliveryStatus]prometheus.Counter{}
	for _, st := range []newsdesk.DeliveryStatus{newsdesk.DeliverySent, newsdesk.DeliveryDeferred, newsdesk.DeliveryFailed} {
		m.deliveries[st] = deliveries.WithLabelValues(string(st))
	}
	m.smtpErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "newsdesk_smtp_errors_total",
		Help: `Failed delivery attempts by SMTP reply code ("none" for network and local errors).`}, []string{"code"})
	m.jobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "newsdesk_job_runs_total",
		Help: "Scheduler job runs by job and result (ok, error)."}, []string{"job", "result"})
	m.jobDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "newsdesk_job_duration_seconds",
		Help: "Scheduler job run time by job.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}, []string{"job"})
	m.reg.MustRegister(m.feedRequests, m.feedNotModified, deliveries, m.smtpErrors, m.jobRuns, m.jobDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&storeCollector{src: src})
	return m
}

// Handler serves the registry in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// FeedCounters resolves a feed route's counters once, for web. The site's
// own feeds, whose scope kind is "", are labelled scope="site".
func (m *Metrics) FeedCounters(scope string, f feeds.Format) (requests, notModified web.Counter) {
	if scope == feeds.ScopeSite {
		scope = "site"
	}
	return m.feedRequests.WithLabelValues(scope, string(f)), m.feedNotModified.WithLabelValues(scope, string(f))
}

// Delivered counts an attempt's outcome, for the outbox.
func (m *Metrics) Delivered(status newsdesk.DeliveryStatus, smtpCode int) {
	if c := m.deliveries[status]; c != nil {
		c.Inc()
	}
	if status == newsdesk.DeliverySent {
		return
	}
	code := "none"
	if smtpCode != 0 {
		code = strconv.Itoa(smtpCode)
	}
	m.smtpErrors.WithLabelValues(code).Inc()
}

// JobRan counts a run of a scheduled job and its time.
func (m *Metrics) JobRan(job string, d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.jobRuns.WithLabelValues(job, result).Inc()
	m.jobDuration.WithLabelValues(job).Observe(d.Seconds())
}

// storeCollector reports, at each scrape, what the ingester has counted
// and what the store holds: the outbox's depth and the progress of the
// editions being sent.
type storeCollector struct{ src Sources }

var (
	ingestFetchesDesc = prometheus.NewDesc("newsdesk_ingest_fetches_total",
		"Source fetches by result: ok (a feed was read), not_modified, failed.", []string{"result"}, nil)
	itemsStoredDesc = prometheus.NewDesc("newsdesk_ingest_items_stored_total",
		"Ingested items stored, by change: new or updated.", []string{"change"}, nil)
	outboxDepthDesc = prometheus.NewDesc("newsdesk_outbox_depth",
		"Deliveries with work left, by status: queued, deferred, sending.", []string{"status"}, nil)
	editionDesc = prometheus.NewDesc("newsdesk_edition_deliveries",
		"Deliveries of the editions being prepared, sent or paused, by status (at most 20 editions, newest first).",
		[]string{"edition", "newsletter", "status"}, nil)
)

// Describe sends the descriptions of the metrics Collect sends.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{ingestFetchesDesc, itemsStoredDesc, outboxDepthDesc, editionDesc} {
		ch <- d
	}
}

// Collect reads the counts. A store that does not answer leaves its
// metrics out of this scrape rather than failing it.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.Ingest()
	counter := func(d *prometheus.Desc, v int64, label string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), label)
	}
	counter(ingestFetchesDesc, s.OK, "ok")
	counter(ingestFetchesDesc, s.NotModified, "not_modified")
	counter(ingestFetchesDesc, s.Failed, "failed")
	counter(itemsStoredDesc, s.ItemsNew, "new")
	counter(itemsStoredDesc, s.ItemsUpdated, "updated")
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	c.collectOutbox(ctx, ch)
	c.collectEditions(ctx, ch)
}

func (c *storeCollector) collectOutbox(ctx context.Context, ch chan<- prometheus.Metric) {
	depth, err := c.src.Outbox.OutboxDepth(ctx)
	if err != nil {
		c.src.Logger.Warn("metrics: outbox depth not read", "err", err)
		return
	}
	for _, st := range []newsdesk.DeliveryStatus{newsdesk.DeliveryQueued, newsdesk.DeliveryDeferred, newsdesk.DeliverySending} {
		ch <- prometheus.MustNewConstMetric(outboxDepthDesc, prometheus.GaugeValue, float64(depth[st]), string(st))
	}
}

func (c *storeCollector) collectEditions(ctx context.Context, ch chan<- prometheus.Metric) {
	es, err := c.src.Editions.ActiveEditions(ctx, maxEditionSeries)
	if err != nil {
		c.src.Logger.Warn("metrics: edition progress not read", "err", err)
		return
	}
	for _, e := range es {
		id := strconv.FormatInt(e.ID, 10)
		for status, n := range map[string]int{"sent": e.Counts.Sent, "queued": e.Counts.Queued,
			"deferred": e.Counts.Deferred, "failed": e.Counts.Failed, "skipped": e.Counts.Skipped} {
			ch <- prometheus.MustNewConstMetric(editionDesc, prometheus.GaugeValue, float64(n), id, e.Newsletter.Slug, status)
		}
	}
}

// BounceCounter registers newsdesk_bounces_total and returns the hook
// that counts into it, for the bounce processor.
func (m *Metrics) BounceCounter() func(*newsdesk.BounceEvent, newsdesk.BounceOutcome) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "newsdesk_bounces_total",
		Help: "Bounce events recorded, by type (hard, soft, complaint, delayed, unknown) and source."}, []string{"type", "source"})
	m.reg.MustRegister(c)
	for _, t := range []newsdesk.BounceType{newsdesk.BounceHard, newsdesk.BounceSoft, newsdesk.BounceComplaint} {
		c.WithLabelValues(string(t), string(newsdesk.BounceSMTP))
	}
	return func(ev *newsdesk.BounceEvent, _ newsdesk.BounceOutcome) {
		c.WithLabelValues(string(ev.Type), string(ev.Source)).Inc()
	}
}
