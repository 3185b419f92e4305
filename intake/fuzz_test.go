package intake

import (
	"fmt"
	"testing"
	"unicode/utf8"

	"github.com/warroom/warroom"
)

// unstorable says why a store could not keep an accepted alert (one
// database refusing what another takes), or "".
func unstorable(a Alert) string {
	texts := []string{a.Source, a.DedupKey, string(a.Action), a.Summary, a.Severity, a.Component, a.Group, a.Class,
		a.Origin, a.GroupKey, a.Client, a.ClientURL}
	for k, v := range a.Labels {
		texts = append(texts, k, v)
	}
	for k, v := range a.Annotations {
		texts = append(texts, k, v)
	}
	for _, l := range a.Links {
		texts = append(texts, l.Href, l.Text)
	}
	for _, im := range a.Images {
		texts = append(texts, im.Src, im.Href, im.Alt)
	}
	for _, s := range texts {
		if p := warroom.TextProblem(s); p != "" {
			return fmt.Sprintf("%q %s", s, p)
		}
	}
	if path, p := warroom.JSONTextProblem(a.Details); p != "" {
		return "details." + path + " " + p
	}
	if utf8.RuneCountInString(a.DedupKey) > warroom.MaxKeyChars || len(a.GroupKey) > warroom.MaxGroupKeyBytes {
		return "a key is too long"
	}
	return ""
}

// FuzzParsers feeds the same bytes to every parser: none may panic, and
// whatever is accepted must be a usable alert. `go test` runs the seeds;
// `go test -fuzz=FuzzParsers ./intake/` explores further.
func FuzzParsers(f *testing.F) {
	for _, kind := range []string{"webhook", "pagerduty-v2"} {
		for _, name := range fixtureBodies(f, kind) {
			f.Add(fixture(f, name))
		}
	}
	for _, seed := range []string{
		``, `null`, `[]`, `[null]`, `{}`, `{"alerts":[null]}`, `{"alerts":[{}]}`, `{"payload":null}`,
		`{"routing_key":"` + routingKey + `","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info","custom_details":[1]}}`,
		`[{"labels":{"a":"b"},"status":"resolved","ended_at":"0001-01-01T00:00:00Z"}]`, "{\"title\":\"\xff\",\"dedup_key\":\"k\"}",
		`{"version":"4","groupKey":"\u0000g","alerts":[{"status":"firing","fingerprint":"f"}]}`, `{"title":"\u0000","dedup_key":"k"}`,
		`{"title":"t","dedup_key":"k","details":{"a":"\ud800"}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(parser string, alerts []Alert, err error) {
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Errorf("%s: error %T %v, want *Error", parser, err, err)
				}
				if alerts != nil {
					t.Errorf("%s: alerts returned with an error", parser)
				}
				return
			}
			for _, a := range alerts {
				if a.DedupKey == "" || a.Source == "" || !a.ReceivedAt.Equal(testNow) {
					t.Errorf("%s: accepted an unusable alert %+v", parser, a)
				}
				switch a.Action {
				case ActionTrigger, ActionAcknowledge, ActionResolve:
				default:
					t.Errorf("%s: action %q", parser, a.Action)
				}
				if a.Action == ActionResolve && a.EndsAt.IsZero() {
					t.Errorf("%s: resolved without an end", parser)
				}
				if problem := unstorable(a); problem != "" {
					t.Errorf("%s: accepted an alert no store can keep: %s", parser, problem)
				}
			}
		}
		alerts, err := ParseAlertmanager(body, testNow)
		check("alertmanager", alerts, err)
		alerts, err = ParseGeneric(body, testNow)
		check("generic", alerts, err)
		a, perr := ParsePagerDuty(body, testNow, func() string { return "generated" })
		if perr != nil {
			if perr.Code != 400 || len(perr.Errors) == 0 || perr.Status == "" {
				t.Errorf("pagerduty: malformed PDError %+v", perr)
			}
		} else {
			check("pagerduty", []Alert{a}, nil)
			if utf8.RuneCountInString(a.RoutingKey) != PagerDutyRoutingKeyLen {
				t.Errorf("pagerduty: accepted routing key %q", a.RoutingKey)
			}
		}
	})
}
