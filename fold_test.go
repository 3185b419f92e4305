package warroom_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// story runs a long incident through every kind of command and returns it.
func story(t *testing.T) *run {
	t.Helper()
	d := decl()
	d.Impact = warroom.Impact{Description: "checkout fails", Customers: []string{"acme"}, UsersPercent: 30, Frequency: warroom.FrequencyIntermittent, CustomerImpact: true}
	d.DetectedAt, d.ImpactStartedAt = tp(-5*time.Minute), tp(-20*time.Minute)
	r := declareRun(t, d, ada, at(0), warroom.DefaultPolicy())
	m := func(n int) time.Time { return at(time.Duration(n) * time.Minute) }
	r.do(ada, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: bob.UserID, UserTeamID: bob.TeamID}, m(8))
	r.do(bob, warroom.AssignRole{Role: warroom.RoleScribe, UserID: cy.UserID, UserTeamID: cy.TeamID}, m(9))
	r.do(bob, warroom.ChangeStage{Stage: warroom.StageInvestigating}, m(10))
	r.do(ada, warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "bad deploy"}, m(11))
	r.do(ada, warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "db locks"}, m(12))
	r.do(cy, warroom.AssignRole{Role: warroom.RoleParallelInvestigator, UserID: cy.UserID, UserTeamID: cy.TeamID}, m(13))
	r.do(dan, warroom.AssignRole{Role: warroom.RoleParallelInvestigator, UserID: dan.UserID, UserTeamID: dan.TeamID}, m(14)) // second team: major
	r.do(dan, warroom.UpdateHypothesis{Ref: r.inc.Hypotheses[1].Seq, Status: warroom.HypothesisEliminated, Evidence: "no lock waits"}, m(20))
	r.do(ada, warroom.AddEntry{Type: warroom.EntryDecision, Text: "roll back", Reason: "errors began with the deploy", TradeOff: "feature off"}, m(21))
	r.do(ada, warroom.AddEntry{Type: warroom.EntryLink, URL: "https://grafana.example.com/d/1", Title: "errors"}, m(22))
	r.do(bob, warroom.Star{Ref: 5, Starred: true}, m(23))
	r.do(bob, warroom.Star{Ref: 12, Starred: true}, m(23))
	r.do(bob, warroom.Star{Ref: 5, Starred: false}, m(24))
	r.do(bob, warroom.ChangeSeverity{Severity: warroom.SEV2, Reason: "more customers"}, m(25))
	r.do(bob, warroom.ChangeImpact{Impact: warroom.Impact{Description: "all of EU", Customers: []string{"acme", "globex"}, UsersPercent: 60, CustomerImpact: true, SLAImpact: true}}, m(26))
	r.do(bob, warroom.CorrectImpactStart{At: at(-40 * time.Minute), Reason: "first errors in the logs"}, m(27))
	r.do(bob, warroom.UpdateDetails{Title: "Checkout down in EU", Summary: "rollback under way"}, m(28))
	r.do(bob, warroom.SetPrivacy{Private: true, Reason: "security angle"}, m(29))
	r.do(bob, warroom.AddParticipant{UserID: "u-eve", UserTeamID: "t-sec"}, m(30))
	r.do(ada, warroom.UpdateHypothesis{Ref: r.inc.Hypotheses[0].Seq, Status: warroom.HypothesisConfirmed, Evidence: "rollback fixed it"}, m(40))
	r.do(bob, warroom.ChangeStage{Stage: warroom.StageRecovered}, m(41))
	r.do(cy, warroom.ReleaseRole{Role: warroom.RoleScribe}, m(42))
	r.do(bob, warroom.AssignRole{Role: warroom.RoleIncidentOwner, UserID: cy.UserID, UserTeamID: cy.TeamID, Reason: "ada on leave"}, m(43))
	r.do(bob, warroom.ChangeStage{Stage: warroom.StageBaseline}, m(50))
	r.do(bob, warroom.ChangeStage{Stage: warroom.StageResolved}, m(60))
	r.do(ada, warroom.Reopen{Reason: "errors again"}, m(70))
	r.do(ada, warroom.Correct{Ref: 6, Text: "typo"}, m(71))
	r.do(bob, warroom.ChangeStage{Stage: warroom.StageRecovered}, m(80))
	r.do(bob, warroom.ChangeStage{Stage: warroom.StageBaseline}, m(81))
	r.do(bob, warroom.ChangeStage{Stage: warroom.StageResolved}, m(82))
	r.do(bob, warroom.ChangeStage{Stage: warroom.StageClosed}, m(90))
	r.do(cy, warroom.AddEntry{Type: warroom.EntryNote, Text: "postmortem booked"}, m(100))
	return r
}

func TestFoldEqualsIncremental(t *testing.T) {
	r := story(t)
	for i, e := range r.events {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
	}
	folded, err := warroom.Fold(r.events)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(folded, r.inc) {
		t.Fatalf("Fold =\n%+v\nincremental\n%+v", folded, r.inc)
	}
	// Spot-check the end state, so that both being wrong the same way fails too.
	inc := r.inc
	checks := []struct {
		name      string
		got, want any
	}{
		{"stage", inc.Stage, warroom.StageClosed},
		{"severity", inc.Severity, warroom.SEV2},
		{"title", inc.Title, "Checkout down in EU"},
		{"summary", inc.Summary, "rollback under way"},
		{"private", inc.Private, true},
		{"major", inc.Major, true},
		{"major reasons", inc.MajorReasons, []string{"2 teams are involved (more than 1)"}},
		{"major at", *inc.MajorAt, at(14 * time.Minute)},
		{"reopened", inc.Reopened, 1},
		{"impact start", inc.ImpactStartedAt, at(-40 * time.Minute)},
		{"detected", inc.DetectedAt, at(-5 * time.Minute)},
		{"impact users", inc.Impact.UsersPercent, 60.0},
		{"participants", inc.Participants, []string{"u-ada", "u-bob", "u-cy", "u-dan", "u-eve"}},
		{"teams", inc.ParticipantTeams, []string{"t-sre", "t-db", "t-sec"}},
		{"starred", inc.Starred, []int64{12}},
		{"roles", inc.Roles, map[warroom.Role][]string{
			warroom.RoleIncidentCommander:    {"u-bob"},
			warroom.RoleIncidentOwner:        {"u-cy"},
			warroom.RoleTechnicalLead:        {"u-ada"},
			warroom.RoleParallelInvestigator: {"u-cy", "u-dan"},
		}},
		{"hypotheses", inc.Hypotheses, []warroom.Hypothesis{
			{Seq: 8, Text: "bad deploy", Status: warroom.HypothesisConfirmed, Evidence: "rollback fixed it"},
			{Seq: 9, Text: "db locks", Status: warroom.HypothesisEliminated, Evidence: "no lock waits"},
		}},
		{"recovered first", inc.StageTimes[warroom.StageRecovered], at(41 * time.Minute)},
		{"closed", inc.StageTimes[warroom.StageClosed], at(90 * time.Minute)},
		{"version", inc.Version, int64(len(r.events))},
		{"updated", inc.UpdatedAt, at(100 * time.Minute)},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Fatalf("%s = %v, want %v", c.name, c.got, c.want)
			}
		})
	}
	t.Run("every prefix folds to its version", func(t *testing.T) {
		for n := 1; n <= len(r.events); n++ {
			inc, err := warroom.Fold(r.events[:n])
			if err != nil || inc.Version != int64(n) || !inc.UpdatedAt.Equal(r.events[n-1].At) {
				t.Fatalf("prefix %d: version %d err %v", n, inc.Version, err)
			}
		}
	})
	t.Run("empty", func(t *testing.T) {
		inc, err := warroom.Fold(nil)
		if err != nil || !reflect.DeepEqual(inc, &warroom.Incident{}) {
			t.Fatalf("Fold(nil) = %+v, %v", inc, err)
		}
	})
}

func TestApplyRefuses(t *testing.T) {
	r := newRun(t) // version 4
	note := func(seq int64) warroom.Event {
		return warroom.Event{IncidentID: "inc-1", Seq: seq, Type: warroom.EntryNote, At: at(time.Hour), Text: "x"}
	}
	tests := []struct {
		name  string
		inc   *warroom.Incident
		event warroom.Event
		msg   string
	}{
		{"gap", r.inc, note(6), "event 6 of incident inc-1 out of sequence after version 4"},
		{"repeat", r.inc, note(4), "event 4 of incident inc-1 out of sequence after version 4"},
		{"zero", r.inc, note(0), "event 0 of incident inc-1 out of sequence after version 4"},
		{"first is not a declaration", &warroom.Incident{}, note(1), "incident inc-1: first event is note, not incident.declared"},
		{"unknown type", r.inc, warroom.Event{IncidentID: "inc-1", Seq: 5, Type: "incident.exploded"}, `event 5 of incident inc-1 has unknown type "incident.exploded"`},
		{"declaration missing", &warroom.Incident{}, warroom.Event{IncidentID: "inc-1", Seq: 1, Type: warroom.EventDeclared}, "event 1 (incident.declared) of incident inc-1: declaration missing"},
		{"impact missing", r.inc, warroom.Event{IncidentID: "inc-1", Seq: 5, Type: warroom.EventImpactChanged}, "event 5 (impact.changed) of incident inc-1: impact missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, tt.inc)
			err := tt.inc.Apply(&tt.event)
			if err == nil || err.Error() != tt.msg {
				t.Fatalf("Apply error = %v, want %q", err, tt.msg)
			}
			if warroom.ErrorCode(err) != warroom.EInternal {
				t.Errorf("code = %q, want internal", warroom.ErrorCode(err))
			}
			if snapshot(t, tt.inc) != before {
				t.Fatal("a refused event changed the state")
			}
		})
	}
	t.Run("Fold stops at the first bad event", func(t *testing.T) {
		evs := append(append([]warroom.Event(nil), r.events...), note(7))
		inc, err := warroom.Fold(evs)
		if inc != nil || err == nil || err.Error() != "event 7 of incident inc-1 out of sequence after version 4" {
			t.Fatalf("Fold = %v, %v", inc, err)
		}
	})
}

func TestDecideNeverMutates(t *testing.T) {
	cmds := []struct {
		name string
		by   warroom.Actor
		cmd  warroom.Command
	}{
		{"note", ada, warroom.AddEntry{Type: warroom.EntryNote, Text: "x"}},
		{"new-team note (major)", dan, warroom.AddEntry{Type: warroom.EntryNote, Text: "x"}},
		{"stage", bob, warroom.ChangeStage{Stage: warroom.StageIdentified}},
		{"refused stage", bob, warroom.ChangeStage{Stage: warroom.StageClosed}},
		{"severity", bob, warroom.ChangeSeverity{Severity: warroom.SEV1}},
		{"impact", bob, warroom.ChangeImpact{Impact: warroom.Impact{Customers: []string{"initech"}}}},
		{"impact start", bob, warroom.CorrectImpactStart{At: at(-time.Hour), Reason: "logs"}},
		{"assign PI", cy, warroom.AssignRole{Role: warroom.RoleParallelInvestigator, UserID: cy.UserID, UserTeamID: cy.TeamID}},
		{"hand over IC", bob, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: cy.UserID}},
		{"hand over TL", bob, warroom.AssignRole{Role: warroom.RoleTechnicalLead, UserID: cy.UserID}},
		{"release PI", bob, warroom.ReleaseRole{Role: warroom.RoleParallelInvestigator, UserID: "u-pi1"}},
		{"release scribe", bob, warroom.ReleaseRole{Role: warroom.RoleScribe}},
		{"forbidden", cy, warroom.AssignRole{Role: warroom.RoleTechnicalLead, UserID: cy.UserID}},
		{"hypothesis", ada, warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "h2"}},
		{"eliminate", ada, warroom.UpdateHypothesis{Ref: 8, Status: warroom.HypothesisEliminated, Evidence: "e"}},
		{"star", ada, warroom.Star{Ref: 2, Starred: true}},
		{"unstar", ada, warroom.Star{Ref: 1, Starred: false}},
		{"correct", ada, warroom.Correct{Ref: 8, Text: "c"}},
		{"mark major", ada, warroom.MarkMajor{Reason: "r"}},
		{"privacy", ada, warroom.SetPrivacy{Private: true}},
		{"participant", ada, warroom.AddParticipant{UserID: "u-x", UserTeamID: "t-x"}},
		{"details", ada, warroom.UpdateDetails{Title: "new title"}},
		{"viewer", vic, warroom.AddEntry{Type: warroom.EntryNote, Text: "x"}},
	}
	for _, c := range cmds {
		t.Run(c.name, func(t *testing.T) {
			r := newRun(t)
			r.do(ada, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: bob.UserID, UserTeamID: bob.TeamID}, at(time.Minute))
			r.do(bob, warroom.AssignRole{Role: warroom.RoleScribe, UserID: ada.UserID}, at(time.Minute))
			r.do(bob, warroom.AssignRole{Role: warroom.RoleParallelInvestigator, UserID: "u-pi1", UserTeamID: "t-sre"}, at(time.Minute))
			r.do(ada, warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "h"}, at(2*time.Minute)) // #8
			r.do(ada, warroom.Star{Ref: 1, Starred: true}, at(2*time.Minute))
			r.do(ada, warroom.Star{Ref: 3, Starred: true}, at(2*time.Minute))
			before := snapshot(t, r.inc)
			clone := r.inc.Clone()
			_, _ = warroom.Decide(r.inc, c.by, c.cmd, at(time.Hour), r.p)
			if after := snapshot(t, r.inc); after != before {
				t.Fatalf("Decide changed the incident:\nbefore %s\nafter  %s", before, after)
			}
			if !reflect.DeepEqual(r.inc, clone) {
				t.Fatal("Decide changed the incident (deep compare)")
			}
		})
	}
}

func TestClone(t *testing.T) {
	r := story(t)
	before := snapshot(t, r.inc)
	c := r.inc.Clone()
	if !reflect.DeepEqual(c, r.inc) {
		t.Fatal("clone differs")
	}
	c.Roles[warroom.RoleParallelInvestigator][0] = "mangled"
	c.Participants[0] = "mangled"
	c.ParticipantTeams[0] = "mangled"
	c.StageTimes[warroom.StageDeclared] = time.Time{}
	c.Hypotheses[0].Text = "mangled"
	c.Starred[0] = 99
	c.MajorReasons[0] = "mangled"
	c.Impact.Customers[0] = "mangled"
	if snapshot(t, r.inc) != before {
		t.Fatal("changing the clone changed the original")
	}
}

func TestVisibility(t *testing.T) {
	tests := []struct {
		name    string
		private bool
		actor   warroom.Actor
		visible bool
		code    string // of Decide for a note
	}{
		{"public, responder", false, bob, true, ""},
		{"public, admin", false, root, true, ""},
		{"public, viewer", false, vic, true, warroom.EForbidden},
		{"private, participant", true, ada, true, ""},
		{"private, admin", true, root, true, ""},
		{"private, other responder", true, bob, false, warroom.ENotFound},
		{"private, viewer", true, vic, false, warroom.ENotFound},
		{"private, anonymous", true, warroom.Actor{}, false, warroom.ENotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decl()
			d.Private = tt.private
			r := declareRun(t, d, ada, at(0), warroom.DefaultPolicy())
			if got := r.inc.VisibleTo(tt.actor); got != tt.visible {
				t.Fatalf("VisibleTo = %v, want %v", got, tt.visible)
			}
			_, err := r.try(tt.actor, warroom.AddEntry{Type: warroom.EntryNote, Text: "x"}, at(time.Minute))
			switch tt.code {
			case "":
				if err != nil {
					t.Fatal(err)
				}
			case warroom.ENotFound:
				wantErr(t, err, warroom.ENotFound, "", "incident INC-7 not found")
			case warroom.EForbidden:
				wantErr(t, err, warroom.EForbidden, "", "viewers can read incidents but change nothing")
			}
		})
	}
	t.Run("a participant added sees it; a viewer still changes nothing", func(t *testing.T) {
		d := decl()
		d.Private = true
		r := declareRun(t, d, ada, at(0), warroom.DefaultPolicy())
		r.do(ada, warroom.AddParticipant{UserID: vic.UserID, UserTeamID: vic.TeamID}, at(time.Minute))
		r.do(ada, warroom.AddParticipant{UserID: bob.UserID, UserTeamID: bob.TeamID}, at(time.Minute))
		if !r.inc.VisibleTo(vic) || !r.inc.VisibleTo(bob) {
			t.Fatal("participants cannot see it")
		}
		_, err := r.try(vic, warroom.AddEntry{Type: warroom.EntryNote, Text: "x"}, at(2*time.Minute))
		wantErr(t, err, warroom.EForbidden, "", "viewers can read incidents but change nothing")
		r.do(bob, warroom.AddEntry{Type: warroom.EntryNote, Text: "x"}, at(2*time.Minute))
		_, err = r.try(bob, warroom.AddParticipant{UserID: vic.UserID}, at(3*time.Minute))
		wantErr(t, err, warroom.EConflict, "", "that person already takes part in INC-7")
		_, err = r.try(bob, warroom.AddParticipant{}, at(3*time.Minute))
		wantErr(t, err, warroom.EInvalid, "user", "say who joins")
	})
	t.Run("privacy changes", func(t *testing.T) {
		r := newRun(t)
		_, err := r.try(ada, warroom.SetPrivacy{Private: false}, at(time.Minute))
		wantErr(t, err, warroom.EConflict, "", "INC-7 is already public")
		evs := r.do(ada, warroom.SetPrivacy{Private: true, Reason: "security"}, at(time.Minute))
		if got, want := warroom.Describe(&evs[0], handle), "incident made private (decided by @ada)"; got != want {
			t.Errorf("Describe = %q, want %q", got, want)
		}
		if !r.inc.Private || r.inc.VisibleTo(bob) {
			t.Fatal("not private")
		}
		_, err = r.try(ada, warroom.SetPrivacy{Private: true}, at(time.Minute))
		wantErr(t, err, warroom.EConflict, "", "INC-7 is already private")
		evs = r.do(root, warroom.SetPrivacy{Private: false}, at(2*time.Minute))
		if got, want := warroom.Describe(&evs[0], handle), "incident made public (decided by @root)"; got != want {
			t.Errorf("Describe = %q, want %q", got, want)
		}
		if r.inc.Private || !r.inc.VisibleTo(bob) {
			t.Fatal("not public")
		}
	})
}

func TestOtherCommands(t *testing.T) {
	t.Run("change severity", func(t *testing.T) {
		r := newRun(t)
		_, err := r.try(ada, warroom.ChangeSeverity{Severity: "SEV9"}, at(time.Minute))
		wantErr(t, err, warroom.EInvalid, "severity", "severity must be one of SEV1, SEV2, SEV3, SEV4")
		_, err = r.try(ada, warroom.ChangeSeverity{Severity: warroom.SEV3}, at(time.Minute))
		wantErr(t, err, warroom.EConflict, "", "INC-7 is already SEV3")
		evs := r.do(ada, warroom.ChangeSeverity{Severity: warroom.SEV4, Reason: "internal only"}, at(time.Minute))
		if len(evs) != 1 || evs[0].FromSeverity != warroom.SEV3 || evs[0].Severity != warroom.SEV4 || r.inc.Severity != warroom.SEV4 {
			t.Fatalf("events %+v severity %s", evs, r.inc.Severity)
		}
		if got, want := warroom.Describe(&evs[0], handle), "severity SEV3 → SEV4: internal only (decided by @ada)"; got != want {
			t.Errorf("Describe = %q, want %q", got, want)
		}
	})
	t.Run("change impact", func(t *testing.T) {
		r := newRun(t)
		_, err := r.try(ada, warroom.ChangeImpact{Impact: warroom.Impact{UsersPercent: 101}}, at(time.Minute))
		wantErr(t, err, warroom.EInvalid, "impact.users_percent", "share of users must be between 0 and 100")
		im := warroom.Impact{Description: "EU only", Customers: []string{"acme"}, UsersPercent: 12.5, Frequency: warroom.FrequencyPersistent, CustomerImpact: true}
		r.do(ada, warroom.ChangeImpact{Impact: im, Reason: "assessed"}, at(time.Minute))
		if !reflect.DeepEqual(r.inc.Impact, im) {
			t.Fatalf("impact = %+v", r.inc.Impact)
		}
	})
	t.Run("correct impact start", func(t *testing.T) {
		d := decl()
		d.DetectedAt = tp(-10 * time.Minute)
		tests := []struct {
			name       string
			cmd        warroom.CorrectImpactStart
			field, msg string
		}{
			{"no reason", warroom.CorrectImpactStart{At: at(-time.Hour)}, "reason", "reason is required"},
			{"no time", warroom.CorrectImpactStart{Reason: "r"}, "at", "the corrected impact start time is required"},
			{"future", warroom.CorrectImpactStart{At: at(2 * time.Hour), Reason: "r"}, "at", "impact start cannot be in the future"},
			{"after detection", warroom.CorrectImpactStart{At: at(-5 * time.Minute), Reason: "r"}, "at", "impact cannot start after it was detected (2025-03-10T08:50:00Z)"},
		}
		for _, tt := range tests {
			r := declareRun(t, d, ada, at(0), warroom.DefaultPolicy())
			_, err := r.try(ada, tt.cmd, at(time.Hour))
			wantErr(t, err, warroom.EInvalid, tt.field, tt.msg)
		}
		r := declareRun(t, d, ada, at(0), warroom.DefaultPolicy())
		berlin := time.FixedZone("CET", 3600)
		evs := r.do(ada, warroom.CorrectImpactStart{At: at(-2 * time.Hour).In(berlin), Reason: "first errors in logs"}, at(time.Hour))
		if evs[0].Time.Location() != time.UTC || !r.inc.ImpactStartedAt.Equal(at(-2*time.Hour)) {
			t.Fatalf("time %v impact %v", evs[0].Time, r.inc.ImpactStartedAt)
		}
		if got, want := warroom.Describe(&evs[0], handle), "impact start corrected to 2025-03-10T07:00:00Z: first errors in logs (decided by @ada)"; got != want {
			t.Errorf("Describe = %q, want %q", got, want)
		}
		// The earlier start counts for the duration rule.
		if got := warroom.MajorReasons(r.inc, at(2*time.Hour+time.Second), r.p); !reflect.DeepEqual(got, []string{"it has lasted longer than 4h"}) {
			t.Fatalf("MajorReasons = %q", got)
		}
	})
	t.Run("update details", func(t *testing.T) {
		r := newRun(t)
		_, err := r.try(ada, warroom.UpdateDetails{Title: "  "}, at(time.Minute))
		wantErr(t, err, warroom.EInvalid, "title", "title is required: say in a few words what is failing")
		evs := r.do(ada, warroom.UpdateDetails{Title: " Payments down ", Summary: "all regions"}, at(time.Minute))
		if r.inc.Title != "Payments down" || r.inc.Summary != "all regions" {
			t.Fatalf("title %q summary %q", r.inc.Title, r.inc.Summary)
		}
		if got, want := warroom.Describe(&evs[0], handle), `title is now "Payments down"`; got != want {
			t.Errorf("Describe = %q, want %q", got, want)
		}
	})
	t.Run("names", func(t *testing.T) {
		names := map[string]warroom.Command{
			"change_stage": warroom.ChangeStage{}, "reopen": warroom.Reopen{}, "change_severity": warroom.ChangeSeverity{},
			"change_impact": warroom.ChangeImpact{}, "correct_impact_start": warroom.CorrectImpactStart{},
			"acknowledge": warroom.Acknowledge{}, "assign_role": warroom.AssignRole{}, "release_role": warroom.ReleaseRole{},
			"mark_major": warroom.MarkMajor{}, "set_privacy": warroom.SetPrivacy{}, "add_participant": warroom.AddParticipant{},
			"add_entry": warroom.AddEntry{}, "update_hypothesis": warroom.UpdateHypothesis{}, "star": warroom.Star{},
			"correct": warroom.Correct{}, "update_details": warroom.UpdateDetails{},
		}
		for want, cmd := range names {
			if got := cmd.Name(); got != want {
				t.Errorf("Name = %q, want %q", got, want)
			}
		}
	})
	t.Run("long reason refused everywhere", func(t *testing.T) {
		long := strings.Repeat("r", 4001)
		for _, cmd := range []warroom.Command{
			warroom.Reopen{Reason: long}, warroom.ChangeSeverity{Severity: warroom.SEV4, Reason: long},
			warroom.ChangeImpact{Reason: long}, warroom.CorrectImpactStart{At: at(-time.Hour), Reason: long},
			warroom.AssignRole{Role: warroom.RoleScribe, UserID: cy.UserID, Reason: long},
			warroom.ReleaseRole{Role: warroom.RoleTechnicalLead, Reason: long}, warroom.MarkMajor{Reason: long},
		} {
			r := newRun(t)
			_, err := r.try(ada, cmd, at(time.Minute))
			wantErr(t, err, warroom.EInvalid, "reason", "reason must be at most 4000 characters")
		}
	})
}
