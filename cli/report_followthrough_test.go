package cli

import (
	"net/http"
	"regexp"
	"testing"
)

// TestReportFollowThroughCommand: the filters go to the API as its query,
// and the rows come back as a table.
func TestReportFollowThroughCommand(t *testing.T) {
	f, url := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		answer(w, 200, map[string]any{"followthrough": []map[string]any{{"key": "all", "label": "all incidents", "incidents": 3,
			"postmortems":  map[string]any{"total": 2, "on_time": 1, "late": 0, "overdue": 1, "open": 0},
			"action_items": map[string]any{"total": 5, "on_time": 2, "late": 1, "overdue": 1, "open": 1}}}})
	})
	env := map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": "wr_x"}
	out, errOut, code := runCLI(t, env, "report", "followthrough", "--group-by", "team", "--window", "365d")
	if code != 0 || !regexp.MustCompile(`all incidents\s+3\s+1 of 2\s+0\s+1\s+0\s+2 of 5\s+1\s+1\s+1`).MatchString(out) {
		t.Fatalf("exit %d %q %s", code, out, errOut)
	}
	if r := f.requests()[0]; r.Path != "/api/v1/reports/followthrough" || r.Query != "group_by=team&window=365d" {
		t.Errorf("sent %s?%s", r.Path, r.Query)
	}
}
