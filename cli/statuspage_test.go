package cli

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestStatusCommandRequests: each status page command sends the request
// the API documents.
func TestStatusCommandRequests(t *testing.T) {
	tests := []struct {
		args         []string
		method, path string
		body         string
	}{
		{[]string{"status", "publish", "42", "--title", "Slow API"}, "POST", "/api/v1/incidents/INC-42/public", `{"impact":"","title":"Slow API"}`},
		{[]string{"status", "component-add", "--name", "API", "--group", "Platform", "--service", "db"}, "POST", "/api/v1/status/components",
			`{"description":"","group":"Platform","name":"API","position":0,"services":["db"]}`},
		{[]string{"status", "set", "API", "major_outage", "--reason", "provider down"}, "POST", "/api/v1/status/components/API/status",
			`{"reason":"provider down","status":"major_outage"}`},
		{[]string{"status", "set", "API", "--clear"}, "POST", "/api/v1/status/components/API/status", `{"reason":"","status":""}`},
		{[]string{"status", "history", "API"}, "GET", "/api/v1/status/components/API/history", `null`},
		{[]string{"status", "maintenance-add", "--title", "DB upgrade", "--start", "2024-05-02T02:00:00Z", "--end", "+26h", "--component", "API"},
			"POST", "/api/v1/status/maintenance",
			`{"components":["API"],"description":"","ends_at":"2024-05-02T12:00:00Z","starts_at":"2024-05-02T02:00:00Z","title":"DB upgrade"}`},
		{[]string{"status", "maintenance-cancel", "m1"}, "POST", "/api/v1/status/maintenance/m1/cancel", `null`},
		{[]string{"status", "webhook-add", "https://hooks.example.com/x"}, "POST", "/api/v1/status/subscribers",
			`{"components":[],"url":"https://hooks.example.com/x"}`},
		{[]string{"status", "subscriber-remove", "s1"}, "DELETE", "/api/v1/status/subscribers/s1", `null`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, url := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				if r.Method == "DELETE" {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				answer(w, 200, map[string]any{})
			})
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
	if _, errOut, code := runCLI(t, nil, "status", "maintenance-add", "--title", "x", "--start", "tomorrow", "--end", "+1h"); code == 0 || !strings.Contains(errOut, "RFC 3339") {
		t.Errorf("bad time accepted: %d %s", code, errOut)
	}
}
