package sqlstore

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
)

// pagingTest is a test of the paging tables, run against every dialect.
type pagingTest struct {
	name string
	run  func(t *testing.T, p *pagingFixture)
}

// runPagingTests runs tests against a fresh store of every dialect; the
// PostgreSQL variants run when WARROOM_TEST_POSTGRES is set.
func runPagingTests(t *testing.T, tests []pagingTest) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			if d.name == "postgres" {
				postgresDSN(t) // skips early, with the reason, when unset
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) { tt.run(t, newPagingFixture(t, d.open(t))) })
			}
		})
	}
}

// pagingFixture is a store with people, a service and one integration of
// each kind.
type pagingFixture struct {
	*fixture
	t       testing.TB
	svc     *warroom.Service
	am, pd  *warroom.Integration
	webhook *warroom.Integration
}

func newPagingFixture(t testing.TB, s *Store) *pagingFixture {
	p := &pagingFixture{fixture: newFixture(t, s), t: t}
	p.svc = &warroom.Service{Slug: "checkout", Name: "Checkout"}
	if err := s.CreateService(p.ctx, p.svc); err != nil {
		t.Fatal(err)
	}
	p.am = p.integration(warroom.IntegrationAlertmanager, "am-key")
	p.pd = p.integration(warroom.IntegrationPagerDuty, "pd-key")
	p.webhook = p.integration(warroom.IntegrationWebhook, "wh-key")
	return p
}

func (p *pagingFixture) integration(kind warroom.IntegrationKind, key string) *warroom.Integration {
	p.t.Helper()
	in := &warroom.Integration{ServiceID: p.svc.ID, Kind: kind, Name: string(kind), CreatedAt: p.tick()}
	if err := p.s.CreateIntegration(p.ctx, in, warroom.HashTokenSecret(key)); err != nil {
		p.t.Fatal(err)
	}
	return in
}

// update is an AlertUpdate of the integration's kind of source.
func update(in *warroom.Integration, action, key, summary string) warroom.AlertUpdate {
	return warroom.AlertUpdate{Action: action, Alert: warroom.Alert{
		Source: string(in.Kind), DedupKey: key, Summary: summary,
	}}
}

// ingest sends one request of updates at the fixture's next tick.
func (p *pagingFixture) ingest(in *warroom.Integration, updates ...warroom.AlertUpdate) []warroom.IngestResult {
	p.t.Helper()
	res, err := p.s.IngestAlerts(p.ctx, []warroom.IngestRequest{{Integration: in, Updates: updates, ReceivedAt: p.tick()}})
	if err != nil {
		p.t.Fatal(err)
	}
	return res[0]
}

func (p *pagingFixture) alert(id string) *warroom.Alert {
	p.t.Helper()
	a, err := p.s.FindAlert(p.ctx, id)
	if err != nil {
		p.t.Fatal(err)
	}
	return a
}

// outcomes lists the outcomes of results.
func outcomes(results []warroom.IngestResult) []string {
	out := make([]string, len(results))
	for i, r := range results {
		out[i] = r.Outcome
	}
	return out
}

func wantOutcomes(t *testing.T, results []warroom.IngestResult, want ...string) {
	t.Helper()
	if got := outcomes(results); !slices.Equal(got, want) {
		t.Fatalf("outcomes %v, want %v", got, want)
	}
}

// storedJob is a row of the jobs table as the alert store writes it.
type storedJob struct {
	Kind, Queue, Key string
	DueAt            time.Time
	Payload          map[string]any
}

// jobsOf returns the jobs of the given kinds (all if none), in the order
// they were scheduled.
func (p *pagingFixture) jobsOf(kinds ...string) []storedJob {
	p.t.Helper()
	rows, err := p.s.db.Query("SELECT kind, queue, key, due_at, payload FROM jobs ORDER BY id")
	if err != nil {
		p.t.Fatal(err)
	}
	var out []storedJob
	for rows.Next() {
		var j storedJob
		var payload string
		if err := rows.Scan(&j.Kind, &j.Queue, strCol{&j.Key}, timeCol{&j.DueAt}, strCol{&payload}); err != nil {
			p.t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(payload), &j.Payload); err != nil {
			p.t.Fatalf("job %s payload %q: %v", j.Kind, payload, err)
		}
		if len(kinds) == 0 || slices.Contains(kinds, j.Kind) {
			out = append(out, j)
		}
	}
	if err := rows.Err(); err != nil {
		p.t.Fatal(err)
	}
	return out
}

func TestAlertStore(t *testing.T) {
	runPagingTests(t, []pagingTest{
		{"Integrations", testIntegrations},
		{"ServicePaging", testServicePaging},
		{"FindAndList", testFindAndListAlerts},
		{"FindAlertWithIncident", testFindAlertWithIncident},
		{"UpdateAlert", testUpdateAlert},
		{"ListVisibility", testListAlertsVisibility},
		{"CloseFactsPagesOfAlerts", testCloseFactsPagesOfAlerts},
	})
}

// testCloseFactsPagesOfAlerts: an incident paged someone when a page
// names it, or names an alert of it: one paged before it had an incident
// and attached later, or one of many alerts folded into it (a page names
// the incident its alert had then, so the alerts are read only when no
// page names the incident).
func testCloseFactsPagesOfAlerts(t *testing.T, p *pagingFixture) {
	inc := p.mustDeclare(p.ada, "storm")
	var ids []string
	for i := range 30 {
		r := p.ingest(p.am, update(p.am, "trigger", fmt.Sprintf("node-%d", i), "node down"))
		ids = append(ids, r[0].AlertID)
	}
	page := func(id string, alertID, incidentID string) notify.Outbox {
		return notify.Outbox{Message: notify.Message{ID: id, Kind: notify.KindPage, Channel: notify.ChannelEmail,
			Destination: "ada@example.com", Subject: "page", AlertID: alertID, IncidentID: incidentID}, DueAt: t0}
	}
	// A page about the last alert, before it had an incident.
	if err := p.s.EnqueueMessages(p.ctx, []notify.Outbox{page("m1", ids[29], "")}); err != nil {
		t.Fatal(err)
	}
	paged := func() bool {
		t.Helper()
		f, err := p.s.CloseFacts(p.ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		return f.Paged
	}
	for _, id := range ids[:29] {
		if _, err := p.s.UpdateAlert(p.ctx, id, p.tick(), func(a *warroom.Alert) error { a.IncidentID = inc.ID; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if paged() {
		t.Fatal("paged, though no page names the incident or one of its alerts")
	}
	if _, err := p.s.UpdateAlert(p.ctx, ids[29], p.tick(), func(a *warroom.Alert) error { a.IncidentID = inc.ID; return nil }); err != nil {
		t.Fatal(err)
	}
	if !paged() {
		t.Fatal("the page of an alert attached later is not counted")
	}
	other := p.mustDeclare(p.ada, "other")
	if err := p.s.EnqueueMessages(p.ctx, []notify.Outbox{page("m2", "", other.ID)}); err != nil {
		t.Fatal(err)
	}
	if f, err := p.s.CloseFacts(p.ctx, other.ID); err != nil || !f.Paged {
		t.Fatalf("a page naming the incident: %+v %v", f, err)
	}
}

// testListAlertsVisibility: a list made for a person leaves out the
// alerts of private incidents they take no part in
// (warroom.AlertVisibleTo), with the limit counting only what they see;
// a list without a viewer (warroom's own work) has every alert.
func testListAlertsVisibility(t *testing.T, p *pagingFixture) {
	public := p.mustDeclare(p.ada, "public")
	secret := p.mustDeclare(p.ada, "secret", func(d *warroom.Declaration) { d.Private = true })
	r := p.ingest(p.am, update(p.am, "trigger", "free", "disk full"), update(p.am, "trigger", "pub", "disk full"),
		update(p.am, "trigger", "priv", "disk full"))
	free, pub, priv := r[0].AlertID, r[1].AlertID, r[2].AlertID
	for id, inc := range map[string]string{pub: public.ID, priv: secret.ID} {
		if _, err := p.s.UpdateAlert(p.ctx, id, p.tick(), func(a *warroom.Alert) error { a.IncidentID = inc; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	list := func(viewer *warroom.User, f warroom.AlertFilter) []string {
		t.Helper()
		if viewer != nil {
			v := viewer.Actor()
			f.Viewer = &v
		}
		got, err := p.s.ListAlerts(p.ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range got {
			ids = append(ids, a.ID)
		}
		slices.Sort(ids)
		return ids
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	all := sorted(free, pub, priv)
	for _, c := range []struct {
		name   string
		viewer *warroom.User
		f      warroom.AlertFilter
		want   []string
	}{
		{"warroom itself", nil, warroom.AlertFilter{}, all},
		{"participant", p.ada, warroom.AlertFilter{}, all},
		{"admin", p.admin, warroom.AlertFilter{}, all},
		{"non-participant", p.bob, warroom.AlertFilter{}, sorted(free, pub)},
		{"non-participant, by incident", p.bob, warroom.AlertFilter{IncidentID: secret.ID}, nil},
		{"non-participant, limit 2", p.bob, warroom.AlertFilter{Limit: 2}, sorted(free, pub)},
		{"participant, by incident", p.ada, warroom.AlertFilter{IncidentID: secret.ID}, []string{priv}},
	} {
		if got := list(c.viewer, c.f); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	p.mustExec(p.ada, secret.ID, warroom.AddParticipant{UserID: p.bob.ID})
	if got := list(p.bob, warroom.AlertFilter{}); !slices.Equal(got, all) {
		t.Fatalf("added participant sees %v, want %v", got, all)
	}
}

func testIntegrations(t *testing.T, p *pagingFixture) {
	got, err := p.s.FindIntegrationByKey(p.ctx, warroom.HashTokenSecret("pd-key"))
	if err != nil || !reflect.DeepEqual(got, p.pd) {
		t.Fatalf("FindIntegrationByKey = %+v, %v; want %+v", got, err, p.pd)
	}
	_, err = p.s.FindIntegrationByKey(p.ctx, warroom.HashTokenSecret("nope"))
	wantCode(t, err, warroom.ENotFound)

	wantError(t, p.s.CreateIntegration(p.ctx, &warroom.Integration{ServiceID: p.svc.ID, Kind: p.am.Kind}, warroom.HashTokenSecret("am-key")),
		warroom.EConflict, "an integration with this key exists")
	wantCode(t, p.s.CreateIntegration(p.ctx, &warroom.Integration{ServiceID: p.svc.ID, Kind: "nagios"}, "h"), warroom.EInvalid)
	wantError(t, p.s.CreateIntegration(p.ctx, &warroom.Integration{ServiceID: "nope", Kind: p.am.Kind}, "h"),
		warroom.EInvalid, `no service "nope"`)
	wantCode(t, p.s.CreateIntegration(p.ctx, &warroom.Integration{ServiceID: p.svc.ID, Kind: p.am.Kind}, ""), warroom.EInvalid)

	other := &warroom.Service{Slug: "payments", Name: "Payments"}
	if err := p.s.CreateService(p.ctx, other); err != nil {
		t.Fatal(err)
	}
	in := &warroom.Integration{ServiceID: other.ID, Kind: warroom.IntegrationWebhook, Name: "ci"}
	if err := p.s.CreateIntegration(p.ctx, in, "h2"); err != nil {
		t.Fatal(err)
	}
	// A key is unique across services and kinds (callers may choose keys):
	// the conflict names no service, and nothing is stored.
	wantError(t, p.s.CreateIntegration(p.ctx, &warroom.Integration{ServiceID: other.ID, Kind: warroom.IntegrationPagerDuty},
		warroom.HashTokenSecret("pd-key")), warroom.EConflict, "an integration with this key exists")
	wantError(t, p.s.CreateIntegration(p.ctx, &warroom.Integration{ServiceID: p.svc.ID, Kind: warroom.IntegrationAlertmanager}, "h2"),
		warroom.EConflict, "an integration with this key exists")
	if got, err := p.s.FindIntegrationByKey(p.ctx, warroom.HashTokenSecret("pd-key")); err != nil || got.ID != p.pd.ID {
		t.Fatalf("after the conflict, the key finds %+v, %v; want %s", got, err, p.pd.ID)
	}
	list, err := p.s.ListIntegrations(p.ctx, p.svc.ID)
	if err != nil || !reflect.DeepEqual(list, []*warroom.Integration{p.am, p.pd, p.webhook}) {
		t.Fatalf("ListIntegrations(service) = %v, %v", list, err)
	}
	if list, _ := p.s.ListIntegrations(p.ctx, ""); len(list) != 4 {
		t.Fatalf("ListIntegrations(\"\") returned %d, want 4", len(list))
	}

	// Deleting an integration keeps its alerts.
	res := p.ingest(in, update(in, "trigger", "k", "build broken"))
	if err := p.s.DeleteIntegration(p.ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, p.s.DeleteIntegration(p.ctx, in.ID), warroom.ENotFound)
	if _, err := p.s.FindIntegrationByKey(p.ctx, "h2"); warroom.ErrorCode(err) != warroom.ENotFound {
		t.Fatalf("deleted integration still found: %v", err)
	}
	if a := p.alert(res[0].AlertID); a.IntegrationID != in.ID {
		t.Fatalf("alert lost its integration: %+v", a)
	}
}

func testServicePaging(t *testing.T, p *pagingFixture) {
	got, err := p.s.GetServicePaging(p.ctx, p.svc.ID)
	want := warroom.ServicePaging{ServiceID: p.svc.ID, AlertRules: warroom.DefaultAlertRules()}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetServicePaging before any set = %+v, %v; want the defaults", got, err)
	}
	_, err = p.s.GetServicePaging(p.ctx, "nope")
	wantCode(t, err, warroom.ENotFound)

	policy := &warroom.EscalationPolicy{Name: "primary", Steps: []warroom.EscalationStep{
		{Targets: []warroom.Target{{Type: warroom.TargetUser, ID: p.ada.ID}}, Delay: warroom.Duration(5 * time.Minute)}}}
	if err := p.s.CreateEscalationPolicy(p.ctx, policy); err != nil {
		t.Fatal(err)
	}
	set := warroom.ServicePaging{ServiceID: p.svc.ID, EscalationPolicyID: policy.ID, AlertRules: []warroom.AlertRule{
		{MinSeverity: "error", Action: warroom.AlertDeclare, IncidentSeverity: warroom.SEV1}}}
	if err := p.s.SetServicePaging(p.ctx, set); err != nil {
		t.Fatal(err)
	}
	if got, err := p.s.GetServicePaging(p.ctx, p.svc.ID); err != nil || !reflect.DeepEqual(got, set) {
		t.Fatalf("GetServicePaging = %+v, %v; want %+v", got, err, set)
	}
	// Set again replaces; no rules at all is kept as none.
	set = warroom.ServicePaging{ServiceID: p.svc.ID, AlertRules: []warroom.AlertRule{}}
	if err := p.s.SetServicePaging(p.ctx, set); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.s.GetServicePaging(p.ctx, p.svc.ID); got.EscalationPolicyID != "" || got.AlertRules == nil || len(got.AlertRules) != 0 {
		t.Fatalf("after replacing: %+v", got)
	}
	if err := p.s.SetServicePaging(p.ctx, warroom.ServicePaging{ServiceID: p.svc.ID}); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.s.GetServicePaging(p.ctx, p.svc.ID); !reflect.DeepEqual(got.AlertRules, warroom.DefaultAlertRules()) {
		t.Fatalf("nil rules read back as %+v, want the defaults", got.AlertRules)
	}

	wantCode(t, p.s.SetServicePaging(p.ctx, warroom.ServicePaging{ServiceID: p.svc.ID,
		AlertRules: []warroom.AlertRule{{MinSeverity: "bad", Action: warroom.AlertWait}}}), warroom.EInvalid)
	wantError(t, p.s.SetServicePaging(p.ctx, warroom.ServicePaging{ServiceID: p.svc.ID, EscalationPolicyID: "nope"}),
		warroom.EInvalid, `no escalation policy "nope"`)
	wantError(t, p.s.SetServicePaging(p.ctx, warroom.ServicePaging{ServiceID: "nope"}), warroom.EInvalid, `no service "nope"`)
}

func testFindAndListAlerts(t *testing.T, p *pagingFixture) {
	_, err := p.s.FindAlert(p.ctx, "nope")
	wantError(t, err, warroom.ENotFound, `no alert "nope"`)

	mk := func(key, group string) warroom.AlertUpdate {
		u := update(p.am, "trigger", key, "disk full")
		u.Alert.GroupKey = group
		return u
	}
	r1 := p.ingest(p.am, mk("a", "g1"), mk("b", "g1"))
	crit := mk("c", "g2")
	crit.Alert.Severity, crit.Alert.Summary = "critical", "API 100% errors"
	r2 := p.ingest(p.am, crit)
	p.ingest(p.am, update(p.am, "resolve", "a", ""))
	ids := func(list []*warroom.Alert) []string {
		var out []string
		for _, a := range list {
			out = append(out, a.ID)
		}
		return out
	}
	a, b, c := r1[0].AlertID, r1[1].AlertID, r2[0].AlertID
	for _, tc := range []struct {
		f    warroom.AlertFilter
		want []string
	}{
		{warroom.AlertFilter{}, []string{c, b, a}},
		{warroom.AlertFilter{ServiceID: p.svc.ID}, []string{c, b, a}},
		{warroom.AlertFilter{ServiceID: "other"}, nil},
		{warroom.AlertFilter{GroupKey: "g1"}, []string{b, a}},
		{warroom.AlertFilter{Status: warroom.AlertFiring}, []string{c, b}},
		{warroom.AlertFilter{Status: warroom.AlertResolved, GroupKey: "g1"}, []string{a}},
		{warroom.AlertFilter{Limit: 1}, []string{c}},
		{warroom.AlertFilter{Limit: 1, Offset: 1}, []string{b}},
		{warroom.AlertFilter{Offset: 2}, []string{a}},
		{warroom.AlertFilter{Severity: "critical"}, []string{c}},
		{warroom.AlertFilter{Severity: "info"}, nil},
		{warroom.AlertFilter{Query: "DISK"}, []string{b, a}},
		{warroom.AlertFilter{Query: "100%"}, []string{c}}, // % matches itself
		{warroom.AlertFilter{Query: "10_%"}, nil},         // so does _
		{warroom.AlertFilter{Query: " b "}, []string{b}},  // the dedup key, trimmed
		{warroom.AlertFilter{Query: "full", Status: warroom.AlertFiring}, []string{b}},
	} {
		list, err := p.s.ListAlerts(p.ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		if list == nil || !slices.Equal(ids(list), tc.want) {
			t.Errorf("ListAlerts(%+v) = %v, want %v", tc.f, ids(list), tc.want)
		}
	}
	inc := p.mustDeclare(p.ada, "disk full everywhere")
	if _, err := p.s.UpdateAlert(p.ctx, b, alertChangeAt, func(a *warroom.Alert) error { a.IncidentID = inc.ID; return nil }); err != nil {
		t.Fatal(err)
	}
	if list, _ := p.s.ListAlerts(p.ctx, warroom.AlertFilter{IncidentID: inc.ID}); !slices.Equal(ids(list), []string{b}) {
		t.Fatalf("alerts of the incident: %v, want [%s]", ids(list), b)
	}
}

func testFindAlertWithIncident(t *testing.T, p *pagingFixture) {
	_, _, err := p.s.FindAlertWithIncident(p.ctx, "nope", "")
	wantError(t, err, warroom.ENotFound, `no alert "nope"`)

	r := p.ingest(p.am, update(p.am, "trigger", "linked", "disk full"), update(p.am, "trigger", "loose", "disk slow"))
	linked, loose := r[0].AlertID, r[1].AlertID
	mine := p.mustDeclare(p.ada, "disk full everywhere")
	named := p.mustDeclare(p.ada, "disk slow everywhere")
	if _, err := p.s.UpdateAlert(p.ctx, linked, alertChangeAt, func(a *warroom.Alert) error { a.IncidentID = mine.ID; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		alert, incident string
		want            string // the incident's ID, "" for none
	}{
		{linked, "", mine.ID},
		{linked, named.ID, mine.ID}, // the link wins over the name
		{loose, named.ID, named.ID},
		{loose, "", ""},
		{loose, "no-such-incident", ""},
	} {
		a, inc, err := p.s.FindAlertWithIncident(p.ctx, tc.alert, tc.incident)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := p.s.FindAlert(p.ctx, tc.alert)
		if !reflect.DeepEqual(a, want) {
			t.Errorf("FindAlertWithIncident(%s, %q) alert = %+v, want %+v", tc.alert, tc.incident, a, want)
		}
		got := ""
		if inc != nil {
			got = inc.ID
			if full, _ := p.s.FindIncident(p.ctx, inc.ID); !reflect.DeepEqual(inc, full) {
				t.Errorf("incident %+v, want %+v as FindIncident reads it", inc, full)
			}
		}
		if got != tc.want {
			t.Errorf("FindAlertWithIncident(%s, %q) incident = %q, want %q", tc.alert, tc.incident, got, tc.want)
		}
	}
}

func testUpdateAlert(t *testing.T, p *pagingFixture) {
	res := p.ingest(p.am, update(p.am, "trigger", "a", "disk full"))
	id := res[0].AlertID
	_, err := p.s.UpdateAlert(p.ctx, "nope", alertChangeAt, func(a *warroom.Alert) error { return nil })
	wantCode(t, err, warroom.ENotFound)

	// Errors of change come back unchanged, and nothing is stored.
	boom := warroom.Errorf(warroom.EForbidden, "not yours")
	if _, err := p.s.UpdateAlert(p.ctx, id, alertChangeAt, func(a *warroom.Alert) error { a.Summary = "x"; return boom }); err != boom {
		t.Fatalf("UpdateAlert returned %v, want change's error", err)
	}
	for _, bad := range []func(a *warroom.Alert){
		func(a *warroom.Alert) { a.DedupKey = "other" },
		func(a *warroom.Alert) { a.ServiceID = "other" },
		func(a *warroom.Alert) { a.Status = "sleeping" },
		func(a *warroom.Alert) { a.Severity = "meh" },
		func(a *warroom.Alert) { a.IncidentID = "no-such-incident" },
	} {
		_, err := p.s.UpdateAlert(p.ctx, id, alertChangeAt, func(a *warroom.Alert) error { bad(a); return nil })
		wantCode(t, err, warroom.EInvalid)
	}
	if a := p.alert(id); a.Summary != "disk full" || a.Status != warroom.AlertFiring {
		t.Fatalf("a failed update changed the alert: %+v", a)
	}

	// Acknowledging by hand fills the time and schedules the job.
	at := p.tick()
	got, err := p.s.UpdateAlert(p.ctx, id, alertChangeAt, func(a *warroom.Alert) error {
		a.Status, a.UpdatedAt = warroom.AlertAcknowledged, at
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.AcknowledgedAt == nil || !got.AcknowledgedAt.Equal(normTime(at)) || !got.UpdatedAt.Equal(normTime(at)) {
		t.Fatalf("acknowledged by hand: %+v", got)
	}
	if !reflect.DeepEqual(got, p.alert(id)) {
		t.Fatalf("UpdateAlert returned %+v, stored %+v", got, p.alert(id))
	}
	jobs := p.jobsOf(JobAlertAcknowledged)
	if len(jobs) != 1 || jobs[0].Payload["alert_id"] != id || !jobs[0].DueAt.Equal(normTime(at)) {
		t.Fatalf("acknowledge jobs %+v", jobs)
	}
	// Resolving by hand ends it and frees its key.
	got, err = p.s.UpdateAlert(p.ctx, id, alertChangeAt, func(a *warroom.Alert) error { a.Status = warroom.AlertResolved; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got.ResolvedAt == nil || got.EndsAt == nil || !got.EndsAt.Equal(*got.ResolvedAt) {
		t.Fatalf("resolved by hand: %+v", got)
	}
	if jobs := p.jobsOf(JobAlertResolved); len(jobs) != 1 || jobs[0].Payload["alert_id"] != id {
		t.Fatalf("resolve jobs %+v", jobs)
	}
	res = p.ingest(p.am, update(p.am, "trigger", "a", "disk full"))
	wantOutcomes(t, res, warroom.IngestCreated)
	// The old alert cannot re-open while the new one has its key.
	_, err = p.s.UpdateAlert(p.ctx, id, alertChangeAt, func(a *warroom.Alert) error { a.Status = warroom.AlertFiring; return nil })
	wantCode(t, err, warroom.EConflict)
	p.ingest(p.am, update(p.am, "resolve", "a", ""))
	got, err = p.s.UpdateAlert(p.ctx, id, alertChangeAt, func(a *warroom.Alert) error { a.Status = warroom.AlertFiring; return nil })
	if err != nil || got.ResolvedAt != nil || got.EndsAt != nil {
		t.Fatalf("re-opened: %+v, %v", got, err)
	}
	// Re-opened, it is the open alert of its key again.
	wantOutcomes(t, p.ingest(p.am, update(p.am, "trigger", "a", "disk full")), warroom.IngestDuplicate)
}

// alertChangeAt is the time the tests' alert changes happen at.
var alertChangeAt = time.Date(2026, time.November, 22, 12, 0, 0, 0, time.UTC)
