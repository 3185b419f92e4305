package warroom

import (
	"encoding/json"
	"time"
)

// IntegrationKind is the protocol an integration speaks.
type IntegrationKind string

// Integration kinds.
const (
	IntegrationAlertmanager IntegrationKind = "alertmanager" // Prometheus Alertmanager webhook, version 4
	IntegrationPagerDuty    IntegrationKind = "pagerduty"    // PagerDuty Events API v2 (/v2/enqueue)
	IntegrationWebhook      IntegrationKind = "webhook"      // warroom's generic JSON webhook
)

// Valid reports whether k is a known kind.
func (k IntegrationKind) Valid() bool {
	return k == IntegrationAlertmanager || k == IntegrationPagerDuty || k == IntegrationWebhook
}

// Integration is an authenticated way for a monitoring tool to send alerts
// to a service. Only the hash of its key is stored.
type Integration struct {
	ID        string          `json:"id"`
	ServiceID string          `json:"service_id"`
	Kind      IntegrationKind `json:"kind"`
	Name      string          `json:"name"`
	CreatedAt time.Time       `json:"created_at"`
}

// AlertStatus is where an alert is.
type AlertStatus string

// Alert statuses.
const (
	AlertFiring       AlertStatus = "firing"
	AlertAcknowledged AlertStatus = "acknowledged"
	AlertResolved     AlertStatus = "resolved"
)

// Alert is one problem a monitoring tool reports, deduplicated by its key
// within a service: an Alertmanager alert's fingerprint, a PagerDuty event's
// dedup_key, a generic webhook's dedup_key. Never by summary text.
type Alert struct {
	ID            string            `json:"id"`
	ServiceID     string            `json:"service_id"`
	IntegrationID string            `json:"integration_id"`
	Source        string            `json:"source"`
	DedupKey      string            `json:"dedup_key"`
	GroupKey      string            `json:"group_key,omitempty"`
	Status        AlertStatus       `json:"status"`
	Summary       string            `json:"summary"`
	Severity      string            `json:"severity"` // critical, error, warning, info
	Labels        map[string]string `json:"labels,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
	Details       json.RawMessage   `json:"details,omitempty"`
	Links         []Link            `json:"links,omitempty"`
	StartsAt      time.Time         `json:"starts_at"`
	EndsAt        *time.Time        `json:"ends_at,omitempty"`
	IncidentID    string            `json:"incident_id,omitempty"`
	// Duplicates counts the deliveries of this alert after the first that
	// changed nothing; DuplicateReason says why the last one was
	// suppressed.
	Duplicates      int        `json:"duplicates"`
	DuplicateReason string     `json:"duplicate_reason,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	AcknowledgedAt  *time.Time `json:"acknowledged_at,omitempty"`
	ResolvedAt      *time.Time `json:"resolved_at,omitempty"`
}

// AlertAction is what an alert rule does with a new alert.
type AlertAction string

// Alert actions.
const (
	AlertDeclare AlertAction = "declare" // declare an incident at once
	AlertAttach  AlertAction = "attach"  // attach to the service's open incident, else wait
	AlertWait    AlertAction = "wait"    // page the on-call and wait for a person to decide
)

// AlertRule turns a service's alerts into incidents: alerts at MinSeverity
// or worse get Action, declared incidents at IncidentSeverity.
type AlertRule struct {
	MinSeverity      string      `json:"min_severity"`
	Action           AlertAction `json:"action"`
	IncidentSeverity Severity    `json:"incident_severity,omitempty"`
}

// alertSeverityRank orders alert severities, worst first.
var alertSeverityRank = map[string]int{"critical": 1, "error": 2, "warning": 3, "info": 4}

// ValidAlertSeverity reports whether s is critical, error, warning or info.
func ValidAlertSeverity(s string) bool { return alertSeverityRank[s] > 0 }

// DefaultAlertRules are the rules a service has until it sets its own:
// critical alerts declare a SEV2 incident at once; the rest attach to the
// service's open incident or wait for a person.
func DefaultAlertRules() []AlertRule {
	return []AlertRule{
		{MinSeverity: "critical", Action: AlertDeclare, IncidentSeverity: SEV2},
		{MinSeverity: "info", Action: AlertAttach},
	}
}

// RouteAlert returns what to do with a new firing alert: the first rule
// whose MinSeverity the alert reaches decides. An attach with no open
// incident waits. It returns AlertWait if no rule matches.
func RouteAlert(rules []AlertRule, a *Alert, serviceHasOpenIncident bool) AlertRule {
	rank := alertSeverityRank[a.Severity]
	if rank == 0 {
		rank = alertSeverityRank["warning"]
	}
	for _, r := range rules {
		if rank <= alertSeverityRank[r.MinSeverity] {
			if r.Action == AlertAttach && !serviceHasOpenIncident {
				return AlertRule{MinSeverity: r.MinSeverity, Action: AlertWait}
			}
			return r
		}
	}
	return AlertRule{Action: AlertWait}
}

// DeclareSeverity is the severity of an incident declared by hand from
// alert a: the one the first declare rule the alert reaches gives, else
// SEV3 (the rules would not declare it).
func DeclareSeverity(rules []AlertRule, a *Alert) Severity {
	for _, rule := range rules {
		if rule.Action == AlertDeclare && RouteAlert([]AlertRule{rule}, a, false).Action == AlertDeclare {
			return rule.IncidentSeverity
		}
	}
	return SEV3
}

// ValidateAlertRules checks a service's rules.
func ValidateAlertRules(rules []AlertRule) error {
	for _, r := range rules {
		if !ValidAlertSeverity(r.MinSeverity) {
			return Invalid("alert_rules.min_severity", "min severity must be critical, error, warning or info")
		}
		switch r.Action {
		case AlertDeclare:
			if !r.IncidentSeverity.Valid() {
				return Invalid("alert_rules.incident_severity", "a declare rule needs the incident severity, SEV1 to SEV4")
			}
		case AlertAttach, AlertWait:
		default:
			return Invalid("alert_rules.action", "action must be declare, attach or wait")
		}
	}
	return nil
}
