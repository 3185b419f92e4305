package warroom_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestRoleBasics(t *testing.T) {
	titles := map[warroom.Role]string{
		warroom.RoleIncidentCommander:    "Incident Commander",
		warroom.RoleCommunicationsLead:   "Communications Lead",
		warroom.RoleOperationsLead:       "Operations Lead",
		warroom.RoleIncidentOwner:        "Incident Owner",
		warroom.RoleTechnicalLead:        "Technical Lead",
		warroom.RoleScribe:               "Scribe",
		warroom.RolePlanningLead:         "Planning Lead",
		warroom.RoleParallelInvestigator: "Parallel Investigator",
		warroom.RoleCustomerSupportLead:  "Customer Support Lead",
	}
	if len(warroom.Roles) != len(titles) {
		t.Fatalf("%d roles, want %d", len(warroom.Roles), len(titles))
	}
	for _, r := range warroom.Roles {
		t.Run(string(r), func(t *testing.T) {
			if got := r.Title(); got != titles[r] {
				t.Errorf("Title = %q, want %q", got, titles[r])
			}
			if !r.Valid() {
				t.Error("not valid")
			}
			if got, want := r.Multi(), r == warroom.RoleParallelInvestigator; got != want {
				t.Errorf("Multi = %v, want %v", got, want)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		r := warroom.Role("chef")
		if r.Valid() || r.Multi() || r.Title() != "chef" {
			t.Fatalf("valid %v multi %v title %q", r.Valid(), r.Multi(), r.Title())
		}
	})
}

func TestEffectiveHolders(t *testing.T) {
	implicit := func(r warroom.Role, u string) warroom.RoleHolder {
		return warroom.RoleHolder{Role: r, UserID: u, Implicit: true}
	}
	explicit := func(r warroom.Role, u string) warroom.RoleHolder { return warroom.RoleHolder{Role: r, UserID: u} }
	tests := []struct {
		name  string
		roles map[warroom.Role][]string
		want  []warroom.RoleHolder
	}{
		{"nobody", nil, nil},
		{"no IC: unheld roles are absent", map[warroom.Role][]string{
			warroom.RoleIncidentOwner: {"u-ada"}, warroom.RoleTechnicalLead: {"u-ada"},
		}, []warroom.RoleHolder{
			explicit(warroom.RoleIncidentOwner, "u-ada"), explicit(warroom.RoleTechnicalLead, "u-ada"),
		}},
		{"IC holds every unheld role", map[warroom.Role][]string{
			warroom.RoleIncidentCommander: {"u-bob"},
			warroom.RoleIncidentOwner:     {"u-ada"}, warroom.RoleTechnicalLead: {"u-ada"},
			warroom.RoleParallelInvestigator: {"u-cy", "u-dan"},
		}, []warroom.RoleHolder{
			explicit(warroom.RoleIncidentCommander, "u-bob"),
			implicit(warroom.RoleCommunicationsLead, "u-bob"),
			implicit(warroom.RoleOperationsLead, "u-bob"),
			explicit(warroom.RoleIncidentOwner, "u-ada"),
			explicit(warroom.RoleTechnicalLead, "u-ada"),
			implicit(warroom.RoleScribe, "u-bob"),
			implicit(warroom.RolePlanningLead, "u-bob"),
			explicit(warroom.RoleParallelInvestigator, "u-cy"),
			explicit(warroom.RoleParallelInvestigator, "u-dan"),
			implicit(warroom.RoleCustomerSupportLead, "u-bob"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := warroom.EffectiveHolders(&warroom.Incident{Roles: tt.roles})
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("EffectiveHolders =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// withIC names bob Incident Commander (ada, the first responder, does it).
func withIC(r *run) {
	r.do(ada, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: bob.UserID, UserTeamID: bob.TeamID}, at(10*time.Minute))
}

func noSetup(*run) {}

func TestTechnicalLeadChange(t *testing.T) {
	const (
		byFROnly = "only the first responder may change the Technical Lead while there is no Incident Commander"
		byICOnly = "only the Incident Commander may change the Technical Lead"
	)
	tests := []struct {
		name    string
		setup   func(*run)
		by      warroom.Actor
		release bool
		msg     string // "" for allowed
	}{
		{"no IC: first responder", noSetup, ada, false, ""},
		{"no IC: another responder", noSetup, bob, false, byFROnly},
		{"no IC: admin", noSetup, root, false, byFROnly},
		{"IC: the IC", withIC, bob, false, ""},
		{"IC: the first responder no more", withIC, ada, false, byICOnly},
		{"IC: another responder", withIC, cy, false, byICOnly},
		{"IC: admin", withIC, root, false, byICOnly},
		{"no IC: first responder releases", noSetup, ada, true, ""},
		{"no IC: another releases", noSetup, bob, true, byFROnly},
		{"IC: holder (first responder) releases self", withIC, ada, true, byICOnly},
		{"IC: the IC releases", withIC, bob, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(t)
			tt.setup(r)
			var cmd warroom.Command = warroom.AssignRole{Role: warroom.RoleTechnicalLead, UserID: cy.UserID, UserTeamID: cy.TeamID, Reason: "shift change"}
			if tt.release {
				cmd = warroom.ReleaseRole{Role: warroom.RoleTechnicalLead}
			}
			v := r.inc.Version
			evs, err := r.try(tt.by, cmd, at(time.Hour))
			if tt.msg != "" {
				wantErr(t, err, warroom.EForbidden, "", tt.msg)
				if r.inc.Holder(warroom.RoleTechnicalLead) != ada.UserID || r.inc.Version != v {
					t.Fatalf("refused change took effect: %v", r.inc.Roles)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := cy.UserID
			if tt.release {
				want = ""
				if evs[0].Type != warroom.EventRoleReleased || evs[0].UserID != ada.UserID {
					t.Fatalf("event = %+v", evs[0])
				}
			} else if evs[0].PreviousUserID != ada.UserID {
				t.Fatalf("previous = %q, want ada", evs[0].PreviousUserID)
			}
			if got := r.inc.Holder(warroom.RoleTechnicalLead); got != want {
				t.Fatalf("Technical Lead = %q, want %q", got, want)
			}
		})
	}
}

func TestIncidentOwnerHandover(t *testing.T) {
	const forbidden = "only the current Incident Owner or the Incident Commander may hand over the Incident Owner"
	tests := []struct {
		name   string
		setup  func(*run)
		by     warroom.Actor
		reason string
		code   string
		field  string
		msg    string
	}{
		{"owner with reason", noSetup, ada, "going off shift for a week", "", "", ""},
		{"IC with reason", withIC, bob, "ada is needed on another incident", "", "", ""},
		{"owner without reason", noSetup, ada, "", warroom.EInvalid, "reason", "handing over the Incident Owner needs a written reason"},
		{"owner with blank reason", noSetup, ada, "  \t", warroom.EInvalid, "reason", "handing over the Incident Owner needs a written reason"},
		{"IC without reason", withIC, bob, "", warroom.EInvalid, "reason", "handing over the Incident Owner needs a written reason"},
		{"another responder, no IC", noSetup, cy, "I know the system better", warroom.EForbidden, "", forbidden},
		{"another responder, IC named", withIC, cy, "I know the system better", warroom.EForbidden, "", forbidden},
		{"admin", noSetup, root, "reorg", warroom.EForbidden, "", forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(t)
			tt.setup(r)
			evs, err := r.try(tt.by, warroom.AssignRole{Role: warroom.RoleIncidentOwner, UserID: cy.UserID, UserTeamID: cy.TeamID, Reason: tt.reason}, at(time.Hour))
			if tt.code != "" {
				wantErr(t, err, tt.code, tt.field, tt.msg)
				if r.inc.Holder(warroom.RoleIncidentOwner) != ada.UserID {
					t.Fatal("owner changed")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			e := evs[0]
			if e.Type != warroom.EventRoleAssigned || e.UserID != cy.UserID || e.PreviousUserID != ada.UserID || e.Reason != tt.reason {
				t.Fatalf("event = %+v", e)
			}
			if !reflect.DeepEqual(r.inc.Roles[warroom.RoleIncidentOwner], []string{cy.UserID}) {
				t.Fatalf("owner = %v", r.inc.Roles[warroom.RoleIncidentOwner])
			}
		})
	}
	t.Run("cannot be released", func(t *testing.T) {
		for _, by := range []warroom.Actor{ada, bob, root} {
			r := newRun(t)
			withIC(r)
			_, err := r.try(by, warroom.ReleaseRole{Role: warroom.RoleIncidentOwner, UserID: ada.UserID, Reason: "done"}, at(time.Hour))
			wantErr(t, err, warroom.EConflict, "", "the Incident Owner cannot be released, only handed over with a written reason")
		}
	})
	t.Run("unheld owner: anyone takes it without reason", func(t *testing.T) {
		r := declareRun(t, decl(), warroom.Actor{Role: warroom.AccountResponder}, at(0), warroom.DefaultPolicy())
		r.do(cy, warroom.AssignRole{Role: warroom.RoleIncidentOwner, UserID: cy.UserID}, at(time.Minute))
		if r.inc.Holder(warroom.RoleIncidentOwner) != cy.UserID {
			t.Fatalf("owner = %q", r.inc.Holder(warroom.RoleIncidentOwner))
		}
	})
}

func TestIncidentCommanderHandover(t *testing.T) {
	const forbidden = "only the current Incident Commander may hand over the Incident Commander role"
	tests := []struct {
		name    string
		setup   func(*run)
		by      warroom.Actor
		to      string
		release bool
		msg     string
	}{
		{"no IC: anyone takes it", noSetup, cy, cy.UserID, false, ""},
		{"no IC: anyone names one", noSetup, cy, dan.UserID, false, ""},
		{"IC hands over", withIC, bob, cy.UserID, false, ""},
		{"admin hands over", withIC, root, cy.UserID, false, ""},
		{"first responder cannot", withIC, ada, cy.UserID, false, forbidden},
		{"another cannot take it", withIC, cy, cy.UserID, false, forbidden},
		{"IC releases", withIC, bob, "", true, ""},
		{"admin releases", withIC, root, "", true, ""},
		{"another cannot release", withIC, cy, "", true, forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(t)
			tt.setup(r)
			prev := r.inc.Holder(warroom.RoleIncidentCommander)
			var cmd warroom.Command = warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: tt.to}
			if tt.release {
				cmd = warroom.ReleaseRole{Role: warroom.RoleIncidentCommander}
			}
			evs, err := r.try(tt.by, cmd, at(time.Hour))
			if tt.msg != "" {
				wantErr(t, err, warroom.EForbidden, "", tt.msg)
				if r.inc.Holder(warroom.RoleIncidentCommander) != prev {
					t.Fatal("IC changed")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := r.inc.Holder(warroom.RoleIncidentCommander); got != tt.to {
				t.Fatalf("IC = %q, want %q", got, tt.to)
			}
			if !tt.release && evs[0].PreviousUserID != prev {
				t.Fatalf("previous = %q, want %q", evs[0].PreviousUserID, prev)
			}
			if tt.release && (evs[0].Type != warroom.EventRoleReleased || evs[0].UserID != prev) {
				t.Fatalf("event = %+v", evs[0])
			}
		})
	}
}

func TestOtherRoles(t *testing.T) {
	others := []warroom.Role{warroom.RoleCommunicationsLead, warroom.RoleOperationsLead, warroom.RoleScribe,
		warroom.RolePlanningLead, warroom.RoleCustomerSupportLead}
	for _, role := range others {
		t.Run(string(role), func(t *testing.T) {
			assign := warroom.AssignRole{Role: role, UserID: cy.UserID, UserTeamID: cy.TeamID}
			t.Run("anyone while no IC", func(t *testing.T) {
				r := newRun(t)
				r.do(dan, assign, at(time.Minute))
				if r.inc.Holder(role) != cy.UserID {
					t.Fatalf("holder = %q", r.inc.Holder(role))
				}
			})
			t.Run("the IC", func(t *testing.T) {
				r := newRun(t)
				withIC(r)
				r.do(bob, assign, at(time.Hour))
				if r.inc.Holder(role) != cy.UserID {
					t.Fatalf("holder = %q", r.inc.Holder(role))
				}
			})
			t.Run("not another once there is an IC", func(t *testing.T) {
				for _, by := range []warroom.Actor{ada, cy, root} {
					r := newRun(t)
					withIC(r)
					_, err := r.try(by, assign, at(time.Hour))
					wantErr(t, err, warroom.EForbidden, "", "only the Incident Commander may assign the "+role.Title())
				}
			})
			t.Run("self-release", func(t *testing.T) {
				r := newRun(t)
				withIC(r)
				r.do(bob, assign, at(time.Hour))
				_, err := r.try(ada, warroom.ReleaseRole{Role: role}, at(2*time.Hour))
				wantErr(t, err, warroom.EForbidden, "", "only the Incident Commander or the holder may release the "+role.Title()+" role")
				evs := r.do(cy, warroom.ReleaseRole{Role: role, Reason: "end of shift"}, at(2*time.Hour))
				if evs[0].Type != warroom.EventRoleReleased || evs[0].UserID != cy.UserID {
					t.Fatalf("event = %+v", evs[0])
				}
				if got, want := warroom.Describe(&evs[0], handle), "@cy is no longer "+role.Title()+": end of shift (decided by @cy)"; got != want {
					t.Errorf("Describe = %q, want %q", got, want)
				}
				if _, held := r.inc.Roles[role]; held {
					t.Fatalf("role still listed: %v", r.inc.Roles)
				}
				// The IC holds it implicitly again.
				for _, h := range warroom.EffectiveHolders(r.inc) {
					if h.Role == role && (h.UserID != bob.UserID || !h.Implicit) {
						t.Fatalf("holder = %+v", h)
					}
				}
			})
			t.Run("nobody to release", func(t *testing.T) {
				r := newRun(t)
				_, err := r.try(ada, warroom.ReleaseRole{Role: role}, at(time.Hour))
				wantErr(t, err, warroom.EConflict, "", "nobody to release: that person does not hold the "+role.Title()+" role")
			})
		})
	}
}

func TestParallelInvestigators(t *testing.T) {
	r := newRun(t)
	withIC(r)
	pi := warroom.RoleParallelInvestigator
	r.do(cy, warroom.AssignRole{Role: pi, UserID: cy.UserID, UserTeamID: cy.TeamID}, at(time.Hour))
	evs := r.do(dan, warroom.AssignRole{Role: pi, UserID: dan.UserID, UserTeamID: dan.TeamID}, at(time.Hour))
	if evs[0].PreviousUserID != "" {
		t.Errorf("previous = %q, want none for a multi role", evs[0].PreviousUserID)
	}
	if !reflect.DeepEqual(r.inc.Roles[pi], []string{cy.UserID, dan.UserID}) {
		t.Fatalf("investigators = %v", r.inc.Roles[pi])
	}
	_, err := r.try(cy, warroom.AssignRole{Role: pi, UserID: cy.UserID}, at(time.Hour))
	wantErr(t, err, warroom.EConflict, "", "that person is already Parallel Investigator")
	_, err = r.try(cy, warroom.ReleaseRole{Role: pi, UserID: dan.UserID}, at(time.Hour))
	wantErr(t, err, warroom.EForbidden, "", "only the Incident Commander or the holder may release the Parallel Investigator role")
	_, err = r.try(cy, warroom.ReleaseRole{Role: pi}, at(time.Hour))
	wantErr(t, err, warroom.EConflict, "", "nobody to release: that person does not hold the Parallel Investigator role")
	r.do(dan, warroom.ReleaseRole{Role: pi, UserID: dan.UserID}, at(2*time.Hour))
	if !reflect.DeepEqual(r.inc.Roles[pi], []string{cy.UserID}) {
		t.Fatalf("investigators = %v", r.inc.Roles[pi])
	}
	r.do(bob, warroom.ReleaseRole{Role: pi, UserID: cy.UserID}, at(2*time.Hour))
	if _, ok := r.inc.Roles[pi]; ok {
		t.Fatalf("investigators = %v, want none", r.inc.Roles[pi])
	}
}

func TestAssignRoleRefusals(t *testing.T) {
	tests := []struct {
		name                string
		cmd                 warroom.AssignRole
		code, field, errmsg string
	}{
		{"unknown role", warroom.AssignRole{Role: "chef", UserID: cy.UserID}, warroom.EInvalid, "role", `unknown role "chef"`},
		{"nobody", warroom.AssignRole{Role: warroom.RoleScribe}, warroom.EInvalid, "user", "say who takes the role"},
		{"already held by that person", warroom.AssignRole{Role: warroom.RoleTechnicalLead, UserID: ada.UserID}, warroom.EConflict, "", "that person is already Technical Lead"},
		{"already owner", warroom.AssignRole{Role: warroom.RoleIncidentOwner, UserID: ada.UserID, Reason: "x"}, warroom.EConflict, "", "that person is already Incident Owner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(t)
			_, err := r.try(ada, tt.cmd, at(time.Minute))
			wantErr(t, err, tt.code, tt.field, tt.errmsg)
		})
	}
	t.Run("IC already IC", func(t *testing.T) {
		r := newRun(t)
		withIC(r)
		_, err := r.try(bob, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: bob.UserID}, at(time.Hour))
		wantErr(t, err, warroom.EConflict, "", "that person is already Incident Commander")
	})
	t.Run("unknown role release", func(t *testing.T) {
		r := newRun(t)
		_, err := r.try(ada, warroom.ReleaseRole{Role: "chef"}, at(time.Hour))
		wantErr(t, err, warroom.EInvalid, "role", `unknown role "chef"`)
	})
}

func TestRoleAssignmentDescribe(t *testing.T) {
	for _, role := range warroom.Roles {
		for _, reason := range []string{"", "handover at shift change"} {
			t.Run(string(role)+"/"+reason, func(t *testing.T) {
				r := newRun(t)
				// ada is first responder and owner, so she may assign every role.
				cmd := warroom.AssignRole{Role: role, UserID: cy.UserID, UserTeamID: cy.TeamID, Reason: reason}
				if role == warroom.RoleIncidentOwner && reason == "" {
					cmd.Reason = "handover at shift change"
				}
				evs := r.do(ada, cmd, at(time.Minute))
				want := "@cy is " + role.Title() + " now"
				if cmd.Reason != "" {
					want += ": " + cmd.Reason
				}
				want += " (decided by @ada)"
				if got := warroom.Describe(&evs[0], handle); got != want {
					t.Fatalf("Describe = %q, want %q", got, want)
				}
			})
		}
	}
}

// Seed 004: a parallel investigator is brought in by the IC "or by any
// other members" of the incident; a stranger cannot bring anyone in.
func TestParticipantBringsInParallelInvestigator(t *testing.T) {
	r := newRun(t)
	withIC(r) // ada (first responder) and bob (IC) take part now
	pi := warroom.RoleParallelInvestigator
	_, err := r.try(cy, warroom.AssignRole{Role: pi, UserID: dan.UserID, UserTeamID: dan.TeamID}, at(time.Hour))
	wantErr(t, err, warroom.EForbidden, "", "only the Incident Commander may assign the Parallel Investigator")
	evs := r.do(ada, warroom.AssignRole{Role: pi, UserID: dan.UserID, UserTeamID: dan.TeamID}, at(time.Hour))
	if got, want := warroom.Describe(&evs[0], handle), "@dan is Parallel Investigator now (decided by @ada)"; got != want {
		t.Fatalf("Describe = %q, want %q", got, want)
	}
}

// Permission is checked before the reason: a stranger handing over the
// Incident Owner is told they may not, not that a reason is missing.
func TestOwnerHandoverByStrangerIsForbiddenFirst(t *testing.T) {
	r := newRun(t)
	withIC(r)
	_, err := r.try(cy, warroom.AssignRole{Role: warroom.RoleIncidentOwner, UserID: cy.UserID}, at(time.Hour))
	wantErr(t, err, warroom.EForbidden, "", "only the current Incident Owner or the Incident Commander may hand over the Incident Owner")
}
