package warroom

import (
	"slices"
	"strings"
)

// Role is an Incident Command role (seeds 000, 001, 004).
type Role string

// The roles. One person may hold several; the Incident Commander is the
// effective holder of every role nobody else holds.
const (
	RoleIncidentCommander    Role = "incident_commander"    // leads and coordinates; holds every undelegated role
	RoleCommunicationsLead   Role = "communications_lead"   // public face; periodic updates to customers and team
	RoleOperationsLead       Role = "operations_lead"       // applies operational tools; only ops touches production
	RoleIncidentOwner        Role = "incident_owner"        // owns the incident end to end; not handed over at shift change
	RoleTechnicalLead        Role = "technical_lead"        // leads the investigation; handed over each shift; changed only by the IC
	RoleScribe               Role = "scribe"                // records the timeline and RCA notes for the IC
	RolePlanningLead         Role = "planning_lead"         // long-running items: fixes, postmortem, handoffs
	RoleParallelInvestigator Role = "parallel_investigator" // hands-on supporting SRE; several may hold it
	RoleCustomerSupportLead  Role = "customer_support_lead" // first-level support; customer notification
)

// Roles lists every role.
var Roles = []Role{RoleIncidentCommander, RoleCommunicationsLead, RoleOperationsLead,
	RoleIncidentOwner, RoleTechnicalLead, RoleScribe, RolePlanningLead,
	RoleParallelInvestigator, RoleCustomerSupportLead}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Multi reports whether several people may hold r at once. Only parallel
// investigators come in numbers; every other role has one holder so that
// responsibility is never ambiguous.
func (r Role) Multi() bool { return r == RoleParallelInvestigator }

// Title is the role's name as people say it.
func (r Role) Title() string {
	switch r {
	case RoleIncidentCommander:
		return "Incident Commander"
	case RoleCommunicationsLead:
		return "Communications Lead"
	case RoleOperationsLead:
		return "Operations Lead"
	case RoleIncidentOwner:
		return "Incident Owner"
	case RoleTechnicalLead:
		return "Technical Lead"
	case RoleScribe:
		return "Scribe"
	case RolePlanningLead:
		return "Planning Lead"
	case RoleParallelInvestigator:
		return "Parallel Investigator"
	case RoleCustomerSupportLead:
		return "Customer Support Lead"
	}
	return string(r)
}

// RoleHolder is who holds a role. Implicit means nobody was assigned it and
// the Incident Commander holds it by default.
type RoleHolder struct {
	Role     Role   `json:"role"`
	UserID   string `json:"user_id"`
	Implicit bool   `json:"implicit,omitempty"`
}

// EffectiveHolders returns, for every role, who holds it: the assigned
// holders, or the Incident Commander for a role nobody holds (seed 000: the
// IC "assumes all roles that have not been delegated yet"). A role with
// neither is absent.
func EffectiveHolders(inc *Incident) []RoleHolder {
	ic := inc.Holder(RoleIncidentCommander)
	var out []RoleHolder
	for _, r := range Roles {
		holders := inc.Roles[r]
		for _, u := range holders {
			out = append(out, RoleHolder{Role: r, UserID: u})
		}
		if len(holders) == 0 && ic != "" {
			out = append(out, RoleHolder{Role: r, UserID: ic, Implicit: true})
		}
	}
	return out
}

// Actor is who issues a command: a user with an account role and a team.
type Actor struct {
	UserID string      `json:"user_id"`
	Handle string      `json:"handle,omitempty"`
	TeamID string      `json:"team_id,omitempty"`
	Role   AccountRole `json:"role"`
}

// CheckRoleChange enforces who may assign, hand over or release a role
// (seed 004):
//
//   - Technical Lead: only the current Incident Commander, or the First
//     Responder while there is no IC ("can be changed only by an explicit
//     decision of the Incident Commander").
//   - Incident Owner: stays through shift changes; handing it to someone
//     else needs a written reason and is decided by the current owner or the
//     IC. It cannot be released, only handed over: an incident always has
//     an owner.
//   - Incident Commander: while there is none, any responder may take it or
//     name one (the first responder "picks an IC from the SREs present");
//     once there is one, only the outgoing IC hands it over (or an admin,
//     when the IC is unreachable).
//   - Any other role: the IC, or any responder while there is no IC; a
//     person may always release a role they hold themselves, and anyone
//     taking part may bring in a parallel investigator (or join as one).
//
// release is true for a release; assignee is then the holder being
// released. Viewers may change nothing, which the caller checks before.
func CheckRoleChange(inc *Incident, actor Actor, role Role, assignee string, release bool, reason string) error {
	ic := inc.Holder(RoleIncidentCommander)
	isIC := ic != "" && ic == actor.UserID
	switch role {
	case RoleTechnicalLead:
		if isIC || (ic == "" && actor.UserID == inc.FirstResponderID) {
			return nil
		}
		if ic == "" {
			return Errorf(EForbidden, "only the first responder may change the Technical Lead while there is no Incident Commander")
		}
		return Errorf(EForbidden, "only the Incident Commander may change the Technical Lead")
	case RoleIncidentOwner:
		if release {
			return Errorf(EConflict, "the Incident Owner cannot be released, only handed over with a written reason")
		}
		owner := inc.Holder(RoleIncidentOwner)
		if owner != "" && actor.UserID != owner && !isIC {
			return Errorf(EForbidden, "only the current Incident Owner or the Incident Commander may hand over the Incident Owner")
		}
		if owner != "" && owner != assignee && strings.TrimSpace(reason) == "" {
			return Invalid("reason", "handing over the Incident Owner needs a written reason")
		}
		return nil
	case RoleIncidentCommander:
		if ic == "" || isIC || actor.Role == AccountAdmin {
			return nil
		}
		return Errorf(EForbidden, "only the current Incident Commander may hand over the Incident Commander role")
	}
	if isIC || ic == "" {
		return nil
	}
	if release && slices.Contains(inc.Roles[role], assignee) && assignee == actor.UserID {
		return nil
	}
	// Seed 004: a parallel investigator is brought in "either by the
	// Incident Commander or by any other members" of the incident.
	if role == RoleParallelInvestigator && !release && (assignee == actor.UserID || inc.IsParticipant(actor.UserID)) {
		return nil
	}
	if release {
		return Errorf(EForbidden, "only the Incident Commander or the holder may release the %s role", role.Title())
	}
	return Errorf(EForbidden, "only the Incident Commander may assign the %s", role.Title())
}
