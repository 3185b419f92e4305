package warroom

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"text/template"
	"time"
)

// Audience is who an update is written for (seeds 000, 004): the
// responders and the wider team, the affected customers, or executives.
type Audience string

// The audiences.
const (
	AudienceInternal   Audience = "internal"
	AudienceCustomers  Audience = "customers"
	AudienceExecutives Audience = "executives"
)

// Audiences lists every audience.
var Audiences = []Audience{AudienceInternal, AudienceCustomers, AudienceExecutives}

// Valid reports whether a is a known audience.
func (a Audience) Valid() bool { return slices.Contains(Audiences, a) }

// EventUpdateSent records on the timeline that an update was sent; the
// update itself (body, snapshot) is a record of its own (Update).
const EventUpdateSent EventType = "update.sent"

func init() {
	// The update is its own record; the incident's state does not change.
	applyEvent[EventUpdateSent] = func(*Incident, *Event) {}
}

// Limits of an update's text.
const (
	maxUpdateSubject = 200
	maxUpdateBody    = 20000
)

// UpdateSnapshot is the incident's state when an update was sent, so that
// an update can always be read in its context: what was known then, not
// what is known now.
type UpdateSnapshot struct {
	Ref             string            `json:"ref"`
	Title           string            `json:"title"`
	Severity        Severity          `json:"severity"`
	Stage           Stage             `json:"stage"`
	Major           bool              `json:"major"`
	Impact          Impact            `json:"impact"`
	Roles           map[Role][]string `json:"roles"`
	DeclaredAt      time.Time         `json:"declared_at"`
	ImpactStartedAt time.Time         `json:"impact_started_at"`
	RecoveredAt     *time.Time        `json:"recovered_at,omitempty"`
	Version         int64             `json:"version"`
}

// SnapshotOf takes the snapshot of an incident's state.
func SnapshotOf(inc *Incident) UpdateSnapshot {
	c := inc.Clone()
	return UpdateSnapshot{Ref: c.Ref, Title: c.Title, Severity: c.Severity, Stage: c.Stage, Major: c.Major,
		Impact: c.Impact, Roles: c.Roles, DeclaredAt: c.DeclaredAt, ImpactStartedAt: c.ImpactStartedAt,
		RecoveredAt: c.RecoveredAt, Version: c.Version}
}

// Update is one update sent about an incident to an audience. Seq is the
// timeline event (update.sent) that records it.
type Update struct {
	ID         string         `json:"id"`
	IncidentID string         `json:"incident_id"`
	Audience   Audience       `json:"audience"`
	Subject    string         `json:"subject"`
	Body       string         `json:"body"`
	AuthorID   string         `json:"author_id"`
	At         time.Time      `json:"at"`
	Seq        int64          `json:"seq"`
	Snapshot   UpdateSnapshot `json:"snapshot"`
}

// SendUpdate records that an update was sent to an audience. ID is the
// update's ID, chosen by the service.
type SendUpdate struct {
	ID       string   `json:"-"`
	Audience Audience `json:"audience"`
	Subject  string   `json:"subject"`
	Body     string   `json:"body"`
}

// Name implements Command.
func (SendUpdate) Name() string { return "send_update" }

func (c SendUpdate) decide(inc *Incident, _ Actor, _ time.Time) ([]Event, error) {
	if !c.Audience.Valid() {
		return nil, Invalid("audience", "audience must be internal, customers or executives")
	}
	if err := checkText("subject", c.Subject, maxUpdateSubject, false); err != nil {
		return nil, err
	}
	if strings.ContainsAny(c.Subject, "\r\n") {
		return nil, Invalid("subject", "the subject is one line")
	}
	if err := checkText("body", c.Body, maxUpdateBody, true); err != nil {
		return nil, err
	}
	if c.ID == "" {
		return nil, Errorf(EInternal, "update without an ID")
	}
	return []Event{{Type: EventUpdateSent, UpdateID: c.ID, Audience: c.Audience,
		Text: fmt.Sprintf("%s update sent: %s", c.Audience, c.subject(inc))}}, nil
}

// subject is the update's subject, or the default one.
func (c SendUpdate) subject(inc *Incident) string {
	if s := strings.TrimSpace(c.Subject); s != "" {
		return s
	}
	return DefaultUpdateSubject(inc)
}

// DefaultUpdateSubject is the subject of an update that names none.
func DefaultUpdateSubject(inc *Incident) string {
	return fmt.Sprintf("[%s] %s: %s (%s)", inc.Severity, inc.Ref, inc.Title, inc.Stage)
}

// DecideUpdate decides a SendUpdate on inc as a at now (Decide) and
// returns the update it records, with the snapshot of the state it was
// sent in, and the events to append.
func DecideUpdate(inc *Incident, a Actor, c SendUpdate, now time.Time, p Policy) (*Update, []Event, error) {
	events, err := Decide(inc, a, c, now, p)
	if err != nil {
		return nil, nil, err
	}
	u := &Update{ID: c.ID, IncidentID: inc.ID, Audience: c.Audience, Subject: c.subject(inc), Body: c.Body,
		AuthorID: a.UserID, At: now, Seq: events[0].Seq, Snapshot: SnapshotOf(inc)}
	return u, events, nil
}

// UpdateTemplate is the text an update to an audience starts from: a
// text/template rendered with UpdateTemplateData.
type UpdateTemplate struct {
	Audience  Audience  `json:"audience"`
	Subject   string    `json:"subject"`
	Body      string    `json:"body"`
	Default   bool      `json:"default"` // nobody changed it yet
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// UpdateTemplateData is what a template may use. The seeds ask every
// update to say the impact, what we know, what we are doing and when the
// next update comes.
type UpdateTemplateData struct {
	Ref            string
	Title          string
	Severity       Severity
	Stage          Stage
	Major          bool
	Impact         string // the assessed impact, in words
	Customers      []string
	WhatWeKnow     string
	WhatWeAreDoing string
	NextUpdate     string // "by 14:30 UTC", or "when there is news"
	Started        string // impact start, "2026-12-07 13:05 UTC"
	Duration       string // since the impact started
	Commander      string // "@ada", or "not assigned yet"
	BridgeURL      string
}

// DefaultUpdateTemplates are the templates of each audience until someone
// edits them.
func DefaultUpdateTemplates() map[Audience]UpdateTemplate {
	common := "Impact: {{.Impact}}\n\nWhat we know: {{.WhatWeKnow}}\n\nWhat we are doing: {{.WhatWeAreDoing}}\n\nNext update: {{.NextUpdate}}\n"
	return map[Audience]UpdateTemplate{
		AudienceInternal: {Audience: AudienceInternal, Default: true,
			Subject: "[{{.Severity}}] {{.Ref}} {{.Title}}: {{.Stage}}",
			Body:    common + "\nIncident Commander: {{.Commander}}{{if .BridgeURL}}\nBridge: {{.BridgeURL}}{{end}}\n"},
		AudienceCustomers: {Audience: AudienceCustomers, Default: true,
			Subject: "Service incident {{.Ref}}: {{.Title}}",
			Body:    "We are investigating an incident that affects you since {{.Started}}.\n\n" + common},
		AudienceExecutives: {Audience: AudienceExecutives, Default: true,
			Subject: "[{{.Severity}}{{if .Major}}, major{{end}}] {{.Ref}} {{.Title}}",
			Body:    "Impact: {{.Impact}}\nStage: {{.Stage}} ({{.Duration}} since impact started)\nIncident Commander: {{.Commander}}\n\nWhat we know: {{.WhatWeKnow}}\n\nWhat we are doing: {{.WhatWeAreDoing}}\n\nNext update: {{.NextUpdate}}\n"},
	}
}

// SampleTemplateData is the incident every template must render against
// before it is saved.
func SampleTemplateData() UpdateTemplateData {
	return UpdateTemplateData{Ref: "INC-42", Title: "Checkout fails for some users", Severity: SEV2,
		Stage: StageInvestigating, Major: true, Impact: "20% of checkout requests fail", Customers: []string{"Acme"},
		WhatWeKnow: "Errors started after the 13:00 deploy.", WhatWeAreDoing: "Rolling back the deploy.",
		NextUpdate: "by 14:30 UTC", Started: "2026-12-07 13:05 UTC", Duration: "25m", Commander: "@ada",
		BridgeURL: "https://meet.example.com/inc-42"}
}

// CheckTemplate parses a template and renders it against the sample
// incident; EInvalid with the template's own error if it fails. field
// names the input ("subject", "body").
func CheckTemplate(field, text string) error {
	if len(text) > maxUpdateBody {
		return Invalid(field, "template must be at most %d characters", maxUpdateBody)
	}
	if _, err := RenderTemplate(text, SampleTemplateData()); err != nil {
		return Invalid(field, "template does not render: %v", err)
	}
	return nil
}

// RenderTemplate renders one template text with data. A field the data
// does not have is an error, not "<no value>".
func RenderTemplate(text string, data UpdateTemplateData) (string, error) {
	t, err := template.New("update").Option("missingkey=error").Parse(text)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

// TemplateDataOf fills the template data from an incident's state at now.
// name shows a user ID; nextDue is when the next update of the audience
// is due (zero: no cadence).
func TemplateDataOf(inc *Incident, name func(string) string, nextDue time.Time, now time.Time) UpdateTemplateData {
	d := UpdateTemplateData{Ref: inc.Ref, Title: inc.Title, Severity: inc.Severity, Stage: inc.Stage, Major: inc.Major,
		Impact: ImpactText(inc), Customers: inc.Impact.Customers, WhatWeKnow: whatWeKnow(inc),
		WhatWeAreDoing: whatWeAreDoing(inc), NextUpdate: "when there is news",
		Started: inc.ImpactStartedAt.UTC().Format("2006-01-02 15:04 UTC"), Duration: roundDuration(now.Sub(inc.ImpactStartedAt)),
		Commander: "not assigned yet", BridgeURL: inc.BridgeURL}
	if ic := inc.Holder(RoleIncidentCommander); ic != "" {
		d.Commander = name(ic)
	}
	if !nextDue.IsZero() {
		d.NextUpdate = "by " + nextDue.UTC().Format("15:04 UTC")
	}
	return d
}

// ImpactText says the assessed impact in words.
func ImpactText(inc *Incident) string {
	im := inc.Impact
	var parts []string
	if im.Description != "" {
		parts = append(parts, im.Description)
	} else if inc.Assessment != nil && inc.Assessment.ActualImpact != "" {
		parts = append(parts, inc.Assessment.ActualImpact)
	}
	if im.UsersPercent > 0 {
		parts = append(parts, fmt.Sprintf("about %g%% of users affected", im.UsersPercent))
	}
	if len(im.Customers) > 0 {
		parts = append(parts, "customers affected: "+strings.Join(im.Customers, ", "))
	} else if inc.Assessment != nil && inc.Assessment.WhoAffected != "" {
		parts = append(parts, "affected: "+inc.Assessment.WhoAffected)
	}
	if len(parts) == 0 {
		return "being assessed"
	}
	return strings.Join(parts, "; ")
}

func whatWeKnow(inc *Incident) string {
	var b []string
	if inc.Summary != "" {
		b = append(b, inc.Summary)
	}
	for _, h := range inc.Hypotheses {
		if h.Status == HypothesisConfirmed {
			b = append(b, "Confirmed cause: "+h.Text+".")
		}
	}
	if len(b) == 0 {
		return "We are still establishing the cause."
	}
	return strings.Join(b, " ")
}

func whatWeAreDoing(inc *Incident) string {
	switch inc.Stage {
	case StageDeclared, StageInvestigating:
		open := 0
		for _, h := range inc.Hypotheses {
			if h.Status == HypothesisOpen {
				open++
			}
		}
		if open > 0 {
			return fmt.Sprintf("Investigating; %d possible cause(s) under examination.", open)
		}
		return "Investigating the cause."
	case StageIdentified:
		return "The cause is identified; we are working to mitigate the impact."
	case StageMitigated:
		return "The impact is mitigated; we are working to recover full service."
	case StageRecovered, StageBaseline:
		return "Service is recovered; we are returning the system to its normal state."
	}
	return "The incident is resolved."
}

// roundDuration prints a duration to the minute: "1h25m", "3m".
func roundDuration(d time.Duration) string {
	if d < time.Minute {
		return "under a minute"
	}
	return ShortDuration(d.Truncate(time.Minute))
}

// ExecutiveSummary is the summary of an incident's current state for
// executives (seed 004: "provide executive summary of the ongoing state
// of the incident"): severity, impact, stage, roles, duration and the
// last update sent. last may be nil.
func ExecutiveSummary(inc *Incident, name func(string) string, last *Update, now time.Time) string {
	var b strings.Builder
	major := ""
	if inc.Major {
		major = ", major"
	}
	fmt.Fprintf(&b, "%s [%s%s] %s\n", inc.Ref, inc.Severity, major, inc.Title)
	fmt.Fprintf(&b, "Impact: %s\n", ImpactText(inc))
	since := inc.StageTimes[inc.Stage]
	fmt.Fprintf(&b, "Stage: %s (since %s)\n", inc.Stage, since.UTC().Format("15:04 UTC"))
	end := now
	if inc.RecoveredAt != nil {
		end = *inc.RecoveredAt
	}
	fmt.Fprintf(&b, "Duration: %s since impact started at %s", roundDuration(end.Sub(inc.ImpactStartedAt)),
		inc.ImpactStartedAt.UTC().Format("2006-01-02 15:04 UTC"))
	if inc.RecoveredAt != nil {
		b.WriteString(" (recovered)")
	}
	b.WriteString("\nRoles:")
	for _, r := range []Role{RoleIncidentCommander, RoleCommunicationsLead, RoleTechnicalLead, RoleIncidentOwner} {
		who := "nobody"
		if h := inc.Holder(r); h != "" {
			who = name(h)
		} else if ic := inc.Holder(RoleIncidentCommander); ic != "" {
			who = name(ic) + " (as IC)"
		}
		fmt.Fprintf(&b, " %s %s;", r.Title(), who)
	}
	b.WriteString("\nLast update: ")
	if last == nil {
		b.WriteString("none sent yet")
	} else {
		fmt.Fprintf(&b, "%s, %s ago (%s): %s", last.Audience, roundDuration(now.Sub(last.At)),
			last.At.UTC().Format("15:04 UTC"), last.Subject)
	}
	b.WriteString("\n")
	return b.String()
}
