package intake

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/warroom/warroom"
)

// PagerDuty Events API v2 limits.
const (
	PagerDutyRoutingKeyLen   = 32
	PagerDutyMaxSummaryChars = 1024
	PagerDutyMaxDedupKeyLen  = warroom.MaxKeyChars
)

// PagerDuty's response texts. The success body and the error shape are
// PagerDuty's documented ones; "Unrecognized object" / "Event object format
// is unrecognized" / "JSON parse error" is the example in PagerDuty's Events
// v2 OpenAPI schema. The validation messages for a blank or wrong-length
// routing_key, a missing event_action, a missing payload.source or
// payload.severity and an invalid payload.severity are PagerDuty's words as
// its clients quote them; the others (missing or long summary, invalid
// event_action, missing or long dedup_key) are written in the same style,
// PagerDuty's exact wording for them not being published.
const (
	pdStatusSuccess      = "success"
	pdMessageSuccess     = "Event processed"
	pdStatusInvalid      = "invalid event"
	pdMessageInvalid     = "Event object is invalid"
	pdStatusUnrecognized = "Unrecognized object"
	pdMessageUnrecog     = "Event object format is unrecognized"
)

// pdEvent is a PagerDuty Events API v2 alert event (POST /v2/enqueue).
type pdEvent struct {
	RoutingKey  string     `json:"routing_key"`
	EventAction string     `json:"event_action"`
	DedupKey    string     `json:"dedup_key"`
	Payload     *pdPayload `json:"payload"`
	Links       []Link     `json:"links"`
	Images      []Image    `json:"images"`
	Client      string     `json:"client"`
	ClientURL   string     `json:"client_url"`
}

type pdPayload struct {
	Summary       string          `json:"summary"`
	Source        string          `json:"source"`
	Severity      string          `json:"severity"`
	Timestamp     string          `json:"timestamp"`
	Component     string          `json:"component"`
	Group         string          `json:"group"`
	Class         string          `json:"class"`
	CustomDetails json.RawMessage `json:"custom_details"`
}

// PDError is a rejected PagerDuty event, in PagerDuty's error format.
// Marshaled to JSON it is the body PagerDuty answers, for example
//
//	{"status":"invalid event","message":"Event object is invalid","errors":["'payload.source' is missing or blank"]}
//
// Code is the HTTP status to answer with: 400, or 413 for an oversized body.
type PDError struct {
	Code    int      `json:"-"`
	Status  string   `json:"status"`
	Message string   `json:"message"`
	Errors  []string `json:"errors"`
}

func (e *PDError) Error() string {
	return e.Message + ": " + strings.Join(e.Errors, "; ")
}

func invalidEvent(errs ...string) *PDError {
	return &PDError{Code: http.StatusBadRequest, Status: pdStatusInvalid, Message: pdMessageInvalid, Errors: errs}
}

// ParsePagerDuty parses a PagerDuty Events API v2 event, the body of
// POST /v2/enqueue, with PagerDuty's validation and error texts:
//
//   - routing_key: required, 32 characters; returned in Alert.RoutingKey
//     for the caller to match against its integrations.
//   - event_action: trigger, acknowledge or resolve.
//   - dedup_key: at most 255 characters; required for acknowledge and
//     resolve; for a trigger without one, newKey makes one (RandomKey when
//     newKey is nil). Triggers with the same dedup_key update one alert:
//     Alertmanager sends one event per group under one dedup_key, its
//     alerts in payload.custom_details (see AlertmanagerFingerprints).
//   - payload (trigger only): summary (at most 1024 characters), source and
//     severity (critical, error, warning or info) required; timestamp
//     (ISO 8601), component, group, class and custom_details (any JSON)
//     optional. An acknowledge or resolve may carry a payload; its fields
//     are kept when valid, not checked.
//   - links need an href and images a src; entries without are dropped.
//
// Every problem found is listed in the PDError. A timestamp that cannot be
// read is ignored (StartsAt is now) rather than failing the page.
func ParsePagerDuty(body []byte, now time.Time, newKey func() string) (Alert, *PDError) {
	var ev pdEvent
	if err := decodePagerDuty(body, &ev); err != nil {
		return Alert{}, err
	}
	if err := checkText(body); err != nil {
		return Alert{}, invalidEvent("'" + firstNonEmpty(err.Field, "event") + "' " + err.Message)
	}
	var errs []string
	switch n := utf8.RuneCountInString(ev.RoutingKey); {
	case strings.TrimSpace(ev.RoutingKey) == "":
		errs = append(errs, "'routing_key' cannot be blank")
	case n != PagerDutyRoutingKeyLen:
		errs = append(errs, "Length of 'routing_key' is incorrect (should be 32 characters)")
	}
	action := Action(ev.EventAction)
	switch action {
	case ActionTrigger, ActionAcknowledge, ActionResolve:
	case "":
		errs = append(errs, "'event_action' is missing or blank")
	default:
		errs = append(errs, "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')")
	}
	if utf8.RuneCountInString(ev.DedupKey) > PagerDutyMaxDedupKeyLen {
		errs = append(errs, "'dedup_key' is too long (maximum is 255 characters)")
	} else if ev.DedupKey == "" && (action == ActionAcknowledge || action == ActionResolve) {
		errs = append(errs, "'dedup_key' is missing or blank (required for acknowledge and resolve events)")
	}
	p := ev.Payload
	if p == nil {
		p = &pdPayload{}
	}
	// PagerDuty takes its four words only, no aliases, no other case.
	severityOK := slices.Contains([]string{SeverityCritical, SeverityError, SeverityWarning, SeverityInfo}, p.Severity)
	if action == ActionTrigger {
		errs = append(errs, p.validate(severityOK)...)
	}
	if len(errs) > 0 {
		return Alert{}, invalidEvent(errs...)
	}

	a := Alert{
		Source:     SourcePagerDuty,
		DedupKey:   ev.DedupKey,
		Action:     action,
		Summary:    p.Summary,
		Component:  p.Component,
		Group:      p.Group,
		Class:      p.Class,
		Origin:     p.Source,
		Links:      validLinks(ev.Links),
		Images:     validImages(ev.Images),
		Client:     ev.Client,
		ClientURL:  ev.ClientURL,
		ReceivedAt: now,
		RoutingKey: ev.RoutingKey,
	}
	if severityOK {
		a.Severity = p.Severity
	}
	if len(p.CustomDetails) > 0 && !bytes.Equal(p.CustomDetails, []byte("null")) {
		a.Details = p.CustomDetails
	}
	if a.DedupKey == "" {
		if newKey == nil {
			newKey = RandomKey
		}
		a.DedupKey = newKey()
	}
	a.GroupKey = a.DedupKey
	switch action {
	case ActionTrigger:
		a.StartsAt = now
		if t, ok := parseISO8601(p.Timestamp); ok {
			a.StartsAt = t
		}
	case ActionResolve:
		a.EndsAt = now
	}
	return a, nil
}

// validate checks a trigger's payload, in PagerDuty's words.
func (p *pdPayload) validate(severityOK bool) []string {
	var errs []string
	if strings.TrimSpace(p.Summary) == "" {
		errs = append(errs, "'payload.summary' is missing or blank")
	} else if utf8.RuneCountInString(p.Summary) > PagerDutyMaxSummaryChars {
		errs = append(errs, "'payload.summary' is too long (maximum is 1024 characters)")
	}
	if strings.TrimSpace(p.Source) == "" {
		errs = append(errs, "'payload.source' is missing or blank")
	}
	switch {
	case strings.TrimSpace(p.Severity) == "":
		errs = append(errs, "'payload.severity' is missing or blank")
	case !severityOK:
		errs = append(errs, "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')")
	}
	return errs
}

// decodePagerDuty decodes an event body. A body that is not a JSON object
// gets PagerDuty's "Unrecognized object" answer; a field of the wrong type
// an "invalid event" naming it.
func decodePagerDuty(body []byte, ev *pdEvent) *PDError {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		msg := "JSON parse error: expected a JSON object"
		if err := decodeJSON(body, new(any), false); err != nil {
			msg = "JSON parse error: " + err.Error()
		}
		return &PDError{Code: http.StatusBadRequest, Status: pdStatusUnrecognized, Message: pdMessageUnrecog, Errors: []string{msg}}
	}
	err := decodeJSON(body, ev, false)
	if err == nil {
		return nil
	}
	if err.Field == "" {
		return &PDError{Code: http.StatusBadRequest, Status: pdStatusUnrecognized, Message: pdMessageUnrecog, Errors: []string{"JSON parse error: " + err.Message}}
	}
	return invalidEvent("'" + err.Field + "' " + err.Message)
}

// RandomKey returns 32 random hex digits: the dedup_key given to a trigger
// without one, when ParsePagerDuty's caller injects no generator. Integration
// keys made the same way are valid PagerDuty routing keys.
func RandomKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// iso8601Layouts are the timestamp forms accepted for payload.timestamp:
// RFC 3339, and ISO 8601 with a colon-less offset as in PagerDuty's own
// example "2015-07-17T08:42:58.315+0000".
var iso8601Layouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

// parseISO8601 parses an ISO 8601 timestamp into UTC; a time without an
// offset is taken as UTC.
func parseISO8601(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range iso8601Layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func validLinks(in []Link) []Link {
	var out []Link
	for _, l := range in {
		if l.Href != "" {
			out = append(out, l)
		}
	}
	return out
}

func validImages(in []Image) []Image {
	var out []Image
	for _, im := range in {
		if im.Src != "" {
			out = append(out, im)
		}
	}
	return out
}

// PagerDutyResponse is the body of a PagerDuty Events API v2 answer.
type PagerDutyResponse struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

// pagerDutyAnswer is the status and body answering a PagerDuty event; see
// WritePagerDuty.
func pagerDutyAnswer(dedupKey string, err error) (int, any) {
	if pe, ok := err.(*PDError); ok && pe == nil {
		err = nil // ParsePagerDuty's nil *PDError passed on as an error
	}
	var pe *PDError
	var big *BodyTooLargeError
	var ie *Error
	switch {
	case err == nil:
		return http.StatusAccepted, PagerDutyResponse{Status: pdStatusSuccess, Message: pdMessageSuccess, DedupKey: dedupKey}
	case errors.As(err, &pe):
		return pe.Code, pe
	case errors.As(err, &big):
		return http.StatusRequestEntityTooLarge, invalidEvent(big.Error())
	case errors.As(err, &ie):
		return http.StatusBadRequest, invalidEvent(ie.Error())
	case errors.Is(err, ErrUnknownIntegration):
		return http.StatusBadRequest, invalidEvent("Invalid routing key")
	}
	return http.StatusInternalServerError, PagerDutyResponse{Status: "internal error", Message: "Event could not be processed; retry later"}
}
