package warroom_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// allowed is the lifecycle as the process describes it, written out
// independently of the code's table.
var allowed = map[warroom.Stage][]warroom.Stage{
	warroom.StageDeclared:      {warroom.StageInvestigating, warroom.StageIdentified, warroom.StageMitigated, warroom.StageRecovered},
	warroom.StageInvestigating: {warroom.StageIdentified, warroom.StageMitigated, warroom.StageRecovered},
	warroom.StageIdentified:    {warroom.StageInvestigating, warroom.StageMitigated, warroom.StageRecovered},
	warroom.StageMitigated:     {warroom.StageInvestigating, warroom.StageIdentified, warroom.StageRecovered},
	warroom.StageRecovered:     {warroom.StageBaseline, warroom.StageInvestigating},
	warroom.StageBaseline:      {warroom.StageResolved, warroom.StageInvestigating},
	warroom.StageResolved:      {warroom.StageClosed},
	warroom.StageClosed:        nil,
}

func joined(ss []warroom.Stage) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}

func TestStagesOrder(t *testing.T) {
	want := []warroom.Stage{"declared", "investigating", "identified", "mitigated", "recovered", "baseline", "resolved", "closed"}
	if !reflect.DeepEqual(warroom.Stages, want) {
		t.Fatalf("Stages = %v, want %v", warroom.Stages, want)
	}
}

func TestCheckTransitionEveryPair(t *testing.T) {
	for _, from := range warroom.Stages {
		for _, to := range warroom.Stages {
			t.Run(string(from)+"->"+string(to), func(t *testing.T) {
				err := warroom.CheckTransition(from, to)
				if slices.Contains(allowed[from], to) {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				var msg string
				switch from {
				case warroom.StageClosed:
					msg = "the incident is closed and can move to no other stage"
				case warroom.StageResolved:
					msg = "the incident is resolved; it can move to: closed, or be reopened"
				default:
					msg = fmt.Sprintf("the incident is %s and cannot move to %s; allowed next: %s", from, to, joined(allowed[from]))
				}
				wantErr(t, err, warroom.EConflict, "", msg)
			})
		}
	}
}

func TestCheckTransitionUnknownStage(t *testing.T) {
	for _, to := range []warroom.Stage{"", "done", "Closed"} {
		t.Run(string(to), func(t *testing.T) {
			wantErr(t, warroom.CheckTransition(warroom.StageDeclared, to), warroom.EInvalid, "stage",
				fmt.Sprintf("unknown stage %q; stages are declared, investigating, identified, mitigated, recovered, baseline, resolved, closed", to))
		})
	}
}

func TestNextStages(t *testing.T) {
	for _, s := range warroom.Stages {
		t.Run(string(s), func(t *testing.T) {
			got := warroom.NextStages(s)
			if !slices.Equal(got, allowed[s]) {
				t.Fatalf("NextStages = %v, want %v", got, allowed[s])
			}
			if len(got) > 0 {
				got[0] = "mangled"
				if again := warroom.NextStages(s); !slices.Equal(again, allowed[s]) {
					t.Fatalf("NextStages shares its slice: now %v", again)
				}
			}
		})
	}
}

func TestStagePredicates(t *testing.T) {
	tests := []struct {
		stage                  warroom.Stage
		valid, open, recovered bool
	}{
		{warroom.StageDeclared, true, true, false},
		{warroom.StageInvestigating, true, true, false},
		{warroom.StageIdentified, true, true, false},
		{warroom.StageMitigated, true, true, false},
		{warroom.StageRecovered, true, true, true},
		{warroom.StageBaseline, true, true, true},
		{warroom.StageResolved, true, false, true},
		{warroom.StageClosed, true, false, true},
	}
	for _, bad := range []warroom.Stage{"", "bogus", "Closed"} {
		if bad.Valid() {
			t.Errorf("%q is valid", bad)
		}
	}
	for _, tt := range tests {
		t.Run(string(tt.stage), func(t *testing.T) {
			if got := tt.stage.Valid(); got != tt.valid {
				t.Errorf("Valid = %v, want %v", got, tt.valid)
			}
			if got := tt.stage.Open(); got != tt.open {
				t.Errorf("Open = %v, want %v", got, tt.open)
			}
			if got := tt.stage.Recovered(); got != tt.recovered {
				t.Errorf("Recovered = %v, want %v", got, tt.recovered)
			}
		})
	}
}

func TestChangeStageCommand(t *testing.T) {
	t.Run("records from, to and reason", func(t *testing.T) {
		r := newRun(t)
		evs := r.do(bob, warroom.ChangeStage{Stage: warroom.StageMitigated, Reason: "traffic drained to eu-west"}, at(5*time.Minute))
		if len(evs) != 1 {
			t.Fatalf("events = %v", types(evs))
		}
		e := evs[0]
		if e.Type != warroom.EventStageChanged || e.FromStage != warroom.StageDeclared || e.Stage != warroom.StageMitigated ||
			e.Reason != "traffic drained to eu-west" || e.Seq != 5 || e.ActorID != bob.UserID || !e.At.Equal(at(5*time.Minute)) {
			t.Fatalf("event = %+v", e)
		}
		if got, want := warroom.Describe(&e, handle), "stage declared → mitigated: traffic drained to eu-west (decided by @bob)"; got != want {
			t.Errorf("Describe = %q, want %q", got, want)
		}
		if r.inc.Stage != warroom.StageMitigated {
			t.Errorf("stage = %s", r.inc.Stage)
		}
	})
	t.Run("refused transition", func(t *testing.T) {
		r := newRun(t)
		_, err := r.try(bob, warroom.ChangeStage{Stage: warroom.StageResolved}, at(time.Minute))
		wantErr(t, err, warroom.EConflict, "",
			"the incident is declared and cannot move to resolved; allowed next: investigating, identified, mitigated, recovered")
		if r.inc.Version != 4 {
			t.Errorf("version = %d, want 4", r.inc.Version)
		}
	})
	t.Run("reason too long", func(t *testing.T) {
		r := newRun(t)
		_, err := r.try(bob, warroom.ChangeStage{Stage: warroom.StageInvestigating, Reason: strings.Repeat("x", 4001)}, at(time.Minute))
		wantErr(t, err, warroom.EInvalid, "reason", "reason must be at most 4000 characters")
	})
}

func TestStageTimesKeepFirstReach(t *testing.T) {
	r := newRun(t)
	steps := []struct {
		stage warroom.Stage
		after time.Duration
	}{
		{warroom.StageInvestigating, 10 * time.Minute},
		{warroom.StageIdentified, 20 * time.Minute},
		{warroom.StageInvestigating, 30 * time.Minute},
		{warroom.StageMitigated, 40 * time.Minute},
		{warroom.StageRecovered, time.Hour},
		{warroom.StageInvestigating, 70 * time.Minute}, // impact came back
		{warroom.StageRecovered, 90 * time.Minute},
		{warroom.StageBaseline, 2 * time.Hour},
		{warroom.StageResolved, 3 * time.Hour},
		{warroom.StageClosed, 3*time.Hour + 30*time.Minute},
	}
	for _, s := range steps {
		r.do(ada, warroom.ChangeStage{Stage: s.stage}, at(s.after))
	}
	want := map[warroom.Stage]time.Time{
		warroom.StageDeclared:      at(0),
		warroom.StageInvestigating: at(10 * time.Minute),
		warroom.StageIdentified:    at(20 * time.Minute),
		warroom.StageMitigated:     at(40 * time.Minute),
		warroom.StageRecovered:     at(time.Hour),
		warroom.StageBaseline:      at(2 * time.Hour),
		warroom.StageResolved:      at(3 * time.Hour),
		warroom.StageClosed:        at(3*time.Hour + 30*time.Minute),
	}
	if !reflect.DeepEqual(r.inc.StageTimes, want) {
		t.Fatalf("StageTimes = %v\nwant %v", r.inc.StageTimes, want)
	}
}

func TestClosedIsTerminal(t *testing.T) {
	for _, to := range warroom.Stages {
		t.Run(string(to), func(t *testing.T) {
			r := newRun(t)
			r.stageTo(warroom.StageClosed, ada, at(time.Minute))
			_, err := r.try(ada, warroom.ChangeStage{Stage: to}, at(time.Hour))
			wantErr(t, err, warroom.EConflict, "", "INC-7 is closed; only notes, stars and corrections can be added")
		})
	}
	t.Run("reopen", func(t *testing.T) {
		r := newRun(t)
		r.stageTo(warroom.StageClosed, ada, at(time.Minute))
		_, err := r.try(ada, warroom.Reopen{Reason: "it is back"}, at(time.Hour))
		wantErr(t, err, warroom.EConflict, "", "INC-7 is closed; only notes, stars and corrections can be added")
	})
}

func TestReopen(t *testing.T) {
	for _, from := range warroom.Stages {
		if from == warroom.StageClosed {
			continue // TestClosedIsTerminal
		}
		t.Run("from "+string(from), func(t *testing.T) {
			r := newRun(t)
			r.stageTo(from, ada, at(time.Minute))
			evs, err := r.try(bob, warroom.Reopen{Reason: "errors are back"}, at(time.Hour))
			if from != warroom.StageResolved {
				wantErr(t, err, warroom.EConflict, "", "only a resolved incident can be reopened; INC-7 is "+string(from))
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 1 {
				t.Fatalf("events = %v", types(evs))
			}
			e := evs[0]
			if e.Type != warroom.EventReopened || e.FromStage != warroom.StageResolved || e.Stage != warroom.StageInvestigating || e.Reason != "errors are back" {
				t.Fatalf("event = %+v", e)
			}
			if got, want := warroom.Describe(&e, handle), "incident reopened: errors are back (decided by @bob)"; got != want {
				t.Errorf("Describe = %q, want %q", got, want)
			}
			if r.inc.Stage != warroom.StageInvestigating || r.inc.Reopened != 1 {
				t.Fatalf("stage %s reopened %d", r.inc.Stage, r.inc.Reopened)
			}
			// investigating was never reached before: the reopen is its first time.
			if got := r.inc.StageTimes[warroom.StageInvestigating]; !got.Equal(at(time.Hour)) {
				t.Errorf("StageTimes[investigating] = %v, want %v", got, at(time.Hour))
			}
			// resolved keeps its first time when reached again, and a second reopen counts.
			resolvedAt := r.inc.StageTimes[warroom.StageResolved]
			r.do(bob, warroom.ChangeStage{Stage: warroom.StageRecovered}, at(2*time.Hour))
			r.do(bob, warroom.ChangeStage{Stage: warroom.StageBaseline}, at(2*time.Hour+time.Minute))
			r.do(bob, warroom.ChangeStage{Stage: warroom.StageResolved}, at(2*time.Hour+2*time.Minute))
			r.do(bob, warroom.Reopen{Reason: "again"}, at(3*time.Hour))
			if r.inc.Reopened != 2 {
				t.Errorf("Reopened = %d, want 2", r.inc.Reopened)
			}
			if got := r.inc.StageTimes[warroom.StageResolved]; !got.Equal(resolvedAt) {
				t.Errorf("StageTimes[resolved] = %v, want first %v", got, resolvedAt)
			}
			if got := r.inc.StageTimes[warroom.StageInvestigating]; !got.Equal(at(time.Hour)) {
				t.Errorf("StageTimes[investigating] = %v, want first %v", got, at(time.Hour))
			}
		})
	}
	t.Run("needs a reason", func(t *testing.T) {
		for _, reason := range []string{"", "   "} {
			r := newRun(t)
			r.stageTo(warroom.StageResolved, ada, at(time.Minute))
			_, err := r.try(bob, warroom.Reopen{Reason: reason}, at(time.Hour))
			wantErr(t, err, warroom.EInvalid, "reason", "reason is required")
		}
	})
}
