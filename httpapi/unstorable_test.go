package httpapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/warroom/warroom"
)

// TestUnstorableInputRefusedOnEveryDatabase: what PostgreSQL cannot store
// (a NUL character, bytes that are not UTF-8, a key longer than its index
// allows) used to be stored by SQLite and, on PostgreSQL, fail the group
// commit with 503 (intake) or the request with 500 (the API). Both
// databases now refuse it at parsing with a 400 in the sender's format
// naming the field, and store nothing.
func TestUnstorableInputRefusedOnEveryDatabase(t *testing.T) {
	const nul = `contains a NUL character (\\u0000), which cannot be stored`
	eachStore(t, func(t *testing.T, db string) {
		p := newPagingEnvOn(t, db)
		inc := p.declare("ada", "db down", false)
		if r := p.post("/api/v1/integrations/webhook/"+genericKey, `{"dedup_key":"g1","title":"Backlog"}`); r.Status != 202 {
			t.Fatal(r)
		}
		before := p.alerts("")
		amFiring := func(groupKey, fingerprint string) string {
			return `{"version":"4","groupKey":"` + groupKey + `","status":"firing","alerts":[{"status":"firing","fingerprint":"` +
				fingerprint + `","labels":{"alertname":"Down"}}]}`
		}
		pd := func(summary string) string {
			return `{"routing_key":"` + pdKey + `","event_action":"trigger","payload":{"summary":"` + summary + `","source":"h","severity":"info"}}`
		}
		generic := "/api/v1/integrations/webhook/" + genericKey
		am := []string{"Authorization", "Bearer " + amKey}
		for _, c := range []struct {
			name, path, body string
			headers          []string
			contains         []string
		}{
			{"alertmanager groupKey NUL", "/webhook/x", amFiring(`\u0000g`, "f1"), am, []string{`"field":"groupKey"`, nul}},
			{"alertmanager 4000-character fingerprint", "/webhook/x", amFiring("g", strings.Repeat("f", 4000)), am,
				[]string{`"field":"alerts[0].fingerprint"`, "longer than 255 characters"}},
			{"alertmanager group key over the limit", "/webhook/x", amFiring(strings.Repeat("g", 4000), "f2"), am,
				[]string{`"field":"groupKey"`, "longer than 2048 bytes"}},
			{"alertmanager NUL in a label", "/webhook/x", strings.Replace(amFiring("g", "f3"), `"Down"`, `"Do\u0000wn"`, 1), am,
				[]string{`"field":"alerts[0].labels.alertname"`, nul}},
			{"generic title NUL", generic, `{"title":"\u0000","dedup_key":"g2"}`, nil, []string{`"status":"error"`, `"field":"title"`, nul}},
			{"generic details NUL", generic, `{"title":"t","dedup_key":"g3","details":{"k":"\u0000"}}`, nil, []string{`"field":"details.k"`, nul}},
			{"generic invalid UTF-8", generic, "{\"title\":\"t\",\"dedup_key\":\"g4\",\"details\":\"\xff\"}", nil,
				[]string{`"field":"details"`, "is not valid UTF-8"}},
			{"generic long dedup key", generic, `{"title":"t","dedup_key":"` + strings.Repeat("k", 4000) + `"}`, nil,
				[]string{`"field":"dedup_key"`, "longer than 255 characters"}},
			{"pagerduty summary NUL", "/v2/enqueue", pd(`a\u0000b`), nil, []string{`"status":"invalid event"`, `'payload.summary' ` + nul}},
			{"pagerduty custom_details NUL", "/v2/enqueue", strings.Replace(pd("s"), `"severity"`, `"custom_details":{"x":["\u0000"]},"severity"`, 1), nil,
				[]string{`"status":"invalid event"`, `'payload.custom_details.x[0]' ` + nul}},
		} {
			r := p.post(c.path, c.body, c.headers...)
			if r.Status != 400 {
				t.Errorf("%s: %s, want 400", c.name, truncate(r))
				continue
			}
			for _, s := range c.contains {
				if !strings.Contains(string(r.Body), s) {
					t.Errorf("%s: answer %s lacks %s", c.name, truncate(r), s)
				}
			}
		}
		if after := p.alerts(""); !reflect.DeepEqual(after, before) {
			t.Errorf("alerts changed by refused deliveries:\n%v\n%v", keys(before), keys(after))
		}

		ref := "/api/v1/incidents/" + inc.Ref
		sched := weeklySchedule("primary", "ada")
		sched["name"] = "prim\x00ary"
		for _, c := range []struct {
			name, method, path string
			body               any
			field              string
		}{
			{"declare summary NUL", "POST", "/api/v1/incidents", `{"title":"x","severity":"SEV3","summary":"a\u0000b"}`, "summary"},
			{"declare title invalid UTF-8", "POST", "/api/v1/incidents", "{\"title\":\"\xff\",\"severity\":\"SEV3\"}", "title"},
			{"assign user NUL", "POST", ref + "/roles", `{"role":"communications","user":"\u0000"}`, "user"},
			{"schedule name NUL", "POST", "/api/v1/schedules", sched, "name"},
			{"NUL in a nested list", "POST", "/api/v1/incidents", `{"title":"x","severity":"SEV3","impact":{"service_ids":["\u0000"]}}`, "impact.service_ids[0]"},
			{"note NUL", "POST", ref + "/entries", `{"type":"note","text":"\u0000"}`, "text"},
			{"policy name too long", "POST", "/api/v1/escalation-policies", `{"name":"` + strings.Repeat("p", 4000) +
				`","steps":[{"targets":[{"type":"user","id":"` + p.users["ada"].ID + `"}],"delay":"5m"}]}`, "name"},
			{"contact address too long", "POST", "/api/v1/users/ada/contact-methods",
				`{"channel":"webhook","address":"https://example.com/` + strings.Repeat("a", 4000) + `"}`, "address"},
			{"user email too long", "POST", "/api/v1/users", `{"handle":"eve","name":"Eve","email":"` + strings.Repeat("e", 4000) + `@example.com"}`, "email"},
			{"incident ref NUL", "GET", "/api/v1/incidents/INC-%00", nil, "incident"},
			{"alert id NUL", "GET", "/api/v1/alerts/%00", nil, "alert"},
			{"alert id invalid UTF-8", "POST", "/api/v1/alerts/%FF/acknowledge", `{}`, "alert"},
			{"schedule name NUL in the path", "GET", "/api/v1/schedules/a%00b/oncall", nil, "schedule"},
			{"query NUL", "GET", "/api/v1/alerts?service=%00", nil, "service"},
			{"user NUL", "GET", "/api/v1/users/%00", nil, "user"},
		} {
			who := "ada"
			if strings.Contains(c.path, "schedules") && c.method == "POST" || strings.Contains(c.path, "policies") || c.path == "/api/v1/users" {
				who = "root"
			}
			r := p.do(who, c.method, c.path, c.body)
			if r.Status != 400 {
				t.Errorf("%s: %s, want 400", c.name, truncate(r))
				continue
			}
			var body struct{ Error warroom.Error }
			if err := json.Unmarshal(r.Body, &body); err != nil || body.Error.Field != c.field || body.Error.Code != warroom.EInvalid {
				t.Errorf("%s: %s, want an invalid error naming %q", c.name, truncate(r), c.field)
			}
		}
		if n := p.timelineLen(inc.ID); n != 4 {
			t.Errorf("refused requests changed the incident: %d events", n)
		}
	})
}

// TestMalformedDeliveriesNeverFailOthers is the storm of issue 8 item 2:
// senders of well-formed deliveries and senders of the reproductions
// (NUL characters, a 4,000-character fingerprint) post at once, so that
// they would share group commits. Every well-formed delivery gets its
// 2xx and is stored; every malformed one a 400; on both databases. On
// PostgreSQL 39 % of the well-formed ones used to get 503.
func TestMalformedDeliveriesNeverFailOthers(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		p := newPagingEnvOn(t, db)
		am := []string{"Authorization", "Bearer " + amKey}
		bad := []struct {
			path, body string
			headers    []string
		}{
			{"/webhook/x", `{"version":"4","groupKey":"\u0000g","status":"firing","alerts":[{"status":"firing","fingerprint":"b1","labels":{"a":"b"}}]}`, am},
			{"/webhook/x", `{"version":"4","groupKey":"g","status":"firing","alerts":[{"status":"firing","fingerprint":"` + strings.Repeat("0123456789", 400) + `"}]}`, am},
			{"/api/v1/integrations/webhook/" + genericKey, `{"title":"\u0000","dedup_key":"b2"}`, nil},
			{"/v2/enqueue", `{"routing_key":"` + pdKey + `","event_action":"trigger","payload":{"summary":"a\u0000b","source":"h","severity":"info"}}`, nil},
		}
		const senders, rounds = 8, 12
		type outcome struct {
			good   bool
			status int
			body   string
		}
		out := make(chan outcome, 2*senders*rounds)
		var wg sync.WaitGroup
		for s := range senders {
			wg.Go(func() {
				for r := range rounds {
					body := fmt.Sprintf(`{"version":"4","groupKey":"g%d","status":"firing","alerts":[{"status":"firing","fingerprint":"s%d-r%d","labels":{"alertname":"Load"}}]}`, s, s, r)
					res := p.post("/webhook/x", body, am...)
					out <- outcome{true, res.Status, string(res.Body)}
				}
			})
			wg.Go(func() {
				for r := range rounds {
					b := bad[(s+r)%len(bad)]
					res := p.post(b.path, b.body, b.headers...)
					out <- outcome{false, res.Status, string(res.Body)}
				}
			})
		}
		wg.Wait()
		close(out)
		goodOK, badRefused := 0, 0
		for o := range out {
			switch {
			case o.good && o.status == 202:
				goodOK++
			case !o.good && o.status == 400:
				badRefused++
			default:
				t.Errorf("good %v: %d %s", o.good, o.status, o.body)
			}
		}
		if goodOK != senders*rounds || badRefused != senders*rounds {
			t.Errorf("%d of %d well-formed deliveries got 202, %d of %d malformed ones 400", goodOK, senders*rounds, badRefused, senders*rounds)
		}
		n := 0
		for k := range p.alerts("limit=1000") {
			if strings.HasPrefix(k, "alertmanager/s") {
				n++
			}
		}
		if n != senders*rounds {
			t.Errorf("%d alerts stored, want %d", n, senders*rounds)
		}
	})
}
