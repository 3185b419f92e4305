package warroom_test

import (
	"slices"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestAssess: answers are merged, the assessment completes when all three
// are answered, an earlier start corrects the impact start, and bad
// answers are refused.
func TestAssess(t *testing.T) {
	r := newRun(t)
	if got := warroom.Unanswered(r.inc); !slices.Equal(got, []string{"who_affected", "actual_impact", "started_at"}) {
		t.Fatalf("unanswered at declaration: %v", got)
	}
	r.do(ada, warroom.Assess{WhoAffected: "all EU customers"}, at(time.Minute))
	if got := warroom.Unanswered(r.inc); !slices.Equal(got, []string{"actual_impact", "started_at"}) || r.inc.Assessment.AnsweredAt != nil {
		t.Fatalf("after one answer: %v %+v", got, r.inc.Assessment)
	}
	evs := r.do(bob, warroom.Assess{ActualImpact: "logins fail", StartedAt: tp(-20 * time.Minute)}, at(3*time.Minute))
	if !slices.Equal(types(evs), []warroom.EventType{warroom.EventAssessed, warroom.EventImpactStartCorrected}) {
		t.Errorf("events %v", types(evs))
	}
	a := r.inc.Assessment
	if len(warroom.Unanswered(r.inc)) != 0 || a.WhoAffected != "all EU customers" || a.AnsweredAt == nil || !a.AnsweredAt.Equal(at(3*time.Minute)) ||
		!r.inc.ImpactStartedAt.Equal(at(-20*time.Minute)) {
		t.Errorf("complete assessment %+v, impact start %s", a, r.inc.ImpactStartedAt)
	}
	r.do(ada, warroom.Assess{WhoAffected: "EU and US customers"}, at(10*time.Minute))
	if !r.inc.Assessment.AnsweredAt.Equal(at(3*time.Minute)) || r.inc.Assessment.WhoAffected != "EU and US customers" {
		t.Errorf("revisited: %+v", r.inc.Assessment)
	}
	for _, c := range []struct {
		cmd   warroom.Assess
		field string
	}{
		{warroom.Assess{}, "who_affected"},
		{warroom.Assess{StartedAt: tp(time.Hour)}, "started_at"},
		{warroom.Assess{StartedAt: tp(5 * time.Minute)}, "started_at"}, // after detection (declaration at base)
	} {
		_, err := r.try(ada, c.cmd, at(11*time.Minute))
		if warroom.ErrorCode(err) != warroom.EInvalid || warroom.ErrorField(err) != c.field {
			t.Errorf("%+v: %v", c.cmd, err)
		}
	}
	if _, err := r.try(vic, warroom.Assess{WhoAffected: "x"}, at(11*time.Minute)); warroom.ErrorCode(err) != warroom.EForbidden {
		t.Errorf("viewer: %v", err)
	}
	if due := warroom.AssessDueAt(r.inc, r.p); !due.Equal(at(5 * time.Minute)) {
		t.Errorf("assess due %s", due)
	}
}

// TestRequestHelp: a target and a reason are required; the event says
// whom and why.
func TestRequestHelp(t *testing.T) {
	r := newRun(t)
	tgt := warroom.HelpTarget{Type: warroom.HelpTeam, ID: "t-db", Name: "dba"}
	evs := r.do(ada, warroom.RequestHelp{Reason: "not sure how to fix it", Target: tgt}, at(time.Minute))
	if e := evs[0]; e.Type != warroom.EventHelpRequested || *e.HelpTarget != tgt || e.Reason != "not sure how to fix it" {
		t.Errorf("event %+v", e)
	}
	if _, err := r.try(ada, warroom.RequestHelp{Target: tgt}, at(time.Minute)); warroom.ErrorField(err) != "reason" {
		t.Errorf("no reason: %v", err)
	}
	if _, err := r.try(ada, warroom.RequestHelp{Reason: "x"}, at(time.Minute)); warroom.ErrorField(err) != "team" {
		t.Errorf("no target: %v", err)
	}
	r.stageTo(warroom.StageResolved, ada, at(2*time.Minute))
	if _, err := r.try(ada, warroom.RequestHelp{Reason: "x", Target: tgt}, at(10*time.Minute)); warroom.ErrorCode(err) != warroom.EConflict {
		t.Errorf("resolved incident: %v", err)
	}
}
