package sqlstore

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestDecodeEventMatchesEncodingJSON holds the fast event decoder to
// encoding/json: for every event, including ones with every field set by
// reflection, both must decode the same value.
func TestDecodeEventMatchesEncodingJSON(t *testing.T) {
	yes := true
	at := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	events := []warroom.Event{
		{},
		{IncidentID: "i", Seq: 1, Type: warroom.EntryNote, At: at, ActorID: "u", Text: "plain"},
		{Seq: 2, Type: warroom.EntryNote, At: at, Text: "quote \" backslash \\ newline \n tab \t <html> & ünïcødé 🔥 \u2028"},
		{Seq: 3, Type: warroom.EntryDecision, At: at.In(time.FixedZone("", 3600)), Text: "x", Reason: "r", TradeOff: "t"},
		{Seq: 4, Type: warroom.EventPrivacyChanged, Private: &yes, At: at},
		{Seq: 5, Type: warroom.EventImpactChanged, Impact: &warroom.Impact{ServiceIDs: []string{"a"}, UsersPercent: 12.5}},
		{Seq: 6, Type: warroom.EventBecameMajor, MajorReasons: []string{"a", "b"}},
		{Seq: 7, Type: warroom.EventImpactStartCorrected, Time: &at},
		{Seq: -8, Ref: 123456789012345678},
		{Seq: 9, Text: string([]byte{0xff, 'a'})}, // invalid UTF-8: encoding/json writes \ufffd
		{Seq: 10, Type: warroom.EventDeclared, Declaration: &warroom.Declaration{Number: 1, Title: "t", Severity: warroom.SEV1}},
		filledEvent(t),
	}
	for i, e := range events {
		plain, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := marshalEvent(&e)
		if err != nil {
			t.Fatal(err)
		}
		for _, data := range []string{string(plain), stored, " " + strings.ReplaceAll(stored, ",", " ,\n ") + " "} {
			var want, got warroom.Event
			if err := json.Unmarshal([]byte(data), &want); err != nil {
				t.Fatal(err)
			}
			if err := decodeEvent(data, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("event %d: %s\ndecoded %+v\nwant    %+v", i, data, got, want)
			}
		}
	}
}

// filledEvent sets every string and int64 field of an event by reflection,
// so that a field added to warroom.Event is covered without editing this
// test.
func filledEvent(t *testing.T) warroom.Event {
	var e warroom.Event
	v := reflect.ValueOf(&e).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(strings.ToLower(v.Type().Field(i).Name) + " value")
		case reflect.Int64:
			f.SetInt(int64(1000 + i))
		}
	}
	e.At = time.Date(2025, 1, 2, 3, 4, 5, 600, time.UTC)
	return e
}

func TestDecodeEventRejectsMalformedInput(t *testing.T) {
	for _, in := range []string{``, `{`, `{"seq":1`, `{"seq":1}x`, `{"seq":"a"}`, `[]`} {
		var e warroom.Event
		if err := decodeEvent(in, &e); err == nil {
			t.Errorf("decodeEvent(%q) = nil error, want one", in)
		}
	}
}
