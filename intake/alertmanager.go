package intake

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/warroom/warroom"
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
	// extra holds the fields outside this schema, for Details.
	extra []amExtra
	// labelsJSON and annotationsJSON are the objects as the body held
	// them when that is their canonical encoding (EncodeStrings).
	labelsJSON, annotationsJSON string
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
//     or unknown); GroupKey is the webhook's groupKey; Links are the
//     generatorURL, the runbook_url annotation and the Alertmanager
//     externalURL, when present.
//   - Details is only what the other fields do not hold, as a compact JSON
//     object with sorted keys: {"generatorURL": ...} and any alert field
//     outside the version 4 schema; nil when there is none. Labels,
//     annotations, status, fingerprint and times are not repeated in it.
//   - Alerts past the receiver's max_alerts are not in the body (only
//     counted in truncatedAlerts), so they cannot be reported.
//
// The body is decoded in one pass (encoding/json only decides about bodies
// that are malformed or unusual). The error is an *Error naming the field
// at fault.
func ParseAlertmanager(body []byte, now time.Time) ([]Alert, error) {
	alerts, _, err := parseAlertmanager(body, now)
	return alerts, err
}

// ParseAlertmanagerEncoded is ParseAlertmanager followed by EncodeUpdates
// for integration in, reusing the labels and annotations of the body
// where they are already in their canonical encoding (as an unmodified
// Alertmanager sends them), and the details it makes compact.
func ParseAlertmanagerEncoded(body []byte, now time.Time, in *warroom.Integration) ([]Alert, []EncodedUpdate, error) {
	alerts, known, err := parseAlertmanager(body, now)
	if err != nil {
		return nil, nil, err
	}
	updates, err := encodeUpdates(in, alerts, known)
	if err != nil {
		return nil, nil, err
	}
	return alerts, updates, nil
}

// parseAlertmanager is ParseAlertmanager, with the canonical encodings
// found in the body.
func parseAlertmanager(body []byte, now time.Time) ([]Alert, []knownJSON, error) {
	var hook amWebhook
	if !readAlertmanager(body, &hook) {
		// The one-pass reader gave up: encoding/json decides, and names
		// the field or position at fault.
		hook = amWebhook{}
		if err := decodeAlertmanager(body, &hook); err != nil {
			return nil, nil, err
		}
	}
	if err := checkText(body); err != nil {
		return nil, nil, err
	}
	if hook.Version != "" && hook.Version != "4" {
		return nil, nil, fieldError("version", "unsupported Alertmanager webhook payload version %q: want \"4\"", hook.Version)
	}
	if hook.Alerts == nil {
		return nil, nil, fieldError("alerts", "missing: not an Alertmanager webhook payload")
	}
	if err := checkGroupKey("groupKey", hook.GroupKey); err != nil {
		return nil, nil, err
	}
	alerts := make([]Alert, 0, len(hook.Alerts))
	known := make([]knownJSON, 0, len(hook.Alerts))
	var seen map[string]int
	if len(hook.Alerts) > 1 {
		seen = make(map[string]int, len(hook.Alerts))
	}
	var hosts urlHosts
	for i := range hook.Alerts {
		am := &hook.Alerts[i]
		a, err := am.alert(hook.Status, hook.ExternalURL, now, &hosts)
		if err != nil {
			err.Field = "alerts[" + strconv.Itoa(i) + "]." + err.Field
			return nil, nil, err
		}
		a.GroupKey = hook.GroupKey
		a.Details = am.details()
		k := knownJSON{labels: am.labelsJSON, annotations: am.annotationsJSON, compactDetails: true}
		if j, dup := seen[a.DedupKey]; dup {
			alerts[j], known[j] = a, k
			continue
		}
		if seen != nil {
			seen[a.DedupKey] = len(alerts)
		}
		alerts = append(alerts, a)
		known = append(known, k)
	}
	return alerts, known, nil
}

// decodeAlertmanager decodes body with encoding/json: the reference for
// what readAlertmanager accepts, and the source of precise errors. The
// fields of each alert outside the schema are kept for Details.
func decodeAlertmanager(body []byte, hook *amWebhook) error {
	if err := decodeJSON(body, hook, false); err != nil {
		return err
	}
	var raw struct {
		Alerts []map[string]json.RawMessage `json:"alerts"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || len(raw.Alerts) != len(hook.Alerts) {
		return &Error{Message: "invalid JSON"} // unreachable: the first pass accepted the body
	}
	for i, fields := range raw.Alerts {
		for name, v := range fields {
			if bit, ok := fieldBit(amAlertFields, name); ok && bit == 0 {
				hook.Alerts[i].extra = append(hook.Alerts[i].extra, amExtra{name: name, value: string(v)})
			}
		}
	}
	return nil
}

// alert normalizes one Alertmanager alert. groupStatus stands in for a
// missing per-alert status. The error's Field is relative to the alert.
func (am *amAlert) alert(groupStatus, externalURL string, now time.Time, hosts *urlHosts) (Alert, *Error) {
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
	if a.StartsAt, err = parseTime("startsAt", am.StartsAt); err != nil {
		return Alert{}, err
	}
	endsAt, err := parseTime("endsAt", am.EndsAt)
	if err != nil {
		return Alert{}, err
	}
	if err := checkKey("fingerprint", a.DedupKey); err != nil {
		return Alert{}, err
	}
	if a.DedupKey == "" {
		if len(am.Labels) == 0 {
			return Alert{}, fieldError("fingerprint", "missing, and there are no labels to compute it from")
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
		return Alert{}, fieldError("status", "%q is not an Alertmanager alert status: want \"firing\" or \"resolved\"", status)
	}
	if a.StartsAt.IsZero() {
		a.StartsAt = now
	}
	var ok bool
	if a.Severity, ok = NormalizeSeverity(am.Labels["severity"]); !ok {
		a.Severity = SeverityWarning
	}
	runbook := am.Annotations["runbook_url"]
	a.Origin = hosts.host(am.GeneratorURL)
	if a.Origin != "" || runbook != "" || externalURL != "" {
		a.Links = make([]Link, 0, 3)
		if a.Origin != "" {
			a.Links = append(a.Links, Link{Href: am.GeneratorURL, Text: "Source"})
		}
		a.Links = appendLink(a.Links, runbook, "Runbook")
		a.Links = appendLink(a.Links, externalURL, "Alertmanager")
	}
	return a, nil
}

// urlHosts finds the host of URLs, remembering the last one: the alerts
// of one group usually share their generatorURL.
type urlHosts struct{ url, last string }

// host returns the host of rawURL, or "" if it is not a URL with a host.
func (h *urlHosts) host(rawURL string) string {
	if rawURL == "" {
		return ""
	}
	if rawURL != h.url {
		h.url, h.last = rawURL, ""
		if u, err := url.Parse(rawURL); err == nil {
			h.last = u.Host
		}
	}
	return h.last
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
