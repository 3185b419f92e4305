package warroom

import (
	"fmt"
	"time"
)

// EventType names what happened. The timeline of an incident is its events
// in order; the incident's state is a fold of them (Fold).
type EventType string

// System events: changes to the incident itself.
const (
	EventDeclared             EventType = "incident.declared"
	EventDetailsChanged       EventType = "incident.details_changed"
	EventStageChanged         EventType = "stage.changed"
	EventReopened             EventType = "incident.reopened"
	EventSeverityChanged      EventType = "severity.changed"
	EventImpactChanged        EventType = "impact.changed"
	EventImpactStartCorrected EventType = "impact_start.corrected"
	EventAcknowledged         EventType = "incident.acknowledged"
	EventRoleAssigned         EventType = "role.assigned"
	EventRoleReleased         EventType = "role.released"
	EventBecameMajor          EventType = "incident.major"
	EventPrivacyChanged       EventType = "incident.privacy_changed"
	EventParticipantAdded     EventType = "participant.added"
	EventEntryStarred         EventType = "entry.starred"
	EventEntryUnstarred       EventType = "entry.unstarred"
)

// Entries: what responders write on the timeline.
const (
	EntryNote       EventType = "note"       // anything worth recording
	EntryAction     EventType = "action"     // "flushing the cache for service X"
	EntryDecision   EventType = "decision"   // with its reasoning and the trade-off accepted
	EntryHypothesis EventType = "hypothesis" // opened; later eliminated or confirmed
	EntryLink       EventType = "link"       // a dashboard, log query, commit
	// EntryHypothesisUpdate eliminates or confirms an open hypothesis, with
	// the evidence.
	EntryHypothesisUpdate EventType = "hypothesis.updated"
	// EntryCorrection corrects an earlier entry: nothing is edited in place.
	EntryCorrection EventType = "correction"
)

// IsEntry reports whether t is written by a responder rather than recorded
// by the system.
func (t EventType) IsEntry() bool {
	switch t {
	case EntryNote, EntryAction, EntryDecision, EntryHypothesis, EntryLink, EntryHypothesisUpdate, EntryCorrection:
		return true
	}
	return false
}

// Hypothesis states.
const (
	HypothesisOpen       = "open"
	HypothesisEliminated = "eliminated"
	HypothesisConfirmed  = "confirmed"
)

// Event is one time-stamped, append-only timeline entry. Only the fields its
// Type uses are set. Seq numbers an incident's events from 1 without gaps;
// the incident's version is the Seq of its last event.
type Event struct {
	IncidentID  string    `json:"incident_id"`
	Seq         int64     `json:"seq"`
	Type        EventType `json:"type"`
	At          time.Time `json:"at"`
	ActorID     string    `json:"actor_id,omitempty"` // empty for the system
	ActorTeamID string    `json:"actor_team_id,omitempty"`

	Text     string `json:"text,omitempty"`      // entry text; a correction's new text
	Reason   string `json:"reason,omitempty"`    // why: a decision's reasoning, a handover's reason
	TradeOff string `json:"trade_off,omitempty"` // the trade-off a decision accepts
	Evidence string `json:"evidence,omitempty"`  // what eliminated or confirmed a hypothesis
	Ref      int64  `json:"ref,omitempty"`       // the entry this one points at

	Stage        Stage    `json:"stage,omitempty"`
	FromStage    Stage    `json:"from_stage,omitempty"`
	Severity     Severity `json:"severity,omitempty"`
	FromSeverity Severity `json:"from_severity,omitempty"`

	Role           Role   `json:"role,omitempty"`
	UserID         string `json:"user_id,omitempty"` // the person a role or participation is about
	UserTeamID     string `json:"user_team_id,omitempty"`
	PreviousUserID string `json:"previous_user_id,omitempty"` // who held the role before a handover

	HypothesisStatus string `json:"hypothesis_status,omitempty"`
	URL              string `json:"url,omitempty"`
	Title            string `json:"title,omitempty"`

	Impact       *Impact      `json:"impact,omitempty"`
	Time         *time.Time   `json:"time,omitempty"` // a corrected impact start
	Private      *bool        `json:"private,omitempty"`
	MajorReasons []string     `json:"major_reasons,omitempty"`
	Declaration  *Declaration `json:"declaration,omitempty"`

	// Communications (update.go, assess.go, help.go).
	UpdateID   string      `json:"update_id,omitempty"` // the update an update.sent event records
	Audience   Audience    `json:"audience,omitempty"`
	Assessment *Assessment `json:"assessment,omitempty"`  // the answers after an assessment.answered event
	HelpTarget *HelpTarget `json:"help_target,omitempty"` // who was asked for help

	// After the fire (handoff.go, baseline.go, timelinesession.go).
	Handoff         *Handoff         `json:"handoff,omitempty"`
	Baseline        *BaselineCheck   `json:"baseline,omitempty"`
	TimelineSession *TimelineSession `json:"timeline_session,omitempty"`
}

// Describe renders an event as one line for people, e.g. "@ada is Incident
// Commander now (decided by @bob)". name maps a user ID to how it is shown.
func Describe(e *Event, name func(userID string) string) string {
	by := ""
	if e.ActorID != "" {
		by = " (decided by " + name(e.ActorID) + ")"
	}
	switch e.Type {
	case EventDeclared:
		return fmt.Sprintf("%s declared %s: %s", name(e.ActorID), e.Declaration.Severity, e.Declaration.Title)
	case EventDetailsChanged:
		return fmt.Sprintf("title is now %q", e.Title)
	case EventStageChanged:
		return fmt.Sprintf("stage %s → %s%s", e.FromStage, e.Stage, withReason(e.Reason)) + by
	case EventReopened:
		return "incident reopened" + withReason(e.Reason) + by
	case EventSeverityChanged:
		return fmt.Sprintf("severity %s → %s%s", e.FromSeverity, e.Severity, withReason(e.Reason)) + by
	case EventImpactChanged:
		return "impact updated" + withReason(e.Reason) + by
	case EventImpactStartCorrected:
		return fmt.Sprintf("impact start corrected to %s%s", e.Time.UTC().Format(time.RFC3339), withReason(e.Reason)) + by
	case EventAcknowledged:
		return "acknowledged by " + name(e.ActorID)
	case EventRoleAssigned:
		return fmt.Sprintf("%s is %s now%s", name(e.UserID), e.Role.Title(), withReason(e.Reason)) + by
	case EventRoleReleased:
		return fmt.Sprintf("%s is no longer %s%s", name(e.UserID), e.Role.Title(), withReason(e.Reason)) + by
	case EventBecameMajor:
		return "incident is major now: " + joinReasons(e.MajorReasons)
	case EventPrivacyChanged:
		if *e.Private {
			return "incident made private" + by
		}
		return "incident made public" + by
	case EventParticipantAdded:
		if e.Reason != "" {
			return "invited " + name(e.UserID) + withReason(e.Reason) + by
		}
		return name(e.UserID) + " joined the incident"
	case EventEntryStarred:
		return fmt.Sprintf("starred entry #%d for the postmortem", e.Ref)
	case EventEntryUnstarred:
		return fmt.Sprintf("unstarred entry #%d", e.Ref)
	case EntryDecision:
		s := "decision: " + e.Text
		if e.Reason != "" {
			s += "; because " + e.Reason
		}
		if e.TradeOff != "" {
			s += "; trade-off: " + e.TradeOff
		}
		return s
	case EntryHypothesisUpdate:
		return fmt.Sprintf("hypothesis #%d %s: %s", e.Ref, e.HypothesisStatus, e.Evidence)
	case EntryCorrection:
		return fmt.Sprintf("correction of #%d: %s", e.Ref, e.Text)
	case EntryLink:
		return fmt.Sprintf("link: %s %s", e.Title, e.URL)
	case EventHandoffStarted, EventHandoffTeamNamed, EventHandoffCompleted, EventHandoffAcknowledged:
		return describeHandoff(e, name)
	case EventBaselineChecked:
		return describeBaseline(e) + by
	case EventTimelineSessionProposed, EventFollowUpDrafted:
		return describeTimelineSession(e, name)
	case EventReviewDue, EventReviewScheduled, EventReviewHeld:
		return describeReview(e) + by
	case EventPostmortemPublished, EventActionItemDone:
		return e.Text + by
	}
	return string(e.Type) + ": " + e.Text
}

func withReason(r string) string {
	if r == "" {
		return ""
	}
	return ": " + r
}

func joinReasons(rs []string) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += "; "
		}
		s += r
	}
	return s
}
