package warroom

import (
	"context"
	"time"
)

// ServicePaging is how a service pages: its escalation policy and the rules
// that turn its alerts into incidents.
type ServicePaging struct {
	ServiceID          string      `json:"service_id"`
	EscalationPolicyID string      `json:"escalation_policy_id,omitempty"`
	AlertRules         []AlertRule `json:"alert_rules"`
}

// AlertUpdate is one alert as a sender reported it, with what the sender
// asked: trigger (fire or refresh), acknowledge, or resolve.
type AlertUpdate struct {
	Action string `json:"action"` // "trigger", "acknowledge", "resolve"
	Alert  Alert  `json:"alert"`  // ID, Status, counters and times are the store's to set
}

// IngestRequest is one sender's delivery to one integration.
type IngestRequest struct {
	Integration *Integration
	Updates     []AlertUpdate
	ReceivedAt  time.Time
}

// Ingest outcomes: what the store did with one AlertUpdate.
const (
	IngestCreated      = "created"      // a new alert; it will be routed
	IngestUpdated      = "updated"      // a firing alert changed (summary, severity, labels)
	IngestDuplicate    = "duplicate"    // nothing changed; counted on the alert with the reason
	IngestAcknowledged = "acknowledged" // the sender acknowledged it
	IngestResolved     = "resolved"     // it resolved
	IngestIgnored      = "ignored"      // acknowledge or resolve of no open alert
)

// IngestResult is what became of one AlertUpdate.
type IngestResult struct {
	AlertID  string `json:"alert_id,omitempty"`
	DedupKey string `json:"dedup_key"`
	Outcome  string `json:"outcome"`
}

// IncidentAlertsResolved is whether every alert of an incident has
// resolved (All: it has at least one, and none fires or is acknowledged);
// when All, Count is how many alerts it has and Newest the ID of the
// newest, which together name the set of alerts that resolved (alert IDs
// grow with time, so an alert joining changes Newest, one leaving
// changes Count).
type IncidentAlertsResolved struct {
	All    bool
	Count  int
	Newest string
}

// AlertFilter selects alerts for a list.
type AlertFilter struct {
	ServiceID  string
	IncidentID string
	GroupKey   string
	Status     AlertStatus // "": any
	Severity   string      // "": any; else critical, error, warning or info
	// Query is case-insensitive text in the summary or the dedup key.
	Query  string
	Limit  int
	Offset int // alerts to skip, for pages of a list
	// Viewer, when set, leaves out the alerts Viewer may not see
	// (AlertVisibleTo): those of private incidents they take no part in.
	// Nil is for warroom's own work, which sees every alert; every list
	// made for a person sets it.
	Viewer *Actor
}

// AlertStore keeps integrations and alerts.
type AlertStore interface {
	// CreateIntegration stores an integration with the hash of its key
	// (HashTokenSecret of the key).
	CreateIntegration(ctx context.Context, in *Integration, keyHash string) error
	// FindIntegrationByKey returns the integration whose key hashes to
	// keyHash; ENotFound.
	FindIntegrationByKey(ctx context.Context, keyHash string) (*Integration, error)
	// ListIntegrations returns a service's integrations ("" for all).
	ListIntegrations(ctx context.Context, serviceID string) ([]*Integration, error)
	// DeleteIntegration removes an integration; its alerts stay. ENotFound.
	DeleteIntegration(ctx context.Context, id string) error

	// IngestAlerts stores the deliveries of many senders in one
	// transaction (group commit), and schedules the jobs that route new
	// alerts and react to acknowledged and resolved ones in the same
	// transaction, so that an alert that was answered 2xx is never lost.
	// Alerts are deduplicated by (integration, source, dedup key) among
	// alerts that are not resolved: the same key sent to two endpoints of
	// one integration key (Alertmanager and PagerDuty, say) is two alerts,
	// and a trigger for a resolved key opens a new alert.
	IngestAlerts(ctx context.Context, reqs []IngestRequest) ([][]IngestResult, error)
	// FindAlert returns an alert by ID; ENotFound.
	FindAlert(ctx context.Context, id string) (*Alert, error)
	// ListAlerts returns alerts matching f, newest first.
	ListAlerts(ctx context.Context, f AlertFilter) ([]*Alert, error)
	// UpdateAlert applies change to an alert inside a transaction (to
	// acknowledge it, attach it to an incident, resolve it by hand); at is
	// the time of the change, which becomes UpdatedAt unless change set it.
	UpdateAlert(ctx context.Context, id string, at time.Time, change func(a *Alert) error) (*Alert, error)

	// SetServicePaging stores a service's paging configuration.
	SetServicePaging(ctx context.Context, p ServicePaging) error
	// GetServicePaging returns a service's paging configuration, with
	// DefaultAlertRules if none was set.
	GetServicePaging(ctx context.Context, serviceID string) (ServicePaging, error)
}

// EscalationStore keeps escalation policies and people's contact methods
// and notification rules.
type EscalationStore interface {
	CreateEscalationPolicy(ctx context.Context, p *EscalationPolicy) error
	UpdateEscalationPolicy(ctx context.Context, p *EscalationPolicy) error
	// FindEscalationPolicy returns a policy by ID or name; ENotFound.
	FindEscalationPolicy(ctx context.Context, idOrName string) (*EscalationPolicy, error)
	ListEscalationPolicies(ctx context.Context) ([]*EscalationPolicy, error)

	CreateContactMethod(ctx context.Context, m *ContactMethod) error
	DeleteContactMethod(ctx context.Context, id string) error
	ListContactMethods(ctx context.Context, userID string) ([]*ContactMethod, error)
	// SetNotificationRules replaces a user's notification rules.
	SetNotificationRules(ctx context.Context, userID string, rules []NotificationRule) error
	ListNotificationRules(ctx context.Context, userID string) ([]NotificationRule, error)
}
