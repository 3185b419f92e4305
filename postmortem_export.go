package warroom

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// PostmortemFacts are the parts of a postmortem drawn from the incident
// rather than written: who held which role, when each stage was reached,
// the durations, and the timeline with the starred entries first. They
// follow the incident as long as it lives.
type PostmortemFacts struct {
	Roles      []RoleHolder `json:"roles"`
	StageTimes []StageTime  `json:"stage_times"`
	Durations  []NamedSpan  `json:"durations"`
	Starred    []Event      `json:"starred"` // the entries starred for the postmortem, in order
}

// StageTime is when an incident first reached a stage.
type StageTime struct {
	Stage Stage     `json:"stage"`
	At    time.Time `json:"at"`
}

// NamedSpan is one duration of the incident, e.g. "time to recover".
type NamedSpan struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration"`
	Text     string        `json:"text"`
}

// FactsOf draws a postmortem's facts from an incident and its timeline.
func FactsOf(inc *Incident, events []Event) PostmortemFacts {
	f := PostmortemFacts{Roles: EffectiveHolders(inc)}
	for _, s := range Stages {
		if at, ok := inc.StageTimes[s]; ok {
			f.StageTimes = append(f.StageTimes, StageTime{Stage: s, At: at})
		}
	}
	span := func(name string, from time.Time, to *time.Time) {
		if to != nil && !to.Before(from) {
			d := to.Sub(from)
			f.Durations = append(f.Durations, NamedSpan{Name: name, Duration: d, Text: FormatSpan(d)})
		}
	}
	span("impact before detection", inc.ImpactStartedAt, &inc.DetectedAt)
	span("time to acknowledge", inc.DeclaredAt, inc.AcknowledgedAt)
	if at, ok := inc.StageTimes[StageRecovered]; ok {
		span("time to recover (from impact start)", inc.ImpactStartedAt, &at)
	}
	if at, ok := inc.StageTimes[StageResolved]; ok {
		span("time to resolve (from declaration)", inc.DeclaredAt, &at)
	}
	if len(inc.Starred) > 0 {
		for i := range events {
			if _, found := slices.BinarySearch(inc.Starred, events[i].Seq); found {
				f.Starred = append(f.Starred, events[i])
			}
		}
	}
	return f
}

// ExportMarkdown writes a postmortem as Markdown: the six items, the
// questionnaire and lessons, the facts, the action items and the whole
// timeline, starred entries first. name shows a user ID as people read
// it.
func ExportMarkdown(w io.Writer, inc *Incident, pm *Postmortem, items []*ActionItem, events []Event,
	name func(userID string) string, now time.Time) error {
	var b strings.Builder
	b.Grow(256 + 120*len(events))
	text := func(s Section) string {
		t := strings.TrimSpace(pm.Effective(inc, s, now).Text)
		if t == "" {
			return "_(not written yet)_"
		}
		return t
	}
	section := func(level string, s Section) {
		fmt.Fprintf(&b, "%s %s\n\n%s\n\n", level, s.Title(), text(s))
	}
	fmt.Fprintf(&b, "# Postmortem: %s %s\n\n", inc.Ref, inc.Title)
	fmt.Fprintf(&b, "- State: %s\n- Severity: %s\n- Stage: %s\n", pm.State, inc.Severity, inc.Stage)
	if reasons := PostmortemRequiredReasons(inc, pm); len(reasons) > 0 {
		fmt.Fprintf(&b, "- Required because: %s\n", strings.Join(reasons, "; "))
	}
	if pm.AuthorID != "" {
		fmt.Fprintf(&b, "- Author: %s\n", name(pm.AuthorID))
	}
	if pm.ApprovedBy != "" {
		fmt.Fprintf(&b, "- Approved by: %s\n", name(pm.ApprovedBy))
	}
	if pm.PublishedAt != nil {
		fmt.Fprintf(&b, "- Published: %s\n", pm.PublishedAt.UTC().Format(time.RFC3339))
	}
	b.WriteString("\n")
	section("##", SectionSummary)
	b.WriteString("## Impact\n\n")
	for _, s := range []Section{SectionImpactCustomers, SectionImpactDuration, SectionImpactFinancial} {
		section("###", s)
	}
	section("##", SectionRootCauses)
	section("###", SectionContributing)
	section("##", SectionResolution)
	b.WriteString("## Detection\n\n")
	section("###", SectionDetection)
	section("###", SectionDetectionMonitoring)

	b.WriteString("## Action items\n\n")
	if len(items) == 0 {
		b.WriteString("_(none yet)_\n\n")
	} else {
		b.WriteString("| # | Action | Owner | Criticality | Target date | Category | Status | Ticket |\n")
		b.WriteString("|---|---|---|---|---|---|---|---|\n")
		for _, it := range items {
			ticket := it.TicketKey
			if it.TicketURL != "" {
				ticket = fmt.Sprintf("[%s](%s)", cell(it.TicketKey), it.TicketURL)
			}
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s | %s |\n", it.Number, cell(it.Title), cell(name(it.OwnerID)),
				it.Criticality, it.TargetDate, it.Category, it.Status, ticket)
		}
		b.WriteString("\n")
	}
	b.WriteString("## Questionnaire\n\n")
	for _, s := range []Section{SectionProtectBetter, SectionPreventRecurrence, SectionRecoverQuicker, SectionIdentifyQuicker} {
		section("###", s)
	}
	b.WriteString("## Lessons\n\n")
	for _, s := range []Section{SectionWentWell, SectionWentWrong, SectionGotLucky} {
		section("###", s)
	}

	facts := FactsOf(inc, events)
	b.WriteString("## Roles\n\n")
	for _, h := range facts.Roles {
		implicit := ""
		if h.Implicit {
			implicit = " (held by the Incident Commander)"
		}
		fmt.Fprintf(&b, "- %s: %s%s\n", h.Role.Title(), name(h.UserID), implicit)
	}
	b.WriteString("\n## Stages and durations\n\n")
	for _, st := range facts.StageTimes {
		fmt.Fprintf(&b, "- %s: %s\n", st.Stage, st.At.UTC().Format(time.RFC3339))
	}
	for _, d := range facts.Durations {
		fmt.Fprintf(&b, "- %s: %s\n", d.Name, d.Text)
	}
	b.WriteString("\n## Key moments (starred)\n\n")
	if len(facts.Starred) == 0 {
		b.WriteString("_(no entries starred)_\n")
	}
	for i := range facts.Starred {
		timelineLine(&b, &facts.Starred[i], name)
	}
	b.WriteString("\n## Timeline\n\n")
	for i := range events {
		timelineLine(&b, &events[i], name)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func timelineLine(b *strings.Builder, e *Event, name func(string) string) {
	b.WriteString("- ")
	b.WriteString(e.At.UTC().Format(time.RFC3339))
	b.WriteString(" #")
	b.WriteString(fmt.Sprint(e.Seq))
	b.WriteString(" ")
	b.WriteString(strings.ReplaceAll(Describe(e, name), "\n", " "))
	b.WriteString("\n")
}

// cell makes text safe in one Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
}
