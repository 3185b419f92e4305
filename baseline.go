package warroom

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Return to baseline (seed 004): after recovery the system is brought back
// to its nominal state, "resilience ... or its model driven
// configuration/state", and monitoring back to baseline "by ensuring any
// alert silences have been removed". warroom checks it rather than taking
// the stage's word for it: the baseline stage is completed (moved on to
// resolved) only by CompleteBaseline, with the checklist confirmed and no
// active Alertmanager silence matching the incident's alerts, unless a
// reason to override is given, which goes on the timeline. While
// Policy.BaselineGate is on, a plain stage change out of baseline is
// refused and points there.

// EventBaselineChecked records the completed baseline check: the
// checklist, what the silence check found, and the override's reason.
const EventBaselineChecked EventType = "baseline.checked"

// BaselineChecklist is what people confirm.
type BaselineChecklist struct {
	ResilienceRestored bool   `json:"resilience_restored"` // redundancy and capacity lost in the incident are back
	ChangesPersisted   bool   `json:"changes_persisted"`   // manual changes made during the incident are persisted as configuration (or reverted)
	MonitoringBaseline bool   `json:"monitoring_baseline"` // monitoring is back to baseline
	Notes              string `json:"notes,omitempty"`
}

// SilenceMatcher is one matcher of an Alertmanager silence (API v2):
// IsEqual false negates it (!= or !~); a regex is anchored at both ends.
type SilenceMatcher struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	IsRegex bool   `json:"isRegex"`
	IsEqual bool   `json:"isEqual"`
}

// matches reports whether the matcher accepts the labels (a missing label
// is the empty string, as in Alertmanager).
func (m SilenceMatcher) matches(labels map[string]string) bool {
	v := labels[m.Name]
	ok := v == m.Value
	if m.IsRegex {
		re, err := regexp.Compile("^(?:" + m.Value + ")$")
		ok = err == nil && re.MatchString(v)
	}
	return ok == m.IsEqual
}

// String renders the matcher as Alertmanager shows it: name="v", name!~"v".
func (m SilenceMatcher) String() string {
	op := "="
	if m.IsRegex {
		op = "=~"
	}
	if !m.IsEqual {
		op = strings.Replace(op, "=", "!", 1)
		if !m.IsRegex {
			op = "!="
		}
	}
	return fmt.Sprintf("%s%s%q", m.Name, op, m.Value)
}

// Silence is an Alertmanager silence as the check reports it. Source is
// the Alertmanager it came from; State is Alertmanager's (active, pending,
// expired).
type Silence struct {
	ID        string           `json:"id"`
	Source    string           `json:"source"`
	State     string           `json:"state"`
	Matchers  []SilenceMatcher `json:"matchers"`
	CreatedBy string           `json:"created_by,omitempty"`
	Comment   string           `json:"comment,omitempty"`
	EndsAt    time.Time        `json:"ends_at"`
}

// Matches reports whether the silence silences an alert with these labels:
// every matcher accepts them (and a silence has at least one matcher).
func (s *Silence) Matches(labels map[string]string) bool {
	if len(s.Matchers) == 0 {
		return false
	}
	for _, m := range s.Matchers {
		if !m.matches(labels) {
			return false
		}
	}
	return true
}

// Describe renders the silence in one line for people.
func (s *Silence) Describe() string {
	ms := make([]string, len(s.Matchers))
	for i, m := range s.Matchers {
		ms[i] = m.String()
	}
	return fmt.Sprintf("silence %s {%s} on %s until %s", s.ID, strings.Join(ms, ", "), s.Source, s.EndsAt.UTC().Format("2006-01-02 15:04 UTC"))
}

// ActiveMatching returns the active silences that match at least one of
// the alerts' label sets.
func ActiveMatching(silences []Silence, alerts []map[string]string) []Silence {
	var out []Silence
	for i := range silences {
		if silences[i].State != "active" {
			continue
		}
		for _, labels := range alerts {
			if silences[i].Matches(labels) {
				out = append(out, silences[i])
				break
			}
		}
	}
	return out
}

// SilenceCheck is what asking Alertmanager found: which Alertmanagers were
// asked, which could not be (with why), how many of the incident's alerts
// were compared, and the active silences that match them.
type SilenceCheck struct {
	CheckedAt   time.Time         `json:"checked_at"`
	Sources     []string          `json:"sources,omitempty"`
	Unreachable map[string]string `json:"unreachable,omitempty"` // Alertmanager URL -> error
	Alerts      int               `json:"alerts"`
	Matching    []Silence         `json:"matching,omitempty"`
}

// Problems lists what the check found that keeps the stage from completing.
func (c *SilenceCheck) Problems() []string {
	var out []string
	for _, u := range sortedKeys(c.Unreachable) {
		out = append(out, fmt.Sprintf("Alertmanager %s could not be asked for silences (%s): the silences are unchecked", u, c.Unreachable[u]))
	}
	for i := range c.Matching {
		out = append(out, "active "+c.Matching[i].Describe()+" matches the incident's alerts")
	}
	return out
}

// BaselineCheck is the payload of EventBaselineChecked.
type BaselineCheck struct {
	Checklist      BaselineChecklist `json:"checklist"`
	Silences       SilenceCheck      `json:"silences"`
	OverrideReason string            `json:"override_reason,omitempty"`
}

// BaselineMissing lists what keeps the return to baseline from completing:
// checklist items not confirmed, and, without an override reason, the
// silence check's problems. Empty means it may complete.
func BaselineMissing(b BaselineCheck) []string {
	var missing []string
	if !b.Checklist.ResilienceRestored {
		missing = append(missing, "resilience restored (resilience_restored)")
	}
	if !b.Checklist.ChangesPersisted {
		missing = append(missing, "manual changes persisted as configuration (changes_persisted)")
	}
	if !b.Checklist.MonitoringBaseline {
		missing = append(missing, "monitoring back to baseline (monitoring_baseline)")
	}
	if strings.TrimSpace(b.OverrideReason) == "" {
		if p := b.Silences.Problems(); len(p) > 0 {
			missing = append(missing, p...)
			missing = append(missing, "remove the silences, or override with a reason (override_reason)")
		}
	}
	return missing
}

// CompleteBaseline completes the return to baseline: it records the check
// and moves the incident from baseline to resolved, or is refused with the
// list of what is missing (BaselineMissing). Silences is the check the
// service just made; the client cannot set it.
type CompleteBaseline struct {
	Checklist      BaselineChecklist `json:"checklist"`
	OverrideReason string            `json:"override_reason,omitempty"`
	Silences       *SilenceCheck     `json:"-"`
}

// Name implements Command.
func (CompleteBaseline) Name() string { return "complete_baseline" }

func (c CompleteBaseline) decide(inc *Incident, _ Actor, now time.Time) ([]Event, error) {
	if inc.Stage != StageBaseline {
		return nil, Errorf(EConflict, "%s is %s: the return to baseline is completed from the baseline stage", inc.Ref, inc.Stage)
	}
	if err := checkText("checklist.notes", c.Checklist.Notes, maxReasonText, false); err != nil {
		return nil, err
	}
	if err := checkText("override_reason", c.OverrideReason, maxReasonText, false); err != nil {
		return nil, err
	}
	if c.Silences == nil {
		return nil, Errorf(EInternal, "return to baseline without a silence check")
	}
	b := BaselineCheck{Checklist: c.Checklist, Silences: *c.Silences, OverrideReason: strings.TrimSpace(c.OverrideReason)}
	if missing := BaselineMissing(b); len(missing) > 0 {
		return nil, Errorf(EConflict, "the return to baseline cannot complete; missing: %s", strings.Join(missing, "; "))
	}
	reason := "return to baseline checked"
	if b.OverrideReason != "" && len(b.Silences.Problems()) > 0 {
		reason += "; silence check overridden: " + b.OverrideReason
	}
	return []Event{
		{Type: EventBaselineChecked, Baseline: &b, Reason: b.OverrideReason},
		{Type: EventStageChanged, FromStage: StageBaseline, Stage: StageResolved, Reason: reason},
		proposeTimelineSession(inc, now),
	}, nil
}

// checkBaselineGate refuses a plain stage change out of baseline to
// resolved while the gate is on: CompleteBaseline is the way out.
func checkBaselineGate(inc *Incident, cmd Command, p Policy) error {
	c, ok := cmd.(ChangeStage)
	if !ok || !p.BaselineGate || inc.Stage != StageBaseline || c.Stage != StageResolved {
		return nil
	}
	return Errorf(EConflict, "the return to baseline is checked before %s is resolved: complete it with its checklist and the silence check (POST /api/v1/incidents/%s/baseline, or warroom baseline complete %s)", inc.Ref, inc.Ref, inc.Ref)
}

func init() {
	applyEvent[EventBaselineChecked] = func(inc *Incident, e *Event) {
		if e.Baseline != nil {
			b := *e.Baseline
			inc.Baseline = &b
		}
	}
}

// describeBaseline renders the baseline check for the timeline.
func describeBaseline(e *Event) string {
	b := e.Baseline
	if b == nil {
		return "return to baseline checked"
	}
	s := fmt.Sprintf("return to baseline checked: resilience restored, manual changes persisted, monitoring back to baseline; %d alert(s) compared with the silences of %d Alertmanager(s)",
		b.Silences.Alerts, len(b.Silences.Sources))
	if b.Checklist.Notes != "" {
		s += "; notes: " + b.Checklist.Notes
	}
	if p := b.Silences.Problems(); len(p) > 0 {
		s += "; OVERRIDDEN (" + b.OverrideReason + ") despite: " + strings.Join(p, "; ")
	}
	return s
}
