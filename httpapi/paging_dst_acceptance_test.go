package httpapi

// Acceptance test of on-call schedules across DST changes, end to end
// through the real HTTP endpoints (see paging_acceptance_test.go for the
// harness): daily rotations handing over at a wall-clock time inside the
// change, asked who is on call and paged through an escalation policy at
// the moments around each handoff, on the injected clock.

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestAcceptanceDSTHandoffs: in Europe/Berlin a daily rotation hands over
// at 02:30, which does not exist on 29 March 2026 (the handoff is at 03:00
// CEST) and occurs twice on 25 October (the outgoing person stays on call
// until the second 02:30, CET; the incoming one is on call from the first,
// CEST). In America/New_York one rotation hands over at 02:30, skipped on 8
// March (03:00 EDT), another at 01:30, twice on 1 November. At each moment
// the on-call view (now, and ?at=) and a page to the schedule through an
// escalation policy name the same people: during a fall-back overlap both
// the outgoing and the incoming person, and both are paged.
func TestAcceptanceDSTHandoffs(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		a := newAcceptance(t, db, t0, nil)
		for _, h := range []string{"ada", "bob", "carol"} {
			a.rules(h, a.contact(h, warroom.ContactEmail, h+"@example.com"), "0s")
		}
		in := a.integration(warroom.IntegrationWebhook, "scripts")
		for _, s := range []struct{ name, zone, start string }{
			{"berlin", "Europe/Berlin", "2026-03-28T02:30"},       // ada, bob, ada, ...
			{"ny-spring", "America/New_York", "2026-03-07T02:30"}, // bob, carol, bob, ...
			{"ny-fall", "America/New_York", "2026-10-31T01:30"},   // carol, ada, carol, ...
		} {
			people := map[string][]string{"berlin": {"ada", "bob"}, "ny-spring": {"bob", "carol"}, "ny-fall": {"carol", "ada"}}[s.name]
			ok[scheduleJSON](t, a.do("root", "POST", "/api/v1/schedules", map[string]any{"name": s.name, "time_zone": s.zone,
				"layers": []map[string]any{{"name": "daily", "start": s.start, "shift": "1d", "participants": people}}}), 201)
			ok[warroom.EscalationPolicy](t, a.do("root", "POST", "/api/v1/escalation-policies", map[string]any{"name": s.name, "repeat": 0,
				"steps": []map[string]any{{"targets": []map[string]string{{"type": "schedule", "id": s.name}}, "delay": "5m"}}}), 201)
		}

		// Any shift length is stored and read back on this database.
		sc := weeklySchedule("ninety", "ada", "bob")
		sc["layers"].([]map[string]any)[0]["shift"] = "1h30m"
		ok[scheduleJSON](t, a.do("root", "POST", "/api/v1/schedules", sc), 201)
		if got := ok[scheduleJSON](t, a.do("vic", "GET", "/api/v1/schedules/ninety", nil), 200); got.Layers[0].Shift != "90m" {
			t.Fatalf("a 90m shift read back as %q", got.Layers[0].Shift)
		}

		mark := 0
		for i, p := range []struct {
			schedule string
			at       string // UTC; the comment gives the local time
			want     []string
		}{
			{"ny-spring", "2026-03-08T06:59:00Z", []string{"bob"}},   // 01:59 EST
			{"ny-spring", "2026-03-08T07:00:00Z", []string{"carol"}}, // 03:00 EDT: 02:30 does not exist
			{"berlin", "2026-03-29T00:59:00Z", []string{"ada"}},      // 01:59 CET
			{"berlin", "2026-03-29T01:00:00Z", []string{"bob"}},      // 03:00 CEST: 02:30 does not exist
			// 24 October is day 210 of the Berlin rotation (ada's), the
			// 25th day 211 (bob's).
			{"berlin", "2026-10-25T00:29:00Z", []string{"ada"}},           // 02:29 CEST
			{"berlin", "2026-10-25T00:30:00Z", []string{"ada", "bob"}},    // the first 02:30 (CEST): bob starts
			{"berlin", "2026-10-25T01:29:00Z", []string{"ada", "bob"}},    // 02:29 CET
			{"berlin", "2026-10-25T01:30:00Z", []string{"bob"}},           // the last 02:30 (CET): ada ends
			{"ny-fall", "2026-11-01T05:29:00Z", []string{"carol"}},        // 01:29 EDT
			{"ny-fall", "2026-11-01T05:30:00Z", []string{"carol", "ada"}}, // the first 01:30 (EDT): ada starts
			{"ny-fall", "2026-11-01T06:29:00Z", []string{"carol", "ada"}}, // 01:29 EST
			{"ny-fall", "2026-11-01T06:30:00Z", []string{"ada"}},          // the last 01:30 (EST): carol ends
		} {
			at, err := time.Parse(time.RFC3339, p.at)
			if err != nil {
				t.Fatal(err)
			}
			a.at(a.off(at))
			step := fmt.Sprintf("%s at %s", p.schedule, p.at)

			// Who is on call: now, and at that time.
			for _, q := range []string{"", "?at=" + url.QueryEscape(p.at)} {
				oc := ok[onCallAnswer](t, a.do("vic", "GET", "/api/v1/schedules/"+p.schedule+"/oncall"+q, nil), 200)
				var got []string
				for _, who := range oc.OnCall {
					got = append(got, who.Handle)
				}
				if !oc.At.Equal(at) || strings.Join(got, " ") != strings.Join(p.want, " ") {
					t.Fatalf("%s: on call%s at %s: %v, want %v", step, q, oc.At, got, p.want)
				}
			}

			// A page through the schedule's escalation policy reaches the
			// same people, at once.
			a.servicePaging(p.schedule, map[string]string{"min_severity": "info", "action": "wait"})
			title := fmt.Sprintf("Probe %d on %s", i, p.schedule)
			if r := a.post("/api/v1/integrations/webhook/"+in.Key, `{"dedup_key":"probe-`+fmt.Sprint(i)+`","title":"`+title+`","severity":"critical"}`); r.Status != 202 {
				t.Fatalf("%s: fire: %s", step, r)
			}
			a.tick()
			var want []string
			for _, h := range p.want {
				want = append(want, fmt.Sprintf("%s email %s@example.com page [CRITICAL] %s", a.off(at), h, title))
			}
			mark = a.wantSent(step, mark, want...)
		}

		// The Berlin feed, read during the overlap, has the two
		// overlapping events: ada's until the last 02:30, bob's from the
		// first.
		a.at(a.off(time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC)))
		r := a.do("vic", "GET", "/api/v1/schedules/berlin/calendar.ics", nil)
		if r.Status != 200 {
			t.Fatalf("feed: %s", r)
		}
		var got []string
		for _, ev := range icalEvents(t, string(r.Body)) {
			if ev["DTSTART"] >= "20261024" && ev["DTSTART"] < "20261026" {
				got = append(got, ev["SUMMARY"]+" "+ev["DTSTART"]+" "+ev["DTEND"])
			}
		}
		wantLines(t, "Berlin feed over fall-back", got,
			"On call: Ada (@ada) 20261024T003000Z 20261025T013000Z",
			"On call: Bob (@bob) 20261025T003000Z 20261026T013000Z")
	})
}
