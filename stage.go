package warroom

import (
	"strings"
)

// Stage is where an incident is in its lifecycle (seeds 002, 003, 004):
// failure is declared, investigated, its cause identified, its impact
// mitigated, service recovered, the system returned to baseline, the
// contributing factors resolved, and finally the incident closed.
type Stage string

// The lifecycle stages in their natural order.
const (
	StageDeclared      Stage = "declared"
	StageInvestigating Stage = "investigating"
	StageIdentified    Stage = "identified"
	StageMitigated     Stage = "mitigated"
	StageRecovered     Stage = "recovered"
	StageBaseline      Stage = "baseline" // back to baseline: resilience and config restored, silences removed
	StageResolved      Stage = "resolved"
	StageClosed        Stage = "closed"
)

// Stages lists every stage in lifecycle order.
var Stages = []Stage{StageDeclared, StageInvestigating, StageIdentified, StageMitigated,
	StageRecovered, StageBaseline, StageResolved, StageClosed}

// transitions lists the stages each stage may move to by a stage change.
// Investigation and mitigation often run in parallel (seed 003), so the
// active stages may move between each other; a recovered service whose
// impact returns goes back to investigating. Return to baseline is "the very
// next step after recovery" (seed 004), so recovered cannot skip it.
// Reopening a resolved incident is its own command (Reopen), not a stage
// change, so that it is recorded as a reopen.
var transitions = map[Stage][]Stage{
	StageDeclared:      {StageInvestigating, StageIdentified, StageMitigated, StageRecovered},
	StageInvestigating: {StageIdentified, StageMitigated, StageRecovered},
	StageIdentified:    {StageInvestigating, StageMitigated, StageRecovered},
	StageMitigated:     {StageInvestigating, StageIdentified, StageRecovered},
	StageRecovered:     {StageBaseline, StageInvestigating},
	StageBaseline:      {StageResolved, StageInvestigating},
	StageResolved:      {StageClosed},
	StageClosed:        nil,
}

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// Open reports whether an incident in this stage is still open: anything
// before resolved.
func (s Stage) Open() bool { return s.index() < StageResolved.index() }

// Recovered reports whether service has been recovered in this stage.
func (s Stage) Recovered() bool { return s.index() >= StageRecovered.index() }

func (s Stage) index() int {
	for i, v := range Stages {
		if v == s {
			return i
		}
	}
	return -1
}

// NextStages returns the stages s may move to by a stage change.
func NextStages(s Stage) []Stage { return append([]Stage(nil), transitions[s]...) }

// CheckTransition returns nil if an incident may move from one stage to the
// other, or an EConflict error naming the current stage and the allowed next
// ones.
func CheckTransition(from, to Stage) error {
	if !to.Valid() {
		return Invalid("stage", "unknown stage %q; stages are %s", to, joinStages(Stages))
	}
	for _, s := range transitions[from] {
		if s == to {
			return nil
		}
	}
	next := transitions[from]
	if len(next) == 0 {
		return Errorf(EConflict, "the incident is %s and can move to no other stage", from)
	}
	if from == StageResolved && to != StageClosed {
		return Errorf(EConflict, "the incident is resolved; it can move to: %s, or be reopened", joinStages(next))
	}
	return Errorf(EConflict, "the incident is %s and cannot move to %s; allowed next: %s", from, to, joinStages(next))
}

func joinStages(ss []Stage) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}
