package warroom

import (
	"time"
	"unicode/utf8"
)

// TargetType is what an escalation step pages.
type TargetType string

// Target types.
const (
	TargetUser     TargetType = "user"     // one person
	TargetSchedule TargetType = "schedule" // whoever is on call on the schedule at the time
)

// Target is someone an escalation step pages.
type Target struct {
	Type TargetType `json:"type"`
	ID   string     `json:"id"`
}

// EscalationStep pages its targets, then waits Delay before the next step.
type EscalationStep struct {
	Targets []Target `json:"targets"`
	Delay   Duration `json:"delay"`
}

// EscalationPolicy says who is paged, in what order, until someone
// acknowledges. After the last step the policy starts over, Repeat times.
type EscalationPolicy struct {
	ID     string           `json:"id"`
	Name   string           `json:"name"`
	Steps  []EscalationStep `json:"steps"`
	Repeat int              `json:"repeat"`
}

// Validate checks a policy.
func (p *EscalationPolicy) Validate() error {
	switch {
	case p.Name == "":
		return Invalid("name", "name is required")
	case utf8.RuneCountInString(p.Name) > MaxNameChars:
		return Invalid("name", "name must be at most %d characters", MaxNameChars)
	case len(p.Steps) == 0:
		return Invalid("steps", "an escalation policy needs at least one step")
	case p.Repeat < 0 || p.Repeat > 20:
		return Invalid("repeat", "repeat must be between 0 and 20")
	}
	for _, s := range p.Steps {
		if len(s.Targets) == 0 {
			return Invalid("steps.targets", "every step needs at least one target")
		}
		if s.Delay < Duration(time.Minute) {
			return Invalid("steps.delay", "a step waits at least 1m before the next")
		}
		for _, t := range s.Targets {
			if (t.Type != TargetUser && t.Type != TargetSchedule) || t.ID == "" {
				return Invalid("steps.targets", "a target is a user or a schedule, with its ID")
			}
		}
	}
	return nil
}

// Escalation is where paging stands for one alert or incident: which step
// fires next, in which round, and when.
type Escalation struct {
	Step   int       `json:"step"`
	Round  int       `json:"round"`
	NextAt time.Time `json:"next_at"`
	Done   bool      `json:"done"`
}

// StartEscalation returns an escalation whose first step fires at now.
func StartEscalation(now time.Time) Escalation { return Escalation{NextAt: now} }

// Fire returns the targets of the escalation's current step and the
// escalation after it: the next step due after this step's delay, the first
// step again after the last while rounds remain, or Done. The step's time
// is counted from when it was due, not from when it ran, so a late run does
// not push every later step back.
func (e Escalation) Fire(p *EscalationPolicy) ([]Target, Escalation) {
	if e.Done || e.Step >= len(p.Steps) {
		return nil, Escalation{Step: e.Step, Round: e.Round, Done: true}
	}
	step := p.Steps[e.Step]
	next := Escalation{Step: e.Step + 1, Round: e.Round, NextAt: e.NextAt.Add(time.Duration(step.Delay))}
	if next.Step == len(p.Steps) {
		if e.Round >= p.Repeat {
			next = Escalation{Step: e.Step, Round: e.Round, Done: true}
		} else {
			next.Step, next.Round = 0, e.Round+1
		}
	}
	return step.Targets, next
}

// ContactChannel is how a person is reached.
type ContactChannel string

// Contact channels.
const (
	ContactEmail   ContactChannel = "email"
	ContactSlack   ContactChannel = "slack"   // a Slack user or channel ID, through chat.postMessage
	ContactWebhook ContactChannel = "webhook" // a signed HTTP POST
)

// ContactMethod is one way to reach a user.
type ContactMethod struct {
	ID      string         `json:"id"`
	UserID  string         `json:"user_id"`
	Channel ContactChannel `json:"channel"`
	Address string         `json:"address"`
}

// NotificationRule is a user's own rule: when paged, notify this contact
// method after Delay ("Slack at once, email after 2 minutes").
type NotificationRule struct {
	ContactMethodID string   `json:"contact_method_id"`
	Delay           Duration `json:"delay"`
}
