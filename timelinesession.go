package warroom

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// The timeline session (seed 004, "Root Cause Analysis"): "It has been
// found highly effective for the major roles within the incident to take a
// break after Return to baseline to refresh themselves and then return for
// a 30 minute scavenger hunt to produce the initial timeline ... as well as
// proposing drafts for follow up actions while the incident is still fresh
// in the minds of engineers." Completing the return to baseline proposes
// the session (TimelineSessionBreak later, TimelineSessionLength long, the
// main roles invited); anyone taking part drafts follow-ups from it
// (DraftFollowUp). A draft follow-up is a title and a proposed owner: the
// postmortem's action items adopt them later, with criticality, dates and
// tickets.

// The timeline session's timing.
const (
	TimelineSessionBreak  = time.Hour        // the break after return to baseline
	TimelineSessionLength = 30 * time.Minute // "a 30 minute scavenger hunt"
)

// The timeline session's events.
const (
	EventTimelineSessionProposed EventType = "timeline_session.proposed"
	EventFollowUpDrafted         EventType = "followup.drafted" // Title; UserID: the proposed owner
)

// TimelineSession is the proposed session: when, how long, who.
type TimelineSession struct {
	Start     time.Time     `json:"start"`
	Length    time.Duration `json:"length"`
	Attendees []string      `json:"attendees"`
}

// DraftFollowUp is a follow-up drafted at the timeline session, and the
// command that drafts one. ProposedOwner is a user ID (the service
// resolves handles); empty while nobody is proposed.
type DraftFollowUp struct {
	Seq           int64     `json:"seq,omitempty"`
	Title         string    `json:"title"`
	ProposedOwner string    `json:"proposed_owner,omitempty"`
	DraftedBy     string    `json:"drafted_by,omitempty"`
	At            time.Time `json:"at,omitzero"`
}

// Name implements Command.
func (DraftFollowUp) Name() string { return "draft_follow_up" }

func (c DraftFollowUp) decide(inc *Incident, _ Actor, _ time.Time) ([]Event, error) {
	c.Title = strings.TrimSpace(c.Title)
	if err := checkText("title", c.Title, 200, true); err != nil {
		return nil, err
	}
	if c.ProposedOwner != "" && !inc.IsParticipant(c.ProposedOwner) {
		// Anyone may own a follow-up, but a draft is for the people who
		// worked the incident: someone else is brought in first.
		return nil, Invalid("proposed_owner", "the proposed owner does not take part in %s: add them first", inc.Ref)
	}
	return []Event{{Type: EventFollowUpDrafted, Title: c.Title, UserID: c.ProposedOwner}}, nil
}

// proposeTimelineSession is the proposal made when the return to baseline
// completes at now: the main roles' holders, after a break.
func proposeTimelineSession(inc *Incident, now time.Time) Event {
	var who []string
	for _, h := range EffectiveHolders(inc) {
		switch h.Role {
		case RoleIncidentCommander, RoleTechnicalLead, RoleIncidentOwner, RoleScribe, RoleCommunicationsLead, RoleOperationsLead:
			if !slices.Contains(who, h.UserID) {
				who = append(who, h.UserID)
			}
		}
	}
	return Event{Type: EventTimelineSessionProposed, TimelineSession: &TimelineSession{
		Start: now.Add(TimelineSessionBreak), Length: TimelineSessionLength, Attendees: who}}
}

func init() {
	applyEvent[EventTimelineSessionProposed] = func(inc *Incident, e *Event) {
		if e.TimelineSession != nil {
			s := *e.TimelineSession
			inc.TimelineSession = &s
		}
	}
	applyEvent[EventFollowUpDrafted] = func(inc *Incident, e *Event) {
		inc.DraftFollowUps = append(slices.Clone(inc.DraftFollowUps),
			DraftFollowUp{Seq: e.Seq, Title: e.Title, ProposedOwner: e.UserID, DraftedBy: e.ActorID, At: e.At})
	}
}

// describeTimelineSession renders the session's events for the timeline.
func describeTimelineSession(e *Event, name func(string) string) string {
	if e.Type == EventFollowUpDrafted {
		s := "follow-up drafted: " + e.Title
		if e.UserID != "" {
			s += " (proposed owner " + name(e.UserID) + ")"
		}
		return s
	}
	s := e.TimelineSession
	if s == nil {
		return "timeline session proposed"
	}
	return fmt.Sprintf("timeline session proposed: %s at %s with %s — take a break, then build the initial timeline and draft follow-ups",
		roundDuration(s.Length), s.Start.UTC().Format("15:04 UTC"), joinNames(s.Attendees, name))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
