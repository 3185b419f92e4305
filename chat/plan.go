package chat

import (
	"github.com/warroom/warroom"
)

// ActionKind is one thing the incident channel needs done.
type ActionKind string

// The kinds of actions.
const (
	ActCreate   ActionKind = "create"   // create the channel
	ActTopic    ActionKind = "topic"    // set the topic from the incident as it is now
	ActPurpose  ActionKind = "purpose"  // set the description from the incident as it is now
	ActInvite   ActionKind = "invite"   // invite User
	ActPost     ActionKind = "post"     // post the event into the channel
	ActAnnounce ActionKind = "announce" // post the announcement to Target
	ActArchive  ActionKind = "archive"  // archive the channel
)

// Action is one step of the chat work of an event.
type Action struct {
	Kind   ActionKind
	User   string // ActInvite: warroom user ID
	Target string // ActAnnounce: channel ID
}

// Plan returns, in order, the steps the incident channel needs for event
// e of an incident; announce lists the announcement channels. It is a pure
// function of the event, so the steps of an event are the same every time
// the work runs, and the cursor (State) can count them.
func Plan(e *warroom.Event, private bool, announce []string) []Action {
	post := Action{Kind: ActPost}
	describe := []Action{{Kind: ActTopic}, {Kind: ActPurpose}}
	switch e.Type {
	case warroom.EventDeclared:
		acts := []Action{{Kind: ActCreate}, {Kind: ActTopic}, {Kind: ActPurpose}, {Kind: ActInvite, User: e.ActorID}, post}
		if !private && !e.Declaration.Private {
			for _, ch := range announce {
				acts = append(acts, Action{Kind: ActAnnounce, Target: ch})
			}
		}
		return acts
	case warroom.EventParticipantAdded:
		return []Action{{Kind: ActInvite, User: e.UserID}, post}
	case warroom.EventRoleAssigned:
		acts := []Action{{Kind: ActInvite, User: e.UserID}, post}
		if describedRole(e.Role) {
			acts = append(acts, describe...)
		}
		return acts
	case warroom.EventRoleReleased:
		if describedRole(e.Role) {
			return append([]Action{post}, describe...)
		}
		return []Action{post}
	case warroom.EventDetailsChanged:
		return append([]Action{post}, describe...)
	case warroom.EventStageChanged:
		if e.Stage == warroom.StageClosed {
			return []Action{post, {Kind: ActArchive}}
		}
		return []Action{post}
	case warroom.EventSeverityChanged:
		return append([]Action{post}, describe...)
	case warroom.EventReopened, warroom.EventAcknowledged, warroom.EventBecameMajor,
		warroom.EventImpactChanged, warroom.EventImpactStartCorrected, warroom.EventPrivacyChanged,
		warroom.EventUpdateSent:
		return []Action{post}
	case warroom.EventHandoffStarted, warroom.EventHandoffTeamNamed, warroom.EventHandoffCompleted,
		warroom.EventHandoffAcknowledged, warroom.EventHandoffGraceWarning, warroom.EventBaselineChecked,
		warroom.EventTimelineSessionProposed, warroom.EventFollowUpDrafted, warroom.EventReviewDue, warroom.EventReviewScheduled, warroom.EventReviewHeld:
		// After the fire: the brief, the baseline check and the timeline
		// session go into the incident channel (seed 004).
		return []Action{post}
	}
	if e.Type.IsEntry() {
		return []Action{post}
	}
	return nil // starring: nothing to say in the channel
}

// describedRole: the channel's topic and description name these roles.
func describedRole(r warroom.Role) bool {
	return r == warroom.RoleIncidentCommander || r == warroom.RoleTechnicalLead
}
