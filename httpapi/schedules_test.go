package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestSchedules creates, validates, reads and replaces schedules.
func TestSchedules(t *testing.T) {
	e := newEnv(t, nil)
	good := weeklySchedule("primary", "ada", "@bob")
	wantErr(t, e.do("ada", "POST", "/api/v1/schedules", good), 403, warroom.EForbidden, "")
	for _, c := range []struct {
		change func(m map[string]any, layer map[string]any)
		field  string
		msg    string
	}{
		{func(m, _ map[string]any) { m["name"] = " " }, "name", "name is required"},
		{func(m, _ map[string]any) { m["time_zone"] = "Mars/Olympus" }, "time_zone", `unknown time zone "Mars/Olympus"`},
		{func(m, _ map[string]any) { m["time_zone"] = "Local" }, "time_zone", "Local"},
		{func(m, _ map[string]any) { m["id"] = "x" }, "id", "leave id out"},
		{func(_, l map[string]any) { l["shift"] = "3x" }, "layers[0].shift", `shift length "3x" is not a length like 90m, 12h, 1h30m, 1d or 2w (units m, h, d, w)`},
		{func(_, l map[string]any) { delete(l, "shift") }, "layers[0].shift", "shift length is required: a length like 90m, 12h, 1d or 2w"},
		{func(_, l map[string]any) { l["shift"] = "0d" }, "layers[0].shift", `shift length "0d" is zero; it must be at least 1m`},
		{func(_, l map[string]any) { l["shift"] = "0" }, "layers[0].shift", `shift length "0" is zero; it must be at least 1m`},
		{func(_, l map[string]any) { l["shift"] = "-12h" }, "layers[0].shift", `shift length "-12h" is negative; it must be at least 1m`},
		{func(_, l map[string]any) { l["shift"] = "-1w" }, "layers[0].shift", `shift length "-1w" is negative; it must be at least 1m`},
		{func(_, l map[string]any) { l["shift"] = "30s" }, "layers[0].shift", `shift length "30s" is shorter than the minimum 1m`},
		{func(_, l map[string]any) { l["shift"] = "90s" }, "layers[0].shift", `shift length "90s" is not a whole number of minutes`},
		{func(_, l map[string]any) { l["shift"] = "10000w" }, "layers[0].shift", `shift length "10000w" is longer than the maximum 9999w`},
		{func(_, l map[string]any) { l["start"] = "2025-02-30T09:00" }, "layers[0].start", "wall-clock time"},
		{func(_, l map[string]any) { l["end"] = "2025-02-01T09:00" }, "layers", "is not after start"},
		{func(_, l map[string]any) { l["start"] = "Monday 9am" }, "layers[0].start", "wall-clock time"},
		{func(_, l map[string]any) { l["participants"] = []string{"ada", "nobody"} }, "layers[0].participants[1]", `no user "nobody"`},
		{func(_, l map[string]any) { l["participants"] = []string{} }, "layers", "no participants"},
		{func(_, l map[string]any) {
			l["restrictions"] = []map[string]any{{"days": []string{"funday"}, "start": "09:00", "end": "17:00"}}
		}, "layers[0].restrictions[0].days", "not a day"},
		{func(_, l map[string]any) { l["restrictions"] = []map[string]any{{"start": "9", "end": "17:00"}} }, "layers", `start "9" is not HH:MM`},
		{func(m, _ map[string]any) {
			m["overrides"] = []map[string]any{{"user": "carol", "start": "2025-03-02T00:00:00Z", "end": "2025-03-01T00:00:00Z"}}
		}, "overrides", "is not after start"},
	} {
		bad := weeklySchedule("primary", "ada", "bob")
		c.change(bad, bad["layers"].([]map[string]any)[0])
		msg := wantErr(t, e.do("root", "POST", "/api/v1/schedules", bad), 400, warroom.EInvalid, c.field)
		wantContains(t, msg, c.msg)
	}
	created := ok[scheduleJSON](t, e.do("root", "POST", "/api/v1/schedules", good), 201)
	want := scheduleJSON{ID: created.ID, Name: "primary", TimeZone: "Europe/Berlin", Overrides: []overrideJSON{},
		Layers: []layerJSON{{Name: "weekly", Start: "2025-02-24T09:00", Shift: "1w", Participants: []string{e.users["ada"].ID, e.users["bob"].ID}}}}
	if created.ID == "" || !reflect.DeepEqual(created, want) {
		t.Fatalf("created %+v, want %+v", created, want)
	}
	wantErr(t, e.do("root", "POST", "/api/v1/schedules", good), 409, warroom.EConflict, "name")
	if got := ok[scheduleJSON](t, e.do("vic", "GET", "/api/v1/schedules/primary", nil), 200); !reflect.DeepEqual(got, want) {
		t.Fatalf("by name %+v", got)
	}
	if got := ok[scheduleJSON](t, e.do("vic", "GET", "/api/v1/schedules/"+created.ID, nil), 200); !reflect.DeepEqual(got, want) {
		t.Fatalf("by ID %+v", got)
	}
	wantErr(t, e.do("vic", "GET", "/api/v1/schedules/nope", nil), 404, warroom.ENotFound, "")

	// Replace it: a business-hours layer on top and an override.
	upd := weeklySchedule("primary", "ada", "bob")
	upd["layers"] = append(upd["layers"].([]map[string]any), map[string]any{"name": "day", "start": "2025-02-24T00:00", "shift": "1d",
		"participants": []string{"carol"}, "restrictions": []map[string]any{{"days": []string{"Mon", "tuesday"}, "start": "09:00", "end": "17:00"}}})
	upd["overrides"] = []map[string]any{{"user": "carol", "start": "2025-03-05T00:00:00+01:00", "end": "2025-03-06T00:00:00+01:00", "replaces": "bob"}}
	wantErr(t, e.do("ada", "PUT", "/api/v1/schedules/primary", upd), 403, warroom.EForbidden, "")
	got := ok[scheduleJSON](t, e.do("root", "PUT", "/api/v1/schedules/primary", upd), 200)
	if got.ID != created.ID || len(got.Layers) != 2 || !reflect.DeepEqual(got.Layers[1].Restrictions, []restrictionJSON{{Days: []string{"mon", "tue"}, Start: "09:00", End: "17:00"}}) ||
		len(got.Overrides) != 1 || got.Overrides[0].User != e.users["carol"].ID || got.Overrides[0].Replaces != e.users["bob"].ID ||
		!got.Overrides[0].Start.Equal(time.Date(2025, 3, 4, 23, 0, 0, 0, time.UTC)) {
		t.Fatalf("updated %+v", got)
	}
	if l := ok[scheduleList](t, e.do("vic", "GET", "/api/v1/schedules", nil), 200); len(l.Schedules) != 1 || l.Schedules[0].ID != created.ID {
		t.Fatalf("list %+v", l)
	}
}

// TestOnCall asks who is on call now, at a time, and over the next days.
func TestOnCall(t *testing.T) {
	e := newEnv(t, nil) // now: Saturday 1 March 2025, 10:00 UTC
	ok[scheduleJSON](t, e.do("root", "POST", "/api/v1/schedules", weeklySchedule("primary", "ada", "bob")), 201)
	path := "/api/v1/schedules/primary/oncall"
	now := ok[onCallAnswer](t, e.do("vic", "GET", path, nil), 200)
	if now.Schedule != "primary" || len(now.OnCall) != 1 || now.OnCall[0].Handle != "ada" || now.OnCall[0].Name != "Ada" ||
		!now.At.Equal(epoch) || now.Until != nil || now.Shifts != nil {
		t.Fatalf("now: %+v", now)
	}
	// Monday 3 March 09:00 in Berlin is 08:00 UTC: bob from then.
	for at, who := range map[string]string{"2025-03-03T07:59:00Z": "ada", "2025-03-03T08:00:00Z": "bob", "2025-03-10T09:00:00+01:00": "ada"} {
		r := ok[onCallAnswer](t, e.do("vic", "GET", path+"?at="+url.QueryEscape(at), nil), 200)
		if len(r.OnCall) != 1 || r.OnCall[0].Handle != who {
			t.Errorf("at %s: %+v, want @%s", at, r.OnCall, who)
		}
	}
	days := ok[onCallAnswer](t, e.do("vic", "GET", path+"?days=14", nil), 200)
	handoff1 := time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)
	handoff2 := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
	if days.Until == nil || !days.Until.Equal(epoch.AddDate(0, 0, 14)) || len(days.Shifts) != 3 {
		t.Fatalf("14 days: %+v", days)
	}
	for i, w := range []struct {
		who        string
		start, end time.Time
	}{{"ada", epoch, handoff1}, {"bob", handoff1, handoff2}, {"ada", handoff2, epoch.AddDate(0, 0, 14)}} {
		s := days.Shifts[i]
		if s.User.Handle != w.who || !s.Start.Equal(w.start) || !s.End.Equal(w.end) || s.Layer != "weekly" {
			t.Errorf("shift %d: %+v, want %+v", i, s, w)
		}
	}
	if _, off := days.Shifts[1].Start.Zone(); off != 3600 {
		t.Errorf("shift times are not in the schedule's zone: %v", days.Shifts[1].Start)
	}
	wantErr(t, e.do("vic", "GET", path+"?at=yesterday", nil), 400, warroom.EInvalid, "at")
	wantErr(t, e.do("vic", "GET", path+"?days=0", nil), 400, warroom.EInvalid, "days")
	wantErr(t, e.do("vic", "GET", path+"?days=400", nil), 400, warroom.EInvalid, "days")
	wantErr(t, e.do("vic", "GET", path+"?when=now", nil), 400, warroom.EInvalid, "when")
	wantErr(t, e.do("", "GET", path, nil), 401, warroom.EUnauthorized, "")
	wantErr(t, e.do("vic", "GET", "/api/v1/schedules/nope/oncall", nil), 404, warroom.ENotFound, "")
}

// TestScheduleShiftLengths: any length from 1m is accepted and answered in
// its largest whole unit; whole days follow the wall clock, other lengths
// are elapsed time.
func TestScheduleShiftLengths(t *testing.T) {
	e := newEnv(t, nil)
	for i, c := range []struct{ in, want string }{
		{"90m", "90m"}, {"1h30m", "90m"}, {"1m", "1m"}, {"12h", "12h"}, {"36h", "36h"}, {"24h", "1d"},
		{"1440m", "1d"}, {"10d", "10d"}, {"14d", "2w"}, {"2w", "2w"}, {" 8H ", "8h"},
	} {
		sc := weeklySchedule(fmt.Sprintf("s%d", i), "ada", "bob")
		sc["layers"].([]map[string]any)[0]["shift"] = c.in
		created := ok[scheduleJSON](t, e.do("root", "POST", "/api/v1/schedules", sc), 201)
		got := ok[scheduleJSON](t, e.do("vic", "GET", "/api/v1/schedules/"+created.ID, nil), 200)
		if created.Layers[0].Shift != c.want || got.Layers[0].Shift != c.want {
			t.Errorf("shift %q: created %q, read back %q, want %q", c.in, created.Layers[0].Shift, got.Layers[0].Shift, c.want)
		}
	}

	// Berlin, across spring-forward on 30 March 2025: 90m shifts are
	// elapsed time (handoffs move from :00/:30 CET to :00/:30 CEST one
	// hour later on the wall clock), 10d shifts keep 09:00.
	shifts := func(name, shift, start, at string, days int) []string {
		t.Helper()
		ok[scheduleJSON](t, e.do("root", "POST", "/api/v1/schedules", map[string]any{"name": name, "time_zone": "Europe/Berlin",
			"layers": []map[string]any{{"name": "l", "start": start, "shift": shift, "participants": []string{"ada", "bob"}}}}), 201)
		r := ok[onCallAnswer](t, e.do("vic", "GET", "/api/v1/schedules/"+name+"/oncall?days="+strconv.Itoa(days)+"&at="+url.QueryEscape(at), nil), 200)
		var out []string
		for _, s := range r.Shifts {
			out = append(out, s.User.Handle+" "+s.Start.Format(time.RFC3339)+" "+s.End.Format(time.RFC3339))
		}
		return out
	}
	inOrder(t, "90m shifts", shifts("ninety", "90m", "2025-03-30T00:00", "2025-03-30T00:00:00+01:00", 1)[:4],
		"ada 2025-03-30T00:00:00+01:00 2025-03-30T01:30:00+01:00",
		"bob 2025-03-30T01:30:00+01:00 2025-03-30T04:00:00+02:00",
		"ada 2025-03-30T04:00:00+02:00 2025-03-30T05:30:00+02:00",
		"bob 2025-03-30T05:30:00+02:00 2025-03-30T07:00:00+02:00")
	inOrder(t, "10d shifts", shifts("ten-days", "10d", "2025-03-24T09:00", "2025-03-24T09:00:00+01:00", 20),
		"ada 2025-03-24T09:00:00+01:00 2025-04-03T09:00:00+02:00",
		"bob 2025-04-03T09:00:00+02:00 2025-04-13T09:00:00+02:00",
		"ada 2025-04-13T09:00:00+02:00 2025-04-13T10:00:00+02:00")
}

// TestOnCallHandoffOverlap: a daily rotation in Berlin handing over at
// 02:30, inside both DST changes of 2025. On 30 March 02:30 does not exist
// and the handoff is at 03:00 CEST; on 26 October the outgoing shift ends
// at the last 02:30 (CET) and the incoming one starts at the first (CEST),
// so the on-call view, its shifts and the calendar feeds show both people
// for that hour.
func TestOnCallHandoffOverlap(t *testing.T) {
	e := newEnv(t, nil) // now: 1 March 2025
	ok[scheduleJSON](t, e.do("root", "POST", "/api/v1/schedules", map[string]any{"name": "nights", "time_zone": "Europe/Berlin",
		"layers": []map[string]any{{"name": "daily", "start": "2025-03-29T02:30", "shift": "1d", "participants": []string{"ada", "bob"}}}}), 201)
	path := "/api/v1/schedules/nights/oncall"
	for at, want := range map[string]string{
		"2025-03-30T00:59:00Z": "@ada", // 01:59 CET
		"2025-03-30T01:00:00Z": "@bob", // 03:00 CEST: the handoff
		// 25 October is day 210 of the rotation (ada's), 26 October bob's.
		"2025-10-26T00:29:00Z": "@ada",      // 02:29 CEST
		"2025-10-26T00:30:00Z": "@ada @bob", // the first 02:30 (CEST)
		"2025-10-26T01:29:00Z": "@ada @bob", // 02:29 CET
		"2025-10-26T01:30:00Z": "@bob",      // the last 02:30 (CET)
	} {
		r := ok[onCallAnswer](t, e.do("vic", "GET", path+"?at="+url.QueryEscape(at), nil), 200)
		var got []string
		for _, p := range r.OnCall {
			got = append(got, "@"+p.Handle)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("on call at %s: %v, want %s", at, got, want)
		}
	}
	r := ok[onCallAnswer](t, e.do("vic", "GET", path+"?days=2&at="+url.QueryEscape("2025-10-25T00:00:00Z"), nil), 200)
	var got []string
	for _, s := range r.Shifts {
		got = append(got, s.User.Handle+" "+s.Start.Format(time.RFC3339)+" "+s.End.Format(time.RFC3339))
	}
	inOrder(t, "shifts over fall-back", got,
		"bob 2025-10-25T02:00:00+02:00 2025-10-25T02:30:00+02:00",
		"ada 2025-10-25T02:30:00+02:00 2025-10-26T02:30:00+01:00",
		"bob 2025-10-26T02:30:00+02:00 2025-10-27T01:00:00+01:00")

	// The feeds, on 20 October: the overlapping events.
	e.clock.Advance(time.Date(2025, 10, 20, 12, 0, 0, 0, time.UTC).Sub(e.clock.Now()))
	feed := func(path string) []string {
		t.Helper()
		var out []string
		r := e.do("vic", "GET", path, nil)
		if r.Status != 200 {
			t.Fatalf("%s: %s", path, r)
		}
		for _, ev := range icalEvents(t, string(r.Body)) {
			if ev["DTSTART"] >= "20251025" && ev["DTSTART"] < "20251027" {
				out = append(out, ev["SUMMARY"]+" "+ev["DTSTART"]+" "+ev["DTEND"])
			}
		}
		return out
	}
	inOrder(t, "schedule feed", feed("/api/v1/schedules/nights/calendar.ics"),
		"On call: Ada (@ada) 20251025T003000Z 20251026T013000Z",
		"On call: Bob (@bob) 20251026T003000Z 20251027T013000Z")
	inOrder(t, "ada's feed", feed("/api/v1/users/ada/calendar.ics"),
		"On call: Ada (@ada) 20251025T003000Z 20251026T013000Z")
	inOrder(t, "bob's feed", feed("/api/v1/users/bob/calendar.ics"),
		"On call: Bob (@bob) 20251026T003000Z 20251027T013000Z")
}

// icalEvents parses a feed: its lines (unfolded) and each VEVENT's
// properties.
func icalEvents(t *testing.T, body string) []map[string]string {
	t.Helper()
	if !strings.HasPrefix(body, "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(body, "END:VCALENDAR\r\n") {
		t.Fatalf("not a calendar: %q", body)
	}
	var events []map[string]string
	var cur map[string]string
	for _, line := range strings.Split(strings.ReplaceAll(body, "\r\n ", ""), "\r\n") {
		switch {
		case line == "BEGIN:VEVENT":
			cur = map[string]string{}
		case line == "END:VEVENT":
			events = append(events, cur)
			cur = nil
		case cur != nil:
			k, v, _ := strings.Cut(line, ":")
			cur[k] = v
		}
	}
	return events
}

// TestCalendarFeeds: per schedule and per user, by bearer token or
// ?token= (calendar apps send no headers).
func TestCalendarFeeds(t *testing.T) {
	e := newEnv(t, nil)
	ok[scheduleJSON](t, e.do("root", "POST", "/api/v1/schedules", weeklySchedule("primary", "ada", "bob")), 201)
	ok[scheduleJSON](t, e.do("root", "POST", "/api/v1/schedules", map[string]any{"name": "secondary", "time_zone": "UTC",
		"layers": []map[string]any{{"name": "daily", "start": "2025-01-01T00:00", "shift": "1d", "participants": []string{"carol", "ada"}}}}), 201)

	r := e.do("", "GET", "/api/v1/schedules/primary/calendar.ics?token="+e.secrets["vic"], nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "text/calendar; charset=utf-8" {
		t.Fatalf("feed: %s", r)
	}
	events := icalEvents(t, string(r.Body))
	// 14 days back to 90 ahead of 1 March: the weekly shifts from the
	// layer's start on 24 February to the one cut on 30 May.
	if len(events) != 14 {
		t.Fatalf("%d events, want 14", len(events))
	}
	// Handoffs stay at 09:00 in Berlin across the DST change of 30 March.
	if events[5]["DTSTART"] != "20250331T070000Z" || events[4]["DTEND"] != "20250331T070000Z" {
		t.Fatalf("DST: %v %v", events[4], events[5])
	}
	if events[0]["DTSTART"] != "20250224T080000Z" || events[0]["DTEND"] != "20250303T080000Z" ||
		events[0]["SUMMARY"] != `On call: Ada (@ada)` || events[1]["SUMMARY"] != "On call: Bob (@bob)" {
		t.Fatalf("first events: %v", events[:2])
	}
	byHeader := e.do("vic", "GET", "/api/v1/schedules/primary/calendar.ics", nil)
	if byHeader.Status != 200 || string(byHeader.Body) != string(r.Body) {
		t.Fatalf("by bearer token: %s", byHeader)
	}

	user := e.do("", "GET", "/api/v1/users/ada/calendar.ics?token="+e.secrets["bob"], nil)
	if user.Status != 200 {
		t.Fatalf("user feed: %s", user)
	}
	mine := icalEvents(t, string(user.Body))
	weekly, daily := 0, 0
	for i, ev := range mine {
		if ev["SUMMARY"] != "On call: Ada (@ada)" {
			t.Fatalf("event %d is not ada's: %v", i, ev)
		}
		if i > 0 && ev["DTSTART"] < mine[i-1]["DTSTART"] {
			t.Fatalf("events out of order at %d", i)
		}
		if strings.Contains(ev["DESCRIPTION"], "weekly") {
			weekly++
		} else {
			daily++
		}
	}
	if weekly != 7 || daily != 52 {
		t.Fatalf("ada's feed: %d weekly and %d daily shifts, want 7 and 52", weekly, daily)
	}

	for _, c := range []struct{ who, path string }{
		{"", "/api/v1/schedules/primary/calendar.ics"},
		{"", "/api/v1/schedules/primary/calendar.ics?token=wr_nope"},
		{"", "/api/v1/users/ada/calendar.ics?token="},
	} {
		wantErr(t, e.do(c.who, "GET", c.path, nil), 401, warroom.EUnauthorized, "")
	}
	// ?token= works on feeds only.
	wantErr(t, e.do("", "GET", "/api/v1/schedules/primary?token="+e.secrets["vic"], nil), http.StatusUnauthorized, warroom.EUnauthorized, "")
	wantErr(t, e.do("vic", "GET", "/api/v1/schedules/primary/calendar.ics?days=3", nil), 400, warroom.EInvalid, "days")
	wantErr(t, e.do("vic", "GET", "/api/v1/users/nobody/calendar.ics", nil), 404, warroom.ENotFound, "")
	if strings.Contains(e.logs.String(), e.secrets["vic"]) {
		t.Error("a feed token reached the log")
	}
}

// inOrder checks lines in order.
func inOrder(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n  %s\nwant\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
