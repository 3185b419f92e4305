package cli

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestCommsCommandRequests: each communications command sends the
// request the API documents.
func TestCommsCommandRequests(t *testing.T) {
	tests := []struct {
		args         []string
		method, path string
		body         string
	}{
		{[]string{"updates", "send", "42", "--audience", "customers", "--body", "rolling back"}, "POST", "/api/v1/incidents/INC-42/updates",
			`{"audience":"customers","body":"rolling back","subject":""}`},
		{[]string{"assess", "INC-42", "--who", "EU", "--started", "30m"}, "POST", "/api/v1/incidents/INC-42/assessment",
			`{"actual_impact":"","started_at":"2024-05-01T09:30:00Z","who_affected":"EU"}`},
		{[]string{"need-help", "INC-42", "--team", "dba", "--reason", "lag"}, "POST", "/api/v1/incidents/INC-42/help",
			`{"escalation_policy":"","reason":"lag","team":"dba"}`},
		{[]string{"customers", "create", "--name", "Acme", "--contact", "Wile <w@acme.test>", "--contact", "ops@acme.test",
			"--manager-email", "mia@example.com", "--service", "checkout"}, "POST", "/api/v1/customers",
			`{"contacts":[{"email":"w@acme.test","name":"Wile"},{"email":"ops@acme.test"}],"manager_email":"mia@example.com","manager_name":"","name":"Acme","services":["checkout"],"slack_channel":""}`},
		{[]string{"updates", "template-set", "customers", "--body", "{{.Impact}}"}, "PUT", "/api/v1/update-templates/customers",
			`{"body":"{{.Impact}}","subject":""}`},
		{[]string{"customers", "delete", "acme"}, "DELETE", "/api/v1/customers/acme", `null`},
		{[]string{"updates", "cadence", "INC-42"}, "GET", "/api/v1/incidents/INC-42/cadence", `null`},
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
}

// TestCadenceText prints the cadence table.
func TestCadenceText(t *testing.T) {
	due := testNow.Add(10 * time.Minute)
	_, url := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		answer(w, 200, map[string]any{"ref": "INC-42", "audiences": []warroom.CadenceStatus{
			{Audience: warroom.AudienceInternal, State: warroom.CadenceLate, Interval: warroom.Duration(30 * time.Minute), DueAt: &due,
				Sent: 2, Missed: 1, LongestGap: warroom.Duration(41 * time.Minute)},
			{Audience: warroom.AudienceCustomers, State: warroom.CadenceOff}}})
	})
	out, errOut, code := runCLI(t, map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": "wr_x"}, "updates", "cadence", "INC-42")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"internal   late   30m    2024-05-01T10:10:00Z  2     1       41m", "customers  off    -"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
