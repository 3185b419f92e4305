package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

var testNow = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

// request is what the fake API received.
type request struct {
	Method, Path, Query, Key, Auth string
	Body                           map[string]any
}

// fakeAPI records requests and answers them with handle.
type fakeAPI struct {
	mu     sync.Mutex
	reqs   []request
	handle func(w http.ResponseWriter, r *http.Request, n int)
}

func newFakeAPI(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) (*fakeAPI, string) {
	f := &fakeAPI{handle: handle}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		data, _ := io.ReadAll(r.Body)
		if len(data) > 0 {
			if err := json.Unmarshal(data, &body); err != nil {
				t.Errorf("request body is not JSON: %s", data)
			}
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, request{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Idempotency-Key"), r.Header.Get("Authorization"), body})
		n := len(f.reqs)
		f.mu.Unlock()
		f.handle(w, r, n)
	}))
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeAPI) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

// answer writes v as a JSON answer.
func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// runCLI runs the command line in-process against env.
func runCLI(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, getenv: func(k string) string { return env[k] },
		now: func() time.Time { return testNow }, httpClient: &http.Client{Timeout: 10 * time.Second}}
	code = a.run(context.Background(), args)
	return out.String(), errb.String(), code
}

var ada = &warroom.User{ID: "u-ada", Handle: "ada", Name: "Ada", Role: warroom.AccountResponder}

// testResult is a command result with one note.
func testResult() *warroom.CommandResult {
	return &warroom.CommandResult{
		Incident: &warroom.Incident{ID: "i1", Ref: "INC-1", Title: "Checkout errors", Stage: warroom.StageInvestigating, Severity: warroom.SEV2, Major: true},
		Events:   []warroom.Event{{IncidentID: "i1", Seq: 7, Type: warroom.EntryNote, At: testNow, ActorID: "u-ada", Text: "restarted the pods"}},
	}
}

// okAPI answers users by ID and everything else with testResult.
func okAPI(w http.ResponseWriter, r *http.Request, _ int) {
	if strings.HasPrefix(r.URL.Path, "/api/v1/users/") {
		answer(w, 200, ada)
		return
	}
	answer(w, 200, testResult())
}

func TestCommandRetriedOnceWithSameKeyAfterNetworkError(t *testing.T) {
	f, url := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			// The request arrived, but the connection dies before the
			// answer: the client cannot know whether it was applied.
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		answer(w, 200, testResult())
	})
	out, errOut, code := runCLI(t, nil, "note", "INC-1", "restarted", "the", "pods", "--server", url, "--token", "t", "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want the first and one retry", len(reqs))
	}
	if reqs[0].Key == "" || reqs[0].Key != reqs[1].Key {
		t.Errorf("idempotency keys %q and %q: the retry must reuse the first key", reqs[0].Key, reqs[1].Key)
	}
	if reqs[1].Body["text"] != "restarted the pods" || reqs[1].Path != "/api/v1/incidents/INC-1/entries" {
		t.Errorf("retried request %+v", reqs[1])
	}
	if !json.Valid([]byte(out)) {
		t.Errorf("json output is not JSON: %s", out)
	}
}

func TestIdempotencyKeys(t *testing.T) {
	f, url := newFakeAPI(t, okAPI)
	env := map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": "t"}
	runCLI(t, env, "ack", "1", "--idempotency-key", "retry-me", "--output", "json")
	runCLI(t, env, "ack", "1", "--output", "json")
	runCLI(t, env, "ack", "1", "--output", "json")
	runCLI(t, env, "show", "1", "--output", "json")
	reqs := f.requests()
	if reqs[0].Key != "retry-me" {
		t.Errorf("--idempotency-key sent as %q", reqs[0].Key)
	}
	if reqs[1].Key == "" || reqs[1].Key == reqs[2].Key {
		t.Errorf("invocations must get fresh keys, got %q and %q", reqs[1].Key, reqs[2].Key)
	}
	if reqs[3].Method != http.MethodGet || reqs[3].Key != "" {
		t.Errorf("reads carry no idempotency key: %+v", reqs[3])
	}
}

func TestClientSettingsPrecedence(t *testing.T) {
	f, url := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) { answer(w, 200, ada) })
	path := filepath.Join(t.TempDir(), "warroom.json")
	if err := os.WriteFile(path, []byte(`{"server": "`+url+`", "token": "from-file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	runCLI(t, nil, "whoami", "--config", path)
	runCLI(t, map[string]string{"WARROOM_CONFIG": path, "WARROOM_TOKEN": "from-env"}, "whoami")
	runCLI(t, map[string]string{"WARROOM_TOKEN": "from-env"}, "whoami", "--config", path, "--token", "from-flag")
	var got []string
	for _, r := range f.requests() {
		got = append(got, r.Auth)
	}
	want := []string{"Bearer from-file", "Bearer from-env", "Bearer from-flag"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Authorization headers %q, want %q", got, want)
	}
}

func TestErrorsSayWhatToDo(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		wantErr    string
		wantHint   string
		wantStdout string // in JSON output
	}{
		{"api error with field", 409, `{"error":{"code":"conflict","message":"the incident is recovered and cannot move to resolved","field":"stage"}}`,
			"error: the incident is recovered and cannot move to resolved (field: stage)", "", `"code":"conflict"`},
		{"unauthorized", 401, `{"error":{"code":"unauthorized","message":"invalid or revoked API token"}}`,
			"error: invalid or revoked API token", "hint: set WARROOM_TOKEN", `"unauthorized"`},
		{"not our error body", 502, `<html>bad gateway</html>`, "error: the server answered 502 Bad Gateway: <html>bad gateway</html>", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, url := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			env := map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": "revoked-or-good"}
			out, errOut, code := runCLI(t, env, "resolve", "INC-1")
			if code != exitFailed || !strings.Contains(errOut, tt.wantErr) || !strings.Contains(errOut, tt.wantHint) {
				t.Errorf("exit %d, stderr:\n%s", code, errOut)
			}
			if out != "" {
				t.Errorf("text output on failure: %s", out)
			}
			out, _, _ = runCLI(t, env, "resolve", "INC-1", "--output", "json")
			if !strings.Contains(out, tt.wantStdout) || (tt.wantStdout != "" && !json.Valid([]byte(out))) {
				t.Errorf("json output on failure: %q", out)
			}
		})
	}
}

func TestUnreachableServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connections are refused
	_, errOut, code := runCLI(t, nil, "list", "--server", "http://"+addr)
	if code != exitUnreachable {
		t.Errorf("exit %d, want %d", code, exitUnreachable)
	}
	if !strings.Contains(errOut, "cannot reach the warroom server") || !strings.Contains(errOut, "is the server running? start it with `warroom serve`") {
		t.Errorf("stderr:\n%s", errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"show"}, "missing INCIDENT"},
		{[]string{"show", "1", "2"}, `unexpected argument "2"`},
		{[]string{"assign", "INC-1", "boss", "bob"}, `unknown role "boss"`},
		{[]string{"declare", "--title", "x"}, `"severity" not set`},
		{[]string{"declare", "--title", "x", "--severity", "SEV7"}, "severity must be SEV1"},
		{[]string{"--output", "yaml", "list"}, "--output must be text or json"},
		{[]string{"list", "--nope"}, "unknown flag: --nope"},
		{[]string{"note", "INC-1"}, "missing TEXT..."},
		{[]string{"star", "1", "x"}, "not a timeline entry number"},
		{[]string{"reopen", "1"}, `"reason" not set`},
		{[]string{"impact-start", "1", "yesterday", "--reason", "r"}, "neither a time"},
		{[]string{"user", "update", "ada"}, "nothing to change"},
		{[]string{"nonsense"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, errOut, code := runCLI(t, map[string]string{"WARROOM_SERVER": "http://127.0.0.1:1"}, tt.args...)
			if code != exitUsage || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, exitUsage, tt.want)
			}
		})
	}
}

func TestCommandRequests(t *testing.T) {
	tests := []struct {
		args []string
		path string
		body string
	}{
		{[]string{"assign", "42", "tl", "carol", "--reason", "shift"}, "/api/v1/incidents/INC-42/roles", `{"reason":"shift","role":"technical_lead","user":"carol"}`},
		{[]string{"handover", "INC-42", "owner", "@dave"}, "/api/v1/incidents/INC-42/roles", `{"reason":"","role":"incident_owner","user":"@dave"}`},
		{[]string{"release", "INC-42", "scribe"}, "/api/v1/incidents/INC-42/roles/release", `{"reason":"","role":"scribe"}`},
		{[]string{"resolve", "INC-42"}, "/api/v1/incidents/INC-42/stage", `{"reason":"","stage":"resolved"}`},
		{[]string{"close", "INC-42"}, "/api/v1/incidents/INC-42/stage", `{"reason":"","stage":"closed"}`},
		{[]string{"stage", "INC-42", "Mitigated", "--reason", "failover"}, "/api/v1/incidents/INC-42/stage", `{"reason":"failover","stage":"mitigated"}`},
		{[]string{"severity", "INC-42", "1"}, "/api/v1/incidents/INC-42/severity", `{"reason":"","severity":"SEV1"}`},
		{[]string{"decision", "INC-42", "fail", "over", "--reason", "eu is down", "--trade-off", "latency"}, "/api/v1/incidents/INC-42/entries", `{"reason":"eu is down","text":"fail over","trade_off":"latency","type":"decision"}`},
		{[]string{"link", "INC-42", "https://g.example.com/d", "--title", "errors"}, "/api/v1/incidents/INC-42/entries", `{"text":"","title":"errors","type":"link","url":"https://g.example.com/d"}`},
		{[]string{"hypothesis-update", "INC-42", "#7", "confirmed", "--evidence", "logs"}, "/api/v1/incidents/INC-42/hypotheses/7", `{"evidence":"logs","status":"confirmed"}`},
		{[]string{"star", "INC-42", "5", "--unstar"}, "/api/v1/incidents/INC-42/entries/5/star", `{"starred":false}`},
		{[]string{"correct", "INC-42", "5", "it was the cache"}, "/api/v1/incidents/INC-42/entries/5/corrections", `{"text":"it was the cache"}`},
		{[]string{"impact-start", "INC-42", "45m", "--reason", "graphs"}, "/api/v1/incidents/INC-42/impact-start", `{"at":"2024-05-01T09:15:00Z","reason":"graphs"}`},
		{[]string{"private", "INC-42", "--off"}, "/api/v1/incidents/INC-42/privacy", `{"private":false,"reason":""}`},
		{[]string{"major", "INC-42", "--reason", "press"}, "/api/v1/incidents/INC-42/major", `{"reason":"press"}`},
		{[]string{"ack", "INC-42"}, "/api/v1/incidents/INC-42/acknowledge", `{}`},
		{[]string{"declare", "--title", "Checkout errors", "--severity", "sev2", "--service", "api,web", "--customers", "acme", "--users-percent", "12.5"},
			"/api/v1/incidents", `{"impact":{"customer_impact":false,"customers":["acme"],"service_ids":["api","web"],"sla_impact":false,"users_percent":12.5},"major":false,"private":false,"severity":"SEV2","title":"Checkout errors"}`},
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

func TestImpactChangesOnlyTheGivenFields(t *testing.T) {
	view := &warroom.IncidentView{Incident: &warroom.Incident{Ref: "INC-3", Impact: warroom.Impact{
		Customers: []string{"acme"}, UsersPercent: 10, Cluster: "eu-1", CustomerImpact: true}}}
	f, url := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.Method == http.MethodGet {
			answer(w, 200, view)
			return
		}
		answer(w, 200, testResult())
	})
	_, errOut, code := runCLI(t, map[string]string{"WARROOM_SERVER": url}, "impact", "3", "--users-percent", "40", "--sla-impact", "--output", "json")
	if code != 0 {
		t.Fatal(errOut)
	}
	post := f.requests()[1]
	got, _ := json.Marshal(post.Body["impact"])
	want := `{"cluster":"eu-1","customer_impact":true,"customers":["acme"],"sla_impact":true,"users_percent":40}`
	if post.Path != "/api/v1/incidents/INC-3/impact" || string(got) != want {
		t.Errorf("POST %s impact %s, want %s", post.Path, got, want)
	}
}

func TestShowText(t *testing.T) {
	bob := "u-bob"
	view := &warroom.IncidentView{
		Incident: &warroom.Incident{ID: "i1", Ref: "INC-1", Title: "Checkout errors", Stage: warroom.StageInvestigating,
			Severity: warroom.SEV2, Major: true, MajorReasons: []string{"severity SEV2 is SEV2 or worse"},
			BridgeURL: "https://meet.example.com/warroom-1", Starred: []int64{2}, DeclaredAt: testNow, DeclaredByID: "u-ada"},
		Holders: []warroom.RoleHolder{{Role: warroom.RoleIncidentCommander, UserID: bob}, {Role: warroom.RoleScribe, UserID: bob, Implicit: true}},
		Timeline: []warroom.Event{
			{Seq: 1, Type: warroom.EventDeclared, At: testNow, ActorID: "u-ada", Declaration: &warroom.Declaration{Title: "Checkout errors", Severity: warroom.SEV2}},
			{Seq: 2, Type: warroom.EntryNote, At: testNow, ActorID: "u-ada", Text: "restarted the pods"},
			{Seq: 3, Type: warroom.EntryCorrection, At: testNow, ActorID: bob, Ref: 2, Text: "restarted one pod"},
		},
		People:    map[string]string{"u-ada": "@ada", bob: "@bob"},
		NextStage: []warroom.Stage{warroom.StageIdentified},
	}
	_, url := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) { answer(w, 200, view) })
	out, errOut, code := runCLI(t, map[string]string{"WARROOM_SERVER": url}, "show", "INC-1")
	if code != 0 {
		t.Fatal(errOut)
	}
	for _, want := range []string{
		"INC-1  Checkout errors", "investigating (next: identified)", "yes: severity SEV2 is SEV2 or worse",
		"https://meet.example.com/warroom-1", "Incident Commander  @bob\n", "Scribe              @bob (implicit, as Incident Commander)",
		"@ada declared SEV2: Checkout errors", "@ada note: restarted the pods  ★  (corrected in #3)", "@bob correction of #2: restarted one pod",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show output lacks %q:\n%s", want, out)
		}
	}
}

func TestParseRole(t *testing.T) {
	for in, want := range map[string]warroom.Role{
		"incident_commander": warroom.RoleIncidentCommander, "IC": warroom.RoleIncidentCommander,
		"incident-commander": warroom.RoleIncidentCommander, "cl": warroom.RoleCommunicationsLead,
		"ol": warroom.RoleOperationsLead, "owner": warroom.RoleIncidentOwner, "tl": warroom.RoleTechnicalLead,
		"scribe": warroom.RoleScribe, "planning": warroom.RolePlanningLead, "pi": warroom.RoleParallelInvestigator,
		"csl": warroom.RoleCustomerSupportLead, "Technical Lead": warroom.RoleTechnicalLead,
	} {
		if got, err := parseRole(in); err != nil || got != want {
			t.Errorf("parseRole(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	if _, err := parseRole("boss"); err == nil || !strings.Contains(err.Error(), "incident_commander") {
		t.Errorf("parseRole(boss) = %v; want an error listing the roles", err)
	}
}

func TestParseHelpers(t *testing.T) {
	for in, want := range map[string]string{"INC-42": "/api/v1/incidents/INC-42", "42": "/api/v1/incidents/INC-42",
		"inc-7": "/api/v1/incidents/INC-7", "0192-abc": "/api/v1/incidents/0192-abc"} {
		if got := incidentPath(in); got != want {
			t.Errorf("incidentPath(%q) = %s, want %s", in, got, want)
		}
	}
	if got, err := parseWhen("2024-04-30T22:00:00+02:00", testNow); err != nil || !got.Equal(time.Date(2024, 4, 30, 20, 0, 0, 0, time.UTC)) {
		t.Errorf("parseWhen RFC 3339 = %s, %v", got, err)
	}
	if got, err := parseWhen("90m", testNow); err != nil || !got.Equal(testNow.Add(-90*time.Minute)) {
		t.Errorf("parseWhen duration = %s, %v", got, err)
	}
	if got := parseLinks([]string{"https://a.example.com/x?y=1", "Grafana=https://g.example.com"}); got[0].Title != "" || got[1].Title != "Grafana" || got[1].URL != "https://g.example.com" {
		t.Errorf("parseLinks = %+v", got)
	}
	if got := shellQuote("postgres://u@h/db?sslmode=disable&x=1"); got != "'postgres://u@h/db?sslmode=disable&x=1'" {
		t.Errorf("shellQuote = %s", got)
	}
	if got := redactDSN("postgres://u:secret@h/db"); strings.Contains(got, "secret") {
		t.Errorf("redactDSN leaks the password: %s", got)
	}
}
