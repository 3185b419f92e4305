package intake

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// amReaderSeeds are bodies that take the one-pass reader through its
// branches, and bodies it must hand to encoding/json.
var amReaderSeeds = []string{
	`{"version":"4","status":"firing","alerts":[]}`,
	` {"version":"4","alerts":null} `,
	`{"alerts":[null,{}]}`,
	`{"alerts":[{"status":"firing","fingerprint":"a","labels":null,"annotations":{}}]}`,
	`{"receiver":"r","truncatedAlerts":0,"groupLabels":{"a":"b"},"x":[1,-2.5e+3,true,false,null,{"y":[]}],"alerts":[{"status":"firing","fingerprint":"f"}]}`,
	"{\n\t\"alerts\" : [ { \"status\" : \"resolved\" , \"labels\" : { \"a\" : \"b\" } , \"endsAt\" : \"2026-11-22T00:09:00Z\" } ] \r\n}",
	`{"alerts":[{"status":"firing","labels":{"a\"b":"c\\d","\u00e9":"\ud83d\ude00","x":"caf` + "\u00e9" + `"},"fingerprint":"f"}]}`,
	`{"alerts":[{"status":"firing","fingerprint":"f","generatorURL":"http://h/g?a=1&b=<2>","zeta":{"b": [1, 2]},"alpha":"x","zeta":3}]}`,
	`{"alerts":[{"status":"firing","fingerprint":"f","extra":"\u0000","silenceURL":"http://am/s"}]}`,
	// Canonical labels or not: order, space, escapes, non-ASCII, empty.
	`{"alerts":[{"status":"firing","fingerprint":"f","labels":{"a":"1","b":"<&>"},"annotations":{"b":"1","a":"2"}}]}`,
	`{"alerts":[{"status":"firing","fingerprint":"f","labels":{"a": "1"},"annotations":{"a":"\u003e"}}]}`,
	`{"alerts":[{"status":"firing","fingerprint":"f","labels":{"a":"é"},"annotations":{}}]}`,
	`{"alerts":[{"status":"firing","fingerprint":"f","labels":{"a":"1","a":"2"},"annotations":{"":"x","a":""}}]}`,
	// Handed to encoding/json: case-insensitive names, repeats, nulls in
	// maps, type errors, bad numbers and literals, invalid UTF-8, escapes
	// in keys, trailing data.
	`{"Alerts":[{"status":"firing","fingerprint":"f"}]}`,
	`{"alerts":[{"Status":"firing","fingerprint":"f","LABELS":{"a":"b"}}]}`,
	`{"alerts":[{"ſtatus":"firing","fingerprint":"f"}]}`,
	`{"alerts":[],"alerts":[{"status":"firing","fingerprint":"f"}]}`,
	`{"alerts":[{"status":"firing","status":"resolved","fingerprint":"f"}]}`,
	`{"alerts":[{"status":"firing","fingerprint":"f","labels":{"a":null}}]}`,
	`{"alerts":[{"status":"firing","fingerprint":"f","labels":{"a":"1","a":"2"}}]}`,
	`{"alerts":[{"status":"firing","fingerprint":1}]}`,
	`{"alerts":{"status":"firing"}}`,
	`{"alerts":[{"status":"firing","fingerprint":"f","n":01}]}`,
	`{"alerts":[{"status":"firing","fingerprint":"f","n":-}]}`,
	`{"alerts":[{"status":"firing","fingerprint":"f","n":1.}]}`,
	`{"alerts":[{"status":"firing","fingerprint":"f","n":1e}]}`,
	`{"alerts":[{"status":"firing","fingerprint":"f","n":tru}]}`,
	"{\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"f\xff\"}]}",
	"{\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"f\x01\"}]}",
	`{"alerts":[{"st\u0061tus":"firing","fingerprint":"f"}]}`,
	`{"alerts":[{"status":"firing","fingerprint":"\x"}]}`,
	`{"alerts":[]} x`,
	`{"alerts":[],}`,
	`{"alerts":[{"status":"firing","fingerprint":"f"},]}`,
	`{"alerts":[] "version":"4"}`,
	`[{"alerts":[]}]`,
	`null`,
	"\ufeff{\"alerts\":[]}",
	`{"alerts":[{"status":"firing","fingerprint":"f","deep":` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `}]}`,
	`{"alerts":[{"status":"firing","fingerprint":"f"`,
	`{"alerts":[{"status":"firing","fingerprint":"f","x":"`,
}

// TestAlertmanagerReaderMatchesEncodingJSON: whatever the one-pass reader
// accepts, encoding/json decodes to the same thing.
func TestAlertmanagerReaderMatchesEncodingJSON(t *testing.T) {
	bodies := append([]string{}, amReaderSeeds...)
	for _, kind := range []string{"webhook", "pagerduty-v2"} {
		for _, name := range fixtureBodies(t, kind) {
			bodies = append(bodies, string(fixture(t, name)))
		}
	}
	bodies = append(bodies, string(loadBody(3)))
	fast := 0
	for _, body := range bodies {
		if checkAlertmanagerReader(t, []byte(body)) {
			fast++
		}
	}
	if fast < 15 {
		t.Errorf("the one-pass reader took only %d of %d bodies", fast, len(bodies))
	}
}

// checkAlertmanagerReader compares the two decoders on body and reports
// whether the one-pass reader took it.
func checkAlertmanagerReader(t *testing.T, body []byte) bool {
	t.Helper()
	var fast, slow amWebhook
	ok := readAlertmanager(body, &fast)
	err := decodeAlertmanager(body, &slow)
	if !ok {
		return false
	}
	if err != nil {
		t.Errorf("%.200q: the one-pass reader accepted what encoding/json refuses: %v", body, err)
		return true
	}
	if len(fast.Alerts) != len(slow.Alerts) {
		t.Fatalf("%.200q: %d alerts, encoding/json %d", body, len(fast.Alerts), len(slow.Alerts))
	}
	for i := range fast.Alerts {
		f, s := &fast.Alerts[i], &slow.Alerts[i]
		if fd, sd := string(f.details()), string(s.details()); fd != sd {
			t.Errorf("%.200q: alert %d details %s, encoding/json %s", body, i, fd, sd)
		}
		f.extra, s.extra = nil, nil
		// Bytes taken as canonical must be what EncodeStrings makes.
		if f.labelsJSON != "" && f.labelsJSON != EncodeStrings(f.Labels) {
			t.Errorf("%.200q: alert %d labels taken as canonical: %s, want %s", body, i, f.labelsJSON, EncodeStrings(f.Labels))
		}
		if f.annotationsJSON != "" && f.annotationsJSON != EncodeStrings(f.Annotations) {
			t.Errorf("%.200q: alert %d annotations taken as canonical: %s, want %s", body, i, f.annotationsJSON, EncodeStrings(f.Annotations))
		}
		f.labelsJSON, f.annotationsJSON = "", ""
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Errorf("%.200q:\n got %+v\nwant %+v", body, fast, slow)
	}
	return true
}

// FuzzAlertmanagerReader explores what the one-pass reader accepts:
// `go test -fuzz=FuzzAlertmanagerReader ./intake/`.
func FuzzAlertmanagerReader(f *testing.F) {
	for _, s := range amReaderSeeds {
		f.Add([]byte(s))
	}
	for _, name := range fixtureBodies(f, "webhook") {
		f.Add(fixture(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkAlertmanagerReader(t, body) })
}

func TestAlertmanagerDetails(t *testing.T) {
	for _, tt := range []struct{ alert, want string }{
		{`{"status":"firing","fingerprint":"f","labels":{"a":"b"},"startsAt":"2026-11-22T00:08:58Z","endsAt":"0001-01-01T00:00:00Z"}`, ``},
		{`{"status":"firing","fingerprint":"f","generatorURL":"http://h/g?a=1&b=2"}`, `{"generatorURL":"http://h/g?a=1&b=2"}`},
		{`{"status":"firing","fingerprint":"f","zeta":{"b": [1, 2]},"generatorURL":"u","alpha":"x","zeta":3}`, `{"alpha":"x","generatorURL":"u","zeta":3}`},
		{`{"status":"firing","fingerprint":"f","silenceURL":"s\u00e9"}`, `{"silenceURL":"s\u00e9"}`},
	} {
		alerts, err := ParseAlertmanager(amBody("firing", tt.alert), testNow)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(alerts[0].Details); got != tt.want {
			t.Errorf("%s: details %s, want %s", tt.alert, got, tt.want)
		}
	}
}

// loadBody is an Alertmanager webhook of n alerts as warroom-load sends
// them.
func loadBody(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"receiver":"warroom","status":"firing","alerts":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fp := fmt.Sprintf("0123abcd%08x", i)
		fmt.Fprintf(&b, `{"status":"firing","labels":{"alertname":"WarroomLoad","instance":"load-%s","job":"warroom-load","run":"0123abcd","service":"load","severity":"warning"},`+
			`"annotations":{"summary":"warroom-load alert %s","description":"Synthetic alert from warroom-load run 0123abcd.","runbook_url":"https://runbooks.example.com/warroom-load"},`+
			`"startsAt":"2026-11-22T00:08:58Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus.example.com/graph?g0.expr=up","fingerprint":"%s"}`, fp, fp, fp)
	}
	b.WriteString(`],"groupLabels":{"alertname":"WarroomLoad","group":"g1"},"commonLabels":{"alertname":"WarroomLoad","job":"warroom-load","run":"0123abcd"},` +
		`"commonAnnotations":{},"externalURL":"http://alertmanager.example.com:9093","version":"4","groupKey":"{}:{alertname=\"WarroomLoad\", group=\"g1\"}","truncatedAlerts":0}`)
	return []byte(b.String())
}

func BenchmarkParseAlertmanager100(b *testing.B) {
	body := loadBody(100)
	now := time.Now()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseAlertmanager(body, now); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseAlertmanagerEncoded: what the parser hands over already
// encoded is what EncodeUpdates makes from the parsed alerts.
func TestParseAlertmanagerEncoded(t *testing.T) {
	in := &warroom.Integration{ID: "i1", ServiceID: "s1", Kind: warroom.IntegrationAlertmanager}
	bodies := append([]string{string(loadBody(3))}, amReaderSeeds...)
	for _, name := range fixtureBodies(t, "webhook") {
		bodies = append(bodies, string(fixture(t, name)))
	}
	for _, body := range bodies {
		alerts, updates, err := ParseAlertmanagerEncoded([]byte(body), testNow, in)
		plain, perr := ParseAlertmanager([]byte(body), testNow)
		if (err == nil) != (perr == nil) {
			t.Fatalf("%.100q: errors %v and %v", body, err, perr)
		}
		if err != nil {
			continue
		}
		want, err := EncodeUpdates(in, plain)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(alerts, plain) || !reflect.DeepEqual(updates, want) {
			t.Errorf("%.100q:\n got %+v\nwant %+v", body, updates, want)
		}
	}
}

// TestEncodeLinks: links encode exactly as json.Marshal encodes them.
func TestEncodeLinks(t *testing.T) {
	for _, links := range [][]warroom.Link{
		nil,
		{{URL: "https://x.example.com"}},
		{{Title: "Source", URL: "http://prometheus.example.com/graph?g0.expr=up&g0.tab=1"},
			{Title: "<b>Runbook</b>", URL: `https://r.example.com/a\b`}, {Title: "Grüße \u2028 \xff", URL: "u\"q\t\n\x01"}},
	} {
		want := ""
		if len(links) > 0 {
			b, _ := json.Marshal(links)
			want = string(b)
		}
		if got := EncodeLinks(links); got != want {
			t.Errorf("EncodeLinks(%v) = %s, want %s", links, got, want)
		}
	}
}
