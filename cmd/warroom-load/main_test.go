package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom/intake"
)

func TestOnlyLoopbackServers(t *testing.T) {
	for _, s := range []string{"http://127.0.0.1:8080", "http://127.1.2.3", "https://localhost:9443/", "http://LOCALHOST",
		"http://[::1]:8080", "http://[::ffff:127.0.0.1]:80"} {
		if _, err := parseServer(s); err != nil {
			t.Errorf("parseServer(%q): %v", s, err)
		}
	}
	for _, s := range []string{"http://10.0.0.1:8080", "http://example.com", "http://localhost.example.com", "http://0.0.0.0:8080",
		"http://[::]:8080", "http://128.0.0.1", "http://[fe80::1%25lo]:80", "http://127.0.0.1.nip.io", "http://2130706433"} {
		if _, err := parseServer(s); err == nil {
			t.Errorf("parseServer(%q) accepted a target off this machine", s)
		}
	}
	for _, s := range []string{"ftp://127.0.0.1", "127.0.0.1:8080", "http://u:p@127.0.0.1"} {
		if _, err := parseServer(s); err == nil {
			t.Errorf("parseServer(%q) accepted a malformed server", s)
		}
	}
	if err := loopbackOnly("tcp", "192.0.2.1:80", nil); err == nil {
		t.Error("the dialer check let a connection to 192.0.2.1 through")
	}
	if err := loopbackOnly("tcp", "127.0.0.1:80", nil); err != nil {
		t.Errorf("the dialer check refused 127.0.0.1: %v", err)
	}
}

func TestRefusesRemoteServerWithClearMessage(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--server", "http://192.0.2.10:8080", "--key", "k"}, &out, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "this workplace forbids load against any other host") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}

func TestAlertmanagerPayloadParses(t *testing.T) {
	g := newGenerator("checkout")
	now := time.Now()
	var alerts []amAlert
	for range 100 {
		alerts = append(alerts, amAlert{fingerprint: g.fingerprint(), severity: "critical"})
	}
	alerts[7].resolved = true
	alerts[8].summary = `quote " and <tag> & é`
	body := g.alertmanager(requestGroup("w1-2"), alerts, now)
	if !json.Valid(body) {
		t.Fatalf("invalid JSON: %s", body)
	}
	var env struct {
		Version, GroupKey, Status string
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Version != "4" || env.Status != "firing" ||
		env.GroupKey != `{}:{alertname="WarroomLoad", group="w1-2"}` {
		t.Fatalf("envelope %+v (%v)", env, err)
	}
	parsed, err := intake.ParseAlertmanager(body, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed) != 100 {
		t.Fatalf("parsed %d alerts, want 100 (distinct fingerprints)", len(parsed))
	}
	seen := map[string]bool{}
	for i, a := range parsed {
		if a.DedupKey != alerts[i].fingerprint || seen[a.DedupKey] || len(a.DedupKey) != 16 {
			t.Errorf("alert %d: dedup key %q", i, a.DedupKey)
		}
		seen[a.DedupKey] = true
		want := intake.ActionTrigger
		if i == 7 {
			want = intake.ActionResolve
		}
		if a.Action != want || a.Severity != "critical" || a.GroupKey != env.GroupKey {
			t.Errorf("alert %d: %+v", i, a)
		}
		if len(a.Labels) != 5 || len(a.Annotations) != 3 || a.Labels["instance"] == parsed[0].Labels["instance"] && i > 0 {
			t.Errorf("alert %d: want 5 labels, 3 annotations and its own instance: %v %v", i, a.Labels, a.Annotations)
		}
	}
	if parsed[8].Summary != alerts[8].summary {
		t.Errorf("summary %q, want %q", parsed[8].Summary, alerts[8].summary)
	}
}

func TestPagerDutyPayloadParses(t *testing.T) {
	g := newGenerator("checkout")
	key := strings.Repeat("a", 32)
	fp := g.fingerprint()
	a, err := intake.ParsePagerDuty(g.pagerDuty(key, amAlert{fingerprint: fp, severity: "error"}), time.Now(), nil)
	if err != nil || a.DedupKey != fp || a.RoutingKey != key || a.Action != intake.ActionTrigger || a.Severity != "error" {
		t.Fatalf("trigger: %+v, %v", a, err)
	}
	a, err = intake.ParsePagerDuty(g.pagerDuty(key, amAlert{fingerprint: fp, resolved: true}), time.Now(), nil)
	if err != nil || a.DedupKey != fp || a.Action != intake.ActionResolve {
		t.Fatalf("resolve: %+v, %v", a, err)
	}
}

func TestPercentiles(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	s := summarize(ds)
	if s.P50 != 50*time.Millisecond || s.P90 != 90*time.Millisecond || s.P99 != 99*time.Millisecond || s.Max != 100*time.Millisecond {
		t.Fatalf("%+v", s)
	}
	if one := summarize([]time.Duration{7}); one.P50 != 7 || one.P99 != 7 {
		t.Fatalf("%+v", one)
	}
}

// TestRunAgainstFakeIntake runs the generator against a stand-in intake
// that parses what it gets as warroom does.
func TestRunAgainstFakeIntake(t *testing.T) {
	f := &fakeIntake{}
	rep := runFake(t, f, "--requests", "40", "--batch", "25", "--concurrency", "4", "--resolve-fraction", "0.2")
	alerts, resolved := 0, 0
	seen := map[string]bool{}
	for _, req := range f.reqs {
		for _, a := range req {
			alerts++
			if a.Action == intake.ActionResolve {
				resolved++
				continue
			}
			if seen[a.DedupKey] {
				t.Fatalf("fingerprint %s fired twice", a.DedupKey)
			}
			seen[a.DedupKey] = true
		}
	}
	if rep.Requests != 40 || rep.Accepted != 40 || rep.AlertsAccepted != 1000 || alerts != 1000 || rep.Latency.Count != 40 {
		t.Fatalf("report %+v; server saw %d alerts", rep, alerts)
	}
	if resolved == 0 {
		t.Error("--resolve-fraction 0.2 resolved nothing")
	}
}
