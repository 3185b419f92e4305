package warroom

import "time"

// FirstResponderDeadline returns when the 10-minute rule of the first
// responder protocol (seed 004) falls due for an incident: the policy's
// timeout after the announcement, which is made when it is declared.
func FirstResponderDeadline(inc *Incident, p Policy) time.Time {
	return inc.DeclaredAt.Add(p.FirstResponderICTimeout)
}

// FirstResponderEscalationDue reports whether, at time now, the 10-minute
// rule applies: the deadline has passed, no Incident Commander has been
// assigned, and the service has not been recovered. Then the IC escalation
// policy (region leads, managers) is paged and the first responder is told
// to halt technical work and pick an IC from the responders present.
func FirstResponderEscalationDue(inc *Incident, now time.Time, p Policy) bool {
	return !now.Before(FirstResponderDeadline(inc, p)) &&
		inc.Holder(RoleIncidentCommander) == "" &&
		!inc.Stage.Recovered()
}

// FirstResponderInstruction is what the first responder is told when the
// 10-minute rule applies.
func FirstResponderInstruction(p Policy) string {
	return "No Incident Commander has joined " + formatDuration(p.FirstResponderICTimeout) +
		" after the announcement and service is not recovered: halt any further technical work " +
		"and pick an Incident Commander from the SREs present. Only then continue debugging."
}
