package warroom

import (
	"strings"
	"time"
)

// Assessment is the first assessment of an incident's impact (seed 003,
// "Assess"): who is affected, what the actual impact is, and when it
// started. Speed over accuracy: rough answers first, revisited later.
type Assessment struct {
	WhoAffected  string     `json:"who_affected,omitempty"`
	ActualImpact string     `json:"actual_impact,omitempty"`
	StartedAt    *time.Time `json:"started_at,omitempty"`
	// AnsweredAt is when the last of the three questions got its first
	// answer: the assessment is complete from then on.
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// AssessmentQuestion is one of the questions warroom asks right after
// declaration.
type AssessmentQuestion struct {
	Field    string `json:"field"`
	Question string `json:"question"`
}

// AssessmentQuestions are seed 003's three questions.
var AssessmentQuestions = []AssessmentQuestion{
	{"who_affected", "Who is affected by this? Is it just one customer, all of them, 20% of them?"},
	{"actual_impact", "What's the actual impact of the service failure? Are we failing to run builds? Would it go unnoticed in most scenarios?"},
	{"started_at", "Do we know when the issue started? Often the start is not when we were made aware of it."},
}

// EventAssessed records answers to the assessment questions; the event
// carries the whole assessment after them.
const EventAssessed EventType = "assessment.answered"

func init() {
	applyEvent[EventAssessed] = func(inc *Incident, e *Event) {
		if e.Assessment != nil {
			a := *e.Assessment
			inc.Assessment = &a
		}
	}
}

// Unanswered returns the fields of the questions an incident's assessment
// has no answer to yet, in the order asked.
func Unanswered(inc *Incident) []string {
	a := inc.Assessment
	if a == nil {
		a = &Assessment{}
	}
	var out []string
	if strings.TrimSpace(a.WhoAffected) == "" {
		out = append(out, "who_affected")
	}
	if strings.TrimSpace(a.ActualImpact) == "" {
		out = append(out, "actual_impact")
	}
	if a.StartedAt == nil {
		out = append(out, "started_at")
	}
	return out
}

// AssessDueAt is when the first assessment should be complete: the
// declaration plus the policy's assess target (5 minutes).
func AssessDueAt(inc *Incident, p Policy) time.Time { return inc.DeclaredAt.Add(p.AssessTarget) }

// Assess answers one or more assessment questions; a question not given
// keeps its earlier answer. A start time earlier than the one the
// incident has also corrects its impact start (the metrics count from
// it), with the reason "assessment".
type Assess struct {
	WhoAffected  string     `json:"who_affected,omitempty"`
	ActualImpact string     `json:"actual_impact,omitempty"`
	StartedAt    *time.Time `json:"started_at,omitempty"`
}

// Name implements Command.
func (Assess) Name() string { return "assess" }

func (c Assess) decide(inc *Incident, _ Actor, now time.Time) ([]Event, error) {
	if strings.TrimSpace(c.WhoAffected) == "" && strings.TrimSpace(c.ActualImpact) == "" && c.StartedAt == nil {
		return nil, Invalid("who_affected", "answer at least one question: who_affected, actual_impact or started_at")
	}
	if err := checkText("who_affected", c.WhoAffected, maxReasonText, false); err != nil {
		return nil, err
	}
	if err := checkText("actual_impact", c.ActualImpact, maxReasonText, false); err != nil {
		return nil, err
	}
	a := Assessment{}
	if inc.Assessment != nil {
		a = *inc.Assessment
	}
	if s := strings.TrimSpace(c.WhoAffected); s != "" {
		a.WhoAffected = s
	}
	if s := strings.TrimSpace(c.ActualImpact); s != "" {
		a.ActualImpact = s
	}
	var events []Event
	if c.StartedAt != nil {
		at := c.StartedAt.UTC()
		switch {
		case at.After(now):
			return nil, Invalid("started_at", "the start cannot be in the future")
		case at.After(inc.DetectedAt):
			return nil, Invalid("started_at", "the issue cannot start after it was detected (%s)", inc.DetectedAt.UTC().Format(time.RFC3339))
		}
		a.StartedAt = &at
		if !at.Equal(inc.ImpactStartedAt) {
			events = append(events, Event{Type: EventImpactStartCorrected, Time: &at, Reason: "assessment: when it started"})
		}
	}
	if a.AnsweredAt == nil && a.WhoAffected != "" && a.ActualImpact != "" && a.StartedAt != nil {
		t := now
		a.AnsweredAt = &t
	}
	return append([]Event{{Type: EventAssessed, Assessment: &a, Text: assessmentText(a)}}, events...), nil
}

func assessmentText(a Assessment) string {
	var parts []string
	if a.WhoAffected != "" {
		parts = append(parts, "affected: "+a.WhoAffected)
	}
	if a.ActualImpact != "" {
		parts = append(parts, "impact: "+a.ActualImpact)
	}
	if a.StartedAt != nil {
		parts = append(parts, "started "+a.StartedAt.UTC().Format(time.RFC3339))
	}
	return "assessment: " + strings.Join(parts, "; ")
}
