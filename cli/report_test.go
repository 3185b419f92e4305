package cli

import (
	"net/http"
	"strings"
	"testing"
)

// TestReportCommands: the report commands send the query the API
// documents, print CSV as the server wrote it with --output csv, and a
// table in text; --output csv is refused outside reports.
func TestReportCommands(t *testing.T) {
	const csvBody = "group,label,incidents,metric,count,missing,mean_seconds,median_seconds,p90_seconds\nall,all incidents,1,mttd,1,0,600,600,600\n"
	f, url := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.URL.Query().Get("format") == "csv" {
			w.Header().Set("Content-Type", "text/csv")
			w.Write([]byte(csvBody))
			return
		}
		answer(w, 200, map[string]any{"metrics": []string{"mttd"}, "to": "2026-12-01T00:00:00Z",
			"total": map[string]any{"key": "all", "label": "all incidents", "incidents": 1,
				"metrics": map[string]any{"mttd": map[string]any{"count": 1, "missing": 2, "mean": "10m0s", "median": "10m0s", "p90": "10m0s"}}}})
	})
	env := map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": "wr_x"}
	out, errOut, code := runCLI(t, env, "report", "metrics", "--metric", "mttd,mtta", "--group-by", "service", "--window", "30d", "--output", "csv")
	if code != 0 || out != csvBody {
		t.Fatalf("csv: exit %d %q %s", code, out, errOut)
	}
	r := f.requests()[0]
	if r.Path != "/api/v1/reports/metrics" || r.Query != "format=csv&group_by=service&metric=mttd%2Cmtta&window=30d" {
		t.Errorf("sent %s?%s", r.Path, r.Query)
	}
	out, errOut, code = runCLI(t, env, "report", "metrics")
	if code != 0 || !strings.Contains(out, "mttd") || !strings.Contains(out, "10m0s") || !strings.Contains(out, "all incidents") {
		t.Errorf("text: exit %d %q %s", code, out, errOut)
	}
	if _, errOut, code := runCLI(t, env, "list", "--output", "csv"); code == 0 || !strings.Contains(errOut, "reports") {
		t.Errorf("--output csv outside reports: exit %d %s", code, errOut)
	}
	runCLI(t, env, "report", "data-loss", "INC-3", "--recovery-point", "2026-11-01T09:00:00Z", "--output", "json")
	last := f.requests()[len(f.requests())-1]
	if last.Method != "POST" || last.Path != "/api/v1/incidents/INC-3/data-loss" {
		t.Errorf("data-loss sent %s %s", last.Method, last.Path)
	}
}
