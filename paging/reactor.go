package paging

import (
	"fmt"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// Reactor returns the function the store calls inside every incident
// transaction (sqlstore.Store.SetIncidentReactor), so that an incident's
// jobs are committed atomically with the events that call for them:
//
//   - on EventDeclared: incident.announce at once, incident.ic_check at
//     warroom.FirstResponderDeadline, incident.major_check at MajorDueAt;
//   - when the major instant may have moved (impact start corrected,
//     stage changed, reopened): a major_check at the new instant;
//   - on EventAcknowledged of an incident declared before:
//     incident.ack_alerts at once, so that its firing alerts are
//     acknowledged whoever acknowledged it (the API and an alert's page do
//     it at once themselves; chat's /inc ack did not at all).
//
// Acknowledgements cancel nothing: every handler and the sender check the
// state again before acting. Jobs are keyed, so a replayed command
// schedules nothing twice. inc is the state after events.
func Reactor(policy warroom.Policy) func(inc *warroom.Incident, events []warroom.Event) []engine.Job {
	return func(inc *warroom.Incident, events []warroom.Event) []engine.Job {
		var jobs []engine.Job
		recheckMajor, declared := false, false
		var acked []warroom.Event // a declaration's own acknowledgement aside
		for _, e := range events {
			switch e.Type {
			case warroom.EventDeclared:
				jobs = append(jobs,
					newJob(KindIncidentAnnounce, "announce:"+inc.ID, e.At, IncidentPayload{IncidentID: inc.ID}),
					icCheckJob(inc.ID, warroom.FirstResponderDeadline(inc, policy)))
				recheckMajor, declared = true, true
			case warroom.EventImpactStartCorrected, warroom.EventStageChanged, warroom.EventReopened:
				recheckMajor = true
			case warroom.EventAcknowledged:
				acked = append(acked, e)
			}
		}
		// A new incident has no alerts to acknowledge yet (one declared
		// from an alert acknowledges that alert itself).
		if declared {
			acked = nil
		}
		for _, e := range acked {
			jobs = append(jobs, newJob(KindIncidentAckAlerts, fmt.Sprintf("ack_alerts:%s:%d", inc.ID, e.Seq), e.At,
				IncidentPayload{IncidentID: inc.ID}))
		}
		if due, ok := warroom.MajorDueAt(inc, policy); recheckMajor && ok && inc.Stage.Open() {
			jobs = append(jobs, majorCheckJob(inc.ID, due))
		}
		return jobs
	}
}

// Reactor is Reactor(cfg.Policy).
func (p *Pager) Reactor() func(inc *warroom.Incident, events []warroom.Event) []engine.Job {
	return Reactor(p.cfg.Policy)
}

func icCheckJob(incidentID string, at time.Time) engine.Job {
	return newJob(KindIncidentICCheck, fmt.Sprintf("ic_check:%s:%d", incidentID, at.UnixMicro()), at, IncidentPayload{IncidentID: incidentID})
}

func majorCheckJob(incidentID string, at time.Time) engine.Job {
	return newJob(KindIncidentMajor, fmt.Sprintf("major_check:%s:%d", incidentID, at.UnixMicro()), at, IncidentPayload{IncidentID: incidentID})
}
