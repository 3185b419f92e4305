package warroom_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestDeclareFirstResponder(t *testing.T) {
	now := at(0)
	d := decl()
	d.Title = "  Checkout API returns 500s \n"
	d.Summary = "EU customers cannot pay"
	d.BridgeURL = "https://meet.example.com/inc-7"
	evs, err := warroom.Declare("inc-1", d, ada, now, warroom.DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := []warroom.EventType{warroom.EventDeclared, warroom.EventAcknowledged, warroom.EventRoleAssigned, warroom.EventRoleAssigned}
	if !reflect.DeepEqual(types(evs), wantTypes) {
		t.Fatalf("types = %v, want %v", types(evs), wantTypes)
	}
	for i, e := range evs {
		if e.IncidentID != "inc-1" || e.Seq != int64(i+1) || !e.At.Equal(now) || e.ActorID != ada.UserID || e.ActorTeamID != ada.TeamID {
			t.Errorf("event %d stamped %+v", i, e)
		}
	}
	for i, role := range []warroom.Role{warroom.RoleIncidentOwner, warroom.RoleTechnicalLead} {
		e := evs[2+i]
		if e.Role != role || e.UserID != ada.UserID || e.UserTeamID != ada.TeamID || e.Reason != "first responder" {
			t.Errorf("role event %d = %+v", i, e)
		}
		want := "@ada is " + role.Title() + " now: first responder (decided by @ada)"
		if got := warroom.Describe(&e, handle); got != want {
			t.Errorf("Describe = %q, want %q", got, want)
		}
	}
	if got, want := warroom.Describe(&evs[0], handle), "@ada declared SEV3: Checkout API returns 500s"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if got, want := warroom.Describe(&evs[1], handle), "acknowledged by @ada"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}

	inc, err := warroom.Fold(evs)
	if err != nil {
		t.Fatal(err)
	}
	ack := now
	want := &warroom.Incident{
		ID: "inc-1", Number: 7, Ref: "INC-7",
		Title: "Checkout API returns 500s", Summary: "EU customers cannot pay",
		Severity: warroom.SEV3, Stage: warroom.StageDeclared,
		Detection: warroom.DetectedByMonitoring, BridgeURL: "https://meet.example.com/inc-7",
		DeclaredByID: ada.UserID, FirstResponderID: ada.UserID,
		Roles: map[warroom.Role][]string{
			warroom.RoleIncidentOwner: {ada.UserID},
			warroom.RoleTechnicalLead: {ada.UserID},
		},
		Participants: []string{ada.UserID}, ParticipantTeams: []string{ada.TeamID},
		DeclaredAt: now, DetectedAt: now, ImpactStartedAt: now, AcknowledgedAt: &ack,
		StageTimes: map[warroom.Stage]time.Time{warroom.StageDeclared: now},
		Version:    4, UpdatedAt: now,
	}
	if !reflect.DeepEqual(inc, want) {
		t.Fatalf("incident =\n%+v\nwant\n%+v", inc, want)
	}
	holders := warroom.EffectiveHolders(inc)
	wantHolders := []warroom.RoleHolder{
		{Role: warroom.RoleIncidentOwner, UserID: ada.UserID},
		{Role: warroom.RoleTechnicalLead, UserID: ada.UserID},
	}
	if !reflect.DeepEqual(holders, wantHolders) {
		t.Errorf("EffectiveHolders = %+v, want %+v", holders, wantHolders)
	}
}

func TestDeclareValidation(t *testing.T) {
	now := at(0)
	tests := []struct {
		name   string
		change func(*warroom.Declaration)
		field  string
		msg    string
	}{
		{"empty title", func(d *warroom.Declaration) { d.Title = "" }, "title", "title is required: say in a few words what is failing"},
		{"blank title", func(d *warroom.Declaration) { d.Title = " \t " }, "title", "title is required: say in a few words what is failing"},
		{"long title", func(d *warroom.Declaration) { d.Title = strings.Repeat("t", 201) }, "title", "title must be at most 200 characters"},
		{"long summary", func(d *warroom.Declaration) { d.Summary = strings.Repeat("s", 10001) }, "summary", "summary must be at most 10000 characters"},
		{"no severity", func(d *warroom.Declaration) { d.Severity = "" }, "severity", "severity is required: SEV1 (worst) to SEV4"},
		{"unknown severity", func(d *warroom.Declaration) { d.Severity = "SEV5" }, "severity", "severity must be one of SEV1, SEV2, SEV3, SEV4"},
		{"lowercase severity", func(d *warroom.Declaration) { d.Severity = "sev1" }, "severity", "severity must be one of SEV1, SEV2, SEV3, SEV4"},
		{"unknown detection", func(d *warroom.Declaration) { d.Detection = "pager" }, "detection", "detection must be monitoring, customer_report or staff"},
		{"unknown frequency", func(d *warroom.Declaration) { d.Impact.Frequency = "sometimes" }, "impact.frequency", "frequency must be persistent or intermittent"},
		{"negative users percent", func(d *warroom.Declaration) { d.Impact.UsersPercent = -0.5 }, "impact.users_percent", "share of users must be between 0 and 100"},
		{"users percent over 100", func(d *warroom.Declaration) { d.Impact.UsersPercent = 100.01 }, "impact.users_percent", "share of users must be between 0 and 100"},
		{"long impact description", func(d *warroom.Declaration) { d.Impact.Description = strings.Repeat("d", 4001) }, "impact.description", "impact description must be at most 4000 characters"},
		{"detected in the future", func(d *warroom.Declaration) { d.DetectedAt = tp(time.Second) }, "detected_at", "detection time is in the future"},
		{"impact starts in the future", func(d *warroom.Declaration) { d.ImpactStartedAt = tp(time.Second) }, "impact_started_at", "impact start is in the future"},
		{"impact starts after detection", func(d *warroom.Declaration) {
			d.DetectedAt, d.ImpactStartedAt = tp(-time.Hour), tp(-30*time.Minute)
		}, "impact_started_at", "impact cannot start after it was detected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decl()
			tt.change(&d)
			evs, err := warroom.Declare("inc-1", d, ada, now, warroom.DefaultPolicy())
			wantErr(t, err, warroom.EInvalid, tt.field, tt.msg)
			if evs != nil {
				t.Errorf("events = %v, want none", types(evs))
			}
		})
	}

	accepted := []struct {
		name   string
		change func(*warroom.Declaration)
	}{
		{"title of 200", func(d *warroom.Declaration) { d.Title = strings.Repeat("t", 200) }},
		{"users percent 0", func(d *warroom.Declaration) { d.Impact.UsersPercent = 0 }},
		{"users percent 100", func(d *warroom.Declaration) { d.Impact.UsersPercent = 100 }},
		{"persistent", func(d *warroom.Declaration) { d.Impact.Frequency = warroom.FrequencyPersistent }},
		{"intermittent", func(d *warroom.Declaration) { d.Impact.Frequency = warroom.FrequencyIntermittent }},
		{"detected now", func(d *warroom.Declaration) { d.DetectedAt = tp(0) }},
		{"impact starts at detection", func(d *warroom.Declaration) { d.DetectedAt, d.ImpactStartedAt = tp(-time.Hour), tp(-time.Hour) }},
		{"customer report", func(d *warroom.Declaration) { d.Detection = warroom.DetectedByCustomerReport }},
	}
	for _, tt := range accepted {
		t.Run("accepts "+tt.name, func(t *testing.T) {
			d := decl()
			tt.change(&d)
			if _, err := warroom.Declare("inc-1", d, ada, now, warroom.DefaultPolicy()); err != nil {
				t.Fatalf("refused: %v", err)
			}
		})
	}
}

func TestDeclareTimeDefaults(t *testing.T) {
	now := at(0)
	tests := []struct {
		name                     string
		detected, impact         *time.Time
		wantDetected, wantImpact time.Time
	}{
		{"both default to the declaration", nil, nil, at(0), at(0)},
		{"impact defaults to an earlier detection", tp(-20 * time.Minute), nil, at(-20 * time.Minute), at(-20 * time.Minute)},
		{"detection defaults to now, impact earlier", nil, tp(-time.Hour), at(0), at(-time.Hour)},
		{"both given", tp(-10 * time.Minute), tp(-2 * time.Hour), at(-10 * time.Minute), at(-2 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decl()
			d.DetectedAt, d.ImpactStartedAt = tt.detected, tt.impact
			r := declareRun(t, d, ada, now, warroom.DefaultPolicy())
			if !r.inc.DeclaredAt.Equal(now) || !r.inc.DetectedAt.Equal(tt.wantDetected) || !r.inc.ImpactStartedAt.Equal(tt.wantImpact) {
				t.Fatalf("declared %v detected %v impact %v; want %v %v %v", r.inc.DeclaredAt, r.inc.DetectedAt, r.inc.ImpactStartedAt, now, tt.wantDetected, tt.wantImpact)
			}
		})
	}
	t.Run("detection defaults to staff", func(t *testing.T) {
		d := decl()
		d.Detection = ""
		r := declareRun(t, d, ada, now, warroom.DefaultPolicy())
		if r.inc.Detection != warroom.DetectedByStaff {
			t.Fatalf("detection = %q, want staff", r.inc.Detection)
		}
	})
}

func TestDeclareWho(t *testing.T) {
	tests := []struct {
		name  string
		actor warroom.Actor
		ok    bool
	}{
		{"responder", ada, true},
		{"admin", root, true},
		{"viewer", vic, false},
		{"no account role", warroom.Actor{UserID: "u-x"}, false},
		{"unknown account role", warroom.Actor{UserID: "u-x", Role: "owner"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := warroom.Declare("inc-1", decl(), tt.actor, at(0), warroom.DefaultPolicy())
			if tt.ok {
				if err != nil || len(evs) != 4 {
					t.Fatalf("events %v, err %v", types(evs), err)
				}
				return
			}
			wantErr(t, err, warroom.EForbidden, "", "viewers can read incidents but not declare them")
		})
	}
}

func TestDeclareBySystemThenAcknowledge(t *testing.T) {
	system := warroom.Actor{Role: warroom.AccountResponder}
	r := declareRun(t, decl(), system, at(0), warroom.DefaultPolicy())
	if len(r.events) != 1 || r.events[0].Type != warroom.EventDeclared {
		t.Fatalf("events = %v, want only the declaration", types(r.events))
	}
	if r.inc.FirstResponderID != "" || r.inc.AcknowledgedAt != nil || len(r.inc.Roles) != 0 || len(r.inc.Participants) != 0 {
		t.Fatalf("incident = %+v", r.inc)
	}

	evs := r.do(bob, warroom.Acknowledge{}, at(3*time.Minute))
	want := []warroom.EventType{warroom.EventAcknowledged, warroom.EventRoleAssigned, warroom.EventRoleAssigned}
	if !reflect.DeepEqual(types(evs), want) {
		t.Fatalf("types = %v, want %v", types(evs), want)
	}
	if r.inc.FirstResponderID != bob.UserID || r.inc.AcknowledgedAt == nil || !r.inc.AcknowledgedAt.Equal(at(3*time.Minute)) {
		t.Fatalf("first responder %q acknowledged %v", r.inc.FirstResponderID, r.inc.AcknowledgedAt)
	}
	if r.inc.Holder(warroom.RoleIncidentOwner) != bob.UserID || r.inc.Holder(warroom.RoleTechnicalLead) != bob.UserID {
		t.Fatalf("roles = %v", r.inc.Roles)
	}
	_, err := r.try(cy, warroom.Acknowledge{}, at(4*time.Minute))
	wantErr(t, err, warroom.EConflict, "", "INC-7 was already acknowledged at 2025-03-10T09:03:00Z")
}

func TestDeclareMajor(t *testing.T) {
	tests := []struct {
		name      string
		severity  warroom.Severity
		byHand    bool
		reasons   []string
		majorByID string
	}{
		{"SEV1", warroom.SEV1, false, []string{"severity SEV1 is SEV2 or worse"}, ""},
		{"SEV2", warroom.SEV2, false, []string{"severity SEV2 is SEV2 or worse"}, ""},
		{"SEV3", warroom.SEV3, false, nil, ""},
		{"SEV4", warroom.SEV4, false, nil, ""},
		{"SEV4 marked by hand", warroom.SEV4, true, []string{"marked major at declaration"}, ada.UserID},
		{"SEV1 marked by hand", warroom.SEV1, true, []string{"marked major at declaration"}, ada.UserID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decl()
			d.Severity, d.Major = tt.severity, tt.byHand
			r := declareRun(t, d, ada, at(0), warroom.DefaultPolicy())
			if tt.reasons == nil {
				if len(r.events) != 4 || r.inc.Major || r.inc.MajorAt != nil {
					t.Fatalf("minor incident: events %v major %v", types(r.events), r.inc.Major)
				}
				return
			}
			if len(r.events) != 5 {
				t.Fatalf("events = %v", types(r.events))
			}
			e := r.events[4]
			if e.Type != warroom.EventBecameMajor || e.Seq != 5 || !reflect.DeepEqual(e.MajorReasons, tt.reasons) || e.ActorID != tt.majorByID {
				t.Fatalf("major event = %+v", e)
			}
			if !r.inc.Major || !reflect.DeepEqual(r.inc.MajorReasons, tt.reasons) || r.inc.MajorAt == nil || !r.inc.MajorAt.Equal(at(0)) {
				t.Fatalf("major %v reasons %v at %v", r.inc.Major, r.inc.MajorReasons, r.inc.MajorAt)
			}
			if got, want := warroom.Describe(&e, handle), "incident is major now: "+strings.Join(tt.reasons, "; "); got != want {
				t.Errorf("Describe = %q, want %q", got, want)
			}
		})
	}
}
