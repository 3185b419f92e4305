package httpapi

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestReports: an incident's metrics through the API, its downtime and
// data loss against its service's RTO and RPO, by service and as CSV; a
// private incident counts only for who may see it; unknown metrics,
// windows, groupings, services and teams are refused with the valid ones.
func TestReports(t *testing.T) {
	e := newEnv(t, nil)
	ok[warroom.Service](t, e.do("root", "POST", "/api/v1/services", map[string]any{"slug": "checkout", "name": "Checkout",
		"team": "sre", "rto": "30m", "rpo": "5m"}), 201)
	started := e.clock.Now().Add(-10 * time.Minute)
	inc := ok[warroom.CommandResult](t, e.do("ada", "POST", "/api/v1/incidents", map[string]any{
		"title": "checkout fails", "severity": "SEV2", "detection": "monitoring", "impact_started_at": started,
		"impact": map[string]any{"service_ids": []string{"checkout"}}}), http.StatusCreated).Incident
	e.clock.Advance(20 * time.Minute)
	ok[warroom.CommandResult](t, e.stage("ada", inc.Ref, warroom.StageIdentified), 200)
	e.clock.Advance(20 * time.Minute)
	ok[warroom.CommandResult](t, e.stage("ada", inc.Ref, warroom.StageRecovered), 200)
	point := started.Add(-3 * time.Minute)
	wantErr(t, e.do("vic", "POST", "/api/v1/incidents/"+inc.Ref+"/data-loss", map[string]any{"recovery_point": point}), 403, warroom.EForbidden, "")
	wantErr(t, e.do("ada", "POST", "/api/v1/incidents/"+inc.Ref+"/data-loss", map[string]any{}), 400, warroom.EInvalid, "recovery_point")
	ok[warroom.CommandResult](t, e.do("ada", "POST", "/api/v1/incidents/"+inc.Ref+"/data-loss",
		map[string]any{"recovery_point": point, "reason": "restored the snapshot"}), 200)
	e.declare("bob", "private trouble", true)
	// bob's private incident is hidden from ada: recording its data loss
	// is refused as if it did not exist, before anything is written.
	wantErr(t, e.do("ada", "POST", "/api/v1/incidents/INC-2/data-loss", map[string]any{"recovery_point": point}), 404, warroom.ENotFound, "")

	rep := ok[warroom.Report](t, e.do("ada", "GET", "/api/v1/reports/metrics?group_by=service&incidents=true", nil), 200)
	if rep.Total.Incidents != 1 {
		t.Fatalf("ada's report counts %d incidents, want 1 (bob's private one hidden)", rep.Total.Incidents)
	}
	row := rep.Incident[0]
	for m, want := range map[warroom.MetricName]time.Duration{warroom.MetricMTTD: 10 * time.Minute,
		warroom.MetricMTTI: 30 * time.Minute, warroom.MetricMTTRRecover: 50 * time.Minute, warroom.MetricDataLoss: 3 * time.Minute} {
		if got := time.Duration(row.Values[m]); got != want {
			t.Errorf("%s = %v, want %v", m, got, want)
		}
	}
	if _, has := row.Values[warroom.MetricMTTRResolve]; has {
		t.Errorf("an unresolved incident has MTTR resolve %v", row.Values[warroom.MetricMTTRResolve])
	}
	if len(row.RTO) != 1 || *row.RTO[0].Met || len(row.RPO) != 1 || !*row.RPO[0].Met {
		t.Errorf("objectives RTO %+v RPO %+v, want RTO breached (50m > 30m), RPO met (3m <= 5m)", row.RTO, row.RPO)
	}
	if len(rep.Groups) != 1 || rep.Groups[0].Label != "checkout" || rep.Groups[0].RTO.Breached != 1 {
		t.Errorf("groups %+v", rep.Groups)
	}
	if all := ok[warroom.Report](t, e.do("root", "GET", "/api/v1/reports/metrics?metric=mttd", nil), 200); all.Total.Incidents != 2 {
		t.Errorf("the admin's report counts %d incidents, want 2", all.Total.Incidents)
	}

	r := e.do("ada", "GET", "/api/v1/reports/metrics?metric=mttd,mttr_recover&format=csv", nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %s", r)
	}
	records, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 3 || records[1][3] != "mttd" || records[1][6] != "600" || records[2][7] != "3000" {
		t.Errorf("CSV rows %q", records)
	}

	for _, c := range []struct{ query, field, lists string }{
		{"metric=mttx", "metric", "mttr_respond"},
		{"window=2w", "window", "365d"},
		{"group_by=region", "group_by", "severity"},
		{"service=nope", "service", "checkout"},
		{"team=nope", "team", "sre"},
		{"severity=SEV9", "severity", "SEV4"},
		{"from=yesterday", "from", "RFC 3339"},
	} {
		msg := wantErr(t, e.do("ada", "GET", "/api/v1/reports/metrics?"+c.query, nil), 400, warroom.EInvalid, c.field)
		wantContains(t, msg, c.lists)
	}
	defs := ok[struct {
		Metrics []warroom.MetricDef `json:"metrics"`
	}](t, e.do("vic", "GET", "/api/v1/reports/definitions", nil), 200)
	if len(defs.Metrics) != len(warroom.MetricDefs) || defs.Metrics[0].Start == "" {
		t.Errorf("definitions %+v", defs)
	}
	chartResp := e.do("ada", "GET", "/api/v1/reports/charts/severity?window=30d", nil)
	if chartResp.Status != 200 || chartResp.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(chartResp.Body), "2025-03 SEV2: 1") {
		t.Errorf("severity chart: %d %s\n%s", chartResp.Status, chartResp.Header.Get("Content-Type"), chartResp.Body)
	}
	wantErr(t, e.do("ada", "GET", "/api/v1/reports/charts/pie", nil), 404, warroom.ENotFound, "")
	ok[map[string]any](t, e.do("ada", "GET", "/api/v1/reports/cadence?window=30d", nil), 200)
	ok[map[string]any](t, e.do("ada", "GET", "/api/v1/reports/oncall?window=7d", nil), 200)
}
