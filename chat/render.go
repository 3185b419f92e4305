package chat

import (
	"fmt"
	"strings"

	"github.com/warroom/warroom"
)

// Slack's limits on topics and descriptions (250 characters).
const maxTopic = 250

// Names maps a warroom user ID to how a message shows them.
type Names func(userID string) string

// technicalLead is the Technical Lead: the assigned one, else the First
// Responder (seed 004: "by default the First Responder").
func technicalLead(inc *warroom.Incident) string {
	if tl := inc.Holder(warroom.RoleTechnicalLead); tl != "" {
		return tl
	}
	return inc.FirstResponderID
}

func nobody(name Names, id string) string {
	if id == "" {
		return "nobody yet"
	}
	return name(id)
}

// Topic is the channel's topic: who commands, who leads the technical
// work, where the bridge is.
func Topic(inc *warroom.Incident, name Names) string {
	s := fmt.Sprintf("IC: %s | Tech Lead: %s", nobody(name, inc.Holder(warroom.RoleIncidentCommander)), nobody(name, technicalLead(inc)))
	if inc.BridgeURL != "" {
		s += " | Bridge: " + inc.BridgeURL
	}
	return cut(s, maxTopic)
}

// Purpose is the channel's description (seed 004: IC, Tech Lead, bridge
// link, a short description of the issue).
func Purpose(inc *warroom.Incident, name Names) string {
	desc := inc.Title
	if inc.Impact.Cluster != "" {
		desc += " (cluster " + inc.Impact.Cluster + ")"
	}
	s := fmt.Sprintf("%s %s: %s. IC: %s. Tech Lead: %s.", inc.Ref, inc.Severity, desc,
		nobody(name, inc.Holder(warroom.RoleIncidentCommander)), nobody(name, technicalLead(inc)))
	if inc.BridgeURL != "" {
		s += " Bridge: " + inc.BridgeURL
	}
	return cut(s, maxTopic)
}

// EventMessage is the post of an event in the incident channel: the
// timeline's line for it, with its number, time and author, and for the
// declaration the buttons of the first moves.
func EventMessage(inc *warroom.Incident, e *warroom.Event, name Names) Message {
	text := warroom.Describe(e, func(id string) string { return nobody(name, id) })
	if e.Type.IsEntry() && e.ActorID != "" {
		text = name(e.ActorID) + ": " + text
	}
	// The event's own time: after an outage posts arrive late, and the
	// channel must still read as the timeline (seed 003: time-stamped).
	m := Message{Text: fmt.Sprintf("[%s #%d %s] %s", inc.Ref, e.Seq, e.At.UTC().Format("15:04:05Z"), text)}
	if e.Type == warroom.EventDeclared {
		m.Fields = declaredFields(inc, e, name, "")
		m.Buttons = Buttons(inc.ID)
	}
	return m
}

// Buttons are the common moves offered on an incident's messages.
func Buttons(incidentID string) []Button {
	return []Button{
		{Action: ActionAcknowledge, Label: "Acknowledge", Value: incidentID},
		{Action: ActionTakeCommand, Label: "I am the IC", Value: incidentID},
	}
}

// Announcement is the message to the announcement channels (seed 004:
// link to the bridge, link to the incident channel, a short description,
// who responds).
func Announcement(inc *warroom.Incident, e *warroom.Event, name Names, channelLink string) Message {
	return Message{
		Text:    fmt.Sprintf("Incident %s (%s): %s", inc.Ref, e.Declaration.Severity, e.Declaration.Title),
		Fields:  declaredFields(inc, e, name, channelLink),
		Buttons: Buttons(inc.ID),
	}
}

func declaredFields(inc *warroom.Incident, e *warroom.Event, name Names, channelLink string) []Field {
	d := e.Declaration
	desc := d.Summary
	if desc == "" {
		desc = d.Impact.Description
	}
	if d.Impact.Cluster != "" {
		desc = strings.TrimSpace("cluster " + d.Impact.Cluster + ". " + desc)
	}
	var fs []Field
	if d.BridgeURL != "" {
		fs = append(fs, Field{Label: "Bridge", Value: d.BridgeURL})
	}
	if channelLink != "" {
		fs = append(fs, Field{Label: "Channel", Value: channelLink})
	}
	if desc != "" {
		fs = append(fs, Field{Label: "Description", Value: cut(desc, 500)})
	}
	fs = append(fs, Field{Label: "First responder", Value: nobody(name, inc.FirstResponderID)})
	return fs
}
