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
