package intake

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	routingKey     = "0123456789abcdef0123456789abcdef"
	pdPaymentsKey  = "8b01510fd8995a859a068092334410f14cbe4ffd4afa3f8bfe1c17acf2e1c2db"
	pdCheckoutKey  = "05e94e9578802de292b3aef8763c31312779b7ce186396f6b2796fa4b6ca4129"
	amClientURL    = "http://alertmanager.example.com:9093/#/alerts?receiver=both"
	amClientName   = "Prometheus Alertmanager"
	validTriggerPD = `{"routing_key":"` + routingKey + `","event_action":"trigger","payload":{"summary":"Disk full","source":"db1","severity":"critical"}}`
)

// noKey is the dedup key generator for events that carry their own key.
func noKey(t *testing.T) func() string {
	return func() string {
		t.Error("generated a dedup_key for an event that has one")
		return "unexpected"
	}
}

func TestParsePagerDutyFixtures(t *testing.T) {
	type want struct {
		action             Action
		dedupKey, severity string
		summary            string
		firing, resolved   []string
	}
	wants := map[string]want{
		"002-pagerduty-v2.json": {ActionTrigger, pdPaymentsKey, SeverityWarning,
			"[FIRING:1] PaymentsLatencyHigh payments (prod-eu-1 shop warning)", []string{fpPayments}, []string{}},
		"003-pagerduty-v2.json": {ActionTrigger, pdCheckoutKey, SeverityCritical,
			"[FIRING:2] CheckoutHighErrorRate checkout (prod-eu-1 shop critical)", []string{fpCheckoutA, fpCheckoutB}, []string{}},
		"006-pagerduty-v2.json": {ActionTrigger, pdCheckoutKey, SeverityCritical,
			"[FIRING:1] CheckoutHighErrorRate checkout (prod-eu-1 shop critical)", []string{fpCheckoutB}, []string{fpCheckoutA}},
		"007-pagerduty-v2.json": {ActionResolve, pdPaymentsKey, SeverityWarning,
			"[RESOLVED] PaymentsLatencyHigh payments (prod-eu-1 shop warning)", []string{}, []string{fpPayments}},
		"009-pagerduty-v2.json": {ActionResolve, pdCheckoutKey, SeverityCritical,
			"[RESOLVED] CheckoutHighErrorRate checkout (prod-eu-1 shop critical)", []string{}, []string{fpCheckoutA, fpCheckoutB}},
	}
	names := fixtureBodies(t, "pagerduty-v2")
	if len(names) != len(wants) {
		t.Fatalf("PagerDuty fixtures %v, want the %d described in the README", names, len(wants))
	}
	for _, name := range names {
		w := wants[name]
		a, perr := ParsePagerDuty(fixture(t, name), testNow, noKey(t))
		if perr != nil {
			t.Fatalf("%s: %v", name, perr)
		}
		if a.Action != w.action || a.DedupKey != w.dedupKey || a.Severity != w.severity || a.Summary != w.summary {
			t.Errorf("%s: got %s %s %s %q, want %s %s %s %q", name, a.Action, a.DedupKey, a.Severity, a.Summary, w.action, w.dedupKey, w.severity, w.summary)
		}
		// One PagerDuty event per Alertmanager group: the group is the alert.
		if a.GroupKey != w.dedupKey {
			t.Errorf("%s: GroupKey %q, want the dedup_key", name, a.GroupKey)
		}
		if a.Source != SourcePagerDuty || a.Origin != amClientName || a.Client != amClientName || a.ClientURL != amClientURL || a.RoutingKey != routingKey {
			t.Errorf("%s: source %q origin %q client %q %q routing key %q", name, a.Source, a.Origin, a.Client, a.ClientURL, a.RoutingKey)
		}
		if !a.ReceivedAt.Equal(testNow) {
			t.Errorf("%s: ReceivedAt %v", name, a.ReceivedAt)
		}
		switch a.Action {
		case ActionTrigger:
			if !a.StartsAt.Equal(testNow) || !a.EndsAt.IsZero() {
				t.Errorf("%s: trigger without timestamp starts %v ends %v, want now and zero", name, a.StartsAt, a.EndsAt)
			}
		case ActionResolve:
			if !a.StartsAt.IsZero() || !a.EndsAt.Equal(testNow) {
				t.Errorf("%s: resolve starts %v ends %v, want zero (not said) and now", name, a.StartsAt, a.EndsAt)
			}
		}
		firing, resolved, ok := AlertmanagerFingerprints(a.Details)
		if !ok || !reflect.DeepEqual(firing, w.firing) || !reflect.DeepEqual(resolved, w.resolved) {
			t.Errorf("%s: fingerprints firing %v resolved %v (ok %v), want %v %v", name, firing, resolved, ok, w.firing, w.resolved)
		}
	}
}

func TestAlertmanagerFingerprintsOtherShapes(t *testing.T) {
	for _, details := range []string{``, `null`, `"text"`, `{"ping time":"1500ms"}`, `{"firing":"Labels:\n - alertname = X\n"}`, `[1,2]`} {
		if f, r, ok := AlertmanagerFingerprints(json.RawMessage(details)); ok {
			t.Errorf("%q: ok with %v %v, want not ok", details, f, r)
		}
	}
	f, r, ok := AlertmanagerFingerprints(json.RawMessage(`{"firing":[{"labels":{"alertname":"PaymentsLatencyHigh","cluster":"prod-eu-1","namespace":"shop","service":"payments","severity":"warning"}}]}`))
	if !ok || !reflect.DeepEqual(f, []string{fpPayments}) || len(r) != 0 {
		t.Errorf("a firing alert without fingerprint: %v %v %v, want it computed from labels", f, r, ok)
	}
}

func TestParsePagerDutyGeneratesDedupKey(t *testing.T) {
	n := 0
	gen := func() string { n++; return "generated-" + strings.Repeat("x", n) }
	for i, want := range []string{"generated-x", "generated-xx"} {
		a, perr := ParsePagerDuty([]byte(validTriggerPD), testNow, gen)
		if perr != nil {
			t.Fatal(perr)
		}
		if a.DedupKey != want || a.GroupKey != want {
			t.Errorf("trigger %d: dedup %q group %q, want %q", i, a.DedupKey, a.GroupKey, want)
		}
	}
	a, perr := ParsePagerDuty([]byte(validTriggerPD), testNow, nil)
	if perr != nil {
		t.Fatal(perr)
	}
	if len(a.DedupKey) != 32 || strings.Trim(a.DedupKey, "0123456789abcdef") != "" {
		t.Errorf("default generator gave %q, want 32 hex digits", a.DedupKey)
	}
	if b, _ := ParsePagerDuty([]byte(validTriggerPD), testNow, nil); b.DedupKey == a.DedupKey {
		t.Errorf("default generator repeated %q", a.DedupKey)
	}
}

func TestParsePagerDutyFields(t *testing.T) {
	body := `{"routing_key":"` + routingKey + `","event_action":"trigger","dedup_key":"srv01/mysql",
		"payload":{"summary":"DISK at 99% on machine prod-datapipe03.example.com","timestamp":"2015-07-17T08:42:58.315+0000",
			"severity":"critical","source":"prod-datapipe03.example.com","component":"mysql","group":"prod-datapipe","class":"disk",
			"custom_details":{"free space":"1%","load avg":0.75}},
		"client":"Sample Monitoring Service","client_url":"https://monitoring.service.com",
		"links":[{"href":"http://pagerduty.example.com","text":"An example link."},{"text":"no href"}],
		"images":[{"src":"https://chart.example.com/c.png","href":"https://example.com","alt":"chart"},{"alt":"no src"}],
		"unknown_field":true}`
	a, perr := ParsePagerDuty([]byte(body), testNow, noKey(t))
	if perr != nil {
		t.Fatal(perr)
	}
	want := Alert{
		Source: SourcePagerDuty, DedupKey: "srv01/mysql", Action: ActionTrigger,
		Summary: "DISK at 99% on machine prod-datapipe03.example.com", Severity: SeverityCritical,
		Component: "mysql", Group: "prod-datapipe", Class: "disk", Origin: "prod-datapipe03.example.com",
		Details:  json.RawMessage(`{"free space":"1%","load avg":0.75}`),
		Links:    []Link{{Href: "http://pagerduty.example.com", Text: "An example link."}},
		Images:   []Image{{Src: "https://chart.example.com/c.png", Href: "https://example.com", Alt: "chart"}},
		GroupKey: "srv01/mysql", Client: "Sample Monitoring Service", ClientURL: "https://monitoring.service.com",
		StartsAt:   time.Date(2015, 7, 17, 8, 42, 58, 315e6, time.UTC),
		ReceivedAt: testNow, RoutingKey: routingKey,
	}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("\n got %+v\nwant %+v", a, want)
	}
	out, err := json.Marshal(a)
	if err != nil || strings.Contains(string(out), routingKey) {
		t.Errorf("the routing key, a credential, must not be serialized: %s (%v)", out, err)
	}
}

func TestParsePagerDutyTimestamps(t *testing.T) {
	for ts, want := range map[string]time.Time{
		"2015-07-17T08:42:58.315+0000":  time.Date(2015, 7, 17, 8, 42, 58, 315e6, time.UTC),
		"2015-07-17T10:42:58+02:00":     time.Date(2015, 7, 17, 8, 42, 58, 0, time.UTC),
		"2015-07-17T08:42:58Z":          time.Date(2015, 7, 17, 8, 42, 58, 0, time.UTC),
		"2015-07-17T08:42:58.123456789": time.Date(2015, 7, 17, 8, 42, 58, 123456789, time.UTC),
		"2015-07-17T08:42:58-05":        time.Date(2015, 7, 17, 13, 42, 58, 0, time.UTC),
		"2015-07-17":                    time.Date(2015, 7, 17, 0, 0, 0, 0, time.UTC),
		"last tuesday":                  testNow, // unreadable: ignored rather than failing the page
		"":                              testNow,
	} {
		body := `{"routing_key":"` + routingKey + `","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info","timestamp":"` + ts + `"}}`
		a, perr := ParsePagerDuty([]byte(body), testNow, func() string { return "k" })
		if perr != nil {
			t.Fatalf("%q: %v", ts, perr)
		}
		if !a.StartsAt.Equal(want) || a.StartsAt.Location() != time.UTC {
			t.Errorf("timestamp %q: StartsAt %v, want %v", ts, a.StartsAt, want)
		}
	}
}

func TestParsePagerDutyAcknowledgeAndResolve(t *testing.T) {
	a, perr := ParsePagerDuty([]byte(`{"routing_key":"`+routingKey+`","dedup_key":"k1","event_action":"acknowledge"}`), testNow, noKey(t))
	if perr != nil {
		t.Fatal(perr)
	}
	if a.Action != ActionAcknowledge || a.DedupKey != "k1" || a.Summary != "" || a.Severity != "" || !a.StartsAt.IsZero() || !a.EndsAt.IsZero() {
		t.Errorf("acknowledge: %+v", a)
	}
	// A resolve may carry a payload, checked loosely: what is valid is kept.
	a, perr = ParsePagerDuty([]byte(`{"routing_key":"`+routingKey+`","dedup_key":"k1","event_action":"resolve","payload":{"summary":"fixed","severity":"bogus"}}`), testNow, noKey(t))
	if perr != nil {
		t.Fatal(perr)
	}
	if a.Action != ActionResolve || a.Summary != "fixed" || a.Severity != "" || !a.EndsAt.Equal(testNow) {
		t.Errorf("resolve: %+v", a)
	}
}

func TestParsePagerDutyBoundaries(t *testing.T) {
	trigger := func(summary, dedupKey string) string {
		b, _ := json.Marshal(map[string]any{
			"routing_key": routingKey, "event_action": "trigger", "dedup_key": dedupKey,
			"payload": map[string]string{"summary": summary, "source": "h", "severity": "info"},
		})
		return string(b)
	}
	for name, body := range map[string]string{
		"summary of 1024 characters":            trigger(strings.Repeat("a", 1024), "k"),
		"summary of 1024 multi-byte characters": trigger(strings.Repeat("é", 1024), "k"),
		"dedup_key of 255 characters":           trigger("s", strings.Repeat("k", 255)),
		"custom_details a string":               `{"routing_key":"` + routingKey + `","event_action":"trigger","dedup_key":"k","payload":{"summary":"s","source":"h","severity":"info","custom_details":"just text"}}`,
	} {
		if _, perr := ParsePagerDuty([]byte(body), testNow, nil); perr != nil {
			t.Errorf("%s: rejected: %v", name, perr)
		}
	}
	a, _ := ParsePagerDuty([]byte(`{"routing_key":"`+routingKey+`","event_action":"trigger","dedup_key":"k","payload":{"summary":"s","source":"h","severity":"info","custom_details":null}}`), testNow, nil)
	if a.Details != nil {
		t.Errorf("null custom_details: Details %s, want nil", a.Details)
	}
}

// TestParsePagerDutyValidation checks the exact body PagerDuty answers.
func TestParsePagerDutyValidation(t *testing.T) {
	const rk = `"routing_key":"` + routingKey + `"`
	const payload = `"payload":{"summary":"s","source":"h","severity":"critical"}`
	invalid := func(errs ...string) string {
		b, _ := json.Marshal(errs)
		return `{"status":"invalid event","message":"Event object is invalid","errors":` + string(b) + `}`
	}
	unrecognized := func(err string) string {
		b, _ := json.Marshal(err)
		return `{"status":"Unrecognized object","message":"Event object format is unrecognized","errors":[` + string(b) + `]}`
	}
	tests := []struct {
		name, body, want string
	}{
		{"missing routing_key", `{"event_action":"trigger",` + payload + `}`,
			invalid("'routing_key' cannot be blank")},
		{"routing_key too short", `{"routing_key":"abc","event_action":"trigger",` + payload + `}`,
			invalid("Length of 'routing_key' is incorrect (should be 32 characters)")},
		{"routing_key too long", `{"routing_key":"` + routingKey + `0","event_action":"trigger",` + payload + `}`,
			invalid("Length of 'routing_key' is incorrect (should be 32 characters)")},
		{"missing event_action", `{` + rk + `,` + payload + `}`,
			invalid("'event_action' is missing or blank")},
		{"bad event_action", `{` + rk + `,"event_action":"fire",` + payload + `}`,
			invalid("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')")},
		{"event_action is case-sensitive", `{` + rk + `,"event_action":"Trigger",` + payload + `}`,
			invalid("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')")},
		{"missing summary", `{` + rk + `,"event_action":"trigger","payload":{"source":"h","severity":"critical"}}`,
			invalid("'payload.summary' is missing or blank")},
		{"blank summary", `{` + rk + `,"event_action":"trigger","payload":{"summary":"  ","source":"h","severity":"critical"}}`,
			invalid("'payload.summary' is missing or blank")},
		{"missing source", `{` + rk + `,"event_action":"trigger","payload":{"summary":"s","severity":"critical"}}`,
			invalid("'payload.source' is missing or blank")},
		{"missing severity", `{` + rk + `,"event_action":"trigger","payload":{"summary":"s","source":"h"}}`,
			invalid("'payload.severity' is missing or blank")},
		{"bad severity", `{` + rk + `,"event_action":"trigger","payload":{"summary":"s","source":"h","severity":"high"}}`,
			invalid("'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')")},
		{"severity is case-sensitive", `{` + rk + `,"event_action":"trigger","payload":{"summary":"s","source":"h","severity":"CRITICAL"}}`,
			invalid("'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')")},
		{"summary too long", `{` + rk + `,"event_action":"trigger","payload":{"summary":"` + strings.Repeat("a", 1025) + `","source":"h","severity":"info"}}`,
			invalid("'payload.summary' is too long (maximum is 1024 characters)")},
		{"trigger without payload", `{` + rk + `,"event_action":"trigger"}`,
			invalid("'payload.summary' is missing or blank", "'payload.source' is missing or blank", "'payload.severity' is missing or blank")},
		{"acknowledge without dedup_key", `{` + rk + `,"event_action":"acknowledge"}`,
			invalid("'dedup_key' is missing or blank (required for acknowledge and resolve events)")},
		{"resolve without dedup_key", `{` + rk + `,"event_action":"resolve",` + payload + `}`,
			invalid("'dedup_key' is missing or blank (required for acknowledge and resolve events)")},
		{"dedup_key too long", `{` + rk + `,"event_action":"trigger","dedup_key":"` + strings.Repeat("k", 256) + `",` + payload + `}`,
			invalid("'dedup_key' is too long (maximum is 255 characters)")},
		{"every problem listed", `{"routing_key":"short","payload":{"severity":"bad"}}`,
			invalid("Length of 'routing_key' is incorrect (should be 32 characters)", "'event_action' is missing or blank")},
		{"wrong type", `{` + rk + `,"event_action":"trigger","payload":{"summary":5,"source":"h","severity":"info"}}`,
			invalid("'payload.summary' must be a string, not a JSON number, at line 1, column 97 (offset 96)")},
		{"not JSON", `not json`,
			unrecognized("JSON parse error: invalid JSON at line 1, column 2 (offset 1): invalid character 'o' in literal null (expecting 'u')")},
		{"malformed object", "{\n" + rk + ",\n\"event_action\":\"trigger\"",
			unrecognized("JSON parse error: invalid JSON: the body ends before the JSON value does at line 3, column 25 (offset 76)")},
		{"an array", `[` + validTriggerPD + `]`,
			unrecognized("JSON parse error: expected a JSON object")},
		{"empty body", ``,
			unrecognized("JSON parse error: body is empty: expected a JSON document")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, perr := ParsePagerDuty([]byte(tt.body), testNow, func() string { return "k" })
			if perr == nil {
				t.Fatalf("accepted: %+v", a)
			}
			if perr.Code != 400 {
				t.Errorf("Code %d, want 400", perr.Code)
			}
			got, err := json.Marshal(perr)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
			if !reflect.DeepEqual(a, Alert{}) {
				t.Errorf("alert returned with the error: %+v", a)
			}
		})
	}
}
