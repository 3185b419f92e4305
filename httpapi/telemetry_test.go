package httpapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
	"github.com/warroom/warroom/telemetry"
)

// TestTelemetryAfterAlertsAndPages: /metrics, parsed with Prometheus's own
// text parser, after a known sequence through intake and the pager (as
// `warroom serve` wires them): alerts received, deduplicated and refused
// per integration kind; pages sent and throttled per channel; the time
// from alert to page; open incidents by severity and stage; engine lag;
// HTTP and database latency, with no label naming an incident or alert.
func TestTelemetryAfterAlertsAndPages(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		var tel *telemetry.Metrics
		a := newAcceptance(t, db, epoch, func(c *paging.Config) {
			tel = telemetry.New(c.Store.(telemetry.Source), c.Now, nil)
			c.Observer = tel
			c.Throttles = map[string]notify.Throttle{notify.ChannelEmail: {Windows: []notify.Window{{Count: 2, Per: time.Minute}}}}
			c.Policy = warroom.DefaultPolicy()
			c.Policy.AlertIncidentLimit = warroom.AlertIncidentLimit{}
		})
		a.api.ObserveIntake(tel)
		a.store.ObserveTransactions(tel.ObserveTx)
		front := httptest.NewServer(tel.Middleware(a.api, a.api.RoutePattern))
		t.Cleanup(front.Close)

		a.rules("ada", a.contact("ada", warroom.ContactEmail, "ada@example.com"), "0s")
		pol := a.policy("ada-only", "5m", 0, "ada")
		a.servicePaging(pol.Name, map[string]string{"min_severity": "critical", "action": "declare", "incident_severity": "SEV2"})
		in := a.integration(warroom.IntegrationWebhook, "scripts")
		post := func(key, body string, want int) {
			t.Helper()
			req, _ := http.NewRequest("POST", front.URL+"/api/v1/integrations/webhook/"+key, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			res, err := front.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != want {
				t.Fatalf("intake answered %d, want %d", res.StatusCode, want)
			}
		}
		fire := func(dedup string) {
			post(in.Key, `{"dedup_key":"`+dedup+`","title":"Disk full on `+dedup+`","severity":"critical"}`, 202)
		}
		fire("db1")
		fire("db2")
		fire("db3")
		fire("db1") // the same open alert: deduplicated
		post(in.Key, `{"dedup_key":`, 400)
		post("not-a-key", `{"dedup_key":"x","title":"t"}`, 401)
		a.clock.Advance(3 * time.Second)
		a.tick() // three incidents page ada by email: two go, the third waits for the throttle
		tel.ObservePendingPages(context.Background())

		// One job due 90 seconds ago that nobody ran: engine lag.
		err := a.store.Enqueue(context.Background(), engine.Job{ID: "lag-1", Queue: "lagging", Kind: "test.noop",
			DueAt: a.clock.Now().Add(-90 * time.Second)})
		if err != nil {
			t.Fatal(err)
		}

		fams := scrape(t, front.URL)
		want := []struct {
			family string
			labels map[string]string
			value  float64
		}{
			{"warroom_alerts_received_total", map[string]string{"integration_kind": "webhook"}, 4},
			{"warroom_alerts_deduplicated_total", map[string]string{"integration_kind": "webhook"}, 1},
			{"warroom_alerts_received_total", map[string]string{"integration_kind": "alertmanager"}, 0},
			{"warroom_alert_deliveries_refused_total", map[string]string{"integration_kind": "webhook", "reason": "invalid"}, 1},
			{"warroom_alert_deliveries_refused_total", map[string]string{"integration_kind": "webhook", "reason": "unknown_integration"}, 1},
			{"warroom_pages_sent_total", map[string]string{"channel": "email"}, 2},
			{"warroom_pages_throttled_total", map[string]string{"channel": "email"}, 1},
			{"warroom_alert_to_page_seconds", nil, 2}, // the count of observations
			{"warroom_open_incidents", map[string]string{"severity": "SEV2", "stage": "declared"}, 3},
			{"warroom_open_incidents", map[string]string{"severity": "SEV1", "stage": "declared"}, 0},
			{"warroom_engine_lag_seconds", map[string]string{"queue": "lagging"}, 90},
			{"warroom_metrics_scrape_error", nil, 0},
		}
		for _, w := range want {
			if got, ok := value(fams, w.family, w.labels); !ok || got != w.value {
				t.Errorf("%s%v = %v (found %v), want %v", w.family, w.labels, got, ok, w.value)
			}
		}
		if got, _ := value(fams, "warroom_alert_to_page_seconds_sum", nil); got != 3*2 {
			t.Errorf("alert to page took %vs in all, want 6s (two pages 3s after their alerts)", got)
		}
		if n, ok := value(fams, "warroom_http_request_duration_seconds", map[string]string{"method": "POST",
			"route": "POST /api/v1/integrations/webhook/{key}", "code": "202"}); !ok || n != 4 {
			t.Errorf("intake requests timed: %v %v, want 4 under the route's pattern", n, ok)
		}
		if n, ok := value(fams, "warroom_db_transaction_duration_seconds", nil); !ok || n == 0 {
			t.Errorf("no database transaction timed")
		}
		// No label value names an incident, an alert or a key.
		for name, f := range fams {
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if v := l.GetValue(); strings.Contains(v, "INC-") || strings.Contains(v, in.Key) || strings.Contains(v, "db1") {
						t.Errorf("%s has label %s=%q", name, l.GetName(), v)
					}
				}
			}
		}
	})
}

// TestTelemetryFoldedAlertGroups: warroom_alert_groups_folded says, per
// service, how many new alert groups the alert incident limit folded into
// the service's newest open incident (a storm), and goes once that
// incident resolves.
func TestTelemetryFoldedAlertGroups(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		var tel *telemetry.Metrics
		a := newAcceptance(t, db, epoch, func(c *paging.Config) {
			tel = telemetry.New(c.Store.(telemetry.Source), c.Now, nil)
			c.Policy = warroom.DefaultPolicy()
			c.Policy.AlertIncidentLimit = warroom.AlertIncidentLimit{Count: 1, Window: 10 * time.Minute}
		})
		front := httptest.NewServer(tel.Handler())
		t.Cleanup(front.Close)
		pol := a.policy("ada-only", "5m", 0, "ada")
		a.servicePaging(pol.Name, map[string]string{"min_severity": "critical", "action": "declare", "incident_severity": "SEV2"})
		in := a.integration(warroom.IntegrationWebhook, "scripts")
		if _, ok := value(scrape(t, front.URL), "warroom_alert_groups_folded", map[string]string{"service": "checkout"}); ok {
			t.Fatal("folded groups before any alert")
		}
		for _, dedup := range []string{"db1", "db2", "db3", "db4"} {
			if r := a.post("/api/v1/integrations/webhook/"+in.Key, `{"dedup_key":"`+dedup+`","title":"Disk full on `+dedup+`","severity":"critical"}`); r.Status != 202 {
				t.Fatal(r)
			}
			a.tick()
		}
		fams := scrape(t, front.URL)
		if got, ok := value(fams, "warroom_alert_groups_folded", map[string]string{"service": "checkout"}); !ok || got != 3 {
			t.Fatalf("folded groups = %v (found %v), want 3: one declared, three folded", got, ok)
		}
		if got, _ := value(fams, "warroom_metrics_scrape_error", nil); got != 0 {
			t.Fatalf("scrape error %v", got)
		}
		inc := a.alertBy("webhook", "db1").IncidentID
		for _, stage := range []string{"mitigated", "recovered", "baseline", "resolved"} {
			if r := a.do("ada", "POST", "/api/v1/incidents/"+inc+"/stage", map[string]string{"stage": stage}); r.Status != 200 {
				t.Fatal(r)
			}
		}
		if got, ok := value(scrape(t, front.URL), "warroom_alert_groups_folded", map[string]string{"service": "checkout"}); ok {
			t.Fatalf("folded groups after the incident resolved: %v", got)
		}
	})
}

// scrape gets /metrics and parses it as Prometheus does.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("/metrics answered %d %s: %s", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return fams
}

// value returns the value of the sample of family whose labels include
// labels: a counter's or gauge's value, a histogram's count; name_sum is
// a histogram's sum.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	sum := strings.HasSuffix(name, "_sum")
	f := fams[strings.TrimSuffix(name, "_sum")]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		match := true
		for k, v := range labels {
			found := false
			for _, l := range m.GetLabel() {
				found = found || (l.GetName() == k && l.GetValue() == v)
			}
			match = match && found
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil && sum:
			return m.Histogram.GetSampleSum(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}
