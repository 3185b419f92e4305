package oncall

import (
	"testing"
	"time"
)

func TestResolveWallClock(t *testing.T) {
	tests := []struct {
		name       string
		zone       string
		date       string // YYYY-MM-DDTHH:MM wall clock
		first      string // expected with first=true
		last       string // expected with first=false
		wantLength time.Duration
	}{
		{"NY ordinary", "America/New_York", "2026-07-01T09:00", "2026-07-01T09:00-04:00", "2026-07-01T09:00-04:00", 0},
		{"NY before gap", "America/New_York", "2026-03-08T01:59", "2026-03-08T01:59-05:00", "2026-03-08T01:59-05:00", 0},
		{"NY gap start", "America/New_York", "2026-03-08T02:00", "2026-03-08T03:00-04:00", "2026-03-08T03:00-04:00", 0},
		{"NY gap 02:30", "America/New_York", "2026-03-08T02:30", "2026-03-08T03:00-04:00", "2026-03-08T03:00-04:00", 0},
		{"NY after gap", "America/New_York", "2026-03-08T03:00", "2026-03-08T03:00-04:00", "2026-03-08T03:00-04:00", 0},
		{"NY ambiguous 01:00", "America/New_York", "2026-11-01T01:00", "2026-11-01T01:00-04:00", "2026-11-01T01:00-05:00", time.Hour},
		{"NY ambiguous 01:30", "America/New_York", "2026-11-01T01:30", "2026-11-01T01:30-04:00", "2026-11-01T01:30-05:00", time.Hour},
		{"NY after ambiguity", "America/New_York", "2026-11-01T02:00", "2026-11-01T02:00-05:00", "2026-11-01T02:00-05:00", 0},
		{"Berlin gap 02:30", "Europe/Berlin", "2026-03-29T02:30", "2026-03-29T03:00+02:00", "2026-03-29T03:00+02:00", 0},
		{"Berlin ambiguous 02:00", "Europe/Berlin", "2026-10-25T02:00", "2026-10-25T02:00+02:00", "2026-10-25T02:00+01:00", time.Hour},
		{"Berlin ambiguous 02:30", "Europe/Berlin", "2026-10-25T02:30", "2026-10-25T02:30+02:00", "2026-10-25T02:30+01:00", time.Hour},
		{"Berlin 03:00 after fall-back", "Europe/Berlin", "2026-10-25T03:00", "2026-10-25T03:00+01:00", "2026-10-25T03:00+01:00", 0},
		{"Sydney gap 02:30", "Australia/Sydney", "2026-10-04T02:30", "2026-10-04T03:00+11:00", "2026-10-04T03:00+11:00", 0},
		{"Sydney ambiguous 02:30", "Australia/Sydney", "2026-04-05T02:30", "2026-04-05T02:30+11:00", "2026-04-05T02:30+10:00", time.Hour},
		// Half-hour DST: gap 02:00-02:30, ambiguity 01:30-02:00.
		{"Lord Howe gap", "Australia/Lord_Howe", "2026-10-04T02:15", "2026-10-04T02:30+11:00", "2026-10-04T02:30+11:00", 0},
		{"Lord Howe ambiguous", "Australia/Lord_Howe", "2026-04-05T01:45", "2026-04-05T01:45+11:00", "2026-04-05T01:45+10:30", 30 * time.Minute},
		// Samoa skipped 30 December 2011 entirely: a whole-day gap.
		{"Apia skipped day", "Pacific/Apia", "2011-12-30T12:00", "2011-12-31T00:00+14:00", "2011-12-31T00:00+14:00", 0},
		{"UTC", "UTC", "2026-03-08T02:30", "2026-03-08T02:30Z", "2026-03-08T02:30Z", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustLoc(t, tt.zone)
			l := lt(t, tt.date)
			first := ResolveWallClock(l.Year, l.Month, l.Day, l.Hour, l.Minute, loc, true)
			last := ResolveWallClock(l.Year, l.Month, l.Day, l.Hour, l.Minute, loc, false)
			if !first.Equal(ts(t, tt.first)) || !last.Equal(ts(t, tt.last)) {
				t.Errorf("first=%s last=%s, want %s %s", first.Format(minuteLayout), last.Format(minuteLayout), tt.first, tt.last)
			}
			if got := last.Sub(first); got != tt.wantLength {
				t.Errorf("last-first = %s, want %s", got, tt.wantLength)
			}
			if first.Location() != loc {
				t.Errorf("result location %s, want %s", first.Location(), loc)
			}
		})
	}
}

func TestResolveWallClockNormalizes(t *testing.T) {
	loc := mustLoc(t, "Europe/Berlin")
	got := ResolveWallClock(2026, time.February, 30, 25, 0, loc, true)
	if want := ts(t, "2026-03-03T01:00+01:00"); !got.Equal(want) {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestResolveWallClockEveryMinute checks every minute of the DST change days
// against properties that do not use the resolver's own zone-walking: an
// existing time must read back as the same wall clock, with the first/last
// choice explained by the other occurrence an hour (or 30 minutes) away; a
// skipped time must resolve to the first instant whose wall clock is later.
func TestResolveWallClockEveryMinute(t *testing.T) {
	days := []struct{ zone, date string }{
		{"America/New_York", "2026-03-08"}, {"America/New_York", "2026-11-01"},
		{"Europe/Berlin", "2026-03-29"}, {"Europe/Berlin", "2026-10-25"},
		{"Australia/Sydney", "2026-10-04"}, {"Australia/Sydney", "2026-04-05"},
		{"Australia/Lord_Howe", "2026-10-04"}, {"Australia/Lord_Howe", "2026-04-05"},
	}
	for _, d := range days {
		loc := mustLoc(t, d.zone)
		day := lt(t, d.date+"T00:00").naive()
		for m := 0; m < 24*60; m++ {
			wall := day.Add(time.Duration(m) * time.Minute)
			checkResolved(t, loc, wall)
		}
	}
}

func checkResolved(t *testing.T, loc *time.Location, wall time.Time) {
	t.Helper()
	first := resolveNaive(wall, loc, true)
	last := resolveNaive(wall, loc, false)
	shows := func(x time.Time) time.Time {
		y, mo, d := x.In(loc).Date()
		return time.Date(y, mo, d, x.In(loc).Hour(), x.In(loc).Minute(), 0, 0, time.UTC)
	}
	if !shows(first).Equal(wall) { // skipped: must be the jump target
		if !first.Equal(last) || !shows(first).After(wall) || shows(first.Add(-time.Second)).After(wall) {
			t.Errorf("%s %s: gap resolved to %s/%s", loc, wall.Format(localLayout), first, last)
		}
		return
	}
	if !shows(last).Equal(wall) || last.Before(first) {
		t.Errorf("%s %s: first %s last %s", loc, wall.Format(localLayout), first, last)
	}
	for _, d := range []time.Duration{30 * time.Minute, time.Hour} {
		if shows(first.Add(-d)).Equal(wall) || shows(last.Add(d)).Equal(wall) {
			t.Errorf("%s %s: missed an occurrence (first %s last %s)", loc, wall.Format(localLayout), first, last)
		}
	}
}
