package e2e_test

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestMetricsServe: `warroom serve` answers /metrics, to an admin's token
// only, in Prometheus's text format with the open incidents and the API's latency by route pattern,
// and `warroom report metrics` reports the incident, as CSV too.
func TestMetricsServe(t *testing.T) {
	s := startServer(t, "sqlite:"+filepath.Join(t.TempDir(), "warroom.db"))
	admin := bootstrapAdmin(t, s)
	s.ok(t, admin, "service", "create", "--slug", "db", "--name", "Database")
	ref := s.result(t, admin, "declare", "--title", "primary OOM", "--severity", "SEV1", "--service", "db").Incident.Ref
	s.ok(t, admin, "stage", ref, "recovered")

	if res, err := http.Get(s.url + "/signin"); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("sign-in page: %v %v", res, err)
	}
	if res, err := http.Get(s.url + "/metrics"); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/metrics without a token: %v %v", res, err)
	}
	req, _ := http.NewRequest("GET", s.url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+admin.token) // as Prometheus's scrape config sends it
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`warroom_open_incidents{severity="SEV1",stage="recovered"} 1`,
		`warroom_http_request_duration_seconds_count{code="201",method="POST",route="POST /api/v1/incidents"} 1`,
		`warroom_alerts_received_total{integration_kind="alertmanager"} 0`,
		"warroom_db_transaction_duration_seconds_count",
		`warroom_http_request_duration_seconds_count{code="200",method="GET",route="GET /signin"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if out := s.ok(t, admin, "report", "metrics", "--metric", "mttr_respond", "--group-by", "service"); !strings.Contains(out, "\ndb ") {
		t.Errorf("report by service:\n%s", out)
	}
	s.fails(t, admin, exitFailed, "unknown metric \"mttx\"; metrics are mttd, mtta, mtti", "report", "metrics", "--metric", "mttx")
	s.fails(t, admin, exitFailed, "unknown service \"nope\"; services are db", "report", "metrics", "--service", "nope")
	s.fails(t, admin, exitUsage, "--output csv is for reports", "list", "--output", "csv")
	if out := s.ok(t, admin, "report", "metrics", "--metric", "mttr_respond", "--output", "csv"); !strings.HasPrefix(out, "group,label,incidents,metric,count") ||
		!strings.Contains(out, "all,all incidents,1,mttr_respond,1,0,") {
		t.Errorf("report as CSV:\n%s", out)
	}
}
