package httpapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/warroom/warroom"
)

func TestBadRequestBodies(t *testing.T) {
	e := newEnv(t, nil)
	inc := e.declare("ada", "db down", false)
	stage := "/api/v1/incidents/" + inc.Ref + "/stage"

	cases := []struct {
		name, path, body string
		field            string
		msg              string // exact, or a prefix when it ends in "..."
	}{
		{"unknown field", "/api/v1/incidents", `{"title":"x","severity":"SEV3","sevrity":"SEV1"}`, "sevrity", `unknown field "sevrity"`},
		{"unknown nested field", "/api/v1/incidents", `{"title":"x","severity":"SEV3","impact":{"users":3}}`, "users", `unknown field "users"`},
		{"wrong type", "/api/v1/incidents", `{"title":"x","severity":1}`, "severity", `field "severity" has the wrong type: expected string, got number`},
		{"wrong nested type", "/api/v1/incidents", `{"title":"x","severity":"SEV3","impact":{"users_percent":"half"}}`, "impact.users_percent", `field "impact.users_percent" has the wrong type: expected number, got string`},
		{"malformed", "/api/v1/incidents", `{"title":"x",}`, "", "malformed JSON at offset 14: ..."},
		{"truncated", "/api/v1/incidents", `{"title":"x"`, "", "malformed JSON at offset 12: the body ends before the JSON does"},
		{"trailing data", "/api/v1/incidents", `{"title":"x","severity":"SEV3"} {}`, "", "malformed JSON at offset 32: unexpected data after the object"},
		{"not an object", "/api/v1/incidents", `["x"]`, "", "request body must be a JSON object"},
		{"empty", "/api/v1/incidents", "  ", "", "request body is empty: send a JSON object"},
		{"bad time", "/api/v1/incidents/" + inc.Ref + "/impact-start", `{"at":"yesterday","reason":"x"}`, "at", `field "at" must be an RFC 3339 time like 2024-05-01T12:00:00Z`},
		{"time of the wrong type", "/api/v1/incidents", `{"title":"x","severity":"SEV3","detected_at":5}`, "detected_at", `field "detected_at" must be an RFC 3339 time like 2024-05-01T12:00:00Z`},
		{"domain rule", "/api/v1/incidents", `{"title":"x","severity":"SEV9"}`, "severity", "severity must be one of SEV1, SEV2, SEV3, SEV4"},
		{"missing title", "/api/v1/incidents", `{"severity":"SEV3"}`, "title", "title is required: say in a few words what is failing"},
		{"unknown stage", stage, `{"stage":"done"}`, "stage", "..."},
		{"privacy without private", "/api/v1/incidents/" + inc.Ref + "/privacy", `{"reason":"x"}`, "private", "private is required: true or false"},
		{"unknown service", "/api/v1/incidents", `{"title":"x","severity":"SEV3","impact":{"service_ids":["nope"]}}`, "impact.service_ids", `no service "nope"`},
		{"bad seq", "/api/v1/incidents/" + inc.Ref + "/entries/x/star", `{}`, "seq", `entry number must be a positive integer, not "x"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := wantErr(t, e.do("ada", "POST", c.path, c.body), 400, warroom.EInvalid, c.field)
			if p, prefix := strings.CutSuffix(c.msg, "..."); prefix {
				wantContains(t, msg[:min(len(p), len(msg))], p)
			} else {
				wantMsg(t, msg, c.msg)
			}
		})
	}
	if n := e.timelineLen(inc.ID); n != 4 {
		t.Fatalf("bad requests changed the incident: %d events", n)
	}
	list := ok[map[string][]warroom.Incident](t, e.do("ada", "GET", "/api/v1/incidents", nil), 200)["incidents"]
	if len(list) != 1 {
		t.Fatalf("bad declarations created incidents: %d", len(list))
	}
}

func TestContentTypeAndSize(t *testing.T) {
	e := newEnv(t, nil)
	body := `{"title":"x","severity":"SEV3"}`

	r := e.do("ada", "POST", "/api/v1/incidents", body, "Content-Type", "text/plain")
	wantMsg(t, wantErr(t, r, 415, warroom.EUnsupported, ""), `Content-Type "text/plain" is not supported: send the body as JSON with Content-Type: application/json`)
	r = e.do("ada", "POST", "/api/v1/incidents", body, "Content-Type", "")
	wantMsg(t, wantErr(t, r, 415, warroom.EUnsupported, ""), "missing Content-Type: send the body as JSON with Content-Type: application/json")
	// Parameters and +json types are fine.
	ok[warroom.CommandResult](t, e.do("ada", "POST", "/api/v1/incidents", body, "Content-Type", "application/json; charset=utf-8"), 201)

	big := `{"title":"x","severity":"SEV3","summary":"` + strings.Repeat("a", 1<<20) + `"}`
	r = e.do("ada", "POST", "/api/v1/incidents", big)
	wantMsg(t, wantErr(t, r, 413, warroom.ETooLarge, ""), "request body is larger than the limit of 1 MiB (1048576 bytes)")
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do("ada", "GET", "/api/v1/nope", nil)
	wantMsg(t, wantErr(t, r, 404, warroom.ENotFound, ""), "no such API route: GET /api/v1/nope")
	// Unknown paths are 404 without a token too.
	wantErr(t, e.do("", "GET", "/nope", nil), 404, warroom.ENotFound, "")

	r = e.do("ada", "DELETE", "/api/v1/incidents/INC-1", nil)
	wantMsg(t, wantErr(t, r, 405, warroom.EUnsupported, ""), "method DELETE is not allowed on /api/v1/incidents/INC-1; allowed: GET, HEAD, PATCH")
	if got := r.Header.Get("Allow"); got != "GET, HEAD, PATCH" {
		t.Fatalf("Allow %q", got)
	}
	r = e.do("ada", "GET", "/api/v1/incidents/INC-1/stage", nil)
	wantErr(t, r, 405, warroom.EUnsupported, "")
	if got := r.Header.Get("Allow"); got != "POST" {
		t.Fatalf("Allow %q", got)
	}
}

func TestNotFound(t *testing.T) {
	e := newEnv(t, nil)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/incidents/INC-99", ""},
		{"GET", "/api/v1/incidents/no-such-id/timeline", ""},
		{"POST", "/api/v1/incidents/INC-99/stage", `{"stage":"investigating"}`},
		{"POST", "/api/v1/incidents/INC-99/acknowledge", ""},
		{"PATCH", "/api/v1/incidents/INC-99", `{"title":"x"}`},
		{"GET", "/api/v1/users/nobody", ""},
		{"GET", "/api/v1/teams/nope", ""},
		{"GET", "/api/v1/services/nope", ""},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		wantErr(t, e.do("ada", c.method, c.path, body), 404, warroom.ENotFound, "")
	}
}

func TestQueryParameters(t *testing.T) {
	e := newEnv(t, nil)
	e.declare("ada", "db down", false)
	for _, c := range []struct{ query, field, msg string }{
		{"?sev=SEV1", "sev", `unknown query parameter "sev"; known: status, severity, service, q, major, limit, offset`},
		{"?status=shut", "status", `status must be open, closed or all, not "shut"`},
		{"?severity=SEV7", "severity", `severity must be one of SEV1, SEV2, SEV3, SEV4, not "SEV7"`},
		{"?service=nope", "service", `no service "nope"`},
		{"?major=yes", "major", `major must be true or false, not "yes"`},
		{"?limit=-1", "limit", `limit must be a non-negative integer, not "-1"`},
		{"?limit=1001", "limit", "limit must be at most 1000"},
		{"?offset=x", "offset", `offset must be a non-negative integer, not "x"`},
	} {
		wantMsg(t, wantErr(t, e.do("ada", "GET", "/api/v1/incidents"+c.query, nil), 400, warroom.EInvalid, c.field), c.msg)
	}
	wantErr(t, e.do("ada", "GET", "/api/v1/incidents/INC-1/timeline?after=x", nil), 400, warroom.EInvalid, "after")

	for _, c := range []struct {
		query string
		want  int
	}{{"", 1}, {"?status=open", 1}, {"?status=closed", 0}, {"?severity=sev3", 1}, {"?severity=SEV1", 0},
		{"?major=false", 1}, {"?major=true", 0}, {"?q=DB", 1}, {"?q=cache", 0}, {"?limit=1&offset=1", 0}} {
		got := ok[map[string][]warroom.Incident](t, e.do("ada", "GET", "/api/v1/incidents"+c.query, nil), 200)["incidents"]
		if len(got) != c.want {
			t.Errorf("GET /api/v1/incidents%s: %d incidents, want %d", c.query, len(got), c.want)
		}
	}
	// An empty list is [], not null.
	r := e.do("ada", "GET", "/api/v1/incidents?status=closed", nil)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &raw); err != nil || string(raw["incidents"]) != "[]" {
		t.Fatalf("empty list: %s", r.Body)
	}
}
