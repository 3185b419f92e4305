package warroom

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Frequency says whether the failure is constant or comes and goes.
type Frequency string

// Frequencies.
const (
	FrequencyPersistent   Frequency = "persistent"
	FrequencyIntermittent Frequency = "intermittent"
)

// Detection says how the incident was detected; the postmortem asks
// whether monitoring caught it before customers did.
type Detection string

// Detection sources.
const (
	DetectedByMonitoring     Detection = "monitoring"
	DetectedByCustomerReport Detection = "customer_report"
	DetectedByStaff          Detection = "staff"
)

// Impact is the assessed impact of an incident (seed 000: the IC defines
// the incident in terms of impact, frequency and severity).
type Impact struct {
	Description    string    `json:"description,omitempty"`
	Customers      []string  `json:"customers,omitempty"`     // affected customers by name
	UsersPercent   float64   `json:"users_percent,omitempty"` // share of users affected, 0-100
	ServiceIDs     []string  `json:"service_ids,omitempty"`
	Cluster        string    `json:"cluster,omitempty"`
	Frequency      Frequency `json:"frequency,omitempty"`
	CustomerImpact bool      `json:"customer_impact"` // customers are affected
	SLAImpact      bool      `json:"sla_impact"`      // a customer SLA is affected
	// DataLoss: data was lost, so a postmortem is required (postmortem.go).
	DataLoss bool `json:"data_loss,omitempty"`
}

// Validate checks an impact's fields.
func (im *Impact) Validate() error {
	switch {
	case im.UsersPercent < 0 || im.UsersPercent > 100:
		return Invalid("impact.users_percent", "share of users must be between 0 and 100")
	case im.Frequency != "" && im.Frequency != FrequencyPersistent && im.Frequency != FrequencyIntermittent:
		return Invalid("impact.frequency", "frequency must be persistent or intermittent")
	case len(im.Description) > 4000:
		return Invalid("impact.description", "impact description must be at most 4000 characters")
	}
	return nil
}

// Declaration is everything known when an incident is declared.
type Declaration struct {
	Number          int64      `json:"number"`
	Title           string     `json:"title"`
	Summary         string     `json:"summary,omitempty"`
	Severity        Severity   `json:"severity"`
	Impact          Impact     `json:"impact"`
	Detection       Detection  `json:"detection"`
	DetectedAt      *time.Time `json:"detected_at,omitempty"`       // defaults to the declaration time
	ImpactStartedAt *time.Time `json:"impact_started_at,omitempty"` // may be before detection
	Private         bool       `json:"private,omitempty"`
	Major           bool       `json:"major,omitempty"` // marked major by hand at declaration
	BridgeURL       string     `json:"bridge_url,omitempty"`
}

// Validate checks a declaration's fields at time now.
func (d *Declaration) Validate(now time.Time) error {
	d.Title = strings.TrimSpace(d.Title)
	switch {
	case d.Title == "":
		return Invalid("title", "title is required: say in a few words what is failing")
	case len(d.Title) > 200:
		return Invalid("title", "title must be at most 200 characters")
	case len(d.Summary) > 10000:
		return Invalid("summary", "summary must be at most 10000 characters")
	case d.Severity == "":
		return Invalid("severity", "severity is required: SEV1 (worst) to SEV4")
	case !d.Severity.Valid():
		return Invalid("severity", "severity must be one of SEV1, SEV2, SEV3, SEV4")
	}
	switch d.Detection {
	case "":
		d.Detection = DetectedByStaff
	case DetectedByMonitoring, DetectedByCustomerReport, DetectedByStaff:
	default:
		return Invalid("detection", "detection must be monitoring, customer_report or staff")
	}
	if err := d.Impact.Validate(); err != nil {
		return err
	}
	if d.DetectedAt != nil && d.DetectedAt.After(now) {
		return Invalid("detected_at", "detection time is in the future")
	}
	if d.ImpactStartedAt != nil {
		if d.ImpactStartedAt.After(now) {
			return Invalid("impact_started_at", "impact start is in the future")
		}
		if d.DetectedAt != nil && d.ImpactStartedAt.After(*d.DetectedAt) {
			return Invalid("impact_started_at", "impact cannot start after it was detected")
		}
	}
	return nil
}

// Hypothesis is a suspected cause and what became of it.
type Hypothesis struct {
	Seq      int64  `json:"seq"`
	Text     string `json:"text"`
	Status   string `json:"status"`
	Evidence string `json:"evidence,omitempty"`
}

// Incident is the state of an incident: a fold of its events. It is the
// read model the store keeps beside the events, updated in the same
// transaction.
type Incident struct {
	ID           string    `json:"id"`
	Number       int64     `json:"number"`
	Ref          string    `json:"ref"` // the short human number, "INC-42"
	Title        string    `json:"title"`
	Summary      string    `json:"summary,omitempty"`
	Severity     Severity  `json:"severity"`
	Stage        Stage     `json:"stage"`
	Impact       Impact    `json:"impact"`
	Detection    Detection `json:"detection"`
	Private      bool      `json:"private"`
	Major        bool      `json:"major"`
	MajorReasons []string  `json:"major_reasons,omitempty"`
	BridgeURL    string    `json:"bridge_url,omitempty"`

	DeclaredByID     string `json:"declared_by_id"`
	FirstResponderID string `json:"first_responder_id"`
	// Roles holds the assigned holders of each role; see EffectiveHolders
	// for who holds a role nobody was assigned.
	Roles            map[Role][]string `json:"roles"`
	Participants     []string          `json:"participants"`
	ParticipantTeams []string          `json:"participant_teams,omitempty"`

	DeclaredAt      time.Time           `json:"declared_at"`
	DetectedAt      time.Time           `json:"detected_at"`
	ImpactStartedAt time.Time           `json:"impact_started_at"`
	AcknowledgedAt  *time.Time          `json:"acknowledged_at,omitempty"`
	MajorAt         *time.Time          `json:"major_at,omitempty"`
	RecoveredAt     *time.Time          `json:"recovered_at,omitempty"` // the latest recovery; StageTimes keeps the first
	StageTimes      map[Stage]time.Time `json:"stage_times"`            // when each stage was first reached
	Reopened        int                 `json:"reopened,omitempty"`

	Hypotheses []Hypothesis `json:"hypotheses,omitempty"`
	Starred    []int64      `json:"starred,omitempty"`
	// Assessment holds the answers to the assessment questions (assess.go).
	Assessment *Assessment `json:"assessment,omitempty"`
	// After the fire: shift handoffs (handoff.go), the return-to-baseline
	// check (baseline.go), the timeline session and its draft follow-ups
	// (timelinesession.go).
	Handoffs        []HandoffState   `json:"handoffs,omitempty"`
	Baseline        *BaselineCheck   `json:"baseline,omitempty"`
	TimelineSession *TimelineSession `json:"timeline_session,omitempty"`
	DraftFollowUps  []DraftFollowUp  `json:"draft_follow_ups,omitempty"`

	Version   int64     `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// FormatRef returns the short human number of an incident.
func FormatRef(number int64) string { return "INC-" + strconv.FormatInt(number, 10) }

// ParseRef accepts "INC-42", "inc-42" or "42" and returns 42.
func ParseRef(s string) (int64, bool) {
	s = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "INC-")
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// Holder returns the single assigned holder of a role, or "".
func (inc *Incident) Holder(r Role) string {
	if h := inc.Roles[r]; len(h) > 0 {
		return h[0]
	}
	return ""
}

// IsParticipant reports whether a user took part in the incident.
func (inc *Incident) IsParticipant(userID string) bool {
	return slices.Contains(inc.Participants, userID)
}

// VisibleTo reports whether an actor may see the incident: private
// incidents are seen only by their participants and admins.
func (inc *Incident) VisibleTo(a Actor) bool {
	return !inc.Private || a.Role == AccountAdmin || inc.IsParticipant(a.UserID)
}

// Fold builds an incident's state from its events, in order.
func Fold(events []Event) (*Incident, error) {
	inc := &Incident{}
	for i := range events {
		if err := inc.Apply(&events[i]); err != nil {
			return nil, err
		}
	}
	return inc, nil
}

// Apply folds one event into the state. Events are facts: Apply never
// refuses a well-formed event (the rules were checked when it was decided),
// it only refuses events out of sequence.
func (inc *Incident) Apply(e *Event) error {
	if e.Seq != inc.Version+1 {
		return fmt.Errorf("event %d of incident %s out of sequence after version %d", e.Seq, e.IncidentID, inc.Version)
	}
	if e.Seq == 1 && e.Type != EventDeclared {
		return fmt.Errorf("incident %s: first event is %s, not %s", e.IncidentID, e.Type, EventDeclared)
	}
	apply, ok := applyEvent[e.Type]
	if !ok {
		return fmt.Errorf("event %d of incident %s has unknown type %q", e.Seq, e.IncidentID, e.Type)
	}
	if missing := missingPayload(e); missing != "" {
		return fmt.Errorf("event %d (%s) of incident %s: %s missing", e.Seq, e.Type, e.IncidentID, missing)
	}
	inc.Version, inc.UpdatedAt = e.Seq, e.At
	inc.join(e.ActorID, e.ActorTeamID)
	apply(inc, e)
	return nil
}

// missingPayload names the payload an event of its type needs and lacks.
func missingPayload(e *Event) string {
	switch {
	case e.Type == EventDeclared && e.Declaration == nil:
		return "declaration"
	case e.Type == EventImpactChanged && e.Impact == nil:
		return "impact"
	case e.Type == EventImpactStartCorrected && e.Time == nil:
		return "time"
	case e.Type == EventPrivacyChanged && e.Private == nil:
		return "private"
	}
	return ""
}

// applyEvent holds, per event type, how it changes the state.
var applyEvent = map[EventType]func(*Incident, *Event){
	EventDeclared: func(inc *Incident, e *Event) {
		d := e.Declaration
		inc.ID, inc.Number, inc.Ref = e.IncidentID, d.Number, FormatRef(d.Number)
		inc.Title, inc.Summary, inc.Severity = d.Title, d.Summary, d.Severity
		inc.Impact, inc.Detection, inc.Private = d.Impact, d.Detection, d.Private
		inc.BridgeURL, inc.Stage = d.BridgeURL, StageDeclared
		inc.DeclaredByID, inc.FirstResponderID = e.ActorID, e.ActorID
		inc.DeclaredAt, inc.DetectedAt, inc.ImpactStartedAt = e.At, e.At, e.At
		if d.DetectedAt != nil {
			inc.DetectedAt = *d.DetectedAt
		}
		if d.ImpactStartedAt != nil {
			inc.ImpactStartedAt = *d.ImpactStartedAt
		} else if inc.DetectedAt.Before(inc.ImpactStartedAt) {
			inc.ImpactStartedAt = inc.DetectedAt
		}
		inc.StageTimes = map[Stage]time.Time{StageDeclared: e.At}
		inc.Roles = map[Role][]string{}
	},
	EventDetailsChanged: func(inc *Incident, e *Event) {
		inc.Title, inc.Summary = e.Title, e.Text
	},
	EventStageChanged: func(inc *Incident, e *Event) {
		inc.Stage = e.Stage
		if e.Stage == StageRecovered {
			at := e.At
			inc.RecoveredAt = &at
		}
		if _, seen := inc.StageTimes[e.Stage]; !seen {
			inc.StageTimes[e.Stage] = e.At
		}
	},
	EventReopened: func(inc *Incident, e *Event) {
		inc.Stage = e.Stage
		if _, seen := inc.StageTimes[e.Stage]; !seen {
			inc.StageTimes[e.Stage] = e.At
		}
		inc.Reopened++
	},
	EventSeverityChanged: func(inc *Incident, e *Event) { inc.Severity = e.Severity },
	EventImpactChanged:   func(inc *Incident, e *Event) { inc.Impact = *e.Impact },
	EventImpactStartCorrected: func(inc *Incident, e *Event) {
		inc.ImpactStartedAt = *e.Time
	},
	EventAcknowledged: func(inc *Incident, e *Event) {
		if inc.FirstResponderID == "" {
			inc.FirstResponderID = e.ActorID
		}
		if inc.AcknowledgedAt == nil {
			at := e.At
			inc.AcknowledgedAt = &at
		}
	},
	EventRoleAssigned: func(inc *Incident, e *Event) {
		inc.join(e.UserID, e.UserTeamID)
		if e.Role.Multi() {
			if !slices.Contains(inc.Roles[e.Role], e.UserID) {
				inc.Roles[e.Role] = append(inc.Roles[e.Role], e.UserID)
			}
			return
		}
		inc.Roles[e.Role] = []string{e.UserID}
	},
	EventRoleReleased: func(inc *Incident, e *Event) {
		inc.Roles[e.Role] = slices.DeleteFunc(slices.Clone(inc.Roles[e.Role]), func(u string) bool { return u == e.UserID })
		if len(inc.Roles[e.Role]) == 0 {
			delete(inc.Roles, e.Role)
		}
	},
	EventBecameMajor: func(inc *Incident, e *Event) {
		inc.Major, inc.MajorReasons = true, e.MajorReasons
		at := e.At
		inc.MajorAt = &at
	},
	EventPrivacyChanged:   func(inc *Incident, e *Event) { inc.Private = *e.Private },
	EventParticipantAdded: func(inc *Incident, e *Event) { inc.join(e.UserID, e.UserTeamID) },
	EventEntryStarred: func(inc *Incident, e *Event) {
		if !slices.Contains(inc.Starred, e.Ref) {
			inc.Starred = append(inc.Starred, e.Ref)
			slices.Sort(inc.Starred)
		}
	},
	EventEntryUnstarred: func(inc *Incident, e *Event) {
		inc.Starred = slices.DeleteFunc(inc.Starred, func(s int64) bool { return s == e.Ref })
	},
	EntryHypothesis: func(inc *Incident, e *Event) {
		inc.Hypotheses = append(inc.Hypotheses, Hypothesis{Seq: e.Seq, Text: e.Text, Status: HypothesisOpen})
	},
	EntryHypothesisUpdate: func(inc *Incident, e *Event) {
		for i := range inc.Hypotheses {
			if inc.Hypotheses[i].Seq == e.Ref {
				inc.Hypotheses[i].Status, inc.Hypotheses[i].Evidence = e.HypothesisStatus, e.Evidence
			}
		}
	},
	EntryNote:       func(*Incident, *Event) {},
	EntryAction:     func(*Incident, *Event) {},
	EntryDecision:   func(*Incident, *Event) {},
	EntryLink:       func(*Incident, *Event) {},
	EntryCorrection: func(*Incident, *Event) {},
}

// join records a participant and their team.
func (inc *Incident) join(userID, teamID string) {
	if userID != "" && !slices.Contains(inc.Participants, userID) {
		inc.Participants = append(inc.Participants, userID)
	}
	if teamID != "" && !slices.Contains(inc.ParticipantTeams, teamID) {
		inc.ParticipantTeams = append(inc.ParticipantTeams, teamID)
	}
}

// Clone returns a deep copy, so a command can be decided against a copy
// without touching the caller's state.
func (inc *Incident) Clone() *Incident {
	c := *inc
	c.Roles = make(map[Role][]string, len(inc.Roles))
	for r, h := range inc.Roles {
		c.Roles[r] = slices.Clone(h)
	}
	c.Participants = slices.Clone(inc.Participants)
	c.ParticipantTeams = slices.Clone(inc.ParticipantTeams)
	c.StageTimes = make(map[Stage]time.Time, len(inc.StageTimes))
	for s, t := range inc.StageTimes {
		c.StageTimes[s] = t
	}
	c.Hypotheses = slices.Clone(inc.Hypotheses)
	c.Starred = slices.Clone(inc.Starred)
	c.MajorReasons = slices.Clone(inc.MajorReasons)
	c.Impact.Customers = slices.Clone(inc.Impact.Customers)
	c.Impact.ServiceIDs = slices.Clone(inc.Impact.ServiceIDs)
	return &c
}
