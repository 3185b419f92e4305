package warroom

import (
	"fmt"
	"strings"
	"time"
)

// Help target types: whom "need help" pages.
const (
	HelpTeam             = "team"              // the people of a team
	HelpEscalationPolicy = "escalation_policy" // an escalation policy, walked step by step until someone paged joins in
)

// HelpTarget is whom an incident asked for help.
type HelpTarget struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

// EventHelpRequested records that someone asked for help (seed 003,
// "Intermission": "I'm not sure what's wrong", "I don't think I have the
// capacity to deal with this"), whom and why.
const EventHelpRequested EventType = "help.requested"

func init() {
	applyEvent[EventHelpRequested] = func(*Incident, *Event) {}
}

// RequestHelp asks a team or an escalation policy for help, saying why.
// Target is resolved by the service from the request's team or policy.
type RequestHelp struct {
	Team             string     `json:"team,omitempty"`
	EscalationPolicy string     `json:"escalation_policy,omitempty"`
	Reason           string     `json:"reason"`
	Target           HelpTarget `json:"-"`
}

// Name implements Command.
func (RequestHelp) Name() string { return "request_help" }

func (c RequestHelp) decide(inc *Incident, _ Actor, _ time.Time) ([]Event, error) {
	if !inc.Stage.Open() {
		return nil, Errorf(EConflict, "%s is %s: nobody is paged for help any more", inc.Ref, inc.Stage)
	}
	if err := checkText("reason", c.Reason, maxReasonText, true); err != nil {
		return nil, err
	}
	t := c.Target
	if (t.Type != HelpTeam && t.Type != HelpEscalationPolicy) || t.ID == "" {
		return nil, Invalid("team", "name a team or an escalation policy to ask for help")
	}
	return []Event{{Type: EventHelpRequested, HelpTarget: &t, Reason: strings.TrimSpace(c.Reason),
		Text: fmt.Sprintf("asked %s %q for help: %s", strings.ReplaceAll(t.Type, "_", " "), t.Name, strings.TrimSpace(c.Reason))}}, nil
}
