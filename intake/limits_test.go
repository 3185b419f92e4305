package intake

import (
	"strings"
	"testing"
)

// Every body below was stored by SQLite and refused by PostgreSQL, which
// then failed the whole group commit it was in (issue 8). Each parser
// must refuse it with a 400 naming the field, whatever the database.
func TestParsersRefuseWhatAStoreCannotKeep(t *testing.T) {
	const nul = "contains a NUL character (\\u0000), which cannot be stored"
	long := strings.Repeat("f", 4000)
	am := func(groupKey, alerts string) string {
		return `{"version":"4","groupKey":` + groupKey + `,"status":"firing","alerts":[` + alerts + `]}`
	}
	amCases := []struct {
		name, body string
		want       Error
	}{
		{"NUL in groupKey", am(`"\u0000g"`, `{"status":"firing","fingerprint":"f","labels":{"a":"b"}}`), Error{Field: "groupKey", Message: nul}},
		{"NUL in a label", am(`"g"`, `{"status":"firing","fingerprint":"f","labels":{"a":"b"}},{"status":"firing","labels":{"job":"a\u0000"}}`),
			Error{Field: "alerts[1].labels.job", Message: nul}},
		{"NUL in an annotation name", am(`"g"`, `{"status":"firing","fingerprint":"f","annotations":{"\u0000":"x"}}`), Error{Field: "alerts[0].annotations", Message: nul}},
		{"NUL in an extra field (details)", am(`"g"`, `{"status":"firing","fingerprint":"f","extra":{"k":["\u0000"]}}`), Error{Field: "alerts[0].extra.k[0]", Message: nul}},
		{"invalid UTF-8 in details", am(`"g"`, "{\"status\":\"firing\",\"fingerprint\":\"f\",\"extra\":\"\xfe\"}"), Error{Field: "alerts[0].extra", Message: "is not valid UTF-8"}},
		{"lone surrogate", am(`"g"`, `{"status":"firing","fingerprint":"f","generatorURL":"\ud800"}`),
			Error{Field: "alerts[0].generatorURL", Message: "contains \\ud800, the first half of a UTF-16 surrogate pair without its second"}},
		{"long fingerprint", am(`"g"`, `{"status":"firing","fingerprint":"`+long+`"}`), Error{Field: "alerts[0].fingerprint", Message: "longer than 255 characters"}},
		{"long groupKey", am(`"`+strings.Repeat("g", 2049)+`"`, `{"status":"firing","fingerprint":"f"}`), Error{Field: "groupKey", Message: "longer than 2048 bytes"}},
	}
	for _, c := range amCases {
		t.Run("alertmanager/"+c.name, func(t *testing.T) {
			_, err := ParseAlertmanager([]byte(c.body), testNow)
			if e, ok := err.(*Error); !ok || *e != c.want {
				t.Errorf("got %#v, want %#v", err, c.want)
			}
		})
	}
	// The limits themselves are accepted.
	ok := am(`"`+strings.Repeat("g", 2048)+`"`, `{"status":"firing","fingerprint":"`+strings.Repeat("é", 255)+`","labels":{"a":"\\u0000 \u00e9"}}`)
	if _, err := ParseAlertmanager([]byte(ok), testNow); err != nil {
		t.Errorf("a body at the limits: %v", err)
	}

	genericCases := []struct {
		name, body string
		want       Error
	}{
		{"NUL title", `{"title":"\u0000","dedup_key":"k"}`, Error{Field: "title", Message: nul}},
		{"NUL in a batch", `[{"title":"ok","dedup_key":"a"},{"title":"ok","dedup_key":"b","details":{"x":"\u0000"}}]`, Error{Field: "[1].details.x", Message: nul}},
		{"NUL in a dedup key", `{"title":"t","dedup_key":"\u0000"}`, Error{Field: "dedup_key", Message: nul}},
		{"long dedup key", `{"title":"t","dedup_key":"` + long + `"}`, Error{Field: "dedup_key", Message: "longer than 255 characters"}},
		{"long group key", `{"title":"t","dedup_key":"k","group_key":"` + strings.Repeat("g", 2049) + `"}`, Error{Field: "group_key", Message: "longer than 2048 bytes"}},
	}
	for _, c := range genericCases {
		t.Run("generic/"+c.name, func(t *testing.T) {
			_, err := ParseGeneric([]byte(c.body), testNow)
			if e, ok := err.(*Error); !ok || *e != c.want {
				t.Errorf("got %#v, want %#v", err, c.want)
			}
		})
	}

	pdCases := []struct {
		name, body, want string
	}{
		{"NUL summary", `{"routing_key":"` + routingKey + `","event_action":"trigger","payload":{"summary":"a\u0000b","source":"h","severity":"info"}}`,
			"'payload.summary' " + nul},
		{"NUL in custom_details", `{"routing_key":"` + routingKey + `","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info","custom_details":{"firing":"\u0000"}}}`,
			"'payload.custom_details.firing' " + nul},
		{"NUL dedup key", `{"routing_key":"` + routingKey + `","event_action":"resolve","dedup_key":"\u0000"}`, "'dedup_key' " + nul},
	}
	for _, c := range pdCases {
		t.Run("pagerduty/"+c.name, func(t *testing.T) {
			_, err := ParsePagerDuty([]byte(c.body), testNow, nil)
			if err == nil || err.Code != 400 || err.Status != "invalid event" || len(err.Errors) != 1 || err.Errors[0] != c.want {
				t.Errorf("got %#v, want an invalid event %q", err, c.want)
			}
		})
	}
}
