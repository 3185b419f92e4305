package intake

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/warroom/warroom"
)

// genericAlert is one alert of the generic JSON webhook; the schema is
// documented in doc.go and GENERIC_WEBHOOK.md.
type genericAlert struct {
	DedupKey    string            `json:"dedup_key"`
	Status      string            `json:"status"`
	Title       string            `json:"title"`
	Summary     string            `json:"summary"`
	Severity    string            `json:"severity"`
	Source      string            `json:"source"`
	Component   string            `json:"component"`
	Group       string            `json:"group"`
	Class       string            `json:"class"`
	GroupKey    string            `json:"group_key"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	Details     json.RawMessage   `json:"details"`
	Links       []Link            `json:"links"`
	Images      []Image           `json:"images"`
	StartedAt   string            `json:"started_at"`
	EndedAt     string            `json:"ended_at"`
}

// Generic webhook limits; the keys' are every sender's (limits.go).
const (
	GenericMaxDedupKeyLen   = warroom.MaxKeyChars
	GenericMaxGroupKeyBytes = warroom.MaxGroupKeyBytes
	GenericMaxSummaryChars  = 1024
)

// ParseGeneric parses the generic JSON webhook: one alert object, or an
// array of them (a batch, at least one). The schema is in the package
// documentation. Unknown fields are rejected so that a misspelt field is
// reported instead of ignored. A dedup_key repeated within a batch keeps
// the last alert. The error is an *Error; inside a batch its Field starts
// with the alert's index, as in "[2].status".
func ParseGeneric(body []byte, now time.Time) ([]Alert, error) {
	trimmed := bytes.TrimSpace(body)
	var batch []genericAlert
	prefix := func(i int) string { return "[" + strconv.Itoa(i) + "]." }
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := decodeJSON(body, &batch, true); err != nil {
			return nil, err
		}
		if len(batch) == 0 {
			return nil, &Error{Message: "the batch is empty: send at least one alert"}
		}
	} else {
		var one genericAlert
		if err := decodeJSON(body, &one, true); err != nil {
			return nil, err
		}
		batch = []genericAlert{one}
		prefix = func(int) string { return "" }
	}
	if err := checkText(body); err != nil {
		return nil, err
	}
	alerts := make([]Alert, 0, len(batch))
	seen := make(map[string]int, len(batch))
	for i, g := range batch {
		a, err := g.alert(now)
		if err != nil {
			err.Field = prefix(i) + err.Field
			return nil, err
		}
		if j, dup := seen[a.DedupKey]; dup {
			alerts[j] = a
			continue
		}
		seen[a.DedupKey] = len(alerts)
		alerts = append(alerts, a)
	}
	return alerts, nil
}

// alert validates and normalizes one generic webhook alert.
func (g genericAlert) alert(now time.Time) (Alert, *Error) {
	a := Alert{
		Source:      SourceWebhook,
		DedupKey:    g.DedupKey,
		Summary:     firstNonEmpty(g.Title, g.Summary),
		Component:   g.Component,
		Group:       g.Group,
		Class:       g.Class,
		Origin:      g.Source,
		GroupKey:    g.GroupKey,
		Labels:      g.Labels,
		Annotations: g.Annotations,
		ReceivedAt:  now,
	}
	switch g.Status {
	case "", "firing":
		a.Action = ActionTrigger
	case "acknowledged":
		a.Action = ActionAcknowledge
	case "resolved":
		a.Action = ActionResolve
	default:
		return Alert{}, fieldError("status", "%q is not a status: want \"firing\", \"acknowledged\" or \"resolved\"", g.Status)
	}
	if a.DedupKey == "" {
		if len(g.Labels) == 0 {
			return Alert{}, fieldError("dedup_key", "required when there are no labels to derive it from")
		}
		a.DedupKey = Fingerprint(g.Labels)
	} else if err := checkKey("dedup_key", a.DedupKey); err != nil {
		return Alert{}, err
	}
	if err := checkGroupKey("group_key", a.GroupKey); err != nil {
		return Alert{}, err
	}
	if g.Title != "" && g.Summary != "" && g.Title != g.Summary {
		return Alert{}, fieldError("summary", "give title or summary (the same field), not both")
	}
	if a.Summary == "" && a.Action == ActionTrigger {
		return Alert{}, fieldError("title", "required for a firing alert")
	}
	if utf8.RuneCountInString(a.Summary) > GenericMaxSummaryChars {
		return Alert{}, fieldError("title", "longer than %d characters", GenericMaxSummaryChars)
	}
	switch sev, ok := NormalizeSeverity(g.Severity); {
	case ok:
		a.Severity = sev
	case g.Severity != "":
		return Alert{}, fieldError("severity", "%q is not a severity: want critical, error, warning or info", g.Severity)
	case a.Action == ActionTrigger:
		a.Severity = SeverityWarning
	}
	for i, l := range g.Links {
		if l.Href == "" {
			return Alert{}, fieldError("links["+strconv.Itoa(i)+"].href", "required")
		}
	}
	for i, im := range g.Images {
		if im.Src == "" {
			return Alert{}, fieldError("images["+strconv.Itoa(i)+"].src", "required")
		}
	}
	a.Links, a.Images = g.Links, g.Images
	if len(g.Details) > 0 && !bytes.Equal(g.Details, []byte("null")) {
		a.Details = g.Details
	}
	var err *Error
	if a.StartsAt, err = parseTime("started_at", g.StartedAt); err != nil {
		return Alert{}, err
	}
	if a.EndsAt, err = parseTime("ended_at", g.EndedAt); err != nil {
		return Alert{}, err
	}
	switch {
	case a.Action != ActionResolve && !a.EndsAt.IsZero():
		return Alert{}, fieldError("ended_at", "only a resolved alert has ended: set status \"resolved\" or drop ended_at")
	case a.Action == ActionResolve && a.EndsAt.IsZero():
		a.EndsAt = now
	}
	if a.StartsAt.IsZero() && a.Action == ActionTrigger {
		a.StartsAt = now
	}
	return a, nil
}
