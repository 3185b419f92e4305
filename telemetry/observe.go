package telemetry

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
)

// Refusal reasons of intake deliveries.
const (
	RefusedInvalid            = "invalid"             // the body could not be read as the sender's format
	RefusedUnknownIntegration = "unknown_integration" // no integration of the kind has the key
	RefusedUnavailable        = "unavailable"         // the database did not store it; the sender retries
)

// ObserveIngest counts what intake stored of one delivery.
func (m *Metrics) ObserveIngest(kind warroom.IntegrationKind, results []warroom.IngestResult) {
	received := m.alertsReceived.WithLabelValues(string(kind))
	dedup := m.alertsDeduplicated.WithLabelValues(string(kind))
	for _, r := range results {
		if r.Outcome == warroom.IngestIgnored {
			continue // an acknowledge or resolve of nothing open
		}
		received.Inc()
		if r.Outcome == warroom.IngestDuplicate {
			dedup.Inc()
		}
	}
}

// ObserveRefused counts a delivery intake refused.
func (m *Metrics) ObserveRefused(kind warroom.IntegrationKind, reason string) {
	m.deliveriesRefused.WithLabelValues(string(kind), reason).Inc()
}

// ObserveDelivery counts the outcome of an attempt at delivering a page
// (other messages are not pages and are left out); see
// paging.DeliveryObserver.
func (m *Metrics) ObserveDelivery(msg *notify.Outbox, outcome string, at time.Time) {
	if msg.Kind != notify.KindPage {
		return
	}
	switch outcome {
	case paging.OutcomeSent:
		m.pagesSent.WithLabelValues(msg.Channel).Inc()
		if msg.AlertID != "" {
			select {
			case m.alertPages <- alertPage{alertID: msg.AlertID, sentAt: at}:
			default: // a storm of pages: the histogram skips some rather than slow the sender
			}
		}
	case paging.OutcomeFailed, paging.OutcomeRetry:
		m.pagesFailed.WithLabelValues(msg.Channel).Inc()
	case paging.OutcomeThrottled:
		m.pagesThrottled.WithLabelValues(msg.Channel).Inc()
	}
}

// ObserveTx records one write transaction's duration.
func (m *Metrics) ObserveTx(d time.Duration) { m.txDuration.Observe(d.Seconds()) }

// Middleware serves GET /metrics and times every other request, labelled
// by route: the pattern it matched ("GET /api/v1/incidents/{incident}"),
// never its path, which holds IDs; "other" when route returns "".
func (m *Metrics) Middleware(next http.Handler, route func(*http.Request) string) http.Handler {
	metrics := m.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			if m.Authorize != nil {
				if err := m.Authorize(r); err != nil {
					w.Header().Set("WWW-Authenticate", `Bearer realm="warroom metrics"`)
					http.Error(w, err.Error(), http.StatusUnauthorized)
					return
				}
			}
			metrics.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if strings.HasPrefix(sw.Header().Get("Content-Type"), "text/event-stream") {
			return // a live stream lasts as long as the page is open: not a latency
		}
		label := route(r)
		if label == "" {
			label = "other"
		}
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		m.httpDuration.WithLabelValues(r.Method, label, strconv.Itoa(sw.status)).Observe(time.Since(start).Seconds())
	})
}

// Patterns returns a route function for Middleware that matches requests
// against patterns in http.ServeMux syntax.
func Patterns(patterns []string) func(*http.Request) string {
	mux := http.NewServeMux()
	for _, p := range patterns {
		mux.Handle(p, http.NotFoundHandler())
	}
	return func(r *http.Request) string {
		_, p := mux.Handler(r)
		return p
	}
}

// statusWriter remembers the status code written. It passes Flush on, so
// that live streams behind it still stream.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// stateCollector reads the gauges of the state now at each scrape.
type stateCollector struct{ m *Metrics }

var (
	openIncidentsDesc = prometheus.NewDesc("warroom_open_incidents",
		"Incidents not yet resolved, by severity and stage.", []string{"severity", "stage"}, nil)
	engineLagDesc = prometheus.NewDesc("warroom_engine_lag_seconds",
		"How late the oldest due, unclaimed work of a queue is (0 when none is late).", []string{"queue"}, nil)
	foldedGroupsDesc = prometheus.NewDesc("warroom_alert_groups_folded",
		"New alert groups that the alert incident limit attached to their service's newest open incident instead of declaring "+
			"one each (an alert storm), while that incident is open, by service.", []string{"service"}, nil)
	scrapeErrorDesc = prometheus.NewDesc("warroom_metrics_scrape_error",
		"1 when the last scrape could not read the database's state.", nil, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- openIncidentsDesc
	ch <- engineLagDesc
	ch <- foldedGroupsDesc
	ch <- scrapeErrorDesc
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), ScrapeTimeout)
	defer cancel()
	failed := 0.0
	counts, err := c.m.source.OpenIncidentCounts(ctx)
	if err != nil {
		c.m.log.Warn("metrics: open incidents not read", "err", err.Error())
		failed = 1
	}
	// Every severity and stage an open incident can have is a series,
	// zero when none: an alert on a SEV1 count needs the series to exist.
	open := map[[2]string]int{}
	for _, sev := range warroom.Severities {
		for _, st := range warroom.Stages {
			if st.Open() {
				open[[2]string{string(sev), string(st)}] = 0
			}
		}
	}
	for _, oc := range counts {
		open[[2]string{string(oc.Severity), string(oc.Stage)}] += oc.Count
	}
	for k, n := range open {
		ch <- prometheus.MustNewConstMetric(openIncidentsDesc, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
	lags, err := c.m.source.EngineLag(ctx, c.m.now())
	if err != nil {
		c.m.log.Warn("metrics: engine lag not read", "err", err.Error())
		failed = 1
	}
	for q, d := range lags {
		ch <- prometheus.MustNewConstMetric(engineLagDesc, prometheus.GaugeValue, d.Seconds(), q)
	}
	folded, err := c.m.source.FoldedAlertGroups(ctx)
	if err != nil {
		c.m.log.Warn("metrics: folded alert groups not read", "err", err.Error())
		failed = 1
	}
	for _, f := range folded {
		ch <- prometheus.MustNewConstMetric(foldedGroupsDesc, prometheus.GaugeValue, float64(f.Count), f.Service)
	}
	ch <- prometheus.MustNewConstMetric(scrapeErrorDesc, prometheus.GaugeValue, failed)
}

// AdminToken returns an Authorize that admits a request bearing the API
// token of an admin: /metrics counts private incidents too, which only
// admins may know of. Prometheus sends it with
// authorization: {credentials: wr_...} in its scrape config.
func AdminToken(auth func(ctx context.Context, secretHash string, at time.Time) (*warroom.User, error), now func() time.Time) func(*http.Request) error {
	return func(r *http.Request) error {
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(secret) == "" {
			return errors.New("/metrics needs an admin's API token: Authorization: Bearer wr_...")
		}
		u, err := auth(r.Context(), warroom.HashTokenSecret(strings.TrimSpace(secret)), now())
		if err != nil {
			return errors.New("the token is unknown or revoked")
		}
		if u.Role != warroom.AccountAdmin {
			return errors.New("/metrics is for admins' tokens: it counts private incidents too")
		}
		return nil
	}
}
