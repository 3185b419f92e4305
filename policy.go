package warroom

import "time"

// Policy holds the named settings of the process. Each default is the value
// the incident process documents (docs/process.md); an organisation may
// change them.
type Policy struct {
	// MajorSeverity: an incident at this severity or worse is major
	// ("full outage or heavy degradation ... impacting one or several
	// customers"). Default SEV2.
	MajorSeverity Severity `json:"major_severity"`
	// MajorDuration: an incident open longer than this is major ("duration
	// of the incident is greater than 4 hours"). Default 4h.
	MajorDuration time.Duration `json:"major_duration"`
	// MajorTeams: an incident involving more than this many teams is major
	// ("multiple layers and SRE teams are impacted"). Default 1.
	MajorTeams int `json:"major_teams"`
	// FirstResponderICTimeout: if no Incident Commander is assigned this long
	// after the announcement and the service is not recovered, the first
	// responder halts technical work and picks an IC. Default 10m.
	FirstResponderICTimeout time.Duration `json:"first_responder_ic_timeout"`
	// CustomerUpdateInterval: customers are updated at least this often
	// while an incident affects them. Default 1h.
	CustomerUpdateInterval time.Duration `json:"customer_update_interval"`
	// HandoffGrace: outgoing responders disengage no later than this after
	// their handoff time (handoff+30). Default 30m.
	HandoffGrace time.Duration `json:"handoff_grace"`
	// PostmortemReviewBusinessDays: the Post Mortem Review happens within
	// this many business days after recovery. Default 5.
	PostmortemReviewBusinessDays int `json:"postmortem_review_business_days"`
	// AssessTarget: the initial impact assessment should take less than
	// this. Default 5m.
	AssessTarget time.Duration `json:"assess_target"`
	// AlertIncidentLimit: warroom declares at most this many incidents
	// from the alerts of one service per window; further new alert groups
	// join the service's newest open incident (alertstorm.go), so that an
	// alert storm does not become an incident storm. Default 3/10m.
	AlertIncidentLimit AlertIncidentLimit `json:"alert_incident_limit"`
	// HandoffGraceMode: what handoff+30 does to hands-on work by outgoing
	// people after HandoffGrace: "refuse" it (the default, also when
	// empty) or "warn" (accept it and record a warning on the timeline).
	// See handoffgrace.go.
	HandoffGraceMode string `json:"handoff_grace_mode"`
	// BaselineGate: the baseline stage is left for resolved only through
	// the checked return to baseline (baseline.go). warroom serve turns it
	// on; off, a stage change may skip the check.
	BaselineGate bool `json:"baseline_gate"`
}

// DefaultPolicy returns the process's documented defaults.
func DefaultPolicy() Policy {
	return Policy{
		MajorSeverity:                SEV2,
		MajorDuration:                4 * time.Hour,
		MajorTeams:                   1,
		FirstResponderICTimeout:      10 * time.Minute,
		CustomerUpdateInterval:       time.Hour,
		HandoffGrace:                 30 * time.Minute,
		PostmortemReviewBusinessDays: 5,
		AssessTarget:                 5 * time.Minute,
		AlertIncidentLimit:           DefaultAlertIncidentLimit(),
	}
}

// Validate reports the first setting that makes no sense.
func (p Policy) Validate() error {
	switch {
	case !p.MajorSeverity.Valid():
		return Invalid("major_severity", "major severity must be one of SEV1, SEV2, SEV3, SEV4")
	case p.MajorDuration <= 0:
		return Invalid("major_duration", "major duration must be positive")
	case p.MajorTeams < 1:
		return Invalid("major_teams", "major team count must be at least 1")
	case p.FirstResponderICTimeout <= 0:
		return Invalid("first_responder_ic_timeout", "first responder IC timeout must be positive")
	case p.CustomerUpdateInterval <= 0:
		return Invalid("customer_update_interval", "customer update interval must be positive")
	case p.HandoffGrace < 0:
		return Invalid("handoff_grace", "handoff grace must not be negative")
	case p.PostmortemReviewBusinessDays < 1:
		return Invalid("postmortem_review_business_days", "post mortem review deadline must be at least 1 business day")
	case p.AssessTarget <= 0:
		return Invalid("assess_target", "assessment target must be positive")
	case p.HandoffGraceMode != "" && p.HandoffGraceMode != HandoffGraceRefuse && p.HandoffGraceMode != HandoffGraceWarn:
		return Invalid("handoff_grace_mode", "handoff grace mode must be refuse or warn")
	}
	return p.AlertIncidentLimit.Validate()
}
