package warroom

import (
	"fmt"
	"slices"
	"time"
)

// The handoff+30 rule (seed 004): "Outgoing team members should disengage
// no later than 30 minutes after their region handoff time." After
// Policy.HandoffGrace from the handoff's completion, people who left the
// incident at that handoff may still add notes and answer questions
// (notes, decisions, hypotheses, updates to stakeholders), but hands-on
// commands (HandsOn) are refused; with Policy.HandoffGraceMode "warn" they
// are accepted and a warning is recorded on the timeline instead. Someone
// who was brought back (holds the Incident Commander, Technical Lead or
// Parallel Investigator role again, or came in with a later handoff) is
// not outgoing any more.

// HandoffRule is the rule's name as messages and docs give it.
const HandoffRule = "handoff+30"

// The modes of the rule (Policy.HandoffGraceMode).
const (
	HandoffGraceRefuse = "refuse"
	HandoffGraceWarn   = "warn"
)

// EventHandoffGraceWarning records, in warn mode, that an outgoing person
// did hands-on work after their grace ended. Text says what and when.
const EventHandoffGraceWarning EventType = "handoff.grace_warning"

func init() {
	applyEvent[EventHandoffGraceWarning] = func(*Incident, *Event) {}
}

// HandsOn reports whether cmd is hands-on work, which handoff+30 keeps
// from outgoing people: actions, stage changes (mitigated and recovered
// included), reopening, completing the return to baseline.
func HandsOn(cmd Command) bool {
	switch c := cmd.(type) {
	case AddEntry:
		return c.Type == EntryAction
	case ChangeStage, Reopen, CompleteBaseline:
		return true
	}
	return false
}

// handsOnRoles are the roles of people working the incident hands-on: who
// holds one again is engaged, not outgoing.
var handsOnRoles = []Role{RoleIncidentCommander, RoleTechnicalLead, RoleParallelInvestigator}

// GraceEnded returns, if userID left the incident at a handoff and its
// grace ended at or before now, that handoff and the end of its grace.
func GraceEnded(inc *Incident, userID string, now time.Time, grace time.Duration) (*HandoffState, time.Time, bool) {
	for _, r := range handsOnRoles {
		if slices.Contains(inc.Roles[r], userID) {
			return nil, time.Time{}, false
		}
	}
	for i := len(inc.Handoffs) - 1; i >= 0; i-- {
		h := &inc.Handoffs[i]
		if h.CompletedAt == nil {
			continue
		}
		if slices.Contains(h.Incoming(), userID) {
			return nil, time.Time{}, false
		}
		if slices.Contains(h.Outgoing, userID) {
			end := h.CompletedAt.Add(grace)
			return h, end, !now.Before(end)
		}
	}
	return nil, time.Time{}, false
}

// checkHandoffGrace applies handoff+30 to a command about to be decided:
// an error in refuse mode, a warning event to append in warn mode, or
// neither.
func checkHandoffGrace(inc *Incident, a Actor, cmd Command, now time.Time, p Policy) (*Event, error) {
	if !HandsOn(cmd) || len(inc.Handoffs) == 0 {
		return nil, nil
	}
	h, end, ended := GraceEnded(inc, a.UserID, now, p.HandoffGrace)
	if !ended {
		return nil, nil
	}
	what := fmt.Sprintf("%s: you left %s at the shift handoff of %s and your grace of %s ended at %s",
		HandoffRule, inc.Ref, h.CompletedAt.UTC().Format("15:04 UTC"), p.HandoffGrace, end.UTC().Format("15:04 UTC"))
	if p.HandoffGraceMode == HandoffGraceWarn {
		return &Event{Type: EventHandoffGraceWarning, Ref: h.CompletedSeq,
			Text: what + "; " + cmd.Name() + " was done anyway (warn mode): only rested people should work on production"}, nil
	}
	return nil, Errorf(EForbidden, "%s; outgoing people may still add notes and answer questions, but not actions, stage changes or mitigations (setting handoff-grace)", what)
}

// beforeDecide runs the rules that look at a command from outside it
// (handoff+30, the return-to-baseline gate) and returns the events they
// add to the command's own.
func beforeDecide(inc *Incident, a Actor, cmd Command, now time.Time, p Policy) ([]Event, error) {
	warn, err := checkHandoffGrace(inc, a, cmd, now, p)
	if err != nil {
		return nil, err
	}
	if err := checkBaselineGate(inc, cmd, p); err != nil {
		return nil, err
	}
	if warn != nil {
		return []Event{*warn}, nil
	}
	return nil, nil
}
