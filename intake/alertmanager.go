package intake

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"time"
)

// amWebhook is the part of Prometheus Alertmanager's webhook payload,
// version 4, that intake uses (receiver, groupLabels, commonLabels,
// commonAnnotations, truncatedAlerts and notification_reason are ignored).
// Written here rather than imported: Alertmanager's packages pull in dozens
// of modules.
type amWebhook struct {
	Version     string    `json:"version"`
	GroupKey    string    `json:"groupKey"`
	Status      string    `json:"status"`
	ExternalURL string    `json:"externalURL"`
	Alerts      []amAlert `json:"alerts"`
}

// amAlert is one alert inside an amWebhook or inside the custom_details of a
// PagerDuty event sent by Alertmanager.
type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// ParseAlertmanager parses a Prometheus Alertmanager webhook body (payload
// version 4, as an unmodified webhook_configs entry sends it) into one Alert
// per Alertmanager alert, in the body's order.
//
//   - DedupKey is the alert's fingerprint; when the sender left it out, the
//     same fingerprint is computed from the labels as Alertmanager does. An
//     alert is never identified by its summary: alerts of one group usually
//     share it. A fingerprint repeated within one body keeps the last entry.
//   - Action follows each alert's own status, not the group's: a "firing"
//     group carries the alerts that just resolved.
//   - endsAt of 0001-01-01T00:00:00Z means not ended. A firing alert's
//     endsAt is an expiry, not an end, so EndsAt stays zero while firing; a
//     resolved alert without endsAt ends at now.
//   - Summary is the summary annotation, else the alertname label; Severity
//     maps the severity label (see NormalizeSeverity; warning when absent
//     or unknown); GroupKey is the webhook's groupKey; Details is the
//     alert's own JSON object; Links are the generatorURL, the runbook_url
//     annotation and the Alertmanager externalURL, when present.
//   - Alerts past the receiver's max_alerts are not in the body (only
//     counted in truncatedAlerts), so they cannot be reported.
//
// The error is an *Error naming the field at fault.
func ParseAlertmanager(body []byte, now time.Time) ([]Alert, error) {
	var hook amWebhook
	if err := decodeJSON(body, &hook, false); err != nil {
		return nil, err
	}
	if hook.Version != "" && hook.Version != "4" {
		return nil, fieldError("version", "unsupported Alertmanager webhook payload version %q: want \"4\"", hook.Version)
	}
	if hook.Alerts == nil {
		return nil, fieldError("alerts", "missing: not an Alertmanager webhook payload")
	}
	// Each alert's own JSON becomes its Details. A second, shallow pass
	// keeps the first one's errors positioned in the body.
	var raw struct {
		Alerts []json.RawMessage `json:"alerts"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || len(raw.Alerts) != len(hook.Alerts) {
		return nil, &Error{Message: "invalid JSON"} // unreachable: the first pass accepted the body
	}
	alerts := make([]Alert, 0, len(hook.Alerts))
	seen := make(map[string]int, len(hook.Alerts))
	for i, am := range hook.Alerts {
		a, err := am.alert("alerts["+strconv.Itoa(i)+"]", hook.Status, now)
		if err != nil {
			return nil, err
		}
		a.GroupKey = hook.GroupKey
		a.Details = raw.Alerts[i]
		a.Links = appendLink(a.Links, hook.ExternalURL, "Alertmanager")
		if j, dup := seen[a.DedupKey]; dup {
			alerts[j] = a
			continue
		}
		seen[a.DedupKey] = len(alerts)
		alerts = append(alerts, a)
	}
	return alerts, nil
}

// alert normalizes one Alertmanager alert. groupStatus stands in for a
// missing per-alert status.
func (am amAlert) alert(field, groupStatus string, now time.Time) (Alert, *Error) {
	a := Alert{
		Source:      SourceAlertmanager,
		DedupKey:    am.Fingerprint,
		Labels:      am.Labels,
		Annotations: am.Annotations,
		Class:       am.Labels["alertname"],
		Component:   firstNonEmpty(am.Labels["component"], am.Labels["service"], am.Labels["job"]),
		Summary:     firstNonEmpty(am.Annotations["summary"], am.Labels["alertname"]),
		ReceivedAt:  now,
	}
	var err *Error
	if a.StartsAt, err = parseTime(field+".startsAt", am.StartsAt); err != nil {
		return Alert{}, err
	}
	endsAt, err := parseTime(field+".endsAt", am.EndsAt)
	if err != nil {
		return Alert{}, err
	}
	if a.DedupKey == "" {
		if len(am.Labels) == 0 {
			return Alert{}, fieldError(field+".fingerprint", "missing, and there are no labels to compute it from")
		}
		a.DedupKey = Fingerprint(am.Labels)
	}
	if a.Summary == "" {
		a.Summary = "Alertmanager alert " + a.DedupKey
	}
	status := firstNonEmpty(am.Status, groupStatus)
	switch status {
	case "firing":
		a.Action = ActionTrigger
	case "resolved":
		a.Action = ActionResolve
		a.EndsAt = endsAt
		if a.EndsAt.IsZero() {
			a.EndsAt = now
		}
	default:
		return Alert{}, fieldError(field+".status", "%q is not an Alertmanager alert status: want \"firing\" or \"resolved\"", status)
	}
	if a.StartsAt.IsZero() {
		a.StartsAt = now
	}
	var ok bool
	if a.Severity, ok = NormalizeSeverity(am.Labels["severity"]); !ok {
		a.Severity = SeverityWarning
	}
	if u, err := url.Parse(am.GeneratorURL); err == nil && u.Host != "" {
		a.Origin = u.Host
		a.Links = appendLink(a.Links, am.GeneratorURL, "Source")
	}
	a.Links = appendLink(a.Links, am.Annotations["runbook_url"], "Runbook")
	return a, nil
}

// Fingerprint computes the fingerprint Alertmanager gives an alert with these
// labels (Prometheus model.LabelSet.Fingerprint: FNV-1a 64 over the sorted
// label names and values, each followed by byte 0xff), as 16 hex digits.
func Fingerprint(labels map[string]string) string {
	const (
		offset64 = 14695981039346656037
		prime64  = 1099511628211
		sep      = 0xff
	)
	names := make([]string, 0, len(labels))
	for name := range labels {
		names = append(names, name)
	}
	sort.Strings(names)
	h := uint64(offset64)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= prime64
		}
		h ^= sep
		h *= prime64
	}
	for _, name := range names {
		add(name)
		add(labels[name])
	}
	return fmt.Sprintf("%016x", h)
}

// AlertmanagerFingerprints extracts the per-alert fingerprints Alertmanager
// puts in the custom_details of the PagerDuty events it sends (one event per
// group: custom_details.firing and .resolved list the group's alerts), so a
// group alert can show which Alertmanager alerts it stands for. details is
// Alert.Details of a PagerDuty alert. ok is false when details does not have
// that shape: another sender, or an Alertmanager older than the structured
// details, whose firing/resolved are rendered text.
func AlertmanagerFingerprints(details json.RawMessage) (firing, resolved []string, ok bool) {
	var d struct {
		Firing   []amAlert `json:"firing"`
		Resolved []amAlert `json:"resolved"`
	}
	if len(details) == 0 || json.Unmarshal(details, &d) != nil || (d.Firing == nil && d.Resolved == nil) {
		return nil, nil, false
	}
	return fingerprints(d.Firing), fingerprints(d.Resolved), true
}

func fingerprints(alerts []amAlert) []string {
	out := make([]string, 0, len(alerts))
	for _, a := range alerts {
		fp := a.Fingerprint
		if fp == "" && len(a.Labels) > 0 {
			fp = Fingerprint(a.Labels)
		}
		if fp != "" {
			out = append(out, fp)
		}
	}
	return out
}

// parseTime parses an RFC 3339 time (with or without fractional seconds)
// into UTC. The empty string and Go's zero time, which Alertmanager sends as
// 0001-01-01T00:00:00Z for "not ended", give the zero Time.
func parseTime(field, s string) (time.Time, *Error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fieldError(field, "%q is not an RFC 3339 time such as \"2026-11-22T00:08:58Z\"", s)
	}
	return t.UTC(), nil
}

func appendLink(links []Link, href, text string) []Link {
	if href == "" {
		return links
	}
	return append(links, Link{Href: href, Text: text})
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
