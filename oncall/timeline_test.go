package oncall

import (
	"slices"
	"testing"
	"time"
)

var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

// layered is a 24/7 weekly base rotation with a weekday 09:00-17:00 layer on
// top, in America/New_York. The top layer rotates daily carol, dave; its
// weekend shifts are masked by the restriction.
func layered(t testing.TB, overrides ...Override) Schedule {
	return Schedule{ID: "payments", TimeZone: "America/New_York", Overrides: overrides, Layers: []Layer{
		{Name: "base", Start: lt(t, "2026-03-02T09:00"), Shift: Weeks(1), Participants: []string{"alice", "bob"}},
		{Name: "business", Start: lt(t, "2026-03-02T09:00"), Shift: Days(1), Participants: []string{"carol", "dave"},
			Restrictions: []Restriction{{Days: weekdays, Start: "09:00", End: "17:00"}}},
	}}
}

func TestLayersAndOverrides(t *testing.T) {
	from, to := "2026-03-06T00:00-05:00", "2026-03-10T00:00-04:00" // Fri..Tue, over spring-forward
	tests := []struct {
		name      string
		overrides []Override
		want      []string
	}{
		{"layers only", nil, []string{
			"alice 2026-03-06T00:00-05:00 2026-03-06T09:00-05:00 9h base",
			"carol 2026-03-06T09:00-05:00 2026-03-06T17:00-05:00 8h business",
			"alice 2026-03-06T17:00-05:00 2026-03-09T09:00-04:00 63h base",
			"dave 2026-03-09T09:00-04:00 2026-03-09T17:00-04:00 8h business",
			"bob 2026-03-09T17:00-04:00 2026-03-10T00:00-04:00 7h base",
		}},
		{"full override spanning two layers", []Override{
			{UserID: "erin", Start: ts(t, "2026-03-06T16:00-05:00"), End: ts(t, "2026-03-06T18:00-05:00")},
		}, []string{
			"alice 2026-03-06T00:00-05:00 2026-03-06T09:00-05:00 9h base",
			"carol 2026-03-06T09:00-05:00 2026-03-06T16:00-05:00 7h business",
			"erin 2026-03-06T16:00-05:00 2026-03-06T18:00-05:00 2h override",
			"alice 2026-03-06T18:00-05:00 2026-03-09T09:00-04:00 62h base",
			"dave 2026-03-09T09:00-04:00 2026-03-09T17:00-04:00 8h business",
			"bob 2026-03-09T17:00-04:00 2026-03-10T00:00-04:00 7h base",
		}},
		{"partial override replaces only alice", []Override{
			{UserID: "frank", Replaces: "alice", Start: ts(t, "2026-03-07T00:00-05:00"), End: ts(t, "2026-03-09T12:00-04:00")},
		}, []string{
			"alice 2026-03-06T00:00-05:00 2026-03-06T09:00-05:00 9h base",
			"carol 2026-03-06T09:00-05:00 2026-03-06T17:00-05:00 8h business",
			"alice 2026-03-06T17:00-05:00 2026-03-07T00:00-05:00 7h base",
			"frank 2026-03-07T00:00-05:00 2026-03-09T09:00-04:00 56h override",
			"dave 2026-03-09T09:00-04:00 2026-03-09T17:00-04:00 8h business",
			"bob 2026-03-09T17:00-04:00 2026-03-10T00:00-04:00 7h base",
		}},
		{"override of a user not on call does nothing", []Override{
			{UserID: "gina", Replaces: "zed", Start: ts(t, "2026-03-06T00:00-05:00"), End: ts(t, "2026-03-10T00:00-04:00")},
		}, []string{
			"alice 2026-03-06T00:00-05:00 2026-03-06T09:00-05:00 9h base",
			"carol 2026-03-06T09:00-05:00 2026-03-06T17:00-05:00 8h business",
			"alice 2026-03-06T17:00-05:00 2026-03-09T09:00-04:00 63h base",
			"dave 2026-03-09T09:00-04:00 2026-03-09T17:00-04:00 8h business",
			"bob 2026-03-09T17:00-04:00 2026-03-10T00:00-04:00 7h base",
		}},
		{"later override applies to the earlier one's result", []Override{
			{UserID: "frank", Replaces: "alice", Start: ts(t, "2026-03-06T00:00-05:00"), End: ts(t, "2026-03-06T09:00-05:00")},
			{UserID: "gina", Replaces: "frank", Start: ts(t, "2026-03-06T08:00-05:00"), End: ts(t, "2026-03-06T10:00-05:00")},
		}, []string{
			"frank 2026-03-06T00:00-05:00 2026-03-06T08:00-05:00 8h override",
			"gina 2026-03-06T08:00-05:00 2026-03-06T09:00-05:00 1h override",
			"carol 2026-03-06T09:00-05:00 2026-03-06T17:00-05:00 8h business",
			"alice 2026-03-06T17:00-05:00 2026-03-09T09:00-04:00 63h base",
			"dave 2026-03-09T09:00-04:00 2026-03-09T17:00-04:00 8h business",
			"bob 2026-03-09T17:00-04:00 2026-03-10T00:00-04:00 7h base",
		}},
		{"override by the user already on call merges", []Override{
			{UserID: "alice", Start: ts(t, "2026-03-06T08:00-05:00"), End: ts(t, "2026-03-06T10:00-05:00")},
		}, []string{
			"alice 2026-03-06T00:00-05:00 2026-03-06T10:00-05:00 10h base+override",
			"carol 2026-03-06T10:00-05:00 2026-03-06T17:00-05:00 7h business",
			"alice 2026-03-06T17:00-05:00 2026-03-09T09:00-04:00 63h base",
			"dave 2026-03-09T09:00-04:00 2026-03-09T17:00-04:00 8h business",
			"bob 2026-03-09T17:00-04:00 2026-03-10T00:00-04:00 7h base",
		}},
		{"override outside the range is ignored", []Override{
			{UserID: "erin", Start: ts(t, "2026-03-01T00:00-05:00"), End: ts(t, "2026-03-02T00:00-05:00")},
		}, []string{
			"alice 2026-03-06T00:00-05:00 2026-03-06T09:00-05:00 9h base",
			"carol 2026-03-06T09:00-05:00 2026-03-06T17:00-05:00 8h business",
			"alice 2026-03-06T17:00-05:00 2026-03-09T09:00-04:00 63h base",
			"dave 2026-03-09T09:00-04:00 2026-03-09T17:00-04:00 8h business",
			"bob 2026-03-09T17:00-04:00 2026-03-10T00:00-04:00 7h base",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := layered(t, tt.overrides...).Shifts(ts(t, from), ts(t, to))
			if err != nil {
				t.Fatal(err)
			}
			assertLines(t, render(got, mustLoc(t, "America/New_York")), tt.want)
		})
	}
}

func TestOverrideFillsGap(t *testing.T) {
	s := Schedule{ID: "s1", TimeZone: "Europe/Berlin",
		Layers: []Layer{{Name: "day", Start: lt(t, "2026-01-05T00:00"), Shift: Weeks(1), Participants: []string{"alice"},
			Restrictions: []Restriction{{Start: "09:00", End: "17:00"}}}},
		Overrides: []Override{{UserID: "erin", Start: ts(t, "2026-01-05T16:00+01:00"), End: ts(t, "2026-01-05T20:00+01:00")}},
	}
	got, err := s.Shifts(ts(t, "2026-01-05T00:00+01:00"), ts(t, "2026-01-06T00:00+01:00"))
	if err != nil {
		t.Fatal(err)
	}
	assertLines(t, render(got, mustLoc(t, "Europe/Berlin")), []string{
		"alice 2026-01-05T09:00+01:00 2026-01-05T16:00+01:00 7h day",
		"erin 2026-01-05T16:00+01:00 2026-01-05T20:00+01:00 4h override",
	})
}

func TestOnCallAt(t *testing.T) {
	s := layered(t, Override{UserID: "erin", Start: ts(t, "2026-03-06T16:00-05:00"), End: ts(t, "2026-03-06T18:00-05:00")})
	tests := []struct {
		at   string
		want []string
	}{
		{"2026-03-01T12:00-05:00", []string{}}, // before both layers start
		{"2026-03-06T08:59-05:00", []string{"alice"}},
		{"2026-03-06T09:00-05:00", []string{"carol"}}, // start is inclusive
		{"2026-03-06T16:00-05:00", []string{"erin"}},
		{"2026-03-06T18:00-05:00", []string{"alice"}}, // end is exclusive
		{"2026-03-07T12:00-05:00", []string{"alice"}}, // weekend: business layer masked
		{"2026-03-09T08:59-04:00", []string{"alice"}},
		{"2026-03-09T09:00-04:00", []string{"dave"}},
		{"2026-03-09T17:00-04:00", []string{"bob"}},
	}
	for _, tt := range tests {
		got, err := s.OnCallAt(ts(t, tt.at))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("OnCallAt(%s) = %q, want %q", tt.at, got, tt.want)
		}
	}
}

// TestOnCallAtOverDays samples OnCallAt every 10 minutes over two-week
// periods containing spring-forward and fall-back, against an oracle that
// reasons on the local wall clock only (independent of the resolver).
func TestOnCallAtOverDays(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	s := Schedule{ID: "s1", TimeZone: "America/New_York", Layers: []Layer{
		{Name: "base", Start: lt(t, "2026-03-01T09:00"), Shift: Days(1), Participants: []string{"alice", "bob", "carol"}},
		{Name: "business", Start: lt(t, "2026-03-01T09:00"), Shift: Weeks(1), Participants: []string{"dave"},
			Restrictions: []Restriction{{Days: weekdays, Start: "09:00", End: "17:00"}}},
	}}
	anchor := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	oracle := func(at time.Time) string {
		l := at.In(ny)
		mins := l.Hour()*60 + l.Minute()
		if l.Weekday() != time.Saturday && l.Weekday() != time.Sunday && mins >= 9*60 && mins < 17*60 {
			return "dave"
		}
		day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
		if mins < 9*60 {
			day = day.AddDate(0, 0, -1)
		}
		n := int(day.Sub(anchor).Hours() / 24)
		return []string{"alice", "bob", "carol"}[n%3]
	}
	for _, start := range []string{"2026-03-01T09:00-05:00", "2026-10-25T00:00-04:00"} {
		from := ts(t, start)
		upcoming, err := s.Upcoming(from, 14)
		if err != nil {
			t.Fatal(err)
		}
		for at := from; at.Before(from.Add(14 * 24 * time.Hour)); at = at.Add(10 * time.Minute) {
			got, err := s.OnCallAt(at)
			if err != nil {
				t.Fatal(err)
			}
			want := oracle(at)
			if len(got) != 1 || got[0] != want {
				t.Fatalf("OnCallAt(%s) = %q, want %q", at.In(ny).Format(minuteLayout), got, want)
			}
			if u := coveringUser(upcoming, at); u != want {
				t.Fatalf("Upcoming at %s has %q, want %q", at.In(ny).Format(minuteLayout), u, want)
			}
		}
	}
}

func coveringUser(shifts []Shift, at time.Time) string {
	for _, s := range shifts {
		if !at.Before(s.Start) && at.Before(s.End) {
			return s.UserID
		}
	}
	return ""
}

func TestUserShifts(t *testing.T) {
	got, err := layered(t).UserShifts("alice", ts(t, "2026-03-06T00:00-05:00"), ts(t, "2026-03-10T00:00-04:00"))
	if err != nil {
		t.Fatal(err)
	}
	assertLines(t, render(got, mustLoc(t, "America/New_York")), []string{
		"alice 2026-03-06T00:00-05:00 2026-03-06T09:00-05:00 9h base",
		"alice 2026-03-06T17:00-05:00 2026-03-09T09:00-04:00 63h base",
	})
	for _, s := range got {
		if s.ScheduleID != "payments" {
			t.Errorf("ScheduleID = %q, want payments", s.ScheduleID)
		}
	}
}

func TestRangeErrors(t *testing.T) {
	s := layered(t)
	if _, err := s.Shifts(ts(t, "2026-03-02T00:00Z"), ts(t, "2026-03-01T00:00Z")); err == nil ||
		err.Error() != `oncall: schedule "payments": range end 2026-03-01T00:00:00Z is before start 2026-03-02T00:00:00Z` {
		t.Errorf("err = %v", err)
	}
	if _, err := s.Upcoming(ts(t, "2026-03-02T00:00Z"), -1); err == nil ||
		err.Error() != `oncall: schedule "payments": days must not be negative, got -1` {
		t.Errorf("err = %v", err)
	}
	bad := s
	bad.TimeZone = "Nowhere/Special"
	if _, err := bad.OnCallAt(ts(t, "2026-03-02T00:00Z")); err == nil {
		t.Error("OnCallAt on an invalid schedule: want error")
	}
}

// TestHandoffOverlap pins who is on call around daily handoffs whose
// wall-clock time is ambiguous (fall-back: both, from the first to the last
// occurrence, outgoing first) or skipped (spring-forward: one instant, no
// gap, no overlap), in four zones.
func TestHandoffOverlap(t *testing.T) {
	tests := []struct {
		name, zone, start string
		at                map[string][]string
	}{
		{"NY fall-back 01:30", "America/New_York", "2026-10-31T01:30", map[string][]string{
			"2026-11-01T01:29-04:00": {"alice"},
			"2026-11-01T01:30-04:00": {"alice", "bob"}, // first 01:30: bob starts
			"2026-11-01T01:59-04:00": {"alice", "bob"},
			"2026-11-01T01:00-05:00": {"alice", "bob"},
			"2026-11-01T01:29-05:00": {"alice", "bob"},
			"2026-11-01T01:30-05:00": {"bob"}, // last 01:30: alice ends
			"2026-11-02T01:29-05:00": {"bob"},
			"2026-11-02T01:30-05:00": {"alice"},
		}},
		{"NY spring-forward 02:30", "America/New_York", "2026-03-07T02:30", map[string][]string{
			"2026-03-08T01:59-05:00": {"alice"},
			"2026-03-08T03:00-04:00": {"bob"}, // 02:30 does not exist: 03:00 EDT
			"2026-03-09T02:29-04:00": {"bob"},
			"2026-03-09T02:30-04:00": {"alice"},
		}},
		{"Berlin fall-back 02:30", "Europe/Berlin", "2026-10-24T02:30", map[string][]string{
			"2026-10-25T02:29+02:00": {"alice"},
			"2026-10-25T02:30+02:00": {"alice", "bob"},
			"2026-10-25T02:10+01:00": {"alice", "bob"},
			"2026-10-25T02:29+01:00": {"alice", "bob"},
			"2026-10-25T02:30+01:00": {"bob"},
		}},
		{"Berlin spring-forward 02:30", "Europe/Berlin", "2026-03-28T02:30", map[string][]string{
			"2026-03-29T01:59+01:00": {"alice"},
			"2026-03-29T03:00+02:00": {"bob"},
		}},
		{"Sydney fall-back 02:30", "Australia/Sydney", "2026-04-04T02:30", map[string][]string{
			"2026-04-05T02:29+11:00": {"alice"},
			"2026-04-05T02:30+11:00": {"alice", "bob"},
			"2026-04-05T02:29+10:00": {"alice", "bob"},
			"2026-04-05T02:30+10:00": {"bob"},
		}},
		{"Lord Howe fall-back 01:45: a 30-minute overlap", "Australia/Lord_Howe", "2026-04-04T01:45", map[string][]string{
			"2026-04-05T01:44+11:00": {"alice"},
			"2026-04-05T01:45+11:00": {"alice", "bob"},
			"2026-04-05T01:44+10:30": {"alice", "bob"},
			"2026-04-05T01:45+10:30": {"bob"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := rotation(t, tt.zone, tt.start, Days(1), "alice", "bob")
			for at, want := range tt.at {
				got, err := s.OnCallAt(ts(t, at))
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, want) {
					t.Errorf("OnCallAt(%s) = %q, want %q", at, got, want)
				}
			}
		})
	}
}

// TestOverlapWithLayersOverridesRestrictions: the handoff overlap of a
// daily 01:30 rotation in New York (alice to bob on 1 November, both on
// call 01:30 EDT to 01:30 EST) under a higher layer, overrides and
// restrictions.
func TestOverlapWithLayersOverridesRestrictions(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	base := func() Layer {
		return Layer{Name: "base", Start: lt(t, "2026-10-31T01:30"), Shift: Days(1), Participants: []string{"alice", "bob"}}
	}
	tests := []struct {
		name      string
		layers    []Layer
		overrides []Override
		want      []string
	}{
		{"overlap", []Layer{base()}, nil, []string{
			"alice 2026-11-01T00:00-04:00 2026-11-01T01:30-05:00 2.5h base",
			"bob 2026-11-01T01:30-04:00 2026-11-01T03:00-05:00 2.5h base",
		}},
		{"a higher layer covers part of the overlap", []Layer{base(),
			{Name: "night", Start: lt(t, "2026-10-01T00:00"), Shift: Weeks(1), Participants: []string{"carol"},
				Restrictions: []Restriction{{Days: []time.Weekday{time.Sunday}, Start: "01:00", End: "01:15"}}}}, nil, []string{
			"alice 2026-11-01T00:00-04:00 2026-11-01T01:00-04:00 1h base",
			// 01:00 first to 01:15 last occurrence: 1h15m.
			"carol 2026-11-01T01:00-04:00 2026-11-01T01:15-05:00 1.25h night",
			"alice 2026-11-01T01:15-05:00 2026-11-01T01:30-05:00 0.25h base",
			"bob 2026-11-01T01:15-05:00 2026-11-01T03:00-05:00 1.75h base",
		}},
		{"a restriction clips both overlapping shifts", []Layer{func() Layer {
			l := base()
			l.Restrictions = []Restriction{{Start: "01:00", End: "01:45"}}
			return l
		}()}, nil, []string{
			"alice 2026-11-01T01:00-04:00 2026-11-01T01:30-05:00 1.5h base",
			"bob 2026-11-01T01:30-04:00 2026-11-01T01:45-05:00 1.25h base",
		}},
		{"an override of everyone replaces both", []Layer{base()}, []Override{
			{UserID: "erin", Start: ts(t, "2026-11-01T01:45-04:00"), End: ts(t, "2026-11-01T01:15-05:00")},
		}, []string{
			"alice 2026-11-01T00:00-04:00 2026-11-01T01:45-04:00 1.75h base",
			"bob 2026-11-01T01:30-04:00 2026-11-01T01:45-04:00 0.25h base",
			"erin 2026-11-01T01:45-04:00 2026-11-01T01:15-05:00 0.5h override",
			"alice 2026-11-01T01:15-05:00 2026-11-01T01:30-05:00 0.25h base",
			"bob 2026-11-01T01:15-05:00 2026-11-01T03:00-05:00 1.75h base",
		}},
		{"an override of the outgoing person keeps the incoming one", []Layer{base()}, []Override{
			{UserID: "frank", Replaces: "alice", Start: ts(t, "2026-11-01T01:00-04:00"), End: ts(t, "2026-11-01T03:00-05:00")},
		}, []string{
			"alice 2026-11-01T00:00-04:00 2026-11-01T01:00-04:00 1h base",
			"frank 2026-11-01T01:00-04:00 2026-11-01T01:30-05:00 1.5h override",
			"bob 2026-11-01T01:30-04:00 2026-11-01T03:00-05:00 2.5h base",
		}},
		{"an override by the incoming person lists them once", []Layer{base()}, []Override{
			{UserID: "bob", Replaces: "alice", Start: ts(t, "2026-11-01T01:00-04:00"), End: ts(t, "2026-11-01T03:00-05:00")},
		}, []string{
			"alice 2026-11-01T00:00-04:00 2026-11-01T01:00-04:00 1h base",
			"bob 2026-11-01T01:00-04:00 2026-11-01T03:00-05:00 3h override+base",
		}},
		{"an override of a person by themselves keeps them", []Layer{base()}, []Override{
			{UserID: "alice", Replaces: "alice", Start: ts(t, "2026-11-01T01:45-04:00"), End: ts(t, "2026-11-01T02:00-04:00")},
		}, []string{
			"alice 2026-11-01T00:00-04:00 2026-11-01T01:30-05:00 2.5h base+override",
			"bob 2026-11-01T01:30-04:00 2026-11-01T03:00-05:00 2.5h base",
		}},
		{"one participant is listed once", []Layer{func() Layer {
			l := base()
			l.Participants = []string{"alice"}
			return l
		}()}, nil, []string{
			"alice 2026-11-01T00:00-04:00 2026-11-01T03:00-05:00 4h base",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Schedule{ID: "s1", TimeZone: "America/New_York", Layers: tt.layers, Overrides: tt.overrides}
			got, err := s.Shifts(ts(t, "2026-11-01T00:00-04:00"), ts(t, "2026-11-01T03:00-05:00"))
			if err != nil {
				t.Fatal(err)
			}
			assertLines(t, render(got, ny), tt.want)
			for _, sh := range got { // OnCallAt agrees with Shifts
				at := sh.Start.Add(time.Minute)
				users, err := s.OnCallAt(at)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Contains(users, sh.UserID) {
					t.Errorf("OnCallAt(%s) = %q lacks %s", at.Format(minuteLayout), users, sh.UserID)
				}
			}
		})
	}
}

// TestOnCallAtHandoffInDSTChange samples OnCallAt and Upcoming every 5
// minutes over two weeks around each DST change, with daily handoffs at
// wall-clock times inside the change, against an oracle that uses only the
// time package's conversion of instants to wall clocks (not the resolver):
// shift k (wall clock w_k to w_k+1) covers instant t when the wall clock has
// shown w_k or later at or before t (its first occurrence has come) and
// either shows less than w_k+1 at t or will show w_k+1 or less again after
// t (its last occurrence has not come).
func TestOnCallAtHandoffInDSTChange(t *testing.T) {
	people := []string{"alice", "bob", "carol"}
	for _, c := range []struct{ zone, handoff, from string }{
		{"America/New_York", "01:30", "2026-10-25T00:00-04:00"},
		{"America/New_York", "02:30", "2026-03-01T00:00-05:00"},
		{"America/New_York", "01:00", "2026-10-25T00:00-04:00"},
		{"Europe/Berlin", "02:30", "2026-03-22T00:00+01:00"},
		{"Europe/Berlin", "02:30", "2026-10-18T00:00+02:00"},
		{"Europe/Berlin", "02:00", "2026-10-18T00:00+02:00"},
		{"Australia/Sydney", "02:30", "2026-03-29T00:00+11:00"},
		{"Australia/Sydney", "02:30", "2026-09-27T00:00+10:00"},
		{"Australia/Lord_Howe", "01:45", "2026-03-29T00:00+11:00"},
		{"Australia/Lord_Howe", "02:15", "2026-09-27T00:00+10:30"},
	} {
		t.Run(c.zone+" "+c.handoff+" "+c.from[:10], func(t *testing.T) {
			loc := mustLoc(t, c.zone)
			anchor := lt(t, "2026-01-01T"+c.handoff)
			s := rotation(t, c.zone, anchor.String(), Days(1), people...)
			wall := func(x time.Time) time.Time { // the wall clock at x, as naive UTC
				l := x.In(loc)
				return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
			}
			oracle := func(at time.Time) []string {
				// The highest wall clock shown up to at and the lowest shown
				// after it; offsets change by at most an hour here, and
				// handoffs are on whole minutes.
				now, hi, lo := wall(at), wall(at), wall(at.Add(time.Minute))
				for m := 1; m <= 60; m++ {
					d := time.Duration(m) * time.Minute
					if w := wall(at.Add(-d)); w.After(hi) {
						hi = w
					}
					if w := wall(at.Add(d)); w.Before(lo) {
						lo = w
					}
				}
				var out []string
				day := time.Date(now.Year(), now.Month(), now.Day()-2, 0, 0, 0, 0, time.UTC)
				for range 5 {
					w := day.Add(time.Duration(anchor.Hour)*time.Hour + time.Duration(anchor.Minute)*time.Minute)
					next := w.AddDate(0, 0, 1)
					if !hi.Before(w) && (now.Before(next) || !lo.After(next)) {
						k := int(w.Sub(anchor.naive()).Hours()+0.5) / 24
						out = append(out, people[k%len(people)])
					}
					day = day.AddDate(0, 0, 1)
				}
				return out
			}
			from := ts(t, c.from)
			upcoming, err := s.Upcoming(from, 14)
			if err != nil {
				t.Fatal(err)
			}
			overlaps := 0
			for at := from; at.Before(from.Add(14 * 24 * time.Hour)); at = at.Add(5 * time.Minute) {
				got, err := s.OnCallAt(at)
				if err != nil {
					t.Fatal(err)
				}
				want := oracle(at)
				if !slices.Equal(got, want) {
					t.Fatalf("OnCallAt(%s) = %q, want %q", at.In(loc).Format(minuteLayout), got, want)
				}
				if u := coveringUsers(upcoming, at); !slices.Equal(u, want) {
					t.Fatalf("Upcoming at %s has %q, want %q", at.In(loc).Format(minuteLayout), u, want)
				}
				if len(want) > 1 {
					overlaps++
				}
			}
			// Fall-back weeks must have had their overlap; spring-forward
			// ones none.
			if fallBack := wall(from.Add(14*24*time.Hour)).Sub(wall(from)) < 14*24*time.Hour; fallBack != (overlaps > 0) {
				t.Errorf("%d samples with two people on call; fall-back week: %v", overlaps, fallBack)
			}
		})
	}
}

func coveringUsers(shifts []Shift, at time.Time) []string {
	var out []string
	for _, s := range shifts {
		if !at.Before(s.Start) && at.Before(s.End) {
			out = append(out, s.UserID)
		}
	}
	return out
}
