package warroom_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestSilenceMatches(t *testing.T) {
	alert := map[string]string{"alertname": "CheckoutErrors", "service": "checkout", "severity": "critical"}
	m := func(name, value string, regex, equal bool) warroom.SilenceMatcher {
		return warroom.SilenceMatcher{Name: name, Value: value, IsRegex: regex, IsEqual: equal}
	}
	tests := []struct {
		name     string
		matchers []warroom.SilenceMatcher
		want     bool
	}{
		{"equal", []warroom.SilenceMatcher{m("service", "checkout", false, true)}, true},
		{"every matcher must match", []warroom.SilenceMatcher{m("service", "checkout", false, true), m("severity", "warning", false, true)}, false},
		{"not equal", []warroom.SilenceMatcher{m("service", "billing", false, false)}, true},
		{"not equal, same value", []warroom.SilenceMatcher{m("service", "checkout", false, false)}, false},
		{"regex is anchored", []warroom.SilenceMatcher{m("service", "check", true, true)}, false},
		{"regex", []warroom.SilenceMatcher{m("service", "check.*|billing", true, true)}, true},
		{"negative regex", []warroom.SilenceMatcher{m("alertname", "Checkout.*", true, false)}, false},
		{"missing label is empty", []warroom.SilenceMatcher{m("cluster", "", false, true)}, true},
		{"missing label against a value", []warroom.SilenceMatcher{m("cluster", "eu-1", false, true)}, false},
		{"no matchers silence nothing", nil, false},
		{"bad regex matches nothing", []warroom.SilenceMatcher{m("service", "(", true, true)}, false},
	}
	for _, tt := range tests {
		s := warroom.Silence{ID: "s", State: "active", Matchers: tt.matchers}
		if got := s.Matches(alert); got != tt.want {
			t.Errorf("%s: Matches = %v, want %v", tt.name, got, tt.want)
		}
	}
	silences := []warroom.Silence{
		{ID: "active-match", State: "active", Matchers: []warroom.SilenceMatcher{m("service", "checkout", false, true)}},
		{ID: "expired-match", State: "expired", Matchers: []warroom.SilenceMatcher{m("service", "checkout", false, true)}},
		{ID: "pending-match", State: "pending", Matchers: []warroom.SilenceMatcher{m("service", "checkout", false, true)}},
		{ID: "active-other", State: "active", Matchers: []warroom.SilenceMatcher{m("service", "billing", false, true)}},
	}
	got := warroom.ActiveMatching(silences, []map[string]string{{"service": "search"}, alert})
	if len(got) != 1 || got[0].ID != "active-match" {
		t.Fatalf("ActiveMatching = %+v", got)
	}
	if s := m("a", "b", true, false).String(); s != `a!~"b"` {
		t.Errorf("String = %s", s)
	}
}

// baselineRun is an incident in the baseline stage with the gate on.
func baselineRun(t *testing.T) *run {
	p := warroom.DefaultPolicy()
	p.BaselineGate = true
	r := declareRun(t, decl(), ada, at(0), p)
	r.do(ada, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: bob.UserID}, at(time.Minute))
	r.stageTo(warroom.StageBaseline, ada, at(time.Hour))
	return r
}

func TestCompleteBaseline(t *testing.T) {
	now := at(3 * time.Hour)
	all := warroom.BaselineChecklist{ResilienceRestored: true, ChangesPersisted: true, MonitoringBaseline: true}
	silenced := warroom.SilenceCheck{CheckedAt: now, Sources: []string{"http://am-1"}, Alerts: 2, Matching: []warroom.Silence{{
		ID: "abc", Source: "http://am-1", State: "active", EndsAt: at(24 * time.Hour),
		Matchers: []warroom.SilenceMatcher{{Name: "service", Value: "checkout", IsEqual: true}}}}}
	unreachable := warroom.SilenceCheck{CheckedAt: now, Sources: []string{"http://am-1"},
		Unreachable: map[string]string{"http://am-1": "connection refused"}}

	t.Run("gate refuses a plain stage change", func(t *testing.T) {
		r := baselineRun(t)
		_, err := r.try(bob, warroom.ChangeStage{Stage: warroom.StageResolved}, now)
		wantErr(t, err, warroom.EConflict, "", "the return to baseline is checked before INC-7 is resolved: complete it with its checklist and the silence check "+
			"(POST /api/v1/incidents/INC-7/baseline, or warroom baseline complete INC-7)")
		// Back to investigating stays possible.
		r.do(bob, warroom.ChangeStage{Stage: warroom.StageInvestigating}, now)
	})
	t.Run("checklist and silences missing", func(t *testing.T) {
		r := baselineRun(t)
		_, err := r.try(bob, warroom.CompleteBaseline{Checklist: warroom.BaselineChecklist{ResilienceRestored: true}, Silences: &silenced}, now)
		wantErr(t, err, warroom.EConflict, "", "the return to baseline cannot complete; missing: "+
			"manual changes persisted as configuration (changes_persisted); monitoring back to baseline (monitoring_baseline); "+
			`active silence abc {service="checkout"} on http://am-1 until 2025-03-11 09:00 UTC matches the incident's alerts; `+
			"remove the silences, or override with a reason (override_reason)")
	})
	t.Run("unreachable needs an override", func(t *testing.T) {
		r := baselineRun(t)
		_, err := r.try(bob, warroom.CompleteBaseline{Checklist: all, Silences: &unreachable}, now)
		wantErr(t, err, warroom.EConflict, "", "the return to baseline cannot complete; missing: "+
			"Alertmanager http://am-1 could not be asked for silences (connection refused): the silences are unchecked; "+
			"remove the silences, or override with a reason (override_reason)")
		evs := r.do(bob, warroom.CompleteBaseline{Checklist: all, Silences: &unreachable, OverrideReason: "Alertmanager is being upgraded; checked by hand"}, now)
		if got := types(evs); !slices.Equal(got, []warroom.EventType{warroom.EventBaselineChecked, warroom.EventStageChanged, warroom.EventTimelineSessionProposed}) {
			t.Fatalf("events = %v", got)
		}
		if d := warroom.Describe(&evs[0], handle); !strings.Contains(d, "OVERRIDDEN (Alertmanager is being upgraded; checked by hand) despite: Alertmanager http://am-1 could not be asked") {
			t.Errorf("timeline line = %q", d)
		}
		if r.inc.Stage != warroom.StageResolved || r.inc.Baseline == nil || r.inc.Baseline.OverrideReason == "" {
			t.Errorf("state = %s %+v", r.inc.Stage, r.inc.Baseline)
		}
	})
	t.Run("clear", func(t *testing.T) {
		r := baselineRun(t)
		clear := warroom.SilenceCheck{CheckedAt: now, Sources: []string{"http://am-1"}, Alerts: 2}
		evs := r.do(bob, warroom.CompleteBaseline{Checklist: all, Silences: &clear}, now)
		if evs[1].Reason != "return to baseline checked" {
			t.Errorf("stage reason = %q", evs[1].Reason)
		}
		// The timeline session is proposed: a break, then 30 minutes with
		// the main roles (IC bob; ada owns and leads).
		s := r.inc.TimelineSession
		if s == nil || !s.Start.Equal(now.Add(time.Hour)) || s.Length != 30*time.Minute || !slices.Equal(s.Attendees, []string{bob.UserID, ada.UserID}) {
			t.Fatalf("session = %+v", s)
		}
		if d := warroom.Describe(&evs[2], handle); d != "timeline session proposed: 30m at 13:00 UTC with @bob, @ada — take a break, then build the initial timeline and draft follow-ups" {
			t.Errorf("proposal = %q", d)
		}
	})
	t.Run("only from baseline", func(t *testing.T) {
		r := declareRun(t, decl(), ada, at(0), warroom.DefaultPolicy())
		_, err := r.try(ada, warroom.CompleteBaseline{Checklist: all, Silences: &warroom.SilenceCheck{}}, now)
		wantErr(t, err, warroom.EConflict, "", "INC-7 is declared: the return to baseline is completed from the baseline stage")
	})
	t.Run("gate off", func(t *testing.T) {
		r := declareRun(t, decl(), ada, at(0), warroom.DefaultPolicy())
		r.stageTo(warroom.StageResolved, ada, at(time.Hour))
	})
}

func TestDraftFollowUp(t *testing.T) {
	r := newRun(t)
	r.do(ada, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: bob.UserID}, at(time.Minute))
	r.do(bob, warroom.DraftFollowUp{Title: "  alert on pool saturation  ", ProposedOwner: ada.UserID}, at(time.Hour))
	r.do(ada, warroom.DraftFollowUp{Title: "runbook for pool resize"}, at(time.Hour))
	got := r.inc.DraftFollowUps
	if len(got) != 2 || got[0].Title != "alert on pool saturation" || got[0].ProposedOwner != ada.UserID || got[0].DraftedBy != bob.UserID || got[1].ProposedOwner != "" {
		t.Fatalf("drafts = %+v", got)
	}
	if d := warroom.Describe(&r.events[len(r.events)-2], handle); d != "follow-up drafted: alert on pool saturation (proposed owner @ada)" {
		t.Errorf("line = %q", d)
	}
	_, err := r.try(ada, warroom.DraftFollowUp{Title: " "}, at(time.Hour))
	wantErr(t, err, warroom.EInvalid, "title", "title is required")
	_, err = r.try(ada, warroom.DraftFollowUp{Title: "x", ProposedOwner: dan.UserID}, at(time.Hour))
	wantErr(t, err, warroom.EInvalid, "proposed_owner", "the proposed owner does not take part in INC-7: add them first")
	_, err = r.try(vic, warroom.DraftFollowUp{Title: "x"}, at(time.Hour))
	wantErr(t, err, warroom.EForbidden, "", "")
}
