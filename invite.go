package warroom

import "time"

// ReasonPagedToTakeCommand is why the system invites a person it pages to
// take command of an incident (InvitePaged).
const ReasonPagedToTakeCommand = "paged to take command"

// InvitePaged returns the events that make people paged for an incident
// (to take command of it) its participants, each saying why (reason):
// a person paged to an incident is needed there, and a private incident
// must let them see it, and the page's link (taking command) must work
// for them. It is AddParticipant decided by the system for each person
// not taking part yet, in one command; an incident no longer open, or
// whose every person takes part already, needs none (nil).
//
// They are invited without their team: being paged involves no team
// until the person answers (taking command records their team), so that
// a page nobody answers does not make an incident major by the teams
// rule.
func InvitePaged(inc *Incident, userIDs []string, reason string, now time.Time, p Policy) ([]Event, error) {
	if !inc.Stage.Open() {
		return nil, nil
	}
	var events []Event
	invited := map[string]bool{}
	for _, id := range userIDs {
		if id == "" || invited[id] || inc.IsParticipant(id) {
			continue
		}
		invited[id] = true
		evs, err := AddParticipant{UserID: id, Reason: reason}.decide(inc, Actor{}, now)
		if err != nil {
			return nil, err
		}
		events = append(events, evs...)
	}
	if len(events) == 0 {
		return nil, nil
	}
	return finish(inc, inc.ID, Actor{}, events, now, p)
}
