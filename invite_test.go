package warroom_test

import (
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// People paged to take command of an incident are invited into it, each
// once, by the system, saying why: a private incident then lets them see
// it and take command. People taking part already, and incidents no
// longer open, need no invitation. The invitation involves no team, so
// that a page from another team does not make the incident major.
func TestInvitePaged(t *testing.T) {
	const why = warroom.ReasonPagedToTakeCommand
	lead := warroom.Actor{UserID: "u-lead", Handle: "lead", TeamID: "t-leads", Role: warroom.AccountResponder}
	for _, tt := range []struct {
		name    string
		setup   func(r *run)
		paged   []string
		invited []string
	}{
		{"private, a stranger paged", func(r *run) { r.do(ada, warroom.SetPrivacy{Private: true}, at(time.Minute)) },
			[]string{lead.UserID}, []string{lead.UserID}},
		{"public: invited too (needed there)", nil, []string{lead.UserID}, []string{lead.UserID}},
		{"paged twice in one step", nil, []string{lead.UserID, lead.UserID}, []string{lead.UserID}},
		{"the first responder takes part already", nil, []string{ada.UserID, lead.UserID}, []string{lead.UserID}},
		{"invited by hand before", func(r *run) { r.do(ada, warroom.AddParticipant{UserID: lead.UserID}, at(time.Minute)) },
			[]string{lead.UserID}, nil},
		{"nobody paged", nil, nil, nil},
		{"resolved", func(r *run) { r.stageTo(warroom.StageResolved, ada, at(time.Minute)) }, []string{lead.UserID}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(t)
			if tt.setup != nil {
				tt.setup(r)
			}
			now := at(10 * time.Minute)
			evs, err := warroom.InvitePaged(r.inc, tt.paged, why, now, r.p)
			if err != nil {
				t.Fatal(err)
			}
			r.apply(evs)
			var got []string
			for _, e := range evs {
				if e.Type != warroom.EventParticipantAdded || e.ActorID != "" || e.Reason != why || !e.At.Equal(now) || e.UserTeamID != "" {
					t.Errorf("event %+v, want participant.added by the system, saying why, without a team", e)
				}
				got = append(got, e.UserID)
				if line := warroom.Describe(&e, handle); line != "invited @lead: paged to take command" {
					t.Errorf("timeline line %q", line)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.invited, ",") {
				t.Fatalf("invited %v, want %v", got, tt.invited)
			}
			if len(tt.invited) > 0 {
				if !r.inc.VisibleTo(lead) {
					t.Error("the invited lead cannot see the incident")
				}
				// Taking command, as the page's link does, is accepted.
				r.do(lead, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: lead.UserID, UserTeamID: lead.TeamID}, at(11*time.Minute))
			}
		})
	}
	t.Run("no team involved until they answer", func(t *testing.T) {
		p := warroom.DefaultPolicy()
		p.MajorTeams = 1
		r := declareRun(t, decl(), ada, at(0), p)
		evs, err := warroom.InvitePaged(r.inc, []string{lead.UserID}, why, at(10*time.Minute), p)
		if err != nil {
			t.Fatal(err)
		}
		r.apply(evs)
		if r.inc.Major || len(r.inc.ParticipantTeams) != 1 {
			t.Fatalf("after the page: major %v, teams %v; want one team, minor", r.inc.Major, r.inc.ParticipantTeams)
		}
	})
	t.Run("an invitation by hand reads as before", func(t *testing.T) {
		r := newRun(t)
		evs := r.do(ada, warroom.AddParticipant{UserID: bob.UserID}, at(time.Minute))
		if line := warroom.Describe(&evs[0], handle); line != "@bob joined the incident" {
			t.Errorf("timeline line %q", line)
		}
	})
}
