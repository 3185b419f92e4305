package intake

import (
	"testing"
	"unicode/utf8"
)

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
