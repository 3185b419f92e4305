// Package telemetry is warroom's own /metrics for Prometheus: what intake,
// the pager, the engine, the HTTP server and the database do, so that an
// SRE can monitor the pager with the tools they already run
// (docs/metrics.md; rules in deploy/prometheus/warroom-rules.yml).
//
// Labels take only bounded values: integration kinds, channels, queues,
// severities, stages, HTTP methods, route patterns and status codes;
// never an incident, alert or person.
package telemetry

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/warroom/warroom"
)

// Source is what a scrape reads from the database: gauges of the state
// now, each one cheap indexed query.
type Source interface {
	// OpenIncidentCounts counts the open incidents by severity and stage.
	OpenIncidentCounts(ctx context.Context) ([]warroom.OpenIncidentCount, error)
	// FoldedAlertGroups counts, per service, the new alert groups the
	// alert incident limit folded into its newest open incident.
	FoldedAlertGroups(ctx context.Context) ([]warroom.FoldedGroupsCount, error)
	// EngineLag returns, per queue, how late its oldest due, unclaimed
	// work is at now (jobs, and the outbox's messages as "outbox:QUEUE").
	EngineLag(ctx context.Context, now time.Time) (map[string]time.Duration, error)
	// AlertCreatedAt returns when warroom received an alert; ENotFound.
	AlertCreatedAt(ctx context.Context, alertID string) (time.Time, error)
}

// Metrics holds warroom's instruments and serves them.
type Metrics struct {
	reg    *prometheus.Registry
	source Source
	now    func() time.Time
	log    *slog.Logger

	alertsReceived     *prometheus.CounterVec
	alertsDeduplicated *prometheus.CounterVec
	deliveriesRefused  *prometheus.CounterVec
	pagesSent          *prometheus.CounterVec
	pagesFailed        *prometheus.CounterVec
	pagesThrottled     *prometheus.CounterVec
	alertToPage        prometheus.Histogram
	httpDuration       *prometheus.HistogramVec
	txDuration         prometheus.Histogram

	// Authorize, when set, must accept a request for /metrics (see
	// AdminToken); set it before serving.
	Authorize func(*http.Request) error

	// alertPages carries sent pages' alert IDs to the worker that looks up
	// when their alert arrived: the page's own path never waits for it.
	alertPages chan alertPage
}

type alertPage struct {
	alertID string
	sentAt  time.Time
}

// ScrapeTimeout bounds the database reads of one scrape.
const ScrapeTimeout = 5 * time.Second

// New returns the instruments, reading gauges from source (nil: none)
// with now as the clock. Run must run for the alert-to-page histogram.
func New(source Source, now func() time.Time, log *slog.Logger) *Metrics {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	m := &Metrics{reg: prometheus.NewRegistry(), source: source, now: now, log: log,
		alertPages: make(chan alertPage, 1024)}
	kind := []string{"integration_kind"}
	channel := []string{"channel"}
	m.alertsReceived = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "warroom_alerts_received_total",
		Help: "Alert updates accepted at intake (new, updated, acknowledged, resolved or duplicate), by integration kind."}, kind)
	m.alertsDeduplicated = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "warroom_alerts_deduplicated_total",
		Help: "Alert updates that repeated an open alert and changed nothing, by integration kind."}, kind)
	m.deliveriesRefused = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "warroom_alert_deliveries_refused_total",
		Help: "Intake deliveries refused (nothing of them stored), by integration kind and reason: invalid, unknown_integration, unavailable."},
		[]string{"integration_kind", "reason"})
	m.pagesSent = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "warroom_pages_sent_total",
		Help: "Pages delivered to a person's contact method, by channel."}, channel)
	m.pagesFailed = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "warroom_pages_failed_total",
		Help: "Page delivery attempts that failed (retried or given up), by channel."}, channel)
	m.pagesThrottled = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "warroom_pages_throttled_total",
		Help: "Pages held back by a destination's throttle, by channel."}, channel)
	m.alertToPage = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "warroom_alert_to_page_seconds",
		Help:    "Time from an alert reaching warroom to a page about it being delivered.",
		Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800}})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "warroom_http_request_duration_seconds",
		Help:    "HTTP request latency, by method, route pattern (\"other\" when none matched) and status code.",
		Buckets: prometheus.DefBuckets}, []string{"method", "route", "code"})
	m.txDuration = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "warroom_db_transaction_duration_seconds",
		Help:    "Write transaction latency, from begin to commit or rollback.",
		Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}})
	m.reg.MustRegister(m.alertsReceived, m.alertsDeduplicated, m.deliveriesRefused, m.pagesSent, m.pagesFailed,
		m.pagesThrottled, m.alertToPage, m.httpDuration, m.txDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if source != nil {
		m.reg.MustRegister(&stateCollector{m: m})
	}
	// The labels every kind and channel can take exist from the start,
	// at zero, so that rate() and absent() work before the first event.
	for _, k := range []warroom.IntegrationKind{warroom.IntegrationAlertmanager, warroom.IntegrationPagerDuty, warroom.IntegrationWebhook} {
		m.alertsReceived.WithLabelValues(string(k))
		m.alertsDeduplicated.WithLabelValues(string(k))
	}
	return m
}

// Registry is where the instruments are registered (tests gather it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError})
}

// Run looks up, for each page sent about an alert, when the alert arrived,
// and observes the time between, until ctx is done.
func (m *Metrics) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-m.alertPages:
			m.observeAlertPage(ctx, p)
			m.ObservePendingPages(ctx)
		}
	}
}

// ObservePendingPages does Run's work for the pages sent so far, and
// returns when none is left (Run calls it; so may a test).
func (m *Metrics) ObservePendingPages(ctx context.Context) {
	for {
		select {
		case p := <-m.alertPages:
			m.observeAlertPage(ctx, p)
		default:
			return
		}
	}
}

func (m *Metrics) observeAlertPage(ctx context.Context, p alertPage) {
	if m.source == nil {
		return
	}
	created, err := m.source.AlertCreatedAt(ctx, p.alertID)
	if err != nil {
		if warroom.ErrorCode(err) != warroom.ENotFound && ctx.Err() == nil {
			m.log.Warn("metrics: alert of a page not read", "err", err.Error())
		}
		return
	}
	if d := p.sentAt.Sub(created); d >= 0 {
		m.alertToPage.Observe(d.Seconds())
	}
}

// Names returns the name of every metric family warroom exports itself
// (not the Go runtime's and process's), sorted: what rules and dashboards
// may refer to.
func (m *Metrics) Names() []string {
	ch := make(chan *prometheus.Desc, 64)
	go func() {
		for _, c := range []prometheus.Collector{m.alertsReceived, m.alertsDeduplicated, m.deliveriesRefused,
			m.pagesSent, m.pagesFailed, m.pagesThrottled, m.alertToPage, m.httpDuration, m.txDuration, &stateCollector{m: m}} {
			c.Describe(ch)
		}
		close(ch)
	}()
	var names []string
	for d := range ch {
		// A Desc shows its name only in its String: Desc{fqName: "x", ...}.
		s := d.String()
		if i := strings.Index(s, `fqName: "`); i >= 0 {
			rest := s[i+len(`fqName: "`):]
			names = append(names, rest[:strings.IndexByte(rest, '"')])
		}
	}
	sort.Strings(names)
	return names
}
