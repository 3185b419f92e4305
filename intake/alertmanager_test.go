package intake

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	fpCheckoutA  = "d5d7ec2b0093448a" // pod checkout-7d9f8-abcde
	fpCheckoutB  = "9e9cf170157b3e0b" // pod checkout-7d9f8-fghij
	fpPayments   = "6ae7ed227a34cb4f"
	checkoutSum  = "Checkout 5xx rate above 5% for 10 minutes"
	checkoutKey  = `{}:{alertname="CheckoutHighErrorRate", service="checkout"}`
	paymentsKey  = `{}:{alertname="PaymentsLatencyHigh", service="payments"}`
	checkoutGen  = "http://prometheus.example.com/graph?g0.expr=sum%28rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B5m%5D%29%29"
	checkoutBook = "https://runbooks.example.com/checkout/high-error-rate"
)

func parseAMFixture(t *testing.T, name string) []Alert {
	t.Helper()
	alerts, err := ParseAlertmanager(fixture(t, name), testNow)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return alerts
}

// actions summarizes alerts as "fingerprint=action@endsAt".
func actions(alerts []Alert) []string {
	var out []string
	for _, a := range alerts {
		s := a.DedupKey + "=" + string(a.Action)
		if !a.EndsAt.IsZero() {
			s += "@" + a.EndsAt.Format(time.RFC3339)
		}
		out = append(out, s)
	}
	return out
}

func TestParseAlertmanagerEveryFixture(t *testing.T) {
	want := map[string][]string{
		"001-webhook.json": {fpCheckoutA + "=trigger", fpCheckoutB + "=trigger"},
		"004-webhook.json": {fpPayments + "=trigger"},
		"005-webhook.json": {fpCheckoutA + "=resolve@2026-11-22T00:09:05Z", fpCheckoutB + "=trigger"},
		"008-webhook.json": {fpPayments + "=resolve@2026-11-22T00:09:11Z"},
		"010-webhook.json": {fpCheckoutA + "=resolve@2026-11-22T00:09:11Z", fpCheckoutB + "=resolve@2026-11-22T00:09:11Z"},
	}
	names := fixtureBodies(t, "webhook")
	if len(names) != len(want) {
		t.Fatalf("webhook fixtures %v, want the %d described in the README", names, len(want))
	}
	for _, name := range names {
		alerts := parseAMFixture(t, name)
		if got := actions(alerts); !reflect.DeepEqual(got, want[name]) {
			t.Errorf("%s: got %v, want %v", name, got, want[name])
		}
		for _, a := range alerts {
			if a.Source != SourceAlertmanager || !a.ReceivedAt.Equal(testNow) {
				t.Errorf("%s %s: source %q received %v", name, a.DedupKey, a.Source, a.ReceivedAt)
			}
			if !a.StartsAt.Equal(mustTime(t, "2026-11-22T00:08:58Z")) {
				t.Errorf("%s %s: StartsAt %v", name, a.DedupKey, a.StartsAt)
			}
		}
	}
}

// 001: two alerts of one group share their summary; only the fingerprint
// tells them apart.
func TestParseAlertmanagerFirstNotification(t *testing.T) {
	alerts := parseAMFixture(t, "001-webhook.json")
	if len(alerts) != 2 {
		t.Fatalf("got %d alerts, want 2", len(alerts))
	}
	a, b := alerts[0], alerts[1]
	if a.DedupKey != fpCheckoutA || b.DedupKey != fpCheckoutB {
		t.Fatalf("dedup keys %q %q, want the fingerprints %q %q", a.DedupKey, b.DedupKey, fpCheckoutA, fpCheckoutB)
	}
	if a.Summary != checkoutSum || b.Summary != checkoutSum {
		t.Errorf("summaries %q %q, want both %q", a.Summary, b.Summary, checkoutSum)
	}
	want := Alert{
		Source:   SourceAlertmanager,
		DedupKey: fpCheckoutA,
		Action:   ActionTrigger,
		Summary:  checkoutSum,
		Severity: SeverityCritical,
		Class:    "CheckoutHighErrorRate",
		// service label
		Component: "checkout",
		Origin:    "prometheus.example.com",
		Labels: map[string]string{
			"alertname": "CheckoutHighErrorRate", "cluster": "prod-eu-1", "namespace": "shop",
			"pod": "checkout-7d9f8-abcde", "service": "checkout", "severity": "critical",
		},
		Annotations: map[string]string{
			"description": "The checkout service is burning its 30-day error budget 14x faster than allowed.",
			"runbook_url": checkoutBook,
			"summary":     checkoutSum,
		},
		Links: []Link{
			{Href: checkoutGen, Text: "Source"},
			{Href: checkoutBook, Text: "Runbook"},
			{Href: "http://vm:9094", Text: "Alertmanager"},
		},
		GroupKey:   checkoutKey,
		StartsAt:   mustTime(t, "2026-11-22T00:08:58Z"),
		ReceivedAt: testNow,
	}
	details := a.Details
	a.Details = nil
	if !reflect.DeepEqual(a, want) {
		t.Errorf("alert 0:\n got %+v\nwant %+v", a, want)
	}
	// Details holds only what the other fields do not: labels,
	// annotations, status, fingerprint and times are not repeated.
	if want := `{"generatorURL":"` + checkoutGen + `"}`; string(details) != want {
		t.Errorf("Details %s, want %s", details, want)
	}
	if b.GroupKey != a.GroupKey {
		t.Errorf("group keys differ: %q %q", a.GroupKey, b.GroupKey)
	}
}

// 005: the group is still firing, but one alert inside it resolved.
func TestParseAlertmanagerFiringGroupWithResolvedAlert(t *testing.T) {
	body := fixture(t, "005-webhook.json")
	var group struct{ Status string }
	if err := json.Unmarshal(body, &group); err != nil || group.Status != "firing" {
		t.Fatalf("fixture 005 should be a firing group, is %q (%v)", group.Status, err)
	}
	alerts := parseAMFixture(t, "005-webhook.json")
	if len(alerts) != 2 {
		t.Fatalf("got %d alerts, want 2", len(alerts))
	}
	resolved, firing := alerts[0], alerts[1]
	if resolved.DedupKey != fpCheckoutA || resolved.Action != ActionResolve || !resolved.EndsAt.Equal(mustTime(t, "2026-11-22T00:09:05Z")) {
		t.Errorf("resolved alert: %s %s ends %v", resolved.DedupKey, resolved.Action, resolved.EndsAt)
	}
	if firing.DedupKey != fpCheckoutB || firing.Action != ActionTrigger || !firing.EndsAt.IsZero() {
		t.Errorf("firing alert: %s %s ends %v (0001-01-01 must mean not ended)", firing.DedupKey, firing.Action, firing.EndsAt)
	}
}

// 008 and 010: resolved groups, endsAt set on every alert.
func TestParseAlertmanagerResolvedGroups(t *testing.T) {
	ended := mustTime(t, "2026-11-22T00:09:11Z")
	for name, want := range map[string][]string{
		"008-webhook.json": {fpPayments},
		"010-webhook.json": {fpCheckoutA, fpCheckoutB},
	} {
		alerts := parseAMFixture(t, name)
		if len(alerts) != len(want) {
			t.Fatalf("%s: %d alerts, want %d", name, len(alerts), len(want))
		}
		for i, a := range alerts {
			if a.DedupKey != want[i] || a.Action != ActionResolve || !a.EndsAt.Equal(ended) {
				t.Errorf("%s[%d]: %s %s ends %v, want %s resolve ends %v", name, i, a.DedupKey, a.Action, a.EndsAt, want[i], ended)
			}
		}
	}
}

// Fingerprint must reproduce Alertmanager's own fingerprints, or alerts sent
// without one (and generic webhook alerts keyed by labels) would split.
func TestFingerprintMatchesAlertmanager(t *testing.T) {
	n := 0
	for _, name := range fixtureBodies(t, "webhook") {
		var hook struct {
			Alerts []struct {
				Labels      map[string]string
				Fingerprint string
			}
		}
		if err := json.Unmarshal(fixture(t, name), &hook); err != nil {
			t.Fatal(err)
		}
		for _, a := range hook.Alerts {
			if got := Fingerprint(a.Labels); got != a.Fingerprint {
				t.Errorf("%s: Fingerprint(%v) = %s, Alertmanager said %s", name, a.Labels, got, a.Fingerprint)
			}
			n++
		}
	}
	if n != 8 {
		t.Errorf("checked %d alerts, want 8", n)
	}
	if got := Fingerprint(nil); got != "cbf29ce484222325" {
		t.Errorf("Fingerprint(nil) = %s, want the FNV-1a offset basis cbf29ce484222325", got)
	}
}

// amBody builds a webhook body with one alert.
func amBody(groupStatus, alertJSON string) []byte {
	return []byte(`{"version":"4","status":"` + groupStatus + `","groupKey":"{}:{x=\"y\"}","alerts":[` + alertJSON + `]}`)
}

func TestParseAlertmanagerNormalizes(t *testing.T) {
	tests := []struct {
		name  string
		alert string
		check func(t *testing.T, a Alert)
	}{
		{"missing fingerprint is computed from labels",
			`{"status":"firing","labels":{"alertname":"PaymentsLatencyHigh","cluster":"prod-eu-1","namespace":"shop","service":"payments","severity":"warning"}}`,
			func(t *testing.T, a Alert) {
				if a.DedupKey != fpPayments {
					t.Errorf("DedupKey %q, want %q", a.DedupKey, fpPayments)
				}
			}},
		{"summary falls back to alertname", `{"status":"firing","fingerprint":"f","labels":{"alertname":"Down"}}`,
			func(t *testing.T, a Alert) {
				if a.Summary != "Down" {
					t.Errorf("Summary %q", a.Summary)
				}
			}},
		{"summary without annotation or alertname names the fingerprint", `{"status":"firing","fingerprint":"f1","labels":{"x":"y"}}`,
			func(t *testing.T, a Alert) {
				if a.Summary != "Alertmanager alert f1" {
					t.Errorf("Summary %q", a.Summary)
				}
			}},
		{"missing alert status takes the group's", `{"fingerprint":"f","labels":{"a":"b"},"endsAt":"2026-11-22T00:09:00Z"}`,
			func(t *testing.T, a Alert) {
				if a.Action != ActionResolve || !a.EndsAt.Equal(time.Date(2026, 11, 22, 0, 9, 0, 0, time.UTC)) {
					t.Errorf("%s ends %v", a.Action, a.EndsAt)
				}
			}},
		{"resolved without endsAt ends now", `{"status":"resolved","fingerprint":"f","labels":{"a":"b"},"endsAt":"0001-01-01T00:00:00Z"}`,
			func(t *testing.T, a Alert) {
				if !a.EndsAt.Equal(testNow) {
					t.Errorf("EndsAt %v, want now", a.EndsAt)
				}
			}},
		{"a firing alert's future endsAt is an expiry, not an end", `{"status":"firing","fingerprint":"f","labels":{"a":"b"},"endsAt":"2026-11-22T00:20:00Z"}`,
			func(t *testing.T, a Alert) {
				if !a.EndsAt.IsZero() {
					t.Errorf("EndsAt %v, want zero", a.EndsAt)
				}
			}},
		{"missing startsAt is now; fractional seconds and offsets become UTC", `{"status":"firing","fingerprint":"f","labels":{"a":"b"}}`,
			func(t *testing.T, a Alert) {
				if !a.StartsAt.Equal(testNow) {
					t.Errorf("StartsAt %v", a.StartsAt)
				}
			}},
		{"offset startsAt", `{"status":"firing","fingerprint":"f","labels":{"a":"b"},"startsAt":"2026-11-22T01:08:58.5+01:00"}`,
			func(t *testing.T, a Alert) {
				if a.StartsAt != time.Date(2026, 11, 22, 0, 8, 58, 5e8, time.UTC) {
					t.Errorf("StartsAt %v", a.StartsAt)
				}
			}},
		{"generatorURL without host gives no origin or link", `{"status":"firing","fingerprint":"f","labels":{"a":"b"},"generatorURL":"not a url"}`,
			func(t *testing.T, a Alert) {
				if a.Origin != "" || a.Links != nil {
					t.Errorf("Origin %q Links %v", a.Origin, a.Links)
				}
			}},
		{"component prefers the component label, then service, then job", `{"status":"firing","fingerprint":"f","labels":{"job":"node","service":"s"}}`,
			func(t *testing.T, a Alert) {
				if a.Component != "s" {
					t.Errorf("Component %q", a.Component)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alerts, err := ParseAlertmanager(amBody("resolved", tt.alert), testNow)
			if err != nil {
				t.Fatal(err)
			}
			if len(alerts) != 1 {
				t.Fatalf("%d alerts", len(alerts))
			}
			tt.check(t, alerts[0])
		})
	}
}

func TestAlertmanagerSeverity(t *testing.T) {
	for label, want := range map[string]string{
		"critical": SeverityCritical, "page": SeverityCritical, "CRITICAL": SeverityCritical,
		"error": SeverityError, "high": SeverityError,
		"warning": SeverityWarning, "warn": SeverityWarning, " Warn ": SeverityWarning,
		"info": SeverityInfo, "low": SeverityInfo, "none": SeverityInfo,
		"": SeverityWarning, "disaster": SeverityWarning,
	} {
		alerts, err := ParseAlertmanager(amBody("firing", `{"status":"firing","fingerprint":"f","labels":{"severity":"`+label+`"}}`), testNow)
		if err != nil {
			t.Fatal(err)
		}
		if got := alerts[0].Severity; got != want {
			t.Errorf("severity label %q: got %q, want %q", label, got, want)
		}
	}
}

func TestParseAlertmanagerDeduplicatesByFingerprint(t *testing.T) {
	body := amBody("firing", `{"status":"firing","fingerprint":"aa","labels":{"n":"1"},"annotations":{"summary":"same"},"generatorURL":"http://p/first"},
		{"status":"firing","fingerprint":"bb","labels":{"n":"2"},"annotations":{"summary":"same"}},
		{"status":"resolved","fingerprint":"aa","labels":{"n":"1"},"annotations":{"summary":"same"},"endsAt":"2026-11-22T00:09:00Z","generatorURL":"http://p/later"}`)
	alerts, err := ParseAlertmanager(body, testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"aa=resolve@2026-11-22T00:09:00Z", "bb=trigger"}
	if got := actions(alerts); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v: same summary must not merge, same fingerprint must", got, want)
	}
	if !strings.Contains(string(alerts[0].Details), `"http://p/later"`) {
		t.Errorf("the later entry's details should win: %s", alerts[0].Details)
	}
}

func TestParseAlertmanagerErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Error
	}{
		{"empty body", "", Error{Message: "body is empty: expected a JSON document"}},
		{"not JSON", "receiver: both", Error{Message: "invalid JSON at line 1, column 1 (offset 0): invalid character 'r' looking for beginning of value"}},
		{"truncated", `{"version":"4",` + "\n" + `"alerts":[`, Error{Message: "invalid JSON: the body ends before the JSON value does at line 2, column 11 (offset 26)"}},
		{"trailing garbage", `{"version":"4","alerts":[]} {}`, Error{Message: "invalid JSON: unexpected data after the JSON value at line 1, column 29 (offset 28)"}},
		{"wrong type", `{"version":"4","alerts":"many"}`, Error{Field: "alerts", Message: "must be an array, not a JSON string, at line 1, column 30 (offset 29)"}},
		{"wrong type inside an alert", `{"version":"4","alerts":[{"labels":{"a":1}}]}`, Error{Field: "alerts.labels", Message: "must be a string, not a JSON number, at line 1, column 41 (offset 40)"}},
		{"other version", `{"version":"5","alerts":[]}`, Error{Field: "version", Message: `unsupported Alertmanager webhook payload version "5": want "4"`}},
		{"no alerts", `{"version":"4","status":"firing"}`, Error{Field: "alerts", Message: "missing: not an Alertmanager webhook payload"}},
		{"unknown status", string(amBody("", `{"fingerprint":"f","labels":{"a":"b"}},{"status":"pending","fingerprint":"g"}`)),
			Error{Field: "alerts[0].status", Message: `"" is not an Alertmanager alert status: want "firing" or "resolved"`}},
		{"no fingerprint, no labels", string(amBody("firing", `{"status":"firing"}`)),
			Error{Field: "alerts[0].fingerprint", Message: "missing, and there are no labels to compute it from"}},
		{"bad startsAt", string(amBody("firing", `{"status":"firing","fingerprint":"f","startsAt":"yesterday"}`)),
			Error{Field: "alerts[0].startsAt", Message: `"yesterday" is not an RFC 3339 time such as "2026-11-22T00:08:58Z"`}},
		{"bad endsAt", string(amBody("firing", `{"status":"resolved","fingerprint":"f","endsAt":"2026-11-22 00:09"}`)),
			Error{Field: "alerts[0].endsAt", Message: `"2026-11-22 00:09" is not an RFC 3339 time such as "2026-11-22T00:08:58Z"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alerts, err := ParseAlertmanager([]byte(tt.body), testNow)
			if alerts != nil {
				t.Errorf("alerts %v returned with the error", alerts)
			}
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T %v, want *Error", err, err)
			}
			if *e != tt.want {
				t.Errorf("got  %#v\nwant %#v", *e, tt.want)
			}
		})
	}
}
