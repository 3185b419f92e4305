package warroom_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestMajorReasonsBySeverity(t *testing.T) {
	tests := []struct {
		policy   warroom.Severity
		severity warroom.Severity
		want     []string
	}{
		{warroom.SEV2, warroom.SEV1, []string{"severity SEV1 is SEV2 or worse"}},
		{warroom.SEV2, warroom.SEV2, []string{"severity SEV2 is SEV2 or worse"}},
		{warroom.SEV2, warroom.SEV3, nil},
		{warroom.SEV2, warroom.SEV4, nil},
		{warroom.SEV1, warroom.SEV1, []string{"severity SEV1 is SEV1 or worse"}},
		{warroom.SEV1, warroom.SEV2, nil},
		{warroom.SEV3, warroom.SEV3, []string{"severity SEV3 is SEV3 or worse"}},
		{warroom.SEV3, warroom.SEV4, nil},
		{warroom.SEV4, warroom.SEV4, []string{"severity SEV4 is SEV4 or worse"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy)+"/"+string(tt.severity), func(t *testing.T) {
			p := warroom.DefaultPolicy()
			p.MajorSeverity = tt.policy
			inc := &warroom.Incident{Severity: tt.severity, Stage: warroom.StageDeclared, ImpactStartedAt: at(0)}
			if got := warroom.MajorReasons(inc, at(time.Minute), p); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("MajorReasons = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMajorReasonsByDuration(t *testing.T) {
	lasted := []string{"it has lasted longer than 4h"}
	tests := []struct {
		name string
		now  time.Duration
		want []string
	}{
		{"1h", time.Hour, nil},
		{"4h minus 1s", 4*time.Hour - time.Second, nil},
		{"exactly 4h", 4 * time.Hour, nil},
		{"4h plus 1ns", 4*time.Hour + time.Nanosecond, lasted},
		{"4h plus 1s", 4*time.Hour + time.Second, lasted},
		{"a day", 24 * time.Hour, lasted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(t)
			if got := warroom.MajorReasons(r.inc, at(tt.now), r.p); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("MajorReasons = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("counted from an impact start before detection", func(t *testing.T) {
		d := decl()
		d.ImpactStartedAt = tp(-3 * time.Hour)
		r := declareRun(t, d, ada, at(0), warroom.DefaultPolicy())
		if got := warroom.MajorReasons(r.inc, at(time.Hour), r.p); got != nil {
			t.Fatalf("at 4h: %q", got)
		}
		if got := warroom.MajorReasons(r.inc, at(time.Hour+time.Second), r.p); !reflect.DeepEqual(got, lasted) {
			t.Fatalf("at 4h+1s: %q", got)
		}
	})
	t.Run("measured to recovery", func(t *testing.T) {
		r := newRun(t)
		r.do(ada, warroom.ChangeStage{Stage: warroom.StageRecovered}, at(time.Hour))
		for _, now := range []time.Duration{4*time.Hour + time.Second, 48 * time.Hour} {
			if got := warroom.MajorReasons(r.inc, at(now), r.p); got != nil {
				t.Fatalf("recovered after 1h, at %s: %q", now, got)
			}
		}
		r.do(ada, warroom.ChangeStage{Stage: warroom.StageBaseline}, at(5*time.Hour))
		if got := warroom.MajorReasons(r.inc, at(6*time.Hour), r.p); got != nil {
			t.Fatalf("baseline: %q", got)
		}
	})
	t.Run("recovery after 4h+1s makes it major", func(t *testing.T) {
		r := newRun(t)
		evs := r.do(ada, warroom.ChangeStage{Stage: warroom.StageRecovered}, at(4*time.Hour+time.Second))
		want := []warroom.EventType{warroom.EventStageChanged, warroom.EventBecameMajor}
		if !reflect.DeepEqual(types(evs), want) {
			t.Fatalf("types = %v, want %v", types(evs), want)
		}
		if !reflect.DeepEqual(evs[1].MajorReasons, lasted) || evs[1].ActorID != "" || evs[1].Seq != 6 {
			t.Fatalf("major event = %+v", evs[1])
		}
	})
	t.Run("recovery at exactly 4h does not", func(t *testing.T) {
		r := newRun(t)
		evs := r.do(ada, warroom.ChangeStage{Stage: warroom.StageRecovered}, at(4*time.Hour))
		if len(evs) != 1 || r.inc.Major {
			t.Fatalf("types = %v major %v", types(evs), r.inc.Major)
		}
	})
	t.Run("impact came back: measured to now again", func(t *testing.T) {
		r := newRun(t)
		r.do(ada, warroom.ChangeStage{Stage: warroom.StageRecovered}, at(time.Hour))
		r.do(ada, warroom.ChangeStage{Stage: warroom.StageInvestigating}, at(2*time.Hour))
		if got := warroom.MajorReasons(r.inc, at(4*time.Hour+time.Second), r.p); !reflect.DeepEqual(got, lasted) {
			t.Fatalf("MajorReasons = %q, want %q", got, lasted)
		}
		if evs := warroom.CheckMajor(r.inc, at(4*time.Hour+time.Second), r.p); len(evs) != 1 {
			t.Fatalf("CheckMajor = %v, want the major event", types(evs))
		}
	})
}

func TestMajorReasonsByTeams(t *testing.T) {
	twoTeams := []string{"2 teams are involved (more than 1)"}
	tests := []struct {
		name string
		cmd  warroom.Command
		by   warroom.Actor
		want []string // reasons of the major event; nil: none
	}{
		{"same-team note", warroom.AddEntry{Type: warroom.EntryNote, Text: "looking"}, bob, nil},
		{"other-team actor", warroom.AddEntry{Type: warroom.EntryNote, Text: "db is fine"}, dan, twoTeams},
		{"other-team role assignee", warroom.AssignRole{Role: warroom.RoleScribe, UserID: dan.UserID, UserTeamID: dan.TeamID}, ada, twoTeams},
		{"other-team participant", warroom.AddParticipant{UserID: dan.UserID, UserTeamID: dan.TeamID}, ada, twoTeams},
		{"same-team participant", warroom.AddParticipant{UserID: cy.UserID, UserTeamID: cy.TeamID}, ada, nil},
		{"participant without team", warroom.AddParticipant{UserID: "u-ext"}, ada, nil},
		{"teamless admin", warroom.AddEntry{Type: warroom.EntryNote, Text: "watching"}, root, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(t)
			evs := r.do(tt.by, tt.cmd, at(10*time.Minute))
			if tt.want == nil {
				if len(evs) != 1 || r.inc.Major {
					t.Fatalf("types = %v major %v", types(evs), r.inc.Major)
				}
				return
			}
			if len(evs) != 2 || evs[1].Type != warroom.EventBecameMajor || !reflect.DeepEqual(evs[1].MajorReasons, tt.want) {
				t.Fatalf("events = %+v", evs)
			}
			if !r.inc.Major || !reflect.DeepEqual(r.inc.ParticipantTeams, []string{"t-sre", "t-db"}) {
				t.Fatalf("major %v teams %v", r.inc.Major, r.inc.ParticipantTeams)
			}
		})
	}
}

func TestMajorOnlyOnce(t *testing.T) {
	r := newRun(t)
	evs := r.do(ada, warroom.ChangeSeverity{Severity: warroom.SEV2, Reason: "more customers"}, at(time.Minute))
	if len(evs) != 2 || evs[1].Type != warroom.EventBecameMajor {
		t.Fatalf("types = %v", types(evs))
	}
	majorAt := *r.inc.MajorAt
	// More reasons later add no second major event.
	for i, cmd := range []warroom.Command{
		warroom.ChangeSeverity{Severity: warroom.SEV1},
		warroom.AddEntry{Type: warroom.EntryNote, Text: "db team here"},
	} {
		by := ada
		if i == 1 {
			by = dan
		}
		if evs := r.do(by, cmd, at(5*time.Hour)); len(evs) != 1 {
			t.Fatalf("%s: types = %v", cmd.Name(), types(evs))
		}
	}
	if evs := warroom.CheckMajor(r.inc, at(10*time.Hour), r.p); evs != nil {
		t.Fatalf("CheckMajor on a major incident = %v", types(evs))
	}
	_, err := r.try(ada, warroom.MarkMajor{Reason: "again"}, at(11*time.Hour))
	wantErr(t, err, warroom.EConflict, "", "INC-7 is already major")
	if !r.inc.MajorAt.Equal(majorAt) || !reflect.DeepEqual(r.inc.MajorReasons, []string{"severity SEV2 is SEV2 or worse"}) {
		t.Fatalf("major at %v reasons %q", r.inc.MajorAt, r.inc.MajorReasons)
	}
	n := 0
	for _, e := range r.events {
		if e.Type == warroom.EventBecameMajor {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d major events, want 1", n)
	}
}

func TestMarkMajor(t *testing.T) {
	t.Run("by hand with reason", func(t *testing.T) {
		r := newRun(t)
		evs := r.do(bob, warroom.MarkMajor{Reason: "key customer escalated"}, at(20*time.Minute))
		if len(evs) != 1 {
			t.Fatalf("types = %v", types(evs))
		}
		e := evs[0]
		want := []string{"marked major by hand: key customer escalated"}
		if e.Type != warroom.EventBecameMajor || !reflect.DeepEqual(e.MajorReasons, want) || e.ActorID != bob.UserID || e.Seq != 5 {
			t.Fatalf("event = %+v", e)
		}
		if !r.inc.Major || !reflect.DeepEqual(r.inc.MajorReasons, want) || !r.inc.MajorAt.Equal(at(20*time.Minute)) {
			t.Fatalf("major %v reasons %q at %v", r.inc.Major, r.inc.MajorReasons, r.inc.MajorAt)
		}
		if _, ok := warroom.MajorDueAt(r.inc, r.p); ok {
			t.Error("MajorDueAt ok for a major incident")
		}
	})
	for _, reason := range []string{"", "  \n"} {
		t.Run("reason required "+reason, func(t *testing.T) {
			r := newRun(t)
			_, err := r.try(bob, warroom.MarkMajor{Reason: reason}, at(time.Minute))
			wantErr(t, err, warroom.EInvalid, "reason", "reason is required")
		})
	}
}

func TestCheckMajor(t *testing.T) {
	short := warroom.DefaultPolicy()
	short.MajorDuration = 30 * time.Minute
	tests := []struct {
		name  string
		setup func(r *run)
		p     warroom.Policy
		now   time.Duration
		want  []string
	}{
		{"open, exactly 4h", func(*run) {}, warroom.DefaultPolicy(), 4 * time.Hour, nil},
		{"open, 4h+1s", func(*run) {}, warroom.DefaultPolicy(), 4*time.Hour + time.Second, []string{"it has lasted longer than 4h"}},
		{"investigating, 5h", func(r *run) {
			r.do(ada, warroom.ChangeStage{Stage: warroom.StageInvestigating}, at(time.Minute))
		}, warroom.DefaultPolicy(), 5 * time.Hour, []string{"it has lasted longer than 4h"}},
		{"recovered after 1h", func(r *run) {
			r.do(ada, warroom.ChangeStage{Stage: warroom.StageRecovered}, at(time.Hour))
		}, warroom.DefaultPolicy(), 10 * time.Hour, nil},
		{"baseline, recovered after 1h, 30m policy", func(r *run) {
			r.stageTo(warroom.StageBaseline, ada, at(time.Hour))
		}, short, 10 * time.Hour, []string{"it has lasted longer than 30m"}},
		{"resolved is not open", func(r *run) {
			r.stageTo(warroom.StageResolved, ada, at(time.Hour))
		}, short, 10 * time.Hour, nil},
		{"closed is not open", func(r *run) {
			r.stageTo(warroom.StageClosed, ada, at(time.Hour))
		}, short, 10 * time.Hour, nil},
		{"already major", func(r *run) {
			r.do(ada, warroom.MarkMajor{Reason: "press"}, at(time.Minute))
		}, warroom.DefaultPolicy(), 10 * time.Hour, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(t)
			tt.setup(r)
			before := snapshot(t, r.inc)
			evs := warroom.CheckMajor(r.inc, at(tt.now), tt.p)
			if snapshot(t, r.inc) != before {
				t.Fatal("CheckMajor changed the incident")
			}
			if tt.want == nil {
				if evs != nil {
					t.Fatalf("events = %+v, want none", evs)
				}
				return
			}
			if len(evs) != 1 {
				t.Fatalf("events = %v", types(evs))
			}
			e := evs[0]
			if e.Type != warroom.EventBecameMajor || e.IncidentID != "inc-1" || e.Seq != r.inc.Version+1 ||
				!e.At.Equal(at(tt.now)) || e.ActorID != "" || !reflect.DeepEqual(e.MajorReasons, tt.want) {
				t.Fatalf("event = %+v", e)
			}
			r.apply(evs)
			if !r.inc.Major || !r.inc.MajorAt.Equal(at(tt.now)) {
				t.Fatalf("after apply: major %v at %v", r.inc.Major, r.inc.MajorAt)
			}
		})
	}
}

func TestMajorDueAt(t *testing.T) {
	ninety := warroom.DefaultPolicy()
	ninety.MajorDuration = 90 * time.Minute
	tests := []struct {
		name   string
		impact time.Duration // impact start before the declaration at base
		setup  func(r *run)
		p      warroom.Policy
		want   time.Time
		ok     bool
	}{
		{"open", 0, func(*run) {}, warroom.DefaultPolicy(), at(4*time.Hour + time.Microsecond), true},
		{"impact 1h before declaration", -time.Hour, func(*run) {}, warroom.DefaultPolicy(), at(3*time.Hour + time.Microsecond), true},
		{"custom 90m", 0, func(*run) {}, ninety, at(90*time.Minute + time.Microsecond), true},
		{"mitigated", 0, func(r *run) { r.stageTo(warroom.StageMitigated, ada, at(time.Minute)) }, warroom.DefaultPolicy(), at(4*time.Hour + time.Microsecond), true},
		{"recovered", 0, func(r *run) { r.stageTo(warroom.StageRecovered, ada, at(time.Minute)) }, warroom.DefaultPolicy(), time.Time{}, false},
		{"closed", 0, func(r *run) { r.stageTo(warroom.StageClosed, ada, at(time.Minute)) }, warroom.DefaultPolicy(), time.Time{}, false},
		{"major", 0, func(r *run) { r.do(ada, warroom.MarkMajor{Reason: "x"}, at(time.Minute)) }, warroom.DefaultPolicy(), time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decl()
			d.ImpactStartedAt = tp(tt.impact)
			r := declareRun(t, d, ada, at(0), tt.p)
			tt.setup(r)
			due, ok := warroom.MajorDueAt(r.inc, tt.p)
			if ok != tt.ok || !due.Equal(tt.want) {
				t.Fatalf("MajorDueAt = %v, %v; want %v, %v", due, ok, tt.want, tt.ok)
			}
			if !ok {
				return
			}
			// A job run at the due instant finds the incident major; just
			// before, it does not.
			if evs := warroom.CheckMajor(r.inc, due, tt.p); len(evs) != 1 {
				t.Errorf("CheckMajor at due = %v, want the major event", types(evs))
			}
			if evs := warroom.CheckMajor(r.inc, due.Add(-time.Microsecond), tt.p); evs != nil {
				t.Errorf("CheckMajor before due = %v, want none", types(evs))
			}
		})
	}
}

func TestMajorCustomPolicy(t *testing.T) {
	p := warroom.Policy{
		MajorSeverity: warroom.SEV3, MajorDuration: 90 * time.Second, MajorTeams: 2,
		FirstResponderICTimeout: time.Minute, CustomerUpdateInterval: time.Minute,
		PostmortemReviewBusinessDays: 1, AssessTarget: time.Minute,
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		severity warroom.Severity
		teams    []string
		now      time.Duration
		want     []string
	}{
		{"nothing", warroom.SEV4, []string{"a", "b"}, 90 * time.Second, nil},
		{"severity", warroom.SEV3, []string{"a"}, 0, []string{"severity SEV3 is SEV3 or worse"}},
		{"duration", warroom.SEV4, nil, 91 * time.Second, []string{"it has lasted longer than 1m30s"}},
		{"teams", warroom.SEV4, []string{"a", "b", "c"}, 0, []string{"3 teams are involved (more than 2)"}},
		{"all, in order", warroom.SEV1, []string{"a", "b", "c", "d"}, time.Hour, []string{
			"severity SEV1 is SEV3 or worse", "it has lasted longer than 1m30s", "4 teams are involved (more than 2)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := &warroom.Incident{Severity: tt.severity, Stage: warroom.StageInvestigating, ImpactStartedAt: at(0), ParticipantTeams: tt.teams}
			if got := warroom.MajorReasons(inc, at(tt.now), p); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("MajorReasons = %q, want %q", got, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{{2 * time.Hour, "2h"}, {30 * time.Minute, "30m"}, {90 * time.Minute, "90m"}, {1500 * time.Millisecond, "1.5s"}} {
		t.Run("duration text "+tt.want, func(t *testing.T) {
			p := warroom.DefaultPolicy()
			p.MajorDuration = tt.d
			inc := &warroom.Incident{Severity: warroom.SEV4, ImpactStartedAt: at(0)}
			got := warroom.MajorReasons(inc, at(tt.d+time.Millisecond), p)
			if want := []string{"it has lasted longer than " + tt.want}; !reflect.DeepEqual(got, want) {
				t.Fatalf("MajorReasons = %q, want %q", got, want)
			}
		})
	}
}

func TestClosedIncidentDoesNotBecomeMajor(t *testing.T) {
	r := newRun(t)
	r.stageTo(warroom.StageClosed, ada, at(time.Minute))
	// Someone of another team comments for the postmortem a day later.
	evs := r.do(dan, warroom.AddEntry{Type: warroom.EntryNote, Text: "db side looked fine"}, at(24*time.Hour))
	if len(evs) != 1 || r.inc.Major {
		t.Fatalf("types = %v major %v", types(evs), r.inc.Major)
	}
}

func TestPolicy(t *testing.T) {
	want := warroom.Policy{
		MajorSeverity: warroom.SEV2, MajorDuration: 4 * time.Hour, MajorTeams: 1,
		FirstResponderICTimeout: 10 * time.Minute, CustomerUpdateInterval: time.Hour,
		HandoffGrace: 30 * time.Minute, PostmortemReviewBusinessDays: 5, AssessTarget: 5 * time.Minute,
		AlertIncidentLimit: warroom.AlertIncidentLimit{Count: 3, Window: 10 * time.Minute},
	}
	if got := warroom.DefaultPolicy(); got != want {
		t.Fatalf("DefaultPolicy = %+v, want %+v", got, want)
	}
	tests := []struct {
		name   string
		change func(*warroom.Policy)
		field  string
	}{
		{"default", func(*warroom.Policy) {}, ""},
		{"zero handoff grace", func(p *warroom.Policy) { p.HandoffGrace = 0 }, ""},
		{"no major severity", func(p *warroom.Policy) { p.MajorSeverity = "" }, "major_severity"},
		{"unknown major severity", func(p *warroom.Policy) { p.MajorSeverity = "SEV0" }, "major_severity"},
		{"zero major duration", func(p *warroom.Policy) { p.MajorDuration = 0 }, "major_duration"},
		{"negative major duration", func(p *warroom.Policy) { p.MajorDuration = -time.Hour }, "major_duration"},
		{"zero major teams", func(p *warroom.Policy) { p.MajorTeams = 0 }, "major_teams"},
		{"zero IC timeout", func(p *warroom.Policy) { p.FirstResponderICTimeout = 0 }, "first_responder_ic_timeout"},
		{"zero update interval", func(p *warroom.Policy) { p.CustomerUpdateInterval = 0 }, "customer_update_interval"},
		{"negative handoff grace", func(p *warroom.Policy) { p.HandoffGrace = -time.Second }, "handoff_grace"},
		{"zero review days", func(p *warroom.Policy) { p.PostmortemReviewBusinessDays = 0 }, "postmortem_review_business_days"},
		{"zero assess target", func(p *warroom.Policy) { p.AssessTarget = 0 }, "assess_target"},
		{"negative assess target", func(p *warroom.Policy) { p.AssessTarget = -time.Minute }, "assess_target"},
		{"no alert incident limit", func(p *warroom.Policy) { p.AlertIncidentLimit = warroom.AlertIncidentLimit{} }, ""},
		{"alert incident limit without window", func(p *warroom.Policy) { p.AlertIncidentLimit.Window = 0 }, "alert_incident_limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := warroom.DefaultPolicy()
			tt.change(&p)
			err := p.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantErr(t, err, warroom.EInvalid, tt.field, "")
		})
	}
}

// After a reopen and a second recovery, the duration rule measures to the
// latest recovery, not the first.
func TestMajorDurationToLatestRecovery(t *testing.T) {
	r := newRun(t)
	for _, s := range []warroom.Stage{warroom.StageRecovered, warroom.StageBaseline, warroom.StageResolved} {
		r.do(ada, warroom.ChangeStage{Stage: s}, at(time.Hour))
	}
	r.do(ada, warroom.Reopen{Reason: "errors are back"}, at(2*time.Hour))
	r.do(ada, warroom.ChangeStage{Stage: warroom.StageRecovered}, at(3*time.Hour))
	if got := warroom.MajorReasons(r.inc, at(10*time.Hour), r.p); len(got) != 0 {
		t.Fatalf("recovered after 3h: reasons = %v, want none", got)
	}
	r.do(ada, warroom.ChangeStage{Stage: warroom.StageInvestigating, Reason: "again"}, at(4*time.Hour))
	r.do(ada, warroom.ChangeStage{Stage: warroom.StageRecovered}, at(5*time.Hour))
	got := warroom.MajorReasons(r.inc, at(10*time.Hour), r.p)
	if len(got) != 1 || got[0] != "it has lasted longer than 4h" {
		t.Fatalf("recovered again after 5h: reasons = %v", got)
	}
}
