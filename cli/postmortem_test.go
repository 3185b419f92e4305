package cli

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/warroom/warroom"
)

// TestPostmortemCommandRequests: each postmortem and actions command sends
// the request the API documents.
func TestPostmortemCommandRequests(t *testing.T) {
	tests := []struct {
		args         []string
		method, path string
		body         string
	}{
		{[]string{"postmortem", "show", "42"}, "GET", "/api/v1/incidents/INC-42/postmortem", `null`},
		{[]string{"postmortem", "edit", "42", "root_causes", "a", "config", "--version", "3"}, "PUT", "/api/v1/incidents/INC-42/postmortem/sections/root_causes",
			`{"text":"a config","version":3}`},
		{[]string{"postmortem", "require", "INC-42", "--reason", "customer asked"}, "POST", "/api/v1/incidents/INC-42/postmortem/required",
			`{"reason":"customer asked","required":true}`},
		{[]string{"postmortem", "require", "INC-42", "--not"}, "POST", "/api/v1/incidents/INC-42/postmortem/required", `{"reason":"","required":false}`},
		{[]string{"postmortem", "approve", "42"}, "POST", "/api/v1/incidents/INC-42/postmortem/approve", `null`},
		{[]string{"postmortem", "publish", "42"}, "POST", "/api/v1/incidents/INC-42/postmortem/publish", `null`},
		{[]string{"postmortem", "ready", "42"}, "GET", "/api/v1/incidents/INC-42/close-readiness", `null`},
		{[]string{"actions", "add", "42", "--title", "alert on disk", "--owner", "bob", "--due", "2026-12-31", "--category", "resiliency"},
			"POST", "/api/v1/incidents/INC-42/action-items", `{"category":"resiliency","owner":"bob","target_date":"2026-12-31","title":"alert on disk"}`},
		{[]string{"actions", "update", "ai-1", "--ticket", "SRE-9", "--status", "in_progress"}, "PATCH", "/api/v1/action-items/ai-1",
			`{"status":"in_progress","ticket_key":"SRE-9"}`},
		{[]string{"actions", "done", "ai-1"}, "PATCH", "/api/v1/action-items/ai-1", `{"status":"done"}`},
		{[]string{"actions", "list", "--owner", "bob", "--open"}, "GET", "/api/v1/action-items", `null`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, url := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) { answer(w, 200, map[string]any{}) })
			_, errOut, code := runCLI(t, map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": "wr_x"}, append(tt.args, "--output", "json")...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			r := f.requests()[0]
			body, _ := json.Marshal(r.Body)
			if r.Method != tt.method || r.Path != tt.path || string(body) != tt.body {
				t.Errorf("sent %s %s %s\nwant %s %s %s", r.Method, r.Path, body, tt.method, tt.path, tt.body)
			}
		})
	}
	if _, errOut, code := runCLI(t, nil, "actions", "add", "42", "--title", "x"); code == 0 || !strings.Contains(errOut, "required flag") {
		t.Errorf("missing flags accepted: %d %s", code, errOut)
	}
}

// TestImpactDataLoss: --data-loss sets the impact's data_loss, which makes
// a postmortem required.
func TestImpactDataLoss(t *testing.T) {
	f, url := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.Method == http.MethodGet {
			answer(w, 200, &warroom.IncidentView{Incident: &warroom.Incident{Ref: "INC-3", Impact: warroom.Impact{Cluster: "eu-1"}}})
			return
		}
		answer(w, 200, testResult())
	})
	if _, errOut, code := runCLI(t, map[string]string{"WARROOM_SERVER": url}, "impact", "3", "--data-loss", "--output", "json"); code != 0 {
		t.Fatal(errOut)
	}
	got, _ := json.Marshal(f.requests()[1].Body["impact"])
	if want := `{"cluster":"eu-1","customer_impact":false,"data_loss":true,"sla_impact":false}`; string(got) != want {
		t.Errorf("impact %s, want %s", got, want)
	}
}
