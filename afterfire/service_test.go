package afterfire

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/alertmanager"
	"github.com/warroom/warroom/internal/storetest"
	"github.com/warroom/warroom/internal/testclock"
	"github.com/warroom/warroom/sqlstore"
)

// dialects runs a test on SQLite and, with WARROOM_TEST_POSTGRES, on
// PostgreSQL.
func dialects(t *testing.T, f func(t *testing.T, st *sqlstore.Store)) {
	storetest.Each(t, "wr_afterfire", f)
}

var t0 = time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)

// fakeAM answers GET /api/v2/silences like Alertmanager v2 with body, or
// 503 while down, and counts the requests.
type fakeAM struct {
	*httptest.Server
	mu    sync.Mutex
	body  string
	down  bool
	calls int
}

func newFakeAM(t *testing.T) *fakeAM {
	am := &fakeAM{body: "[]"}
	am.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		am.mu.Lock()
		defer am.mu.Unlock()
		am.calls++
		if r.URL.Path != "/api/v2/silences" {
			http.NotFound(w, r)
			return
		}
		if am.down {
			http.Error(w, "no cluster peers", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(am.body))
	}))
	t.Cleanup(am.Close)
	return am
}

func (am *fakeAM) set(body string, down bool) {
	am.mu.Lock()
	am.body, am.down = body, down
	am.mu.Unlock()
}

func silence(id, state string) string {
	return `{"id":"` + id + `","status":{"state":"` + state + `"},"updatedAt":"2026-12-07T13:10:00.000Z","comment":"quiet during mitigation","createdBy":"ada",` +
		`"endsAt":"2026-12-08T13:10:00.000Z","startsAt":"2026-12-07T13:10:00.000Z",` +
		`"matchers":[{"name":"alertname","value":"Checkout.*","isRegex":true,"isEqual":true},{"name":"env","value":"staging","isRegex":false,"isEqual":false}]}`
}

type env struct {
	t     *testing.T
	ctx   context.Context
	st    *sqlstore.Store
	clock *testclock.Clock
	inc   *warroom.Incidents
	svc   *Service
	am    *fakeAM
	users map[string]*warroom.User
}

func newEnv(t *testing.T, st *sqlstore.Store) *env {
	e := &env{t: t, ctx: context.Background(), st: st, clock: testclock.New(t0), users: map[string]*warroom.User{}, am: newFakeAM(t)}
	pol := warroom.DefaultPolicy()
	pol.BaselineGate = true
	e.inc = &warroom.Incidents{Store: st, Now: e.clock.Now, Policy: pol, NewID: func() string { return uuid.Must(uuid.NewV7()).String() },
		BridgeURLTemplate: "https://meet.example/{ref}"}
	var err error
	e.svc, err = New(Config{Incidents: e.inc, Updates: st, Alerts: st, Chat: st,
		Silences: &alertmanager.Client{URLs: []string{e.am.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"ada", "bob", "dan", "eve", "zed"} {
		u := &warroom.User{Handle: h, Name: h, Email: h + "@example.com", TimeZone: "UTC", Role: warroom.AccountResponder}
		if err := st.CreateUser(e.ctx, u); err != nil {
			t.Fatal(err)
		}
		e.users[h] = u
	}
	return e
}

func (e *env) a(h string) warroom.Actor { return e.users[h].Actor() }

func (e *env) declare(private bool) *warroom.Incident {
	e.t.Helper()
	res, err := e.inc.Declare(e.ctx, e.a("ada"), warroom.Declaration{Title: "Checkout 500s", Severity: warroom.SEV2, Private: private}, warroom.Idempotency{})
	if err != nil {
		e.t.Fatal(err)
	}
	ref := res.Incident.Ref
	e.must(e.inc.Execute(e.ctx, e.a("ada"), ref, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: "bob"}, warroom.Idempotency{}))
	return res.Incident
}

func (e *env) must(res *warroom.CommandResult, err error) *warroom.CommandResult {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

func wantCode(t *testing.T, err error, code, contains string) {
	t.Helper()
	if warroom.ErrorCode(err) != code || !strings.Contains(warroom.ErrorMessage(err), contains) {
		t.Fatalf("error = %v, want %s containing %q", err, code, contains)
	}
}

func TestHandoffThroughTheStore(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		inc := e.declare(false)
		ada := e.a("ada")
		hyp := e.must(e.inc.Execute(e.ctx, ada, inc.Ref, warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "bad deploy"}, warroom.Idempotency{}))
		e.must(e.inc.Execute(e.ctx, ada, inc.Ref, warroom.UpdateHypothesis{Ref: hyp.Events[0].Seq, Status: warroom.HypothesisEliminated, Evidence: "rolled back, no change"}, warroom.Idempotency{}))
		e.must(e.inc.Execute(e.ctx, ada, inc.Ref, warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "database failover"}, warroom.Idempotency{}))
		e.clock.Advance(30 * time.Minute)
		if _, err := st.RecordUpdate(e.ctx, inc.Ref, warroom.Idempotency{}, func(cur *warroom.Incident) (*warroom.Update, []warroom.Event, error) {
			return warroom.DecideUpdate(cur, ada, warroom.SendUpdate{ID: "up-1", Audience: warroom.AudienceCustomers, Subject: "Checkout degraded", Body: "Payments may fail."}, e.clock.Now(), e.inc.Policy)
		}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Hour)

		v, err := e.svc.Handoff(e.ctx, ada, inc.Ref)
		if err != nil {
			t.Fatal(err)
		}
		d := v.Draft
		if len(d.OpenHypotheses) != 1 || !strings.Contains(d.OpenHypotheses[0], "database failover") || len(d.EliminatedHypotheses) != 1 ||
			d.LastCustomerUpdateAt == nil || !d.LastCustomerUpdateAt.Equal(t0.Add(30*time.Minute)) || d.LastCustomerUpdate != "Checkout degraded\n\nPayments may fail." ||
			d.Channels.Bridge != "https://meet.example/"+inc.Ref || d.Channels.Chat != "" {
			t.Fatalf("draft = %+v", d)
		}
		if v.Pending != nil || len(v.Missing) != 5 {
			t.Errorf("pending %v, missing %q", v.Pending, v.Missing)
		}

		_, err = e.svc.StartHandoff(e.ctx, e.a("bob"), inc.Ref, "@nobody", warroom.Idempotency{})
		wantCode(t, err, warroom.EInvalid, `no user "nobody"`)
		e.must(e.svc.StartHandoff(e.ctx, e.a("bob"), inc.Ref, "@dan", warroom.Idempotency{}))
		e.must(e.svc.NameHandoffTeam(e.ctx, e.a("dan"), inc.Ref, "eve", []string{"@zed", ""}, warroom.Idempotency{}))
		_, err = e.svc.CompleteHandoff(e.ctx, e.a("bob"), inc.Ref, warroom.HandoffBrief{TechnicalStatus: "failover in progress"}, warroom.Idempotency{})
		wantCode(t, err, warroom.EInvalid, "missing: channels in play: chat channel (write none if there is none); channels in play: tracking document")
		res := e.must(e.svc.CompleteHandoff(e.ctx, e.a("bob"), inc.Ref, warroom.HandoffBrief{TechnicalStatus: "failover in progress",
			Channels: warroom.HandoffChannels{Chat: "none", TrackingDoc: "https://docs/inc", EmailThread: "none"}, ExternalPeople: "none"}, warroom.Idempotency{}))
		b := res.Events[0].Handoff.Brief
		if b.LastCustomerUpdate == "" || len(b.OpenHypotheses) != 1 || b.Channels.Bridge != "https://meet.example/"+inc.Ref {
			t.Errorf("stored brief = %+v", b)
		}
		// The brief is on the timeline as stored and read back.
		tl, err := st.Timeline(e.ctx, inc.ID, res.Events[0].Seq-1, 1)
		if err != nil || tl[0].Handoff == nil || tl[0].Handoff.Brief.TechnicalStatus != "failover in progress" {
			t.Fatalf("timeline = %+v %v", tl, err)
		}
		got, err := st.FindIncident(e.ctx, inc.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if got.Holder(warroom.RoleIncidentCommander) != e.users["dan"].ID || got.Holder(warroom.RoleTechnicalLead) != e.users["eve"].ID ||
			got.Holder(warroom.RoleIncidentOwner) != e.users["ada"].ID {
			t.Errorf("roles = %v", got.Roles)
		}
		for _, h := range []string{"dan", "eve", "zed"} {
			e.must(e.svc.AcknowledgeHandoff(e.ctx, e.a(h), inc.Ref, warroom.Idempotency{}))
		}

		// handoff+30 through the store: ada (outgoing Technical Lead)
		// may note but not act after the grace.
		e.clock.Advance(31 * time.Minute)
		_, err = e.inc.Execute(e.ctx, ada, inc.Ref, warroom.AddEntry{Type: warroom.EntryAction, Text: "restart db"}, warroom.Idempotency{})
		wantCode(t, err, warroom.EForbidden, "handoff+30")
		e.must(e.inc.Execute(e.ctx, ada, inc.Ref, warroom.AddEntry{Type: warroom.EntryNote, Text: "the db password is in the vault"}, warroom.Idempotency{}))
	})
}

func TestHiddenIncidentAsksNothing(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		inc := e.declare(true)
		zed := e.a("zed")
		for name, call := range map[string]func() error{
			"handoff": func() error { _, err := e.svc.Handoff(e.ctx, zed, inc.Ref); return err },
			"start": func() error {
				_, err := e.svc.StartHandoff(e.ctx, zed, inc.Ref, "@nobody", warroom.Idempotency{})
				return err
			},
			"silences": func() error { _, err := e.svc.CheckSilences(e.ctx, zed, inc.Ref); return err },
			"baseline": func() error {
				_, err := e.svc.CompleteBaseline(e.ctx, zed, inc.Ref, warroom.BaselineChecklist{}, "", warroom.Idempotency{})
				return err
			},
			"follow-up": func() error {
				_, err := e.svc.DraftFollowUp(e.ctx, zed, inc.Ref, "x", "@nobody", warroom.Idempotency{})
				return err
			},
		} {
			if err := call(); warroom.ErrorCode(err) != warroom.ENotFound {
				t.Errorf("%s: %v, want not found", name, err)
			}
		}
		if e.am.calls != 0 {
			t.Errorf("Alertmanager was asked %d times about a hidden incident", e.am.calls)
		}
	})
}

func TestBaselineSilenceCheck(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		inc := e.declare(false)
		bob := e.a("bob")
		// The incident's alert, attached as paging attaches them.
		svc := &warroom.Service{Slug: "checkout", Name: "Checkout"}
		if err := st.CreateService(e.ctx, svc); err != nil {
			t.Fatal(err)
		}
		in := &warroom.Integration{ServiceID: svc.ID, Kind: warroom.IntegrationWebhook, Name: "am"}
		if err := st.CreateIntegration(e.ctx, in, warroom.HashTokenSecret("k")); err != nil {
			t.Fatal(err)
		}
		res, err := st.IngestAlerts(e.ctx, []warroom.IngestRequest{{Integration: in, ReceivedAt: t0, Updates: []warroom.AlertUpdate{{Action: "trigger",
			Alert: warroom.Alert{DedupKey: "fp1", Severity: "critical", Summary: "checkout errors", Labels: map[string]string{"alertname": "CheckoutErrors", "env": "production"}}}}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpdateAlert(e.ctx, res[0][0].AlertID, t0, func(a *warroom.Alert) error { a.IncidentID = inc.ID; return nil }); err != nil {
			t.Fatal(err)
		}
		for _, s := range []warroom.Stage{warroom.StageRecovered, warroom.StageBaseline} {
			e.must(e.inc.Execute(e.ctx, bob, inc.Ref, warroom.ChangeStage{Stage: s}, warroom.Idempotency{}))
		}
		all := warroom.BaselineChecklist{ResilienceRestored: true, ChangesPersisted: true, MonitoringBaseline: true}

		// A plain stage change is refused: the gate.
		_, err = e.inc.Execute(e.ctx, bob, inc.Ref, warroom.ChangeStage{Stage: warroom.StageResolved}, warroom.Idempotency{})
		wantCode(t, err, warroom.EConflict, "the return to baseline is checked before")

		// A matching active silence remains (the expired one and a
		// non-matching one do not count).
		nonMatching := strings.Replace(silence("other", "active"), "Checkout.*", "Billing.*", 1)
		e.am.set("["+silence("s-active", "active")+","+silence("s-expired", "expired")+","+nonMatching+"]", false)
		check, err := e.svc.CheckSilences(e.ctx, bob, inc.Ref)
		if err != nil || check.Alerts != 1 || len(check.Matching) != 1 || check.Matching[0].ID != "s-active" {
			t.Fatalf("check = %+v, %v", check, err)
		}
		_, err = e.svc.CompleteBaseline(e.ctx, bob, inc.Ref, all, "", warroom.Idempotency{})
		wantCode(t, err, warroom.EConflict, `active silence s-active {alertname=~"Checkout.*", env!="staging"} on `+e.am.URL)

		// Alertmanager unreachable: the check says so, an override is needed.
		e.am.set("[]", true)
		_, err = e.svc.CompleteBaseline(e.ctx, bob, inc.Ref, all, "", warroom.Idempotency{})
		wantCode(t, err, warroom.EConflict, "Alertmanager "+e.am.URL+" could not be asked for silences (HTTP 503: no cluster peers)")
		got, _ := st.FindIncident(e.ctx, inc.Ref)
		if got.Stage != warroom.StageBaseline {
			t.Fatalf("a refused check wrote: stage %s", got.Stage)
		}

		// The silence removed and Alertmanager back: it completes.
		e.am.set("["+silence("s-expired", "expired")+"]", false)
		done := e.must(e.svc.CompleteBaseline(e.ctx, bob, inc.Ref, all, "", warroom.Idempotency{}))
		if done.Incident.Stage != warroom.StageResolved || done.Incident.Baseline.Silences.Alerts != 1 || done.Incident.TimelineSession == nil {
			t.Fatalf("after = %+v", done.Incident)
		}
		e.must(e.svc.DraftFollowUp(e.ctx, bob, inc.Ref, "alert on failover lag", "@ada", warroom.Idempotency{}))
		_, err = e.svc.DraftFollowUp(e.ctx, bob, inc.Ref, "x", "@nobody", warroom.Idempotency{})
		wantCode(t, err, warroom.EInvalid, `no user "nobody"`)
	})
}

func TestBaselineOverrideGoesOnTheTimeline(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		inc := e.declare(false)
		bob := e.a("bob")
		for _, s := range []warroom.Stage{warroom.StageRecovered, warroom.StageBaseline} {
			e.must(e.inc.Execute(e.ctx, bob, inc.Ref, warroom.ChangeStage{Stage: s}, warroom.Idempotency{}))
		}
		e.am.Close() // unreachable
		all := warroom.BaselineChecklist{ResilienceRestored: true, ChangesPersisted: true, MonitoringBaseline: true}
		res := e.must(e.svc.CompleteBaseline(e.ctx, bob, inc.Ref, all, "Alertmanager replaced today; silences checked by hand", warroom.Idempotency{}))
		line := warroom.Describe(&res.Events[0], func(id string) string { return id })
		if !strings.Contains(line, "OVERRIDDEN (Alertmanager replaced today; silences checked by hand) despite: Alertmanager") {
			t.Errorf("timeline line = %q", line)
		}
		if !strings.Contains(res.Events[1].Reason, "silence check overridden: Alertmanager replaced today") {
			t.Errorf("stage reason = %q", res.Events[1].Reason)
		}
	})
}
