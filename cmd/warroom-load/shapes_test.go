package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom/internal/pgtest"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/intake"
)

// TestOneGroupPayload: every notification of --shape one-group is about
// the same Alertmanager group (groupKey and groupLabels, which are labels
// every alert carries), named after the run so that another run's storm
// is another group, and each alert keeps its own fingerprint.
func TestOneGroupPayload(t *testing.T) {
	g := newGenerator("checkout")
	now := time.Now()
	var keys []string
	seen := map[string]bool{}
	for range 3 {
		alerts := []amAlert{{fingerprint: g.fingerprint(), severity: "critical"}, {fingerprint: g.fingerprint(), severity: "critical"}}
		body := g.alertmanager(g.oneGroup(), alerts, now)
		var env struct {
			GroupKey    string            `json:"groupKey"`
			GroupLabels map[string]string `json:"groupLabels"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		want := `{}:{alertname="WarroomLoad", job="warroom-load-` + g.run + `"}`
		if env.GroupKey != want || len(env.GroupLabels) != 2 || env.GroupLabels["job"] != "warroom-load-"+g.run {
			t.Fatalf("group %q %v, want %q", env.GroupKey, env.GroupLabels, want)
		}
		parsed, err := intake.ParseAlertmanager(body, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range parsed {
			keys = append(keys, a.GroupKey)
			if seen[a.DedupKey] {
				t.Errorf("fingerprint %s twice", a.DedupKey)
			}
			seen[a.DedupKey] = true
			for k, v := range env.GroupLabels {
				if a.Labels[k] != v {
					t.Errorf("group label %s=%s is not the alert's (%q)", k, v, a.Labels[k])
				}
			}
			if len(a.Labels) != 5 || len(a.Annotations) != 3 || a.Severity != "critical" {
				t.Errorf("alert %+v: want 5 labels, 3 annotations, critical", a)
			}
		}
	}
	for _, k := range keys {
		if k != keys[0] {
			t.Fatalf("group keys differ: %q and %q", keys[0], k)
		}
	}
	if other := newGenerator("checkout").oneGroup(); other.key == g.oneGroup().key {
		t.Fatalf("two runs share the group %s", other.key)
	}
}

// fakeIntake is a stand-in intake that parses what it gets as warroom
// does and keeps each request's alerts; delay slows every answer.
type fakeIntake struct {
	delay time.Duration
	clock loadClock // when arrivals are timed; nil: the wall clock
	mu    sync.Mutex
	reqs  [][]intake.Alert // the alerts of each request, as parsed
	times []time.Time
}

func (f *fakeIntake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/healthz":
		io.WriteString(w, `{"status":"ok"}`)
	case "/webhook/secret-key":
		body, _ := io.ReadAll(r.Body)
		got, err := intake.ParseAlertmanager(body, time.Now())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, got)
		if f.clock != nil {
			f.times = append(f.times, f.clock.Now())
		} else {
			f.times = append(f.times, time.Now())
		}
		f.mu.Unlock()
		time.Sleep(f.delay)
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, r)
	}
}

// runFake runs the generator against f and returns its JSON report.
func runFake(t *testing.T, f *fakeIntake, args ...string) report {
	t.Helper()
	srv := httptest.NewServer(f)
	defer srv.Close()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"--server", srv.URL, "--key", "secret-key", "--json"}, args...), &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	return rep
}

// TestShapesGroupTheLoad: one-group sends every request of every worker
// about one group; group-per-request (the default) a new group per
// request, all alerts of a request in it.
func TestShapesGroupTheLoad(t *testing.T) {
	one := &fakeIntake{}
	runFake(t, one, "--shape", "one-group", "--requests", "12", "--batch", "5", "--concurrency", "3", "--severity", "critical")
	groups := map[string]int{}
	for _, alerts := range one.reqs {
		for _, a := range alerts {
			groups[a.GroupKey]++
		}
	}
	if len(one.reqs) != 12 || len(groups) != 1 {
		t.Fatalf("one-group: %d requests in %d groups: %v", len(one.reqs), len(groups), groups)
	}

	per := &fakeIntake{}
	runFake(t, per, "--requests", "12", "--batch", "5", "--concurrency", "3", "--severity", "critical")
	groups = map[string]int{}
	for _, alerts := range per.reqs {
		for _, a := range alerts {
			if a.GroupKey != alerts[0].GroupKey {
				t.Fatalf("one request in two groups: %q and %q", alerts[0].GroupKey, a.GroupKey)
			}
		}
		groups[alerts[0].GroupKey]++
	}
	if len(per.reqs) != 12 || len(groups) != 12 {
		t.Fatalf("group-per-request: %d requests in %d groups", len(per.reqs), len(groups))
	}
}

func TestFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--shape", "one-grp"}, `--shape "one-grp": want one-group`},
		{[]string{"--kind", "pagerduty", "--shape", "one-group"}, "--shape one-group needs --kind alertmanager"},
		{[]string{"--kind", "pagerduty", "--batch", "10"}, "a PagerDuty event carries one alert"},
		{[]string{"--rate", "-5"}, "--rate -5: want alerts per second"},
		{[]string{"--rate", "NaN"}, "want alerts per second"},
		{[]string{"--rate", "2e6"}, "at most 1000000"},
		{[]string{"--rate", "1000", "--concurrency", "8"}, "--rate and --concurrency exclude each other"},
		{[]string{"--senders", "4"}, "--senders paces --rate"},
		{[]string{"--rate", "1000", "--senders", "0"}, "--senders 0: want 1 to 4096"},
		{[]string{"--rate", "1", "--batch", "100", "--duration", "10s"}, "sends nothing in --duration 10s"},
		{[]string{"--rate", "1000", "--duration", "0s"}, "--duration 0s"},
		{[]string{"--route-wait", "-1s"}, "--route-wait must not be negative"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"--server", "http://127.0.0.1:1", "--key", "k"}, tc.args...), &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errOut.String(), tc.want)
		}
	}
	for _, ok := range [][]string{{"--rate", "20000", "--batch", "100", "--senders", "4"}, {"--shape", "one-group"},
		{"--kind", "pagerduty", "--rate", "50"}, {"--kind", "pagerduty", "--batch", "1"}} {
		if _, err := parseFlags(append([]string{"--key", "k"}, ok...), io.Discard); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
}

func TestPacingTimetable(t *testing.T) {
	start := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	// 21,000 alerts/s in batches of 100 from 4 senders: 210 requests a
	// second, each sender every 4/210 s.
	p := newPacing(21000, 100, 4)
	if got := p.due(start, 210); !got.Equal(start.Add(time.Second)) {
		t.Errorf("request 210 due at %s, want 1s after the start", got.Sub(start))
	}
	if k := p.slot(1, 2); k != 9 {
		t.Errorf("sender 1's third request is the run's %d, want 9", k)
	}
	if k := p.slot(3, 0); k != 3 {
		t.Errorf("sender 3's first request is the run's %d, want 3", k)
	}
	if n := p.scheduled(25 * time.Second); n != 5250 {
		t.Errorf("%d requests due in 25s, want 5250", n)
	}
	// 2,261 alerts/s in batches of 5: 452.2 requests a second.
	p = newPacing(2261, 5, 1)
	if n := p.scheduled(15 * time.Second); n != 6783 {
		t.Errorf("%d requests due in 15s, want 6783", n)
	}
	if d := p.due(start, 4522).Sub(start); d != 10*time.Second {
		t.Errorf("request 4522 due %s after the start, want 10s", d)
	}

	r := pacingOutcome(p, 2261, 15*time.Second, 0, 6783, []time.Duration{time.Millisecond})
	if r.FellBehind || r.RequestsNotSent != 0 || r.RequestsDue != 6783 {
		t.Errorf("all sent: %+v", r)
	}
	r = pacingOutcome(p, 2261, 15*time.Second, 0, 6000, nil)
	if !r.FellBehind || r.RequestsNotSent != 783 {
		t.Errorf("783 not sent: %+v", r)
	}
	r = pacingOutcome(p, 2261, 15*time.Second, 100, 100, nil)
	if r.FellBehind || r.RequestsDue != 100 {
		t.Errorf("a --requests budget of 100, all sent: %+v", r)
	}
}

// TestRatePacesRequests: with --rate the generator waits for each
// request's turn: 30 requests at 100 a second, the k-th sent no earlier
// than k*10 ms after the start, however fast the server answers (closed
// loop, they would all go at once). The loader runs on a test clock that
// the intake reads too, so the check does not depend on the machine's
// speed.
func TestRatePacesRequests(t *testing.T) {
	clock := &steppedClock{now: time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)}
	start := clock.Now()
	f := &fakeIntake{clock: clock}
	rep := runFakeLoader(t, f, clock, "--rate", "1000", "--batch", "10", "--senders", "2", "--requests", "30", "--shape", "one-group")
	if rep.requests.Load() != 30 || rep.alertsDone.Load() != 300 || len(rep.lateness) != 30 {
		t.Fatalf("%d requests, %d alerts accepted, %d lateness figures", rep.requests.Load(), rep.alertsDone.Load(), len(rep.lateness))
	}
	sent := slices.Clone(f.times)
	slices.SortFunc(sent, time.Time.Compare)
	for k, at := range sent {
		if turn := start.Add(time.Duration(k) * 10 * time.Millisecond); at.Before(turn) {
			t.Fatalf("request %d arrived at +%s, before its turn at +%s", k, at.Sub(start), turn.Sub(start))
		}
	}
}

// steppedClock is a test clock: sleeping moves it to the wake-up time at
// once.
type steppedClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *steppedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *steppedClock) SleepUntil(ctx context.Context, t time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	return ctx.Err() == nil
}

// runFakeLoader runs the generator's loader alone (no report) against f
// on clock.
func runFakeLoader(t *testing.T, f *fakeIntake, clock loadClock, args ...string) *loader {
	t.Helper()
	srv := httptest.NewServer(f)
	defer srv.Close()
	cfg, err := parseFlags(append([]string{"--server", srv.URL, "--key", "secret-key"}, args...), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	l := newLoader(cfg, newClient(cfg.workers(), cfg.timeout), newGenerator(cfg.service), cfg.key)
	l.clock = clock
	l.run(context.Background())
	return l
}

// TestRateFallsBehind: a server answering in 50 ms lets one sender send
// at most 20 requests a second; asked for 1,000 a second, the generator
// says it fell behind and how many requests it could not send.
func TestRateFallsBehind(t *testing.T) {
	f := &fakeIntake{delay: 50 * time.Millisecond}
	rep := runFake(t, f, "--rate", "10000", "--batch", "10", "--senders", "1", "--duration", "400ms")
	p := rep.Pacing
	if p == nil || !p.FellBehind || p.RequestsDue != 400 || p.RequestsSent > 9 || p.RequestsNotSent != 400-p.RequestsSent {
		t.Fatalf("pacing %+v", p)
	}
	if p.Lateness.Max < 200*time.Millisecond {
		t.Fatalf("lateness %+v: the last requests were sent long after they were due", p.Lateness)
	}
	var out bytes.Buffer
	rep.writeText(&out)
	if !strings.Contains(out.String(), "FELL BEHIND") {
		t.Fatalf("text report does not say it fell behind:\n%s", out.String())
	}
}

func TestDeclaresAndUnrouted(t *testing.T) {
	if !declares(warroom.DefaultAlertRules(), "critical") || declares(warroom.DefaultAlertRules(), "warning") {
		t.Error("the default rules declare for critical alerts only")
	}
	if declares([]warroom.AlertRule{{MinSeverity: "critical", Action: warroom.AlertAttach}}, "critical") {
		t.Error("an attach rule does not declare")
	}
	rows := []alertRow{
		{IncidentID: "i1", Labels: map[string]string{"job": "warroom-load-aa"}},
		{Labels: map[string]string{"job": "warroom-load-aa"}},
		{Labels: map[string]string{"job": "warroom-load-bb"}}, // an earlier run's
		{IncidentID: "i2", Labels: map[string]string{"job": "warroom-load-aa"}},
	}
	if c, u := unrouted(rows, "warroom-load-aa"); c != 3 || u != 1 {
		t.Errorf("checked %d unrouted %d, want 3 and 1", c, u)
	}
}

// TestWaitRouted runs the routing check against a fake API whose alerts
// get their incident after a few checks, and one where they never do.
func TestWaitRouted(t *testing.T) {
	for _, tc := range []struct {
		name        string
		routedAfter int // checks; -1: never
	}{{"routed", 3}, {"never", -1}} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			checks := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "Bearer tok" {
					http.Error(w, "no", http.StatusUnauthorized)
					return
				}
				switch r.URL.Path {
				case "/api/v1/alerts":
					q := r.URL.Query()
					if q.Get("service") != "storm" || q.Get("status") != "firing" {
						t.Errorf("query %v", q)
					}
					mu.Lock()
					checks++
					routed := tc.routedAfter >= 0 && checks > tc.routedAfter
					mu.Unlock()
					inc := ""
					if routed {
						inc = "inc-1"
					}
					var alerts []map[string]any
					for i := range 5 {
						if i < 1 && q.Get("limit") != "1" {
							// an earlier run's alert, never routed: not counted
							alerts = append(alerts, map[string]any{"labels": map[string]string{"job": "warroom-load-old"}})
						}
						alerts = append(alerts, map[string]any{"incident_id": inc, "labels": map[string]string{"job": "warroom-load-run"}})
					}
					json.NewEncoder(w).Encode(map[string]any{"alerts": alerts})
				case "/api/v1/incidents":
					if r.URL.Query().Get("service") != "storm" {
						t.Errorf("incidents query %v", r.URL.Query())
					}
					json.NewEncoder(w).Encode(map[string]any{"incidents": []map[string]any{
						{"declared_at": time.Now()}, {"declared_at": time.Now().Add(-time.Hour)}}})
				default:
					http.NotFound(w, r)
				}
			}))
			defer srv.Close()
			a := &api{base: srv.URL, token: "tok", client: srv.Client()}
			last := time.Now()
			r := a.waitRouted(context.Background(), "storm", "warroom-load-run", last, 2*time.Second)
			if tc.routedAfter >= 0 {
				if !r.Routed || r.Checked != 5 || r.Unrouted != 0 || r.After <= 0 || r.After > 2*time.Second {
					t.Fatalf("%+v", r)
				}
			} else if r.Routed || r.Checked != 5 || r.Unrouted != 5 || time.Since(last) < 2*time.Second {
				t.Fatalf("%+v", r)
			}
			n, err := a.incidentsDeclaredSince(context.Background(), "storm", last.Add(-time.Minute))
			if err != nil || n != 1 {
				t.Fatalf("incidents declared since: %d, %v", n, err)
			}
		})
	}
}

// TestStormWithProbesAgainstServer runs the mixed run of docs/load-testing.md
// in one command against a real server (SQLite): a paced critical storm in
// one group on the load's service, page-latency probes on their own, and
// the check that the storm's alerts were all routed. It checks what the
// generator reads from the real API, not the server's speed. On
// PostgreSQL too when WARROOM_TEST_POSTGRES is set (in a database created
// for the test and dropped after it).
func TestStormWithProbesAgainstServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	t.Run("sqlite", func(t *testing.T) { stormWithProbes(t, "sqlite:"+t.TempDir()+"/warroom.db") })
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("WARROOM_TEST_POSTGRES")
		if base == "" {
			t.Skip("WARROOM_TEST_POSTGRES is not set")
		}
		stormWithProbes(t, pgtest.FreshDatabase(t, base, "wr_load"))
	})
}

func stormWithProbes(t *testing.T, dsn string) {
	server, token := serveInProcess(t, dsn)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--server", server, "--token", token, "--shape", "one-group", "--severity", "critical",
		"--rate", "200", "--batch", "5", "--senders", "2", "--duration", "2500ms", "--page-latency", "--page-interval", "500ms",
		"--page-wait", "60s", "--route-wait", "60s", "--webhook-secret", "bench-webhook-secret", "--json"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if rep.Accepted == 0 || rep.Pacing == nil || rep.Shape != "one-group" {
		t.Fatalf("report %s", out.String())
	}
	// More probes than the server's default alert incident limit lets one
	// service declare (3 per 10 minutes): each probe has a service of its
	// own, so each is paged.
	if p := rep.Pages; p == nil || p.Probes < 4 || p.Paged != p.Probes || p.Latency.Count != p.Probes {
		t.Fatalf("probes: %s", out.String())
	}
	// One group of critical alerts: one incident, every alert linked to it.
	if g := rep.Routing; g == nil || !g.Routed || g.Checked == 0 || g.Unrouted != 0 || g.IncidentsDeclared != 1 {
		t.Fatalf("routing: %s\n%s", out.String(), errOut.String())
	}
}
