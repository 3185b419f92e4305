package warroom

import (
	"slices"
	"strings"
	"time"
)

// MetricName names a reliability metric of seed 002 ("mttd", "mttr_recover").
type MetricName string

// The lifecycle metrics of seed 002, and the actual downtime and data loss
// that are compared with a service's RTO and RPO.
const (
	MetricMTTD        MetricName = "mttd"         // failure → detection
	MetricMTTA        MetricName = "mtta"         // alert → human acknowledgement
	MetricMTTI        MetricName = "mtti"         // failure → identification
	MetricMTTRRepair  MetricName = "mttr_repair"  // failure → fix
	MetricMTTRRespond MetricName = "mttr_respond" // detection → fix
	MetricMTTRRecover MetricName = "mttr_recover" // failure → return to normal operations
	MetricMTTRResolve MetricName = "mttr_resolve" // failure → contributing factors addressed
	MetricMTBF        MetricName = "mtbf"         // failure → next failure of the same service
	MetricMTTF        MetricName = "mttf"         // return to normal operations → next failure of the same service
	MetricDowntime    MetricName = "downtime"     // time not recovered from the failure to the final recovery (vs RTO)
	MetricDataLoss    MetricName = "data_loss"    // recovery point restored → failure (vs RPO)
)

// MetricDef documents a metric: the event its clock starts at and the one
// it stops at. docs/metrics.md says the same in prose.
type MetricDef struct {
	Name  MetricName `json:"name"`
	Title string     `json:"title"`
	Start string     `json:"start"`
	End   string     `json:"end"`
}

// MetricDefs lists every metric in lifecycle order.
var MetricDefs = []MetricDef{
	{MetricMTTD, "Time to detect", "failure (impact start, corrected)", "detection"},
	{MetricMTTA, "Time to acknowledge", "alert: its arrival (incidents monitoring detected)", "first acknowledgement"},
	{MetricMTTI, "Time to identify", "failure", "first reached identified"},
	{MetricMTTRRepair, "Time to repair", "failure", "fix: first reached mitigated (or recovered, if never mitigated)"},
	{MetricMTTRRespond, "Time to respond", "detection", "fix"},
	{MetricMTTRRecover, "Time to recover", "failure", "recovery that stands (the last one, if impact returned)"},
	{MetricMTTRResolve, "Time to resolve", "failure", "resolved (the last time, if reopened)"},
	{MetricMTBF, "Time between failures", "failure", "next failure of the same service"},
	{MetricMTTF, "Time to fail", "recovery that stands", "next failure of the same service"},
	{MetricDowntime, "Actual downtime", "failure", "final recovery, less the spans the service was recovered before impact returned"},
	{MetricDataLoss, "Actual data loss", "recovery point restored (data loss recorded)", "failure"},
}

// MetricNames returns the names of every metric, for error messages.
func MetricNames() []string {
	names := make([]string, len(MetricDefs))
	for i, d := range MetricDefs {
		names[i] = string(d.Name)
	}
	return names
}

// ParseMetrics checks a list of metric names; an empty list means all.
// Unknown names are refused with the list of valid ones.
func ParseMetrics(names []string) ([]MetricName, error) {
	if len(names) == 0 {
		all := make([]MetricName, len(MetricDefs))
		for i, d := range MetricDefs {
			all[i] = d.Name
		}
		return all, nil
	}
	out := make([]MetricName, 0, len(names))
	for _, n := range names {
		m := MetricName(strings.ToLower(strings.TrimSpace(n)))
		if !slices.ContainsFunc(MetricDefs, func(d MetricDef) bool { return d.Name == m }) {
			return nil, Invalid("metric", "unknown metric %q; metrics are %s", n, strings.Join(MetricNames(), ", "))
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out, nil
}

// EventDataLossRecorded records how far back data was restored: Time is
// the recovery point, the last moment whose data survived. The data lost
// is from there to the failure, which the RPO bounds.
const EventDataLossRecorded EventType = "data_loss.recorded"

func init() {
	applyEvent[EventDataLossRecorded] = func(*Incident, *Event) {}
}

// Lifecycle is an incident reduced to the times its metrics run between:
// a fold of its events with every correction applied. A time nobody
// recorded is zero, so that the metrics that need it count it as missing
// instead of as zero.
type Lifecycle struct {
	IncidentID       string    `json:"incident_id"`
	Number           int64     `json:"number"`
	Severity         Severity  `json:"severity"`
	Stage            Stage     `json:"stage"`
	Detection        Detection `json:"detection"`
	Private          bool      `json:"private"`
	Major            bool      `json:"major"`
	CustomerAffected bool      `json:"customer_affected"`
	ServiceIDs       []string  `json:"service_ids,omitempty"`
	Cluster          string    `json:"cluster,omitempty"`

	DeclaredAt time.Time `json:"declared_at"`
	DetectedAt time.Time `json:"detected_at"`
	// ImpactStartedAt is the failure: given at declaration or by a
	// correction, or the alert's start for an incident monitoring
	// detected. Zero when nobody said when it began: the declaration's
	// default (the detection time) would make MTTD zero.
	ImpactStartedAt time.Time `json:"impact_started_at,omitzero"`
	AcknowledgedAt  time.Time `json:"acknowledged_at,omitzero"`
	IdentifiedAt    time.Time `json:"identified_at,omitzero"`
	FixedAt         time.Time `json:"fixed_at,omitzero"`
	// RecoveredAt, BaselineAt and ResolvedAt are the latest times reached
	// that still stand: zero again once impact returns or it is reopened.
	RecoveredAt time.Time `json:"recovered_at,omitzero"`
	BaselineAt  time.Time `json:"baseline_at,omitzero"`
	ResolvedAt  time.Time `json:"resolved_at,omitzero"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	MajorAt     time.Time `json:"major_at,omitzero"` // when it became major (internal updates are due from then)
	// RecoveredBefore is how long the service was recovered before impact
	// returned (summed over relapses): it is not downtime.
	RecoveredBefore time.Duration `json:"recovered_before,omitempty"`
	Relapses        int           `json:"relapses,omitempty"` // impact returned after a recovery (reopens included)
	Reopened        int           `json:"reopened,omitempty"`
	RecoveryPoint   time.Time     `json:"recovery_point,omitzero"` // data restored to (EventDataLossRecorded)
	Version         int64         `json:"version"`
}

// LifecycleEvents are the event types that change a Lifecycle; the
// others need not be read to fold one.
var LifecycleEvents = []EventType{EventDeclared, EventStageChanged, EventReopened, EventSeverityChanged,
	EventImpactChanged, EventImpactStartCorrected, EventAcknowledged, EventBecameMajor, EventPrivacyChanged,
	EventDataLossRecorded}

// FoldLifecycle folds an incident's events, in order, into its Lifecycle.
// Events of other types are skipped, so the timeline may be given whole
// or only its LifecycleEvents.
func FoldLifecycle(events []Event) Lifecycle {
	var lc Lifecycle
	var recoveredSince time.Time // start of the recovered span in force
	for i := range events {
		e := &events[i]
		lc.Version = max(lc.Version, e.Seq)
		switch e.Type {
		case EventDeclared:
			lc.declare(e)
		case EventStageChanged, EventReopened:
			recoveredSince = lc.moveTo(e, recoveredSince)
		case EventSeverityChanged:
			lc.Severity = e.Severity
		case EventImpactChanged:
			lc.impact(*e.Impact)
		case EventImpactStartCorrected:
			lc.ImpactStartedAt = e.Time.UTC()
		case EventAcknowledged:
			if lc.AcknowledgedAt.IsZero() {
				lc.AcknowledgedAt = e.At.UTC()
			}
		case EventBecameMajor:
			lc.Major = true
			if lc.MajorAt.IsZero() {
				lc.MajorAt = e.At.UTC()
			}
		case EventPrivacyChanged:
			lc.Private = *e.Private
		case EventDataLossRecorded:
			if e.Time != nil {
				lc.RecoveryPoint = e.Time.UTC()
			}
		}
	}
	return lc
}

func (lc *Lifecycle) declare(e *Event) {
	d := e.Declaration
	lc.IncidentID, lc.Number, lc.Severity, lc.Stage = e.IncidentID, d.Number, d.Severity, StageDeclared
	lc.Detection, lc.Private, lc.Major = d.Detection, d.Private, d.Major
	if d.Major {
		lc.MajorAt = e.At.UTC()
	}
	lc.DeclaredAt, lc.DetectedAt = e.At.UTC(), e.At.UTC()
	if d.DetectedAt != nil {
		lc.DetectedAt = d.DetectedAt.UTC()
	}
	switch {
	case d.ImpactStartedAt != nil:
		lc.ImpactStartedAt = d.ImpactStartedAt.UTC()
	case d.Detection == DetectedByMonitoring:
		// An alert that did not say when it started failed when it
		// reached warroom: that is when monitoring saw it.
		lc.ImpactStartedAt = lc.DetectedAt
	}
	lc.impact(d.Impact)
}

func (lc *Lifecycle) impact(im Impact) {
	lc.ServiceIDs = slices.Clone(im.ServiceIDs)
	lc.Cluster = im.Cluster
	lc.CustomerAffected = im.CustomerImpact || im.SLAImpact || len(im.Customers) > 0
}

// moveTo applies a stage change or a reopen. A move from a recovered
// stage back to an active one is a relapse: the span it was recovered
// is set aside, and the recovery, baseline and resolution it had stop
// standing.
func (lc *Lifecycle) moveTo(e *Event, recoveredSince time.Time) time.Time {
	from, to, at := lc.Stage, e.Stage, e.At.UTC()
	lc.Stage = to
	if e.Type == EventReopened {
		lc.Reopened++
	}
	if to == StageIdentified && lc.IdentifiedAt.IsZero() {
		lc.IdentifiedAt = at
	}
	if (to == StageMitigated || to.Recovered()) && lc.FixedAt.IsZero() {
		lc.FixedAt = at
	}
	switch {
	case to.Recovered() && !from.Recovered():
		recoveredSince, lc.RecoveredAt = at, at
	case !to.Recovered() && from.Recovered():
		if !recoveredSince.IsZero() {
			lc.RecoveredBefore += at.Sub(recoveredSince)
		}
		recoveredSince = time.Time{}
		lc.Relapses++
		lc.RecoveredAt, lc.BaselineAt, lc.ResolvedAt, lc.ClosedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	}
	switch to {
	case StageBaseline:
		lc.BaselineAt = at
	case StageResolved:
		lc.ResolvedAt = at
	case StageClosed:
		lc.ClosedAt = at
	}
	return recoveredSince
}

// FailedAt returns the failure time and whether it is known.
func (lc *Lifecycle) FailedAt() (time.Time, bool) {
	return lc.ImpactStartedAt, !lc.ImpactStartedAt.IsZero()
}

// alertedAt is when the alert that detected the incident reached warroom
// (its detection), and whether there was one: an incident a person
// declared was acknowledged by declaring it, and has no alert to measure
// from.
func (lc *Lifecycle) alertedAt() (time.Time, bool) {
	return lc.DetectedAt, lc.Detection == DetectedByMonitoring
}

// Measure returns one incident's value of a per-incident metric and
// whether it has one: false when a time it needs was never recorded (or
// the times contradict each other). MTBF and MTTF need the next incident
// of the service: see ServiceSamples.
func (lc *Lifecycle) Measure(m MetricName) (time.Duration, bool) {
	failed, known := lc.FailedAt()
	switch m {
	case MetricMTTD:
		return span(known, failed, lc.DetectedAt)
	case MetricMTTA:
		alerted, ok := lc.alertedAt()
		return span(ok, alerted, lc.AcknowledgedAt)
	case MetricMTTI:
		return span(known, failed, lc.IdentifiedAt)
	case MetricMTTRRepair:
		return span(known, failed, lc.FixedAt)
	case MetricMTTRRespond:
		return span(true, lc.DetectedAt, lc.FixedAt)
	case MetricMTTRRecover:
		return span(known, failed, lc.RecoveredAt)
	case MetricMTTRResolve:
		return span(known, failed, lc.ResolvedAt)
	case MetricDowntime:
		d, ok := span(known, failed, lc.RecoveredAt)
		if !ok {
			return 0, false
		}
		return max(d-lc.RecoveredBefore, 0), true
	case MetricDataLoss:
		if !known || lc.RecoveryPoint.IsZero() {
			return 0, false
		}
		// Data written after the failure began was not lost by it.
		return max(failed.Sub(lc.RecoveryPoint), 0), true
	}
	return 0, false
}

// span is end − start, missing when the start is unknown, the end was
// never reached, or the end comes before the start.
func span(startKnown bool, start, end time.Time) (time.Duration, bool) {
	if !startKnown || end.IsZero() || end.Before(start) {
		return 0, false
	}
	return end.Sub(start), true
}
