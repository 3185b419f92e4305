package intake

import (
	"encoding/json"
	"strings"
	"time"
)

// Action is what an incoming event asks warroom to do with the alert its
// DedupKey names.
type Action string

// The actions every sender is normalized to.
const (
	ActionTrigger     Action = "trigger"
	ActionAcknowledge Action = "acknowledge"
	ActionResolve     Action = "resolve"
)

// Sources: which intake endpoint an Alert came through. An alert is
// identified by (integration, Source, DedupKey): the same dedup key from two
// senders is two alerts.
const (
	SourceAlertmanager = "alertmanager"
	SourcePagerDuty    = "pagerduty"
	SourceWebhook      = "webhook"
)

// Normalized severities, the PagerDuty set, most severe first.
const (
	SeverityCritical = "critical"
	SeverityError    = "error"
	SeverityWarning  = "warning"
	SeverityInfo     = "info"
)

// Alert is one normalized incoming alert event. Each sender's parser fills
// what that sender said; an empty string, nil map or zero time means "the
// sender did not say", so a store updating an existing alert (same DedupKey)
// must not overwrite a known value with an empty one. PagerDuty acknowledge
// and resolve events, for example, usually carry no summary or severity.
type Alert struct {
	// Source is SourceAlertmanager, SourcePagerDuty or SourceWebhook.
	Source string `json:"source"`
	// DedupKey identifies the alert within its integration and Source:
	// the Alertmanager fingerprint, the PagerDuty dedup_key (given or
	// generated), or the generic webhook dedup_key. Never derived from
	// summary text.
	DedupKey string `json:"dedup_key"`
	// Action is what this event does to the alert.
	Action Action `json:"action"`
	// Summary is a one-line title.
	Summary string `json:"summary,omitempty"`
	// Severity is one of the Severity constants, or empty if unknown.
	Severity string `json:"severity,omitempty"`
	// Component, Group and Class follow PagerDuty's common event format.
	// For Alertmanager, Class is the alertname label and Component the
	// component, service or job label (the first present).
	Component string `json:"component,omitempty"`
	Group     string `json:"group,omitempty"`
	Class     string `json:"class,omitempty"`
	// Origin is where the problem is: PagerDuty payload.source, the host of
	// Alertmanager's generatorURL, or the generic webhook source.
	Origin string `json:"origin,omitempty"`
	// Labels and Annotations are Alertmanager's (or the generic webhook's).
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	// Details is sender-specific JSON: PagerDuty custom_details, the raw
	// Alertmanager alert object, the generic webhook details.
	Details json.RawMessage `json:"details,omitempty"`
	Links   []Link          `json:"links,omitempty"`
	Images  []Image         `json:"images,omitempty"`
	// GroupKey groups alerts to show together: Alertmanager's groupKey,
	// the PagerDuty dedup_key (Alertmanager sends one PagerDuty event per
	// group), or the generic webhook group_key.
	GroupKey string `json:"group_key,omitempty"`
	// Client and ClientURL name the monitoring tool that sent the event
	// (PagerDuty client, client_url).
	Client    string `json:"client,omitempty"`
	ClientURL string `json:"client_url,omitempty"`
	// StartsAt is when the problem began; EndsAt when it ended (zero while
	// it has not). Both UTC.
	StartsAt time.Time `json:"starts_at,omitzero"`
	EndsAt   time.Time `json:"ends_at,omitzero"`
	// ReceivedAt is the injected clock's time when warroom parsed the event.
	ReceivedAt time.Time `json:"received_at"`
	// RoutingKey is the PagerDuty routing_key the event carried: the
	// integration key for the PagerDuty endpoint. It is a credential, so it
	// is never serialized. Empty for other senders (see IntegrationKeys).
	RoutingKey string `json:"-"`
}

// Link is a URL attached to an alert.
type Link struct {
	Href string `json:"href"`
	Text string `json:"text,omitempty"`
}

// Image is an image attached to an alert (PagerDuty images).
type Image struct {
	Src  string `json:"src"`
	Href string `json:"href,omitempty"`
	Alt  string `json:"alt,omitempty"`
}

// severityAliases maps the severity words monitoring tools use (lower case)
// to the normalized set.
var severityAliases = map[string]string{
	"critical": SeverityCritical,
	"page":     SeverityCritical,
	"error":    SeverityError,
	"high":     SeverityError,
	"warning":  SeverityWarning,
	"warn":     SeverityWarning,
	"info":     SeverityInfo,
	"low":      SeverityInfo,
	"none":     SeverityInfo,
}

// NormalizeSeverity maps a sender's severity word to the normalized set,
// ignoring case and surrounding space: critical/page → critical,
// error/high → error, warning/warn → warning, info/low/none → info.
// ok is false for any other word, including the empty string.
func NormalizeSeverity(s string) (severity string, ok bool) {
	severity, ok = severityAliases[strings.ToLower(strings.TrimSpace(s))]
	return severity, ok
}
