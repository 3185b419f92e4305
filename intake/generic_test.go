package intake

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestParseGenericFullAlert(t *testing.T) {
	body := `{
		"dedup_key": "db-primary-disk",
		"status": "firing",
		"title": "Disk 95% full on db-primary",
		"severity": "page",
		"source": "db-primary.prod",
		"component": "postgres",
		"group": "prod-eu-1",
		"class": "disk full",
		"group_key": "storage",
		"labels": {"service": "billing"},
		"annotations": {"runbook_url": "https://runbooks.example.com/disk"},
		"details": {"used_bytes": 95, "mount": "/var/lib/postgresql"},
		"links": [{"href": "https://grafana.example.com/d/disk", "text": "Dashboard"}],
		"images": [{"src": "https://grafana.example.com/render/disk.png"}],
		"started_at": "2026-11-22T01:08:58+01:00"
	}`
	alerts, err := ParseGeneric([]byte(body), testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := []Alert{{
		Source: SourceWebhook, DedupKey: "db-primary-disk", Action: ActionTrigger,
		Summary: "Disk 95% full on db-primary", Severity: SeverityCritical,
		Component: "postgres", Group: "prod-eu-1", Class: "disk full", Origin: "db-primary.prod",
		Labels:      map[string]string{"service": "billing"},
		Annotations: map[string]string{"runbook_url": "https://runbooks.example.com/disk"},
		Details:     json.RawMessage(`{"used_bytes": 95, "mount": "/var/lib/postgresql"}`),
		Links:       []Link{{Href: "https://grafana.example.com/d/disk", Text: "Dashboard"}},
		Images:      []Image{{Src: "https://grafana.example.com/render/disk.png"}},
		GroupKey:    "storage",
		StartsAt:    time.Date(2026, 11, 22, 0, 8, 58, 0, time.UTC),
		ReceivedAt:  testNow,
	}}
	if !reflect.DeepEqual(alerts, want) {
		t.Errorf("\n got %+v\nwant %+v", alerts, want)
	}
}

func TestParseGeneric(t *testing.T) {
	derived := Fingerprint(map[string]string{"queue": "emails"})
	tests := []struct {
		name string
		body string
		want []string // dedupKey=action@endsAt
		more func(t *testing.T, alerts []Alert)
	}{
		{"minimal firing", `{"dedup_key":"k","title":"t"}`, []string{"k=trigger"},
			func(t *testing.T, a []Alert) {
				if a[0].Severity != SeverityWarning || !a[0].StartsAt.Equal(testNow) || a[0].Summary != "t" {
					t.Errorf("defaults: severity %q starts %v summary %q", a[0].Severity, a[0].StartsAt, a[0].Summary)
				}
			}},
		{"summary is another name for title", `{"dedup_key":"k","summary":"s"}`, []string{"k=trigger"},
			func(t *testing.T, a []Alert) {
				if a[0].Summary != "s" {
					t.Errorf("Summary %q", a[0].Summary)
				}
			}},
		{"title and the same summary", `{"dedup_key":"k","title":"s","summary":"s"}`, []string{"k=trigger"}, nil},
		{"resolve needs only the key; ends now", `{"dedup_key":"k","status":"resolved"}`, []string{"k=resolve@2026-11-22T00:10:00Z"},
			func(t *testing.T, a []Alert) {
				if a[0].Severity != "" || !a[0].StartsAt.IsZero() {
					t.Errorf("resolve says nothing of severity or start: %q %v", a[0].Severity, a[0].StartsAt)
				}
			}},
		{"resolve with ended_at", `{"dedup_key":"k","status":"resolved","ended_at":"2026-11-22T00:09:00Z"}`, []string{"k=resolve@2026-11-22T00:09:00Z"}, nil},
		{"acknowledge", `{"dedup_key":"k","status":"acknowledged"}`, []string{"k=acknowledge"}, nil},
		{"key derived from labels, never from the title", `{"title":"same","labels":{"queue":"emails"}}`, []string{derived + "=trigger"}, nil},
		{"batch", `[{"dedup_key":"a","title":"same"},{"dedup_key":"b","title":"same"},{"status":"resolved","labels":{"queue":"emails"}}]`,
			[]string{"a=trigger", "b=trigger", derived + "=resolve@2026-11-22T00:10:00Z"}, nil},
		{"batch of one", ` [{"dedup_key":"a","title":"t"}] `, []string{"a=trigger"}, nil},
		{"repeated key in a batch keeps the last", `[{"dedup_key":"a","title":"t"},{"dedup_key":"b","title":"t"},{"dedup_key":"a","status":"resolved"}]`,
			[]string{"a=resolve@2026-11-22T00:10:00Z", "b=trigger"}, nil},
		{"severity aliases", `[{"dedup_key":"a","title":"t","severity":"HIGH"},{"dedup_key":"b","title":"t","severity":"none"}]`, []string{"a=trigger", "b=trigger"},
			func(t *testing.T, a []Alert) {
				if a[0].Severity != SeverityError || a[1].Severity != SeverityInfo {
					t.Errorf("severities %q %q", a[0].Severity, a[1].Severity)
				}
			}},
		{"null details", `{"dedup_key":"k","title":"t","details":null}`, []string{"k=trigger"},
			func(t *testing.T, a []Alert) {
				if a[0].Details != nil {
					t.Errorf("Details %s", a[0].Details)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alerts, err := ParseGeneric([]byte(tt.body), testNow)
			if err != nil {
				t.Fatal(err)
			}
			if got := actions(alerts); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			for _, a := range alerts {
				if a.Source != SourceWebhook || !a.ReceivedAt.Equal(testNow) {
					t.Errorf("%s: source %q received %v", a.DedupKey, a.Source, a.ReceivedAt)
				}
			}
			if tt.more != nil {
				tt.more(t, alerts)
			}
		})
	}
}

func TestParseGenericErrors(t *testing.T) {
	long := make([]byte, 1025)
	for i := range long {
		long[i] = 'x'
	}
	tests := []struct {
		name string
		body string
		want Error
	}{
		{"empty", "  ", Error{Message: "body is empty: expected a JSON document"}},
		{"not JSON", "dedup_key=k", Error{Message: "invalid JSON at line 1, column 1 (offset 0): invalid character 'd' looking for beginning of value"}},
		{"a string", `"alert"`, Error{Message: "must be an object, not a JSON string, at line 1, column 7 (offset 6)"}},
		{"empty batch", `[]`, Error{Message: "the batch is empty: send at least one alert"}},
		{"misspelt field", `{"dedup_key":"k","title":"t","severty":"critical"}`, Error{Field: "severty", Message: "unknown field (see the documented schema)"}},
		{"wrong type", `{"dedup_key":"k","title":"t","labels":{"port":8080}}`, Error{Field: "labels", Message: "must be a string, not a JSON number, at line 1, column 50 (offset 49)"}},
		{"no key, no labels", `{"title":"t"}`, Error{Field: "dedup_key", Message: "required when there are no labels to derive it from"}},
		{"key too long", `{"dedup_key":"` + string(long[:256]) + `","title":"t"}`, Error{Field: "dedup_key", Message: "longer than 255 characters"}},
		{"no title when firing", `{"dedup_key":"k","severity":"critical"}`, Error{Field: "title", Message: "required for a firing alert"}},
		{"title too long", `{"dedup_key":"k","title":"` + string(long) + `"}`, Error{Field: "title", Message: "longer than 1024 characters"}},
		{"title and another summary", `{"dedup_key":"k","title":"a","summary":"b"}`, Error{Field: "summary", Message: "give title or summary (the same field), not both"}},
		{"bad status", `{"dedup_key":"k","title":"t","status":"ok"}`, Error{Field: "status", Message: `"ok" is not a status: want "firing", "acknowledged" or "resolved"`}},
		{"bad severity", `{"dedup_key":"k","title":"t","severity":"sev1"}`, Error{Field: "severity", Message: `"sev1" is not a severity: want critical, error, warning or info`}},
		{"link without href", `{"dedup_key":"k","title":"t","links":[{"href":"https://a"},{"text":"b"}]}`, Error{Field: "links[1].href", Message: "required"}},
		{"image without src", `{"dedup_key":"k","title":"t","images":[{"alt":"b"}]}`, Error{Field: "images[0].src", Message: "required"}},
		{"bad started_at", `{"dedup_key":"k","title":"t","started_at":"1732233600"}`, Error{Field: "started_at", Message: `"1732233600" is not an RFC 3339 time such as "2026-11-22T00:08:58Z"`}},
		{"ended_at while firing", `{"dedup_key":"k","title":"t","ended_at":"2026-11-22T00:09:00Z"}`, Error{Field: "ended_at", Message: `only a resolved alert has ended: set status "resolved" or drop ended_at`}},
		{"index of the bad alert in a batch", `[{"dedup_key":"a","title":"t"},{"dedup_key":"b","title":"t","severity":"sev1"}]`,
			Error{Field: "[1].severity", Message: `"sev1" is not a severity: want critical, error, warning or info`}},
		{"batch element not an object", `[{"dedup_key":"a","title":"t"}, 7]`, Error{Message: "must be an object, not a JSON number, at line 1, column 33 (offset 32)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alerts, err := ParseGeneric([]byte(tt.body), testNow)
			if alerts != nil {
				t.Errorf("alerts %v returned with the error", alerts)
			}
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T %v, want *Error", err, err)
			}
			if *e != tt.want {
				t.Errorf("\n got %#v\nwant %#v", *e, tt.want)
			}
		})
	}
}
