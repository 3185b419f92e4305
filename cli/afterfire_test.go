package cli

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/afterfire"
)

func TestAfterFireCommandRequests(t *testing.T) {
	tests := []struct {
		args []string
		path string
		body string
	}{
		{[]string{"handoff", "start", "42", "@dan"}, "/api/v1/incidents/INC-42/handoff", `{"incoming_commander":"@dan"}`},
		{[]string{"handoff", "team", "INC-42", "eve", "--supporting", "fay,gus"}, "/api/v1/incidents/INC-42/handoff/team", `{"supporting":["fay","gus"],"technical_lead":"eve"}`},
		{[]string{"handoff", "complete", "INC-42", "--status", "pool resized", "--tracking-doc", "https://d", "--email-thread", "none", "--external", "none"},
			"/api/v1/incidents/INC-42/handoff/complete",
			`{"brief":{"channels":{"bridge":"","chat":"","email_thread":"none","tracking_doc":"https://d"},"external_people":"none","technical_status":"pool resized"}}`},
		{[]string{"handoff", "ack", "INC-42"}, "/api/v1/incidents/INC-42/handoff/acknowledge", `{}`},
		{[]string{"baseline", "complete", "INC-42", "--resilience-restored", "--changes-persisted", "--override-reason", "am down"}, "/api/v1/incidents/INC-42/baseline",
			`{"checklist":{"changes_persisted":true,"monitoring_baseline":false,"resilience_restored":true},"override_reason":"am down"}`},
		{[]string{"follow-up", "INC-42", "alert", "on", "pool", "--owner", "ada"}, "/api/v1/incidents/INC-42/follow-ups", `{"proposed_owner":"ada","title":"alert on pool"}`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, url := newFakeAPI(t, okAPI)
			_, errOut, code := runCLI(t, map[string]string{"WARROOM_SERVER": url}, append(tt.args, "--output", "json")...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			r := f.requests()[0]
			body, _ := json.Marshal(r.Body)
			if r.Method != http.MethodPost || r.Path != tt.path || string(body) != tt.body {
				t.Errorf("sent %s %s %s\nwant POST %s %s", r.Method, r.Path, body, tt.path, tt.body)
			}
		})
	}
}

func TestHandoffShowAndSilencesPrint(t *testing.T) {
	f, url := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch r.URL.Path {
		case "/api/v1/incidents/INC-7/handoff":
			answer(w, 200, afterfire.HandoffView{Draft: warroom.HandoffBrief{OpenHypotheses: []string{"#4 pool exhausted"}},
				Missing: []string{"technical status"}})
		default:
			answer(w, 200, warroom.SilenceCheck{Sources: []string{"http://am:9093"}, Alerts: 2, Unreachable: map[string]string{"http://am2:9093": "connection refused"}})
		}
	})
	out, errOut, code := runCLI(t, map[string]string{"WARROOM_SERVER": url}, "handoff", "show", "7")
	if code != 0 || !strings.Contains(out, "open hypotheses: #4 pool exhausted") || !strings.Contains(out, "Still missing:\n  - technical status") ||
		!strings.Contains(out, "last customer update: none sent") {
		t.Errorf("exit %d %s\n%s", code, errOut, out)
	}
	out, _, code = runCLI(t, map[string]string{"WARROOM_SERVER": url}, "baseline", "silences", "7")
	if code != 0 || !strings.Contains(out, "2 alert(s) compared with the silences of http://am:9093") ||
		!strings.Contains(out, "Alertmanager http://am2:9093 could not be asked for silences (connection refused)") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("%d requests", n)
	}
}

func TestAfterFireServeSettings(t *testing.T) {
	cfg := defaultServeConfig()
	if !cfg.Policy.BaselineGate {
		t.Error("warroom serve checks the return to baseline by default")
	}
	env := map[string]string{"WARROOM_HANDOFF_GRACE_MODE": "warn", "WARROOM_BASELINE_GATE": "false",
		"WARROOM_ALERTMANAGER_URL": "http://am-1:9093;https://u:secret@am-2"}
	if err := apply(&cfg, serveSettings(), sources{getenv: func(k string) string { return env[k] }}); err != nil {
		t.Fatal(err)
	}
	if cfg.Policy.HandoffGraceMode != "warn" || cfg.Policy.BaselineGate || len(cfg.AfterFire.AlertmanagerURLs) != 2 {
		t.Fatalf("cfg = %+v %+v", cfg.Policy, cfg.AfterFire)
	}
	if s := cfg.AfterFire.AlertmanagerURLs.String(); strings.Contains(s, "secret") {
		t.Errorf("help shows the password: %s", s)
	}
	for k, v := range map[string]string{"WARROOM_HANDOFF_GRACE_MODE": "shout", "WARROOM_BASELINE_GATE": "maybe", "WARROOM_ALERTMANAGER_URL": "am:9093"} {
		c := defaultServeConfig()
		err := apply(&c, serveSettings(), sources{getenv: func(key string) string {
			if key == k {
				return v
			}
			return ""
		}})
		if err == nil || !strings.Contains(err.Error(), "environment variable "+k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
}

func TestReviewServeSettings(t *testing.T) {
	cfg := defaultServeConfig()
	if cfg.AfterFire.TimeZone != "UTC" || cfg.AfterFire.Weekend.String() != "sat,sun" {
		t.Errorf("defaults = %+v", cfg.AfterFire)
	}
	env := map[string]string{"WARROOM_ORG_TIME_ZONE": "Asia/Riyadh", "WARROOM_WEEKEND": "fri,sat", "WARROOM_HOLIDAY_CALENDAR": "sa"}
	if err := apply(&cfg, serveSettings(), sources{getenv: func(k string) string { return env[k] }}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.AfterFire.validate(); err != nil || cfg.AfterFire.Weekend.String() != "fri,sat" || cfg.AfterFire.HolidayCalendar != "sa" {
		t.Fatalf("cfg = %+v, %v", cfg.AfterFire, err)
	}
	cfg.AfterFire.TimeZone = "Mars/Olympus"
	if err := cfg.AfterFire.validate(); err == nil || !strings.Contains(err.Error(), "--org-time-zone") {
		t.Errorf("bad zone: %v", err)
	}
	c := defaultServeConfig()
	err := apply(&c, serveSettings(), sources{getenv: func(k string) string {
		if k == "WARROOM_WEEKEND" {
			return "sat,holiday"
		}
		return ""
	}})
	if err == nil || !strings.Contains(err.Error(), "not a day of the week") {
		t.Errorf("bad weekend: %v", err)
	}
}

func TestReviewCommandRequests(t *testing.T) {
	for _, tt := range []struct {
		args         []string
		method, path string
		body         string
	}{
		{[]string{"pmr", "schedule", "INC-3", "2026-12-09T14:00:00+01:00", "--location", "room 4"}, "POST", "/api/v1/incidents/INC-3/review",
			`{"at":"2026-12-09T14:00:00+01:00","location":"room 4","minutes":60}`},
		{[]string{"pmr", "attended", "3", "dan", "@eve"}, "POST", "/api/v1/incidents/INC-3/review/attendance", `{"attended":["dan","@eve"]}`},
	} {
		f, url := newFakeAPI(t, okAPI)
		if _, errOut, code := runCLI(t, map[string]string{"WARROOM_SERVER": url}, append(tt.args, "--output", "json")...); code != 0 {
			t.Fatalf("%v: exit %d %s", tt.args, code, errOut)
		}
		r := f.requests()[0]
		body, _ := json.Marshal(r.Body)
		if r.Method != tt.method || r.Path != tt.path || string(body) != tt.body {
			t.Errorf("sent %s %s %s", r.Method, r.Path, body)
		}
	}
	if _, errOut, code := runCLI(t, map[string]string{"WARROOM_SERVER": "http://127.0.0.1:1"}, "pmr", "schedule", "INC-3", "tomorrow"); code != exitUsage || !strings.Contains(errOut, "is not a time like") {
		t.Errorf("bad time: exit %d %s", code, errOut)
	}
	if _, errOut, code := runCLI(t, map[string]string{"WARROOM_SERVER": "http://127.0.0.1:1"}, "calendar", "import", "de", "/nonexistent.ics"); code != exitUsage || !strings.Contains(errOut, "cannot read /nonexistent.ics") {
		t.Errorf("missing file: exit %d %s", code, errOut)
	}
}
