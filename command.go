package warroom

import (
	"slices"
	"strings"
	"time"
)

// Command is a change a person (or the system) asks of an incident. Decide
// turns a command into the events that record it, or refuses it.
type Command interface {
	// Name is the command's name in errors and logs, e.g. "change_stage".
	Name() string
	decide(inc *Incident, a Actor, now time.Time) ([]Event, error)
}

// Limits on text fields, so that one entry cannot bloat a timeline.
const (
	maxEntryText  = 10000
	maxReasonText = 4000
)

// Declare returns the events that open a new incident: the declaration, the
// declaring person as First Responder, acknowledging it and holding the
// Incident Owner and Technical Lead roles by default (seed 004), and the
// incident becoming major if the rules or the declarer say so.
func Declare(id string, d Declaration, a Actor, now time.Time, p Policy) ([]Event, error) {
	if !a.Role.CanWrite() {
		return nil, Errorf(EForbidden, "viewers can read incidents but not declare them")
	}
	if err := d.Validate(now); err != nil {
		return nil, err
	}
	decl := d
	events := []Event{{Type: EventDeclared, Declaration: &decl}}
	if a.UserID != "" {
		events = append(events,
			Event{Type: EventAcknowledged},
			Event{Type: EventRoleAssigned, Role: RoleIncidentOwner, UserID: a.UserID, UserTeamID: a.TeamID, Reason: "first responder"},
			Event{Type: EventRoleAssigned, Role: RoleTechnicalLead, UserID: a.UserID, UserTeamID: a.TeamID, Reason: "first responder"},
		)
	}
	if d.Major {
		events = append(events, Event{Type: EventBecameMajor, MajorReasons: []string{"marked major at declaration"}})
	}
	return finish(&Incident{}, id, a, events, now, p)
}

// Decide checks a command against an incident's state and returns the
// events to append. It never changes inc. If the command makes a minor
// incident major by the rules, an EventBecameMajor follows its events.
func Decide(inc *Incident, a Actor, cmd Command, now time.Time, p Policy) ([]Event, error) {
	if !inc.VisibleTo(a) {
		// The same words as for an incident that does not exist, so that
		// a private incident's existence does not leak.
		return nil, Errorf(ENotFound, "incident %s not found", inc.Ref)
	}
	if !a.Role.CanWrite() {
		return nil, Errorf(EForbidden, "viewers can read incidents but change nothing")
	}
	if inc.Stage == StageClosed && !allowedWhenClosed(cmd) {
		return nil, Errorf(EConflict, "%s is closed; only notes, stars and corrections can be added", inc.Ref)
	}
	extra, err := beforeDecide(inc, a, cmd, now, p)
	if err != nil {
		return nil, err
	}
	events, err := cmd.decide(inc, a, now)
	if err != nil {
		return nil, err
	}
	return finish(inc, inc.ID, a, append(events, extra...), now, p)
}

// CheckMajor returns the event that makes an incident major if the rules
// say it is at time now and it is not yet: the safety net for the duration
// rule, which no command triggers.
func CheckMajor(inc *Incident, now time.Time, p Policy) []Event {
	if inc.Major || !inc.Stage.Open() {
		return nil
	}
	reasons := MajorReasons(inc, now, p)
	if len(reasons) == 0 {
		return nil
	}
	return []Event{{IncidentID: inc.ID, Seq: inc.Version + 1, Type: EventBecameMajor, At: now, MajorReasons: reasons}}
}

// finish numbers the events after inc's version, stamps them, and appends
// the major event if the command made the incident major.
func finish(inc *Incident, id string, a Actor, events []Event, now time.Time, p Policy) ([]Event, error) {
	after := inc.Clone()
	for i := range events {
		e := &events[i]
		// Every event a command returns is the actor's decision, a major
		// marked by hand included; only the rule's major event below is
		// the system's.
		e.IncidentID, e.Seq, e.At = id, inc.Version+int64(i)+1, now
		e.ActorID, e.ActorTeamID = a.UserID, a.TeamID
		if err := after.Apply(e); err != nil {
			return nil, err
		}
	}
	// As in CheckMajor, the rules classify open incidents only: a note on a
	// closed incident does not make it major after the fact.
	if !after.Major && after.Stage.Open() {
		if reasons := MajorReasons(after, now, p); len(reasons) > 0 {
			events = append(events, Event{IncidentID: id, Seq: after.Version + 1, Type: EventBecameMajor, At: now, MajorReasons: reasons})
		}
	}
	return events, nil
}

func allowedWhenClosed(cmd Command) bool {
	switch c := cmd.(type) {
	case Star, Correct:
		return true
	case RecordPostmortemPublished, RecordActionItemDone:
		return true
	case AddEntry:
		return c.Type == EntryNote
	}
	return false
}

// ChangeStage moves an incident along its lifecycle (CheckTransition).
type ChangeStage struct {
	Stage  Stage  `json:"stage"`
	Reason string `json:"reason,omitempty"`
}

// Name implements Command.
func (ChangeStage) Name() string { return "change_stage" }

func (c ChangeStage) decide(inc *Incident, _ Actor, _ time.Time) ([]Event, error) {
	if err := checkText("reason", c.Reason, maxReasonText, false); err != nil {
		return nil, err
	}
	if err := CheckTransition(inc.Stage, c.Stage); err != nil {
		return nil, err
	}
	return []Event{{Type: EventStageChanged, FromStage: inc.Stage, Stage: c.Stage, Reason: c.Reason}}, nil
}

// Reopen brings a resolved incident back to investigating.
type Reopen struct {
	Reason string `json:"reason"`
}

// Name implements Command.
func (Reopen) Name() string { return "reopen" }

func (c Reopen) decide(inc *Incident, _ Actor, _ time.Time) ([]Event, error) {
	if err := checkText("reason", c.Reason, maxReasonText, true); err != nil {
		return nil, err
	}
	if inc.Stage != StageResolved {
		return nil, Errorf(EConflict, "only a resolved incident can be reopened; %s is %s", inc.Ref, inc.Stage)
	}
	return []Event{{Type: EventReopened, FromStage: inc.Stage, Stage: StageInvestigating, Reason: c.Reason}}, nil
}

// ChangeSeverity changes an incident's severity.
type ChangeSeverity struct {
	Severity Severity `json:"severity"`
	Reason   string   `json:"reason,omitempty"`
}

// Name implements Command.
func (ChangeSeverity) Name() string { return "change_severity" }

func (c ChangeSeverity) decide(inc *Incident, _ Actor, _ time.Time) ([]Event, error) {
	if !c.Severity.Valid() {
		return nil, Invalid("severity", "severity must be one of SEV1, SEV2, SEV3, SEV4")
	}
	if err := checkText("reason", c.Reason, maxReasonText, false); err != nil {
		return nil, err
	}
	if c.Severity == inc.Severity {
		return nil, Errorf(EConflict, "%s is already %s", inc.Ref, c.Severity)
	}
	return []Event{{Type: EventSeverityChanged, FromSeverity: inc.Severity, Severity: c.Severity, Reason: c.Reason}}, nil
}

// ChangeImpact replaces an incident's assessed impact.
type ChangeImpact struct {
	Impact Impact `json:"impact"`
	Reason string `json:"reason,omitempty"`
}

// Name implements Command.
func (ChangeImpact) Name() string { return "change_impact" }

func (c ChangeImpact) decide(_ *Incident, _ Actor, _ time.Time) ([]Event, error) {
	if err := c.Impact.Validate(); err != nil {
		return nil, err
	}
	if err := checkText("reason", c.Reason, maxReasonText, false); err != nil {
		return nil, err
	}
	im := c.Impact
	return []Event{{Type: EventImpactChanged, Impact: &im, Reason: c.Reason}}, nil
}

// CorrectImpactStart corrects when the impact started; it may be earlier
// than detection, and the correction needs a reason.
type CorrectImpactStart struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// Name implements Command.
func (CorrectImpactStart) Name() string { return "correct_impact_start" }

func (c CorrectImpactStart) decide(inc *Incident, _ Actor, now time.Time) ([]Event, error) {
	if err := checkText("reason", c.Reason, maxReasonText, true); err != nil {
		return nil, err
	}
	switch {
	case c.At.IsZero():
		return nil, Invalid("at", "the corrected impact start time is required")
	case c.At.After(now):
		return nil, Invalid("at", "impact start cannot be in the future")
	case c.At.After(inc.DetectedAt):
		return nil, Invalid("at", "impact cannot start after it was detected (%s)", inc.DetectedAt.UTC().Format(time.RFC3339))
	}
	at := c.At.UTC()
	return []Event{{Type: EventImpactStartCorrected, Time: &at, Reason: c.Reason}}, nil
}

// Acknowledge records that a responder has taken the incident. The first
// acknowledgement counts for MTTA; if nobody was first responder yet (an
// incident declared by an alert), the acknowledger becomes it, with the
// Incident Owner and Technical Lead roles.
type Acknowledge struct{}

// Name implements Command.
func (Acknowledge) Name() string { return "acknowledge" }

func (Acknowledge) decide(inc *Incident, a Actor, _ time.Time) ([]Event, error) {
	if inc.AcknowledgedAt != nil {
		return nil, Errorf(EConflict, "%s was already acknowledged at %s", inc.Ref, inc.AcknowledgedAt.UTC().Format(time.RFC3339))
	}
	events := []Event{{Type: EventAcknowledged}}
	if inc.FirstResponderID == "" {
		for _, r := range []Role{RoleIncidentOwner, RoleTechnicalLead} {
			if inc.Holder(r) == "" {
				events = append(events, Event{Type: EventRoleAssigned, Role: r, UserID: a.UserID, UserTeamID: a.TeamID, Reason: "first responder"})
			}
		}
	}
	return events, nil
}

// AssignRole gives a role to a user, handing it over from its holder if it
// has one (CheckRoleChange says who may). UserTeamID is filled in by the
// service from the directory.
type AssignRole struct {
	Role       Role   `json:"role"`
	UserID     string `json:"user_id"`
	UserTeamID string `json:"-"`
	Reason     string `json:"reason,omitempty"`
}

// Name implements Command.
func (AssignRole) Name() string { return "assign_role" }

func (c AssignRole) decide(inc *Incident, a Actor, _ time.Time) ([]Event, error) {
	if !c.Role.Valid() {
		return nil, Invalid("role", "unknown role %q", c.Role)
	}
	if c.UserID == "" {
		return nil, Invalid("user", "say who takes the role")
	}
	if err := checkText("reason", c.Reason, maxReasonText, false); err != nil {
		return nil, err
	}
	if slices.Contains(inc.Roles[c.Role], c.UserID) {
		return nil, Errorf(EConflict, "that person is already %s", c.Role.Title())
	}
	if err := CheckRoleChange(inc, a, c.Role, c.UserID, false, c.Reason); err != nil {
		return nil, err
	}
	prev := ""
	if !c.Role.Multi() {
		prev = inc.Holder(c.Role)
	}
	return []Event{{Type: EventRoleAssigned, Role: c.Role, UserID: c.UserID, UserTeamID: c.UserTeamID, PreviousUserID: prev, Reason: c.Reason}}, nil
}

// ReleaseRole takes a role from its holder without naming a successor.
type ReleaseRole struct {
	Role   Role   `json:"role"`
	UserID string `json:"user_id"`
	Reason string `json:"reason,omitempty"`
}

// Name implements Command.
func (ReleaseRole) Name() string { return "release_role" }

func (c ReleaseRole) decide(inc *Incident, a Actor, _ time.Time) ([]Event, error) {
	if !c.Role.Valid() {
		return nil, Invalid("role", "unknown role %q", c.Role)
	}
	if err := checkText("reason", c.Reason, maxReasonText, false); err != nil {
		return nil, err
	}
	user := c.UserID
	if user == "" && !c.Role.Multi() {
		user = inc.Holder(c.Role)
	}
	if user == "" || !slices.Contains(inc.Roles[c.Role], user) {
		return nil, Errorf(EConflict, "nobody to release: that person does not hold the %s role", c.Role.Title())
	}
	if err := CheckRoleChange(inc, a, c.Role, user, true, c.Reason); err != nil {
		return nil, err
	}
	return []Event{{Type: EventRoleReleased, Role: c.Role, UserID: user, Reason: c.Reason}}, nil
}

// MarkMajor makes an incident major by hand.
type MarkMajor struct {
	Reason string `json:"reason"`
}

// Name implements Command.
func (MarkMajor) Name() string { return "mark_major" }

func (c MarkMajor) decide(inc *Incident, a Actor, _ time.Time) ([]Event, error) {
	if err := checkText("reason", c.Reason, maxReasonText, true); err != nil {
		return nil, err
	}
	if inc.Major {
		return nil, Errorf(EConflict, "%s is already major", inc.Ref)
	}
	return []Event{{Type: EventBecameMajor, MajorReasons: []string{"marked major by hand: " + c.Reason}}}, nil
}

// SetPrivacy makes an incident private (seen only by its participants and
// admins) or public again.
type SetPrivacy struct {
	Private bool   `json:"private"`
	Reason  string `json:"reason,omitempty"`
}

// Name implements Command.
func (SetPrivacy) Name() string { return "set_privacy" }

func (c SetPrivacy) decide(inc *Incident, _ Actor, _ time.Time) ([]Event, error) {
	if inc.Private == c.Private {
		if c.Private {
			return nil, Errorf(EConflict, "%s is already private", inc.Ref)
		}
		return nil, Errorf(EConflict, "%s is already public", inc.Ref)
	}
	p := c.Private
	return []Event{{Type: EventPrivacyChanged, Private: &p, Reason: c.Reason}}, nil
}

// AddParticipant brings a person into an incident, which lets them see it
// if it is private. Reason, if given, says why they were invited (the
// system invites people it pages to take command: InvitePaged).
type AddParticipant struct {
	UserID     string `json:"user_id"`
	UserTeamID string `json:"-"`
	Reason     string `json:"reason,omitempty"`
}

// Name implements Command.
func (AddParticipant) Name() string { return "add_participant" }

func (c AddParticipant) decide(inc *Incident, _ Actor, _ time.Time) ([]Event, error) {
	if c.UserID == "" {
		return nil, Invalid("user", "say who joins")
	}
	if err := checkText("reason", c.Reason, maxReasonText, false); err != nil {
		return nil, err
	}
	if inc.IsParticipant(c.UserID) {
		return nil, Errorf(EConflict, "that person already takes part in %s", inc.Ref)
	}
	return []Event{{Type: EventParticipantAdded, UserID: c.UserID, UserTeamID: c.UserTeamID, Reason: c.Reason}}, nil
}

// AddEntry writes a note, action, decision, hypothesis or link on the
// timeline. A decision states its reasoning (Reason) and may state the
// trade-off it accepts; a link needs a URL.
type AddEntry struct {
	Type     EventType `json:"type"`
	Text     string    `json:"text"`
	Reason   string    `json:"reason,omitempty"`
	TradeOff string    `json:"trade_off,omitempty"`
	URL      string    `json:"url,omitempty"`
	Title    string    `json:"title,omitempty"`
}

// Name implements Command.
func (AddEntry) Name() string { return "add_entry" }

func (c AddEntry) decide(_ *Incident, _ Actor, _ time.Time) ([]Event, error) {
	switch c.Type {
	case EntryNote, EntryAction, EntryHypothesis:
	case EntryDecision:
		if strings.TrimSpace(c.Reason) == "" {
			return nil, Invalid("reason", "a decision needs its reasoning: what information it is based on")
		}
		if err := checkText("reason", c.Reason, maxReasonText, true); err != nil {
			return nil, err
		}
		if err := checkText("trade_off", c.TradeOff, maxReasonText, false); err != nil {
			return nil, err
		}
	case EntryLink:
		if err := validURL(c.URL); err != nil {
			return nil, Invalid("url", "%s", err.Error())
		}
		if err := checkText("title", c.Title, 200, false); err != nil {
			return nil, err
		}
		return []Event{{Type: EntryLink, URL: c.URL, Title: c.Title, Text: c.Text}}, checkText("text", c.Text, maxEntryText, false)
	default:
		return nil, Invalid("type", "entry type must be note, action, decision, hypothesis or link")
	}
	if err := checkText("text", c.Text, maxEntryText, true); err != nil {
		return nil, err
	}
	return []Event{{Type: c.Type, Text: c.Text, Reason: c.Reason, TradeOff: c.TradeOff}}, nil
}

// UpdateHypothesis eliminates or confirms an open hypothesis, with the
// evidence.
type UpdateHypothesis struct {
	Ref      int64  `json:"ref"`
	Status   string `json:"status"`
	Evidence string `json:"evidence"`
}

// Name implements Command.
func (UpdateHypothesis) Name() string { return "update_hypothesis" }

func (c UpdateHypothesis) decide(inc *Incident, _ Actor, _ time.Time) ([]Event, error) {
	if c.Status != HypothesisEliminated && c.Status != HypothesisConfirmed {
		return nil, Invalid("status", "status must be eliminated or confirmed")
	}
	if err := checkText("evidence", c.Evidence, maxEntryText, true); err != nil {
		return nil, err
	}
	i := slices.IndexFunc(inc.Hypotheses, func(h Hypothesis) bool { return h.Seq == c.Ref })
	if i < 0 {
		return nil, Invalid("ref", "entry #%d is not a hypothesis of %s", c.Ref, inc.Ref)
	}
	if h := inc.Hypotheses[i]; h.Status != HypothesisOpen {
		return nil, Errorf(EConflict, "hypothesis #%d was already %s", c.Ref, h.Status)
	}
	return []Event{{Type: EntryHypothesisUpdate, Ref: c.Ref, HypothesisStatus: c.Status, Evidence: c.Evidence}}, nil
}

// Star marks (or unmarks) a timeline entry for the postmortem.
type Star struct {
	Ref     int64 `json:"ref"`
	Starred bool  `json:"starred"`
}

// Name implements Command.
func (Star) Name() string { return "star" }

func (c Star) decide(inc *Incident, _ Actor, _ time.Time) ([]Event, error) {
	if c.Ref < 1 || c.Ref > inc.Version {
		return nil, Invalid("ref", "%s has no entry #%d", inc.Ref, c.Ref)
	}
	if slices.Contains(inc.Starred, c.Ref) == c.Starred {
		return nil, Errorf(EConflict, "entry #%d is already %s", c.Ref, map[bool]string{true: "starred", false: "not starred"}[c.Starred])
	}
	t := EventEntryStarred
	if !c.Starred {
		t = EventEntryUnstarred
	}
	return []Event{{Type: t, Ref: c.Ref}}, nil
}

// Correct adds an entry that corrects an earlier one. Nothing on the
// timeline is edited in place or deleted.
type Correct struct {
	Ref  int64  `json:"ref"`
	Text string `json:"text"`
}

// Name implements Command.
func (Correct) Name() string { return "correct" }

func (c Correct) decide(inc *Incident, _ Actor, _ time.Time) ([]Event, error) {
	if c.Ref < 1 || c.Ref > inc.Version {
		return nil, Invalid("ref", "%s has no entry #%d", inc.Ref, c.Ref)
	}
	if err := checkText("text", c.Text, maxEntryText, true); err != nil {
		return nil, err
	}
	return []Event{{Type: EntryCorrection, Ref: c.Ref, Text: c.Text}}, nil
}

// UpdateDetails changes an incident's title and summary.
type UpdateDetails struct {
	Title   string `json:"title"`
	Summary string `json:"summary"`
}

// Name implements Command.
func (UpdateDetails) Name() string { return "update_details" }

func (c UpdateDetails) decide(inc *Incident, _ Actor, now time.Time) ([]Event, error) {
	d := Declaration{Title: c.Title, Summary: c.Summary, Severity: inc.Severity}
	if err := d.Validate(now); err != nil {
		return nil, err
	}
	return []Event{{Type: EventDetailsChanged, Title: d.Title, Text: d.Summary}}, nil
}

// checkText validates a free-text field's presence and length.
func checkText(field, s string, max int, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return Invalid(field, "%s is required", strings.ReplaceAll(field, "_", " "))
	}
	if len(s) > max {
		return Invalid(field, "%s must be at most %d characters", strings.ReplaceAll(field, "_", " "), max)
	}
	return nil
}
