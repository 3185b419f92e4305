package warroom

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// A postmortem is a record of its own (seeds 001, 004): a living
// root-cause document that exists from the declaration of its incident,
// edited section by section, each section with its own version and
// history. The incident's timeline records only what happens to it as a
// whole (published), so that the incident's fold does not grow with every
// edit of the document.

// PostmortemState is where a postmortem is in its review (seed 001:
// "before the postmortem is published, a supervisor or senior team
// member must review the document").
type PostmortemState string

// The postmortem states, in order.
const (
	PostmortemDraft     PostmortemState = "draft"
	PostmortemInReview  PostmortemState = "in_review"
	PostmortemPublished PostmortemState = "published"
)

// Section names a part of a postmortem a person writes.
type Section string

// The sections. The first ten hold seed 001's six required items (the
// sixth, action items, are records of their own: ActionItem); then seed
// 004's questionnaire and the lessons.
const (
	SectionSummary             Section = "summary"
	SectionImpactCustomers     Section = "impact_customers"     // who was affected, how many
	SectionImpactDuration      Section = "impact_duration"      // how long; prefilled from the stage times
	SectionImpactFinancial     Section = "impact_financial"     // "must include any financial impact" (seed 001)
	SectionRootCauses          Section = "root_causes"          // root causes
	SectionContributing        Section = "contributing_factors" // what made it worse or possible
	SectionResolution          Section = "resolution"           // what the team actually did
	SectionDetection           Section = "detection"            // how the problem was found
	SectionDetectionMonitoring Section = "monitoring_first"     // "yes" or "no": did monitoring catch it before a customer?

	SectionProtectBetter     Section = "protect_better"     // how can we protect ourselves better?
	SectionPreventRecurrence Section = "prevent_recurrence" // how can we ensure that it does not reoccur?
	SectionRecoverQuicker    Section = "recover_quicker"    // how can we recover quicker?
	SectionIdentifyQuicker   Section = "identify_quicker"   // how can we identify the issue quicker?

	SectionWentWell  Section = "went_well"
	SectionWentWrong Section = "went_wrong"
	SectionGotLucky  Section = "got_lucky"
)

// Sections lists every section in document order.
var Sections = []Section{SectionSummary, SectionImpactCustomers, SectionImpactDuration, SectionImpactFinancial,
	SectionRootCauses, SectionContributing, SectionResolution, SectionDetection, SectionDetectionMonitoring,
	SectionProtectBetter, SectionPreventRecurrence, SectionRecoverQuicker, SectionIdentifyQuicker,
	SectionWentWell, SectionWentWrong, SectionGotLucky}

// Valid reports whether s is a known section.
func (s Section) Valid() bool { return slices.Contains(Sections, s) }

// Title is the section's heading.
func (s Section) Title() string {
	switch s {
	case SectionSummary:
		return "Summary"
	case SectionImpactCustomers:
		return "Customers affected"
	case SectionImpactDuration:
		return "Duration"
	case SectionImpactFinancial:
		return "Financial impact"
	case SectionRootCauses:
		return "Root causes"
	case SectionContributing:
		return "Contributing factors"
	case SectionResolution:
		return "Resolution"
	case SectionDetection:
		return "How the problem was found"
	case SectionDetectionMonitoring:
		return "Did monitoring catch it before a customer did? (yes/no)"
	case SectionProtectBetter:
		return "How can we protect ourselves better from such an incident?"
	case SectionPreventRecurrence:
		return "How can we ensure that the issue does not reoccur?"
	case SectionRecoverQuicker:
		return "How can we recover quicker from such an incident?"
	case SectionIdentifyQuicker:
		return "How can we identify the issue quicker?"
	case SectionWentWell:
		return "What went well"
	case SectionWentWrong:
		return "What went wrong"
	case SectionGotLucky:
		return "Where we got lucky"
	}
	return string(s)
}

// maxSectionText bounds one section.
const maxSectionText = 20000

// SectionText is a section's current text and who last saved it. Version
// 0 means nobody saved it yet: the text is the prefill, which follows the
// incident until someone saves the section.
type SectionText struct {
	Text      string    `json:"text"`
	Version   int64     `json:"version"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Postmortem is an incident's postmortem. Sections holds the saved
// sections only; Effective fills the rest from the incident.
type Postmortem struct {
	IncidentID string                  `json:"incident_id"`
	State      PostmortemState         `json:"state"`
	Sections   map[Section]SectionText `json:"sections"`
	// RequiredByHand: someone asked for a postmortem the rules do not
	// require (seed 001: "organization/group-specific requirements").
	RequiredByHand bool   `json:"required_by_hand,omitempty"`
	RequiredReason string `json:"required_reason,omitempty"`
	// AuthorID submitted it for review; ApprovedBy is the reviewer who
	// approved it, never the author.
	AuthorID    string     `json:"author_id,omitempty"`
	ApprovedBy  string     `json:"approved_by,omitempty"`
	ApprovedAt  *time.Time `json:"approved_at,omitempty"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	// Version counts every change to the postmortem (0: never saved).
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// NewPostmortem returns the draft every incident has from its
// declaration, before anyone saved anything.
func NewPostmortem(incidentID string) *Postmortem {
	return &Postmortem{IncidentID: incidentID, State: PostmortemDraft, Sections: map[Section]SectionText{}}
}

// Clone returns a deep copy.
func (pm *Postmortem) Clone() *Postmortem {
	c := *pm
	c.Sections = make(map[Section]SectionText, len(pm.Sections))
	for k, v := range pm.Sections {
		c.Sections[k] = v
	}
	return &c
}

// PostmortemRevision is one saved version of a section: the section's
// history, kept beside the postmortem rather than on the incident's
// timeline.
type PostmortemRevision struct {
	IncidentID string    `json:"incident_id"`
	Section    Section   `json:"section"`
	Version    int64     `json:"version"`
	Text       string    `json:"text"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
}

// PostmortemRequiredReasons returns why an incident needs a postmortem
// (seed 001: "when is a postmortem needed?"; seed 004: "mandatory after
// each major incident"), or nothing when none is required:
//
//   - it is a major incident;
//   - it hurt an SLO or SLA (the impact's SLA flag);
//   - it lost data;
//   - someone required one by hand.
func PostmortemRequiredReasons(inc *Incident, pm *Postmortem) []string {
	var reasons []string
	if inc.Major {
		reasons = append(reasons, "it is a major incident")
	}
	if inc.Impact.SLAImpact {
		reasons = append(reasons, "it hurt an SLO")
	}
	if inc.Impact.DataLoss {
		reasons = append(reasons, "it lost data")
	}
	if pm != nil && pm.RequiredByHand {
		r := "required by hand"
		if pm.RequiredReason != "" {
			r += ": " + pm.RequiredReason
		}
		reasons = append(reasons, r)
	}
	return reasons
}

// Prefill returns the text a section starts with, drawn from the
// incident: the summary, the affected customers, the durations, the
// confirmed hypotheses as root causes and how it was detected. Sections the incident says nothing about start empty.
func Prefill(inc *Incident, s Section, now time.Time) string {
	switch s {
	case SectionSummary:
		if inc.Summary != "" {
			return inc.Summary
		}
		return inc.Title
	case SectionImpactCustomers:
		var parts []string
		if inc.Impact.Description != "" {
			parts = append(parts, inc.Impact.Description)
		}
		if len(inc.Impact.Customers) > 0 {
			parts = append(parts, "Customers: "+strings.Join(inc.Impact.Customers, ", ")+".")
		}
		if inc.Impact.UsersPercent > 0 {
			parts = append(parts, fmt.Sprintf("About %g%% of users.", inc.Impact.UsersPercent))
		}
		return strings.Join(parts, " ")
	case SectionRootCauses:
		// The hypotheses the responders confirmed, with their evidence:
		// the timeline's own account of the cause.
		var parts []string
		for _, h := range inc.Hypotheses {
			if h.Status == HypothesisConfirmed {
				p := h.Text
				if h.Evidence != "" {
					p += " (evidence: " + h.Evidence + ")"
				}
				parts = append(parts, p)
			}
		}
		return strings.Join(parts, "\n")
	case SectionImpactDuration:
		if d, ok := ImpactDuration(inc); ok {
			return fmt.Sprintf("%s of impact, from %s to recovery at %s.", FormatSpan(d),
				inc.ImpactStartedAt.UTC().Format(time.RFC3339), inc.RecoveredAt.UTC().Format(time.RFC3339))
		}
		return ""
	case SectionDetection:
		switch inc.Detection {
		case DetectedByMonitoring:
			return "Detected by monitoring at " + inc.DetectedAt.UTC().Format(time.RFC3339) + "."
		case DetectedByCustomerReport:
			return "Reported by a customer at " + inc.DetectedAt.UTC().Format(time.RFC3339) + "."
		case DetectedByStaff:
			return "Noticed by staff at " + inc.DetectedAt.UTC().Format(time.RFC3339) + "."
		}
	case SectionDetectionMonitoring:
		switch inc.Detection {
		case DetectedByMonitoring:
			return "yes"
		case DetectedByCustomerReport, DetectedByStaff:
			return "no"
		}
	}
	return ""
}

// ImpactDuration is how long the impact lasted: from its start to the
// latest recovery; ok is false while the service is not recovered.
func ImpactDuration(inc *Incident) (time.Duration, bool) {
	if inc.RecoveredAt == nil || !inc.Stage.Recovered() {
		return 0, false
	}
	return inc.RecoveredAt.Sub(inc.ImpactStartedAt), true
}

// FormatSpan prints a duration as people read it: "1h 25m", "40m", "12s".
func FormatSpan(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := d/time.Hour, (d%time.Hour)/time.Minute, (d%time.Minute)/time.Second
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	case h > 0:
		return fmt.Sprintf("%dh", h)
	case m > 0 && s > 0:
		return fmt.Sprintf("%dm %ds", m, s)
	case m > 0:
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%ds", s)
}

// Effective returns a section's text as the document shows it: the saved
// text, or while nobody saved it, the prefill from the incident.
func (pm *Postmortem) Effective(inc *Incident, s Section, now time.Time) SectionText {
	if st, ok := pm.Sections[s]; ok && st.Version > 0 {
		return st
	}
	return SectionText{Text: Prefill(inc, s, now)}
}

// PostmortemMissing lists, in words, which of seed 001's six required
// items a postmortem lacks; empty when all six are complete. items are
// the incident's action items.
func PostmortemMissing(inc *Incident, pm *Postmortem, items []*ActionItem, now time.Time) []string {
	var missing []string
	filled := func(s Section) bool { return strings.TrimSpace(pm.Effective(inc, s, now).Text) != "" }
	need := func(label string, ss ...Section) {
		var lack []string
		for _, s := range ss {
			if !filled(s) {
				lack = append(lack, strings.ToLower(s.Title()))
			}
		}
		switch {
		case len(lack) == 0:
		case len(ss) == 1:
			missing = append(missing, label)
		default:
			missing = append(missing, label+": "+strings.Join(lack, ", "))
		}
	}
	need("summary", SectionSummary)
	need("impact", SectionImpactCustomers, SectionImpactDuration, SectionImpactFinancial)
	need("root causes", SectionRootCauses)
	need("resolution", SectionResolution)
	need("detection: how the problem was found", SectionDetection)
	switch v := strings.ToLower(strings.TrimSpace(pm.Effective(inc, SectionDetectionMonitoring, now).Text)); v {
	case "yes", "no":
	default:
		missing = append(missing, "detection: say whether monitoring caught it before a customer did (yes or no)")
	}
	live := 0
	for _, it := range items {
		if it.Status == ActionCancelled {
			continue
		}
		live++
		if it.OwnerID == "" || it.TargetDate == "" {
			missing = append(missing, fmt.Sprintf("action items: %s has no owner or no target date", it.Label()))
		}
	}
	if live == 0 {
		missing = append(missing, "action items: add at least one, with an owner and a target date")
	}
	return missing
}

// EditSection saves a section's new text as actor a at now. base is the
// version the editor started from: if someone saved the section since,
// the edit is refused with EConflict (nothing is silently overwritten)
// and the editor merges and tries again. Editing a postmortem in review
// withdraws its approval: the reviewer approved other words. A published
// postmortem is final.
func EditSection(pm *Postmortem, a Actor, s Section, text string, base int64, now time.Time) (*Postmortem, PostmortemRevision, error) {
	if !a.Role.CanWrite() {
		return nil, PostmortemRevision{}, Errorf(EForbidden, "viewers can read postmortems but not edit them")
	}
	if !s.Valid() {
		return nil, PostmortemRevision{}, Invalid("section", "unknown section %q", s)
	}
	if err := checkText("text", text, maxSectionText, false); err != nil {
		return nil, PostmortemRevision{}, err
	}
	if s == SectionDetectionMonitoring {
		text = strings.ToLower(strings.TrimSpace(text))
		if text != "" && text != "yes" && text != "no" {
			return nil, PostmortemRevision{}, Invalid("text", "monitoring_first is yes or no")
		}
	}
	if pm.State == PostmortemPublished {
		return nil, PostmortemRevision{}, Errorf(EConflict, "the postmortem is published and can no longer be edited")
	}
	cur := pm.Sections[s]
	if base != cur.Version {
		return nil, PostmortemRevision{}, Errorf(EConflict,
			"section %s was saved by someone else since you opened it (version %d, yours was %d); reload it, merge your text and save again",
			s, cur.Version, base)
	}
	next := pm.Clone()
	st := SectionText{Text: text, Version: cur.Version + 1, UpdatedBy: a.UserID, UpdatedAt: now}
	next.Sections[s] = st
	if next.State == PostmortemInReview {
		next.ApprovedBy, next.ApprovedAt = "", nil
	}
	next.touch(now)
	return next, PostmortemRevision{IncidentID: pm.IncidentID, Section: s, Version: st.Version, Text: text, By: a.UserID, At: now}, nil
}

func (pm *Postmortem) touch(now time.Time) {
	if pm.Version == 0 {
		pm.CreatedAt = now
	}
	pm.Version++
	pm.UpdatedAt = now
}

// RequirePostmortem asks for a postmortem the rules do not require, or
// withdraws that request, with a reason.
func RequirePostmortem(pm *Postmortem, a Actor, required bool, reason string, now time.Time) (*Postmortem, error) {
	if !a.Role.CanWrite() {
		return nil, Errorf(EForbidden, "viewers cannot change whether a postmortem is required")
	}
	if err := checkText("reason", reason, maxReasonText, required); err != nil {
		return nil, err
	}
	next := pm.Clone()
	next.RequiredByHand, next.RequiredReason = required, strings.TrimSpace(reason)
	if !required {
		next.RequiredReason = ""
	}
	next.touch(now)
	return next, nil
}

// SubmitPostmortem sends a draft for review; a becomes its author, so a
// must not approve it.
func SubmitPostmortem(pm *Postmortem, a Actor, now time.Time) (*Postmortem, error) {
	if !a.Role.CanWrite() {
		return nil, Errorf(EForbidden, "viewers cannot submit postmortems")
	}
	if pm.State != PostmortemDraft {
		return nil, Errorf(EConflict, "the postmortem is %s, not a draft", pm.State)
	}
	next := pm.Clone()
	at := now
	next.State, next.AuthorID, next.SubmittedAt = PostmortemInReview, a.UserID, &at
	next.ApprovedBy, next.ApprovedAt = "", nil
	next.touch(now)
	return next, nil
}

// ApprovePostmortem records a reviewer's approval: seed 001 asks for a
// review before publishing, so the reviewer is someone other than the
// author.
func ApprovePostmortem(pm *Postmortem, a Actor, now time.Time) (*Postmortem, error) {
	if !a.Role.CanWrite() {
		return nil, Errorf(EForbidden, "viewers cannot approve postmortems")
	}
	if pm.State != PostmortemInReview {
		return nil, Errorf(EConflict, "only a postmortem in review can be approved; this one is %s", pm.State)
	}
	if a.UserID == pm.AuthorID {
		return nil, Errorf(EForbidden, "the author cannot approve their own postmortem; ask another reviewer")
	}
	next := pm.Clone()
	at := now
	next.ApprovedBy, next.ApprovedAt = a.UserID, &at
	next.touch(now)
	return next, nil
}

// ReturnToDraft takes a postmortem in review back to draft (the reviewer
// asks for changes).
func ReturnToDraft(pm *Postmortem, a Actor, now time.Time) (*Postmortem, error) {
	if !a.Role.CanWrite() {
		return nil, Errorf(EForbidden, "viewers cannot change postmortems")
	}
	if pm.State != PostmortemInReview {
		return nil, Errorf(EConflict, "only a postmortem in review goes back to draft; this one is %s", pm.State)
	}
	next := pm.Clone()
	next.State, next.ApprovedBy, next.ApprovedAt = PostmortemDraft, "", nil
	next.touch(now)
	return next, nil
}

// PublishMissing lists what keeps a postmortem from being published: the
// six items (PostmortemMissing), the review, and the approval of someone
// other than the author.
func PublishMissing(inc *Incident, pm *Postmortem, items []*ActionItem, now time.Time) []string {
	missing := PostmortemMissing(inc, pm, items, now)
	switch {
	case pm.State == PostmortemPublished:
		return []string{"it is already published"}
	case pm.State == PostmortemDraft:
		missing = append(missing, "review: submit it for review")
	case pm.ApprovedBy == "":
		missing = append(missing, "review: a reviewer other than the author has not approved it")
	}
	return missing
}

// PublishPostmortem publishes an approved, complete postmortem, or
// refuses with EConflict and the list of what is missing.
func PublishPostmortem(inc *Incident, pm *Postmortem, items []*ActionItem, a Actor, now time.Time) (*Postmortem, error) {
	if !a.Role.CanWrite() {
		return nil, Errorf(EForbidden, "viewers cannot publish postmortems")
	}
	if missing := PublishMissing(inc, pm, items, now); len(missing) > 0 {
		return nil, Errorf(EConflict, "the postmortem of %s cannot be published yet: %s", inc.Ref, strings.Join(missing, "; "))
	}
	next := pm.Clone()
	at := now
	next.State, next.PublishedAt = PostmortemPublished, &at
	next.touch(now)
	return next, nil
}

// EventPostmortemPublished records on the incident's timeline that its
// postmortem was published; the document itself is its own record.
const EventPostmortemPublished EventType = "postmortem.published"

// RecordPostmortemPublished is the command that puts the publication on
// the incident's timeline. It is allowed on a closed incident: a
// postmortem that was not required may be published after closing.
type RecordPostmortemPublished struct{}

// Name implements Command.
func (RecordPostmortemPublished) Name() string { return "record_postmortem_published" }

func (RecordPostmortemPublished) decide(*Incident, Actor, time.Time) ([]Event, error) {
	return []Event{{Type: EventPostmortemPublished, Text: "postmortem published"}}, nil
}

func init() {
	// The postmortem is its own record; the incident's state does not
	// change.
	applyEvent[EventPostmortemPublished] = func(*Incident, *Event) {}
}
