package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/groupcommit"
	"github.com/warroom/warroom/intake"
)

func TestIngestAlerts(t *testing.T) {
	runPagingTests(t, []pagingTest{
		{"CreateStoresEverythingAndRoutes", testIngestCreate},
		{"DedupByKeyNotSummary", testIngestDedupByKey},
		{"DuplicatesAndUpdates", testIngestDuplicates},
		{"AcknowledgeAndResolve", testIngestAckResolve},
		{"ResolveThenTriggerOpensANewAlert", testIngestReopen},
		{"UnknownKeysIgnored", testIngestIgnored},
		{"SameKeyTwiceInOneBatch", testIngestSameKeyInBatch},
		{"ManyRequestsOneTransaction", testIngestManyRequests},
		{"LargeBatch", testIngestLargeBatch},
		{"Invalid", testIngestInvalid},
		{"Concurrent", testIngestConcurrent},
		{"AlertmanagerFixtures", testIngestFixtures},
		{"FutureStartIsWhenReceived", testIngestFutureStart},
	})
}

// An alert whose startsAt is after it was received (Alertmanager sends
// that when a sender gave only endsAt) started when warroom received it,
// not at a time still to come; a start in the past is kept.
func testIngestFutureStart(t *testing.T, p *pagingFixture) {
	at := p.tick()
	trigger := func(key string, starts time.Time) warroom.AlertUpdate {
		return warroom.AlertUpdate{Action: "trigger", Alert: warroom.Alert{Source: "alertmanager", DedupKey: key,
			Summary: "Disk full", Severity: "warning", StartsAt: starts}}
	}
	res, err := p.s.IngestAlerts(p.ctx, []warroom.IngestRequest{{Integration: p.am, ReceivedAt: at, Updates: []warroom.AlertUpdate{
		trigger("future", at.Add(5*time.Minute)), trigger("past", at.Add(-time.Hour)), trigger("now", at)}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []time.Time{at, at.Add(-time.Hour), at} {
		if got := p.alert(res[0][i].AlertID).StartsAt; !got.Equal(normTime(want)) {
			t.Errorf("alert %s starts at %s, want %s", res[0][i].DedupKey, got, want)
		}
	}
}

func testIngestCreate(t *testing.T, p *pagingFixture) {
	at := p.tick()
	starts := t0.Add(-time.Minute)
	u := warroom.AlertUpdate{Action: "trigger", Alert: warroom.Alert{
		Source: "alertmanager", DedupKey: "d5d7ec2b0093448a", GroupKey: `{}:{alertname="X"}`,
		Summary: "Checkout 5xx rate above 5%", Severity: "critical",
		Labels:      map[string]string{"alertname": "X", "pod": "a"},
		Annotations: map[string]string{"runbook_url": "https://runbooks/x"},
		Details:     json.RawMessage(`{ "status": "firing",  "n": [1, 2] }`),
		Links:       []warroom.Link{{Title: "Source", URL: "http://prometheus/graph"}},
		StartsAt:    starts,
		// What the store sets is not taken from the sender.
		ID: "mine", Status: warroom.AlertResolved, Duplicates: 7, IncidentID: "inc",
	}}
	res, err := p.s.IngestAlerts(p.ctx, []warroom.IngestRequest{{Integration: p.am, Updates: []warroom.AlertUpdate{u}, ReceivedAt: at}})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0][0]
	if r.Outcome != warroom.IngestCreated || r.DedupKey != "d5d7ec2b0093448a" || r.AlertID == "" || r.AlertID == "mine" {
		t.Fatalf("result %+v", r)
	}
	want := &warroom.Alert{
		ID: r.AlertID, ServiceID: p.svc.ID, IntegrationID: p.am.ID, Source: "alertmanager", DedupKey: "d5d7ec2b0093448a",
		GroupKey: u.Alert.GroupKey, Status: warroom.AlertFiring, Summary: u.Alert.Summary, Severity: "critical",
		Labels: u.Alert.Labels, Annotations: u.Alert.Annotations, Details: json.RawMessage(`{"status":"firing","n":[1,2]}`),
		Links: u.Alert.Links, StartsAt: normTime(starts), CreatedAt: normTime(at), UpdatedAt: normTime(at),
	}
	if got := p.alert(r.AlertID); !reflect.DeepEqual(got, want) {
		t.Fatalf("stored\n%+v\nwant\n%+v", got, want)
	}
	jobs := p.jobsOf()
	if len(jobs) != 1 {
		t.Fatalf("jobs %+v, want one alert.route", jobs)
	}
	j := jobs[0]
	if j.Kind != JobAlertRoute || j.Queue != "default" || !j.DueAt.Equal(normTime(at)) ||
		!reflect.DeepEqual(j.Payload, map[string]any{"alert_ids": []any{r.AlertID}}) {
		t.Fatalf("route job %+v", j)
	}
}

// testIngestDedupByKey checks that alerts are told apart by their key,
// never by their text: one Alertmanager group's alerts share a summary.
func testIngestDedupByKey(t *testing.T, p *pagingFixture) {
	res := p.ingest(p.am,
		update(p.am, "trigger", "d5d7ec2b0093448a", "Checkout 5xx rate above 5%"),
		update(p.am, "trigger", "9e9cf170157b3e0b", "Checkout 5xx rate above 5%"))
	wantOutcomes(t, res, warroom.IngestCreated, warroom.IngestCreated)
	if res[0].AlertID == res[1].AlertID {
		t.Fatal("two keys made one alert")
	}
	route := p.jobsOf(JobAlertRoute)
	if len(route) != 1 || !reflect.DeepEqual(route[0].Payload["alert_ids"], []any{res[0].AlertID, res[1].AlertID}) {
		t.Fatalf("one request should make one route job for both alerts: %+v", route)
	}
	// The same key from another integration, or another source on the
	// same integration, is another alert.
	wantOutcomes(t, p.ingest(p.pd, update(p.pd, "trigger", "d5d7ec2b0093448a", "x")), warroom.IngestCreated)
	u := update(p.am, "trigger", "d5d7ec2b0093448a", "x")
	u.Alert.Source = "webhook"
	wantOutcomes(t, p.ingest(p.am, u), warroom.IngestCreated)
	if list, _ := p.s.ListAlerts(p.ctx, warroom.AlertFilter{}); len(list) != 4 {
		t.Fatalf("%d alerts, want 4", len(list))
	}
}

func testIngestDuplicates(t *testing.T, p *pagingFixture) {
	first := warroom.AlertUpdate{Action: "trigger", Alert: warroom.Alert{
		Source: "alertmanager", DedupKey: "k", Summary: "disk full", Severity: "warning",
		Labels: map[string]string{"a": "1", "b": "2"}, Details: json.RawMessage(`{"x":1}`),
		StartsAt: time.Date(2025, 3, 1, 0, 8, 58, 0, time.UTC), // before the fixture's clock
	}}
	id := p.ingest(p.am, first)[0].AlertID
	created := p.alert(id)

	// The same again, even with its labels in another order and its
	// details spaced differently, is a duplicate, counted with the reason.
	again := first
	again.Alert.Labels = map[string]string{"b": "2", "a": "1"}
	again.Alert.Details = json.RawMessage(`{ "x" : 1 }`)
	res := p.ingest(p.am, again)
	wantOutcomes(t, res, warroom.IngestDuplicate)
	if res[0].AlertID != id {
		t.Fatalf("duplicate of %s reported for %s", id, res[0].AlertID)
	}
	a := p.alert(id)
	if a.Duplicates != 1 || a.DuplicateReason != `same dedup key "k" already firing since 2025-03-01T00:08:58Z` {
		t.Fatalf("after a duplicate: %d, %q", a.Duplicates, a.DuplicateReason)
	}
	if !a.UpdatedAt.Equal(created.UpdatedAt) {
		t.Fatal("a duplicate moved UpdatedAt")
	}
	// Empty fields are not said: they erase nothing and change nothing.
	res = p.ingest(p.am, update(p.am, "trigger", "k", ""))
	wantOutcomes(t, res, warroom.IngestDuplicate)
	a = p.alert(id)
	if a.Duplicates != 2 || a.Summary != "disk full" || a.Severity != "warning" || len(a.Labels) != 2 || string(a.Details) != `{"x":1}` {
		t.Fatalf("an empty update changed the alert: %+v", a)
	}
	// A change is an update, and resets nothing else.
	for _, change := range []func(u *warroom.AlertUpdate){
		func(u *warroom.AlertUpdate) { u.Alert.Summary = "disk fuller" },
		func(u *warroom.AlertUpdate) { u.Alert.Severity = "critical" },
		func(u *warroom.AlertUpdate) { u.Alert.Labels = map[string]string{"a": "1"} },
		func(u *warroom.AlertUpdate) { u.Alert.Annotations = map[string]string{"description": "/var"} },
		func(u *warroom.AlertUpdate) { u.Alert.Details = json.RawMessage(`{"x":2}`) },
	} {
		u := update(p.am, "trigger", "k", "")
		change(&u)
		before := p.tick()
		res := p.s.mustIngest(t, []warroom.IngestRequest{{Integration: p.am, Updates: []warroom.AlertUpdate{u}, ReceivedAt: before}})
		wantOutcomes(t, res[0], warroom.IngestUpdated)
		if a := p.alert(id); !a.UpdatedAt.Equal(normTime(before)) || a.Duplicates != 2 {
			t.Fatalf("after an update: %+v", a)
		}
	}
	a = p.alert(id)
	if a.Summary != "disk fuller" || a.Severity != "critical" || !reflect.DeepEqual(a.Labels, map[string]string{"a": "1"}) ||
		a.Annotations["description"] != "/var" || string(a.Details) != `{"x":2}` || !a.StartsAt.Equal(created.StartsAt) {
		t.Fatalf("after updates: %+v", a)
	}
	if n := len(p.jobsOf(JobAlertRoute)); n != 1 {
		t.Fatalf("%d route jobs; duplicates and updates must not route again", n)
	}
}

func testIngestAckResolve(t *testing.T, p *pagingFixture) {
	id := p.ingest(p.pd, update(p.pd, "trigger", "k", "db down"))[0].AlertID
	ackAt := p.tick()
	res := p.s.mustIngest(t, []warroom.IngestRequest{{Integration: p.pd, ReceivedAt: ackAt,
		Updates: []warroom.AlertUpdate{update(p.pd, "acknowledge", "k", "")}}})
	wantOutcomes(t, res[0], warroom.IngestAcknowledged)
	a := p.alert(id)
	if a.Status != warroom.AlertAcknowledged || a.AcknowledgedAt == nil || !a.AcknowledgedAt.Equal(normTime(ackAt)) || a.Summary != "db down" {
		t.Fatalf("acknowledged: %+v", a)
	}
	// A trigger of an acknowledged alert leaves it acknowledged.
	wantOutcomes(t, p.ingest(p.pd, update(p.pd, "trigger", "k", "db down")), warroom.IngestDuplicate)
	wantOutcomes(t, p.ingest(p.pd, update(p.pd, "acknowledge", "k", "")), warroom.IngestDuplicate)
	a = p.alert(id)
	wantReason := fmt.Sprintf(`same dedup key "k" already acknowledged since %s`, normTime(ackAt).Format(time.RFC3339))
	if a.Status != warroom.AlertAcknowledged || a.Duplicates != 2 || a.DuplicateReason != wantReason {
		t.Fatalf("after re-sends: %s %d %q; want reason %q", a.Status, a.Duplicates, a.DuplicateReason, wantReason)
	}
	wantOutcomes(t, p.ingest(p.pd, update(p.pd, "trigger", "k", "db down hard")), warroom.IngestUpdated)
	if a := p.alert(id); a.Status != warroom.AlertAcknowledged || a.Summary != "db down hard" {
		t.Fatalf("an update re-opened an acknowledged alert: %+v", a)
	}

	resolveAt := p.tick()
	ends := resolveAt.Add(-time.Second)
	u := update(p.pd, "resolve", "k", "[RESOLVED] db down") // fills only what the alert lacks
	u.Alert.EndsAt = &ends
	res = p.s.mustIngest(t, []warroom.IngestRequest{{Integration: p.pd, ReceivedAt: resolveAt, Updates: []warroom.AlertUpdate{u}}})
	wantOutcomes(t, res[0], warroom.IngestResolved)
	a = p.alert(id)
	if a.Status != warroom.AlertResolved || !a.ResolvedAt.Equal(normTime(resolveAt)) || !a.EndsAt.Equal(normTime(ends)) ||
		a.Summary != "db down hard" {
		t.Fatalf("resolved: %+v", a)
	}
	for kind, due := range map[string]time.Time{JobAlertAcknowledged: ackAt, JobAlertResolved: resolveAt} {
		jobs := p.jobsOf(kind)
		if len(jobs) != 1 || jobs[0].Payload["alert_id"] != id || !jobs[0].DueAt.Equal(normTime(due)) || jobs[0].Queue != "default" {
			t.Fatalf("%s jobs: %+v", kind, jobs)
		}
	}
	// A resolve without an end ends at the time it was received.
	id2 := p.ingest(p.pd, update(p.pd, "trigger", "k2", "x"))[0].AlertID
	p.ingest(p.pd, update(p.pd, "resolve", "k2", ""))
	if a := p.alert(id2); !a.EndsAt.Equal(*a.ResolvedAt) {
		t.Fatalf("resolved without an end: %+v", a)
	}
}

func testIngestReopen(t *testing.T, p *pagingFixture) {
	first := p.ingest(p.am, update(p.am, "trigger", "k", "disk full"))[0].AlertID
	wantOutcomes(t, p.ingest(p.am, update(p.am, "resolve", "k", "")), warroom.IngestResolved)
	// Resolved is final for the sender: resolving again is ignored ...
	wantOutcomes(t, p.ingest(p.am, update(p.am, "resolve", "k", "")), warroom.IngestIgnored)
	// ... and a new trigger opens a new alert.
	res := p.ingest(p.am, update(p.am, "trigger", "k", "disk full"))
	wantOutcomes(t, res, warroom.IngestCreated)
	if res[0].AlertID == first {
		t.Fatal("a trigger after the resolve re-opened the resolved alert")
	}
	if a := p.alert(first); a.Status != warroom.AlertResolved {
		t.Fatalf("the first alert is %s", a.Status)
	}
	if n := len(p.jobsOf(JobAlertRoute)); n != 2 {
		t.Fatalf("%d route jobs, want 2", n)
	}
}

func testIngestIgnored(t *testing.T, p *pagingFixture) {
	res := p.ingest(p.pd, update(p.pd, "acknowledge", "nope", ""), update(p.pd, "resolve", "nope", ""))
	wantOutcomes(t, res, warroom.IngestIgnored, warroom.IngestIgnored)
	if res[0].AlertID != "" || res[0].DedupKey != "nope" {
		t.Fatalf("ignored result %+v", res[0])
	}
	if list, _ := p.s.ListAlerts(p.ctx, warroom.AlertFilter{}); len(list) != 0 {
		t.Fatalf("ignored updates stored %d alerts", len(list))
	}
	if jobs := p.jobsOf(); len(jobs) != 0 {
		t.Fatalf("ignored updates scheduled %+v", jobs)
	}
}

func testIngestSameKeyInBatch(t *testing.T, p *pagingFixture) {
	res := p.ingest(p.pd,
		update(p.pd, "trigger", "k", "one"),
		update(p.pd, "trigger", "k", "one"),
		update(p.pd, "acknowledge", "k", ""),
		update(p.pd, "resolve", "k", ""),
		update(p.pd, "trigger", "k", "two"))
	wantOutcomes(t, res, warroom.IngestCreated, warroom.IngestDuplicate, warroom.IngestAcknowledged,
		warroom.IngestResolved, warroom.IngestCreated)
	if res[0].AlertID != res[3].AlertID || res[4].AlertID == res[0].AlertID {
		t.Fatalf("results %+v", res)
	}
	a, b := p.alert(res[0].AlertID), p.alert(res[4].AlertID)
	if a.Status != warroom.AlertResolved || a.Duplicates != 1 || a.AcknowledgedAt == nil || b.Status != warroom.AlertFiring || b.Summary != "two" {
		t.Fatalf("after one batch: %+v\n%+v", a, b)
	}
	// The next batch resolves the existing alert and re-triggers its key:
	// the update must free the key before the insert takes it.
	res = p.ingest(p.pd, update(p.pd, "resolve", "k", ""), update(p.pd, "trigger", "k", "three"))
	wantOutcomes(t, res, warroom.IngestResolved, warroom.IngestCreated)
	route := p.jobsOf(JobAlertRoute)
	if len(route) != 2 || len(route[0].Payload["alert_ids"].([]any)) != 2 {
		t.Fatalf("route jobs %+v", route)
	}
}

func testIngestManyRequests(t *testing.T, p *pagingFixture) {
	at := p.tick()
	reqs := []warroom.IngestRequest{
		{Integration: p.am, ReceivedAt: at, Updates: []warroom.AlertUpdate{update(p.am, "trigger", "a", "x"), update(p.am, "trigger", "b", "x")}},
		{Integration: p.pd, ReceivedAt: at.Add(time.Millisecond), Updates: []warroom.AlertUpdate{update(p.pd, "trigger", "a", "x")}},
		{Integration: p.am, ReceivedAt: at.Add(2 * time.Millisecond), Updates: []warroom.AlertUpdate{update(p.am, "trigger", "a", "x"), update(p.am, "resolve", "b", "")}},
		{Integration: p.webhook, ReceivedAt: at.Add(3 * time.Millisecond)},
	}
	res := p.s.mustIngest(t, reqs)
	if len(res) != 4 {
		t.Fatalf("%d results for 4 requests", len(res))
	}
	wantOutcomes(t, res[0], warroom.IngestCreated, warroom.IngestCreated)
	wantOutcomes(t, res[1], warroom.IngestCreated)
	wantOutcomes(t, res[2], warroom.IngestDuplicate, warroom.IngestResolved)
	wantOutcomes(t, res[3])
	if res[2][0].AlertID != res[0][0].AlertID || res[1][0].AlertID == res[0][0].AlertID {
		t.Fatalf("results %+v", res)
	}
	route := p.jobsOf(JobAlertRoute)
	if len(route) != 2 || !route[1].DueAt.Equal(normTime(reqs[1].ReceivedAt)) {
		t.Fatalf("route jobs %+v, want one per request that created alerts, due when it was received", route)
	}
	if b := p.alert(res[0][1].AlertID); !b.ResolvedAt.Equal(normTime(reqs[2].ReceivedAt)) {
		t.Fatalf("resolved at %v, want the request's time", b.ResolvedAt)
	}
}

func testIngestLargeBatch(t *testing.T, p *pagingFixture) {
	const n = 301 // 256 + 32 + 8 + 4 + 1 on SQLite
	updates := func(action string) []warroom.AlertUpdate {
		out := make([]warroom.AlertUpdate, n)
		for i := range out {
			out[i] = amUpdate(action, i)
		}
		return out
	}
	count := func(res []warroom.IngestResult, outcome string) int {
		c := 0
		for _, r := range res {
			if r.Outcome == outcome {
				c++
			}
		}
		return c
	}
	if c := count(p.ingest(p.am, updates("trigger")...), warroom.IngestCreated); c != n {
		t.Fatalf("%d created, want %d", c, n)
	}
	if c := count(p.ingest(p.am, updates("trigger")...), warroom.IngestDuplicate); c != n {
		t.Fatalf("%d duplicates, want %d", c, n)
	}
	if c := count(p.ingest(p.am, updates("resolve")...), warroom.IngestResolved); c != n {
		t.Fatalf("%d resolved, want %d", c, n)
	}
	if got := len(p.jobsOf(JobAlertResolved)); got != n {
		t.Fatalf("%d resolve jobs, want %d", got, n)
	}
	list, err := p.s.ListAlerts(p.ctx, warroom.AlertFilter{Limit: 1000})
	if err != nil || len(list) != n {
		t.Fatalf("%d alerts, %v", len(list), err)
	}
	for _, a := range list {
		if a.Status != warroom.AlertResolved || a.Duplicates != 1 || a.Labels["pod"] == "" {
			t.Fatalf("alert %+v", a)
		}
	}
}

// amUpdate is Alertmanager alert number i of a large group, as a
// webhook delivers it.
func amUpdate(action string, i int) warroom.AlertUpdate {
	labels := map[string]string{"alertname": "KubePodCrashLooping", "cluster": "prod-eu-1", "namespace": "shop",
		"pod": fmt.Sprintf("checkout-7d9f8-%05d", i), "service": "checkout", "severity": "critical"}
	// As intake.ParseAlertmanager makes them: the details hold only
	// what the other fields do not.
	details := json.RawMessage(`{"generatorURL":"http://prometheus.example.com/graph?g0.expr=rate"}`)
	return warroom.AlertUpdate{Action: action, Alert: warroom.Alert{
		Source: "alertmanager", DedupKey: fmt.Sprintf("%016x", i*7919+1), GroupKey: `{}:{alertname="KubePodCrashLooping"}`,
		Summary: "Pod is crash looping", Severity: "critical", Labels: labels,
		Annotations: map[string]string{"summary": "Pod is crash looping", "runbook_url": "https://runbooks.example.com/crashloop"},
		Details:     details, Links: []warroom.Link{{Title: "Source", URL: "http://prometheus.example.com/graph?g0.expr=rate"}},
		StartsAt: time.Date(2025, 3, 1, 0, 8, 58, 0, time.UTC), // before the fixture's clock
	}}
}

func testIngestInvalid(t *testing.T, p *pagingFixture) {
	for _, reqs := range [][]warroom.IngestRequest{
		{{Updates: []warroom.AlertUpdate{update(p.am, "trigger", "k", "x")}}},
		{{Integration: p.am, Updates: []warroom.AlertUpdate{update(p.am, "trigger", "", "x")}}},
		{{Integration: p.am, Updates: []warroom.AlertUpdate{update(p.am, "snooze", "k", "x")}}},
		{{Integration: p.am, Updates: []warroom.AlertUpdate{{Action: "trigger", Alert: warroom.Alert{DedupKey: "k", Details: json.RawMessage("{")}}}}},
		// One bad request fails the call: nothing of the good one is kept.
		{{Integration: p.am, Updates: []warroom.AlertUpdate{update(p.am, "trigger", "good", "x")}}, {Integration: p.am}, {}},
	} {
		_, err := p.s.IngestAlerts(p.ctx, reqs)
		wantCode(t, err, warroom.EInvalid)
	}
	if list, _ := p.s.ListAlerts(p.ctx, warroom.AlertFilter{}); len(list) != 0 {
		t.Fatalf("invalid calls stored %d alerts", len(list))
	}
}

// testIngestConcurrent runs overlapping batches at once: every key must
// end with exactly one open alert that counted every repeat.
func testIngestConcurrent(t *testing.T, p *pagingFixture) {
	const workers, rounds, keys = 4, 5, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				var updates []warroom.AlertUpdate
				for k := range keys {
					updates = append(updates, amUpdate("trigger", (k+w*3+r)%keys))
				}
				_, err := p.s.IngestAlerts(p.ctx, []warroom.IngestRequest{{Integration: p.am, Updates: updates, ReceivedAt: t0}})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	list, err := p.s.ListAlerts(p.ctx, warroom.AlertFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != keys {
		t.Fatalf("%d alerts for %d keys", len(list), keys)
	}
	total := 0
	for _, a := range list {
		total += a.Duplicates
	}
	if want := workers*rounds*keys - keys; total != want {
		t.Fatalf("%d duplicates counted, want %d", total, want)
	}
	route := p.jobsOf(JobAlertRoute)
	ids := 0
	for _, j := range route {
		ids += len(j.Payload["alert_ids"].([]any))
	}
	if ids != keys {
		t.Fatalf("route jobs name %d alerts, want %d", ids, keys)
	}
}

// mustIngest is IngestAlerts that fails the test on error.
func (s *Store) mustIngest(t *testing.T, reqs []warroom.IngestRequest) [][]warroom.IngestResult {
	t.Helper()
	res, err := s.IngestAlerts(t.Context(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// ---- the real Alertmanager sequence

// fixtureDir holds what a real Alertmanager sent to a webhook receiver
// and to a PagerDuty Events v2 receiver (see its README.md).
const fixtureDir = "../testdata/alertmanager"

// testIngestFixtures replays what a real Alertmanager sent, in order, to
// a webhook integration and a PagerDuty one, and checks every outcome and
// the final state.
func testIngestFixtures(t *testing.T, p *pagingFixture) {
	names, err := filepath.Glob(filepath.Join(fixtureDir, "[0-9][0-9][0-9]-*.json"))
	if err != nil || len(names) != 10 {
		t.Fatalf("want the 10 Alertmanager captures in %s, found %d (%v)", fixtureDir, len(names), err)
	}
	sort.Strings(names)
	now := time.Date(2026, 11, 22, 0, 9, 0, 0, time.UTC)
	got := map[string][]string{}
	for _, name := range names {
		body, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second)
		var in *warroom.Integration
		var alerts []intake.Alert
		if strings.Contains(name, "pagerduty") {
			a, perr := intake.ParsePagerDuty(body, now, nil)
			if perr != nil {
				t.Fatalf("%s: %v", name, perr)
			}
			in, alerts = p.pd, []intake.Alert{a}
		} else {
			if alerts, err = intake.ParseAlertmanager(body, now); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			in = p.am
		}
		updates := intake.ToAlertUpdates(in, alerts)
		res := p.s.mustIngest(t, []warroom.IngestRequest{{Integration: in, Updates: updates, ReceivedAt: now}})
		got[filepath.Base(name)] = outcomes(res[0])
	}
	const (
		c, d, u, r, i = warroom.IngestCreated, warroom.IngestDuplicate, warroom.IngestUpdated, warroom.IngestResolved, warroom.IngestIgnored
	)
	want := map[string][]string{
		"001-webhook.json":      {c, c}, // checkout: two pods, one summary
		"002-pagerduty-v2.json": {c},    // one event per group
		"003-pagerduty-v2.json": {c},
		"004-webhook.json":      {c},    // payments
		"005-webhook.json":      {r, d}, // a firing group carrying a resolved alert
		"006-pagerduty-v2.json": {u},    // the group re-triggered: [FIRING:1]
		"007-pagerduty-v2.json": {r},
		"008-webhook.json":      {r},
		"009-pagerduty-v2.json": {r},
		"010-webhook.json":      {i, r}, // the already resolved pod again
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("outcomes\n got %v\nwant %v", got, want)
	}
	list, err := p.s.ListAlerts(p.ctx, warroom.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]*warroom.Alert{}
	for _, a := range list {
		if a.Status != warroom.AlertResolved || a.EndsAt == nil {
			t.Errorf("alert %s (%s) ends %s, %v; want resolved", a.DedupKey, a.Summary, a.Status, a.EndsAt)
		}
		byKey[a.DedupKey] = a
	}
	if len(list) != 5 {
		t.Fatalf("%d alerts, want 5 (3 webhook alerts, 2 PagerDuty groups)", len(list))
	}
	pod := byKey["d5d7ec2b0093448a"]
	if pod == nil || pod.Labels["pod"] != "checkout-7d9f8-abcde" || pod.Severity != "critical" ||
		pod.Summary != "Checkout 5xx rate above 5% for 10 minutes" || pod.IntegrationID != p.am.ID ||
		!pod.EndsAt.Equal(time.Date(2026, 11, 22, 0, 9, 5, 0, time.UTC)) || pod.Duplicates != 0 {
		t.Fatalf("checkout pod abcde: %+v", pod)
	}
	if other := byKey["9e9cf170157b3e0b"]; other == nil || other.Duplicates != 1 ||
		!strings.HasPrefix(other.DuplicateReason, `same dedup key "9e9cf170157b3e0b" already firing since 2026-11-22T00:08:58Z`) {
		t.Fatalf("checkout pod fghij: %+v", other)
	}
	var groups []*warroom.Alert
	for _, a := range list {
		if a.IntegrationID == p.pd.ID {
			groups = append(groups, a)
		}
	}
	slices.SortFunc(groups, func(a, b *warroom.Alert) int { return strings.Compare(a.Summary, b.Summary) })
	if len(groups) != 2 || groups[0].Summary != "[FIRING:1] CheckoutHighErrorRate checkout (prod-eu-1 shop critical)" {
		t.Fatalf("PagerDuty groups %+v", groups)
	}
	route, resolved := p.jobsOf(JobAlertRoute), p.jobsOf(JobAlertResolved)
	if len(route) != 4 || len(resolved) != 5 {
		t.Fatalf("%d route and %d resolve jobs, want 4 and 5", len(route), len(resolved))
	}
}

// TestIngestQueryPlans checks that intake's look-up of open alerts probes
// the partial unique index once per key on SQLite rather than scanning.
func TestIngestQueryPlans(t *testing.T) {
	s := testSQLite(t)
	for query, index := range map[string]string{
		`SELECT k.key, ` + ingestColumns + ` FROM json_each(?) AS k CROSS JOIN alerts AS a
			WHERE a.integration_id = ? AND a.source = ? AND a.open_key = k.value AND a.open_key IS NOT NULL`: "alerts_open_key",
		"SELECT " + alertColumns + " FROM alerts WHERE service_id = ? ORDER BY created_at DESC, id DESC LIMIT ?":                    "alerts_service",
		"SELECT " + alertColumns + " FROM alerts WHERE group_key = ? AND group_key <> '' ORDER BY created_at DESC, id DESC LIMIT ?": "alerts_group",
		"SELECT " + alertColumns + " FROM alerts WHERE incident_id = ? ORDER BY created_at DESC, id DESC LIMIT ?":                   "alerts_incident",
		"SELECT " + alertColumns + " FROM alerts ORDER BY created_at DESC, id DESC LIMIT ?":                                         "alerts_created",
	} {
		n := strings.Count(query, "?")
		args := []any{`["a","b"]`, "i", "s"}[:min(n, 3)]
		for len(args) < n {
			args = append(args, 1)
		}
		plan := queryPlan(t, s, query, args...)
		p := strings.Join(plan, "; ")
		if !strings.Contains(p, "INDEX "+index) || slices.Contains(plan, "SCAN a") || slices.Contains(plan, "SCAN alerts") {
			t.Errorf("%s\nplan: %s\nwant a search of %s", query, p, index)
		}
	}
}

// TestEncodeStrings checks the hand-written encoder of labels against
// encoding/json: what it writes decodes to the same map, and equal maps
// encode equally.
func TestEncodeStrings(t *testing.T) {
	for _, m := range []map[string]string{
		nil,
		{"a": "1"},
		{"z": "last", "a": "first", "m": ""},
		{"quote\"": "back\\slash", "ctl": "tab\tnew\nline", "html": "<a href='x'>&</a>"},
		{"unicode": "Grüße, 東京 \u2028", "bad utf-8": "\xff\xfe"},
	} {
		got, err := encodeStrings(m)
		if err != nil {
			t.Fatal(err)
		}
		if len(m) == 0 {
			if got != "" {
				t.Fatalf("empty map encoded as %q", got)
			}
			continue
		}
		var back map[string]string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Fatalf("%q is not JSON: %v", got, err)
		}
		var want map[string]string // what encoding/json makes of it
		std, _ := json.Marshal(m)
		if err := json.Unmarshal(std, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, want) {
			t.Fatalf("%v encoded as %s, decoded as %v", m, got, back)
		}
		copied := map[string]string{}
		for k, v := range m {
			copied[k] = v
		}
		if again, _ := encodeStrings(copied); again != got {
			t.Fatalf("equal maps encoded as %s and %s", got, again)
		}
	}
}

// TestCompactJSON: details are stored compact and validated.
func TestCompactJSON(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "",
		"null":                 "",
		" null ":               "",
		`{"a":1}`:              `{"a":1}`,
		"{ \"a\" : [1, 2] }\n": `{"a":[1,2]}`,
		`"x y"`:                `"x y"`,
		`[1,"a b"]`:            `[1,"a b"]`,
	} {
		got, err := compactJSON(json.RawMessage(in))
		if err != nil || got != want {
			t.Errorf("compactJSON(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"{", `{"a":}`, "tru", `{"a":1}x`, `{"a" 1}`} {
		if got, err := compactJSON(json.RawMessage(in)); err == nil {
			t.Errorf("compactJSON(%q) = %q, want an error", in, got)
		}
	}
}

// TestIngestWriters runs the ways alerts reach IngestAlerts in batches
// (intake's), on every dialect.
func TestIngestWriters(t *testing.T) {
	runPagingTests(t, []pagingTest{
		{"ThroughGroupCommit", testIngestThroughGroupCommit},
		{"Batcher", testIngestBatcher},
		{"Encoded", testIngestEncoded},
		{"RefusedDeliveryFailsAlone", testIngestRefusedDeliveryFailsAlone},
	})
}

// testIngestThroughGroupCommit runs concurrent senders through a
// groupcommit.Batcher over IngestAlerts, as the intake handlers do:
// every sender gets its own results and batches form.
func testIngestThroughGroupCommit(t *testing.T, p *pagingFixture) {
	var mu sync.Mutex
	var sizes []int
	gc := groupcommit.New(func(ctx context.Context, reqs []warroom.IngestRequest) ([][]warroom.IngestResult, error) {
		mu.Lock()
		sizes = append(sizes, len(reqs))
		mu.Unlock()
		return p.s.IngestAlerts(ctx, reqs)
	}, 16, time.Millisecond)
	const senders, rounds = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, senders*rounds)
	for s := range senders {
		wg.Go(func() {
			for r := range rounds {
				key := fmt.Sprintf("s%d-%d", s, r%2) // the second round repeats the first
				res, err := gc.Submit(p.ctx, warroom.IngestRequest{Integration: p.am, ReceivedAt: t0,
					Updates: []warroom.AlertUpdate{update(p.am, "trigger", key, "x")}})
				switch {
				case err != nil:
					errs <- err
				case len(res) != 1 || res[0].DedupKey != key:
					errs <- fmt.Errorf("sender %d got %+v for %s", s, res, key)
				case r < 2 && res[0].Outcome != warroom.IngestCreated, r >= 2 && res[0].Outcome != warroom.IngestDuplicate:
					errs <- fmt.Errorf("sender %d round %d: %s", s, r, res[0].Outcome)
				}
			}
		})
	}
	wg.Wait()
	gc.Close()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if list, _ := p.s.ListAlerts(p.ctx, warroom.AlertFilter{}); len(list) != 2*senders {
		t.Fatalf("%d alerts, want %d", len(list), 2*senders)
	}
	if slices.Max(sizes) < 2 {
		t.Logf("batch sizes %v: no batch formed (a slow machine can serialize senders)", sizes)
	}
}

// testIngestBatcher checks the store's own group-commit writer: senders
// get their own results, and a malformed delivery fails alone.
func testIngestBatcher(t *testing.T, p *pagingFixture) {
	ib := p.s.NewIngestBatcher(8, time.Millisecond)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 10 {
		wg.Go(func() {
			key := fmt.Sprintf("k%d", i%5)
			res, err := ib.Ingest(p.ctx, warroom.IngestRequest{Integration: p.webhook, ReceivedAt: t0,
				Updates: []warroom.AlertUpdate{update(p.webhook, "trigger", key, "x")}})
			if err != nil || len(res) != 1 || res[0].DedupKey != key {
				errs <- fmt.Errorf("Ingest(%s) = %+v, %v", key, res, err)
			}
		})
		wg.Go(func() {
			_, err := ib.Ingest(p.ctx, warroom.IngestRequest{Integration: p.webhook,
				Updates: []warroom.AlertUpdate{update(p.webhook, "snooze", "k", "x")}})
			if warroom.ErrorCode(err) != warroom.EInvalid {
				errs <- fmt.Errorf("a malformed delivery: %v", err)
			}
		})
	}
	wg.Wait()
	if err := ib.Close(); err != nil {
		t.Fatal(err)
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	list, _ := p.s.ListAlerts(p.ctx, warroom.AlertFilter{})
	total := 0
	for _, a := range list {
		total += 1 + a.Duplicates
	}
	if len(list) != 5 || total != 10 {
		t.Fatalf("%d alerts carrying %d deliveries, want 5 and 10", len(list), total)
	}
}

// testIngestEncoded: what intake encodes is stored as the store would
// encode it, so the same alert through either path is one alert, then a
// duplicate; and a malformed delivery still fails alone.
func testIngestEncoded(t *testing.T, p *pagingFixture) {
	ib := p.s.NewIngestBatcher(8, time.Millisecond)
	defer ib.Close()
	body, err := os.ReadFile(filepath.Join(fixtureDir, "001-webhook.json"))
	if err != nil {
		t.Fatal(err)
	}
	alerts, encoded, err := intake.ParseAlertmanagerEncoded(body, t0, p.am)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ib.IngestEncoded(p.ctx, p.am, encoded, t0)
	if err != nil || len(res) != 2 || res[0].Outcome != warroom.IngestCreated {
		t.Fatalf("IngestEncoded = %+v, %v", res, err)
	}
	again, err := ib.Ingest(p.ctx, warroom.IngestRequest{Integration: p.am, ReceivedAt: t0.Add(time.Second),
		Updates: intake.ToAlertUpdates(p.am, alerts)})
	if err != nil || len(again) != 2 || again[0].Outcome != warroom.IngestDuplicate || again[1].Outcome != warroom.IngestDuplicate {
		t.Fatalf("the same alerts through Ingest: %+v, %v", again, err)
	}
	a, err := p.s.FindAlert(p.ctx, res[0].AlertID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Labels, alerts[0].Labels) || !reflect.DeepEqual(a.Annotations, alerts[0].Annotations) ||
		string(a.Details) != string(alerts[0].Details) || len(a.Links) != 3 || a.Links[0].URL != alerts[0].Links[0].Href {
		t.Errorf("stored %+v", a)
	}
	bad := encoded[:1:1]
	bad[0].Action = "snooze"
	if _, err := ib.IngestEncoded(p.ctx, p.am, bad, t0); warroom.ErrorCode(err) != warroom.EInvalid {
		t.Errorf("a malformed delivery: %v", err)
	}
	if _, err := ib.IngestEncoded(p.ctx, nil, encoded, t0); warroom.ErrorCode(err) != warroom.EInvalid {
		t.Errorf("a delivery without integration: %v", err)
	}
}
