package oncall

import (
	"fmt"
	"time"
)

// searchSpan bounds the zone transitions ResolveWallClock inspects around a
// wall-clock time. UTC offsets stay within about ±15h, so every instant that
// can show a given wall-clock time (and every transition that can skip it)
// lies well within two days of it.
const searchSpan = 2 * 24 * 60 * 60

// ResolveWallClock returns the instant at which the clocks of loc show the
// given wall-clock date and time. Out-of-range values are normalized like
// time.Date does (e.g. day 32 is the 1st of the next month).
//
// If the time occurs twice (clocks fall back), first selects the first
// occurrence, otherwise the last one is returned. If it does not occur
// (clocks spring forward over it), the result is the instant the clock jumps
// to, whatever first says: 02:30 on spring-forward day in America/New_York
// is 03:00 EDT. See the package documentation for which rule applies where.
//
// Unlike time.Date, whose choice in both cases is unspecified, the result is
// computed from loc's actual zone transitions (time.Time.ZoneBounds).
func ResolveWallClock(year int, month time.Month, day, hour, min int, loc *time.Location, first bool) time.Time {
	// Treat the wall clock as if it were UTC: instant = wall - offset.
	wall := time.Date(year, month, day, hour, min, 0, 0, time.UTC).Unix()
	var hits []int64
	t := time.Unix(wall-searchSpan, 0).In(loc)
	for {
		_, off := t.Zone()
		start, end := t.ZoneBounds()
		if c := wall - int64(off); inZone(c, start, end) {
			hits = append(hits, c)
		}
		if end.IsZero() || end.Unix() > wall+searchSpan {
			break
		}
		t = end.In(loc)
		if _, next := t.Zone(); inGap(wall, end.Unix(), off, next) {
			return t
		}
	}
	switch {
	case len(hits) == 0: // unreachable with real tzdata; stay total anyway
		_, off := time.Unix(wall, 0).In(loc).Zone()
		return time.Unix(wall-int64(off), 0).In(loc)
	case first:
		return time.Unix(hits[0], 0).In(loc)
	default:
		return time.Unix(hits[len(hits)-1], 0).In(loc)
	}
}

// inZone reports whether instant c (Unix seconds) lies in the zone period
// [start, end); zero bounds mean the period is unbounded on that side.
func inZone(c int64, start, end time.Time) bool {
	return (start.IsZero() || c >= start.Unix()) && (end.IsZero() || c < end.Unix())
}

// inGap reports whether wall (wall-clock seconds as if UTC) is skipped by the
// transition at instant tr from offset before to offset after: just before
// tr the clock reads tr+before, at tr it jumps to tr+after.
func inGap(wall, tr int64, before, after int) bool {
	return tr+int64(before) <= wall && wall < tr+int64(after)
}

// resolveNaive resolves a wall-clock time carried in a UTC time.Time (the
// representation used for calendar arithmetic in this package).
func resolveNaive(naive time.Time, loc *time.Location, first bool) time.Time {
	return ResolveWallClock(naive.Year(), naive.Month(), naive.Day(), naive.Hour(), naive.Minute(), loc, first)
}

// LocalTime is a wall-clock date and time (minute precision) without a zone;
// it gets its meaning from the schedule's time zone. The zero value means
// "not set".
type LocalTime struct {
	Year   int
	Month  time.Month
	Day    int
	Hour   int
	Minute int
}

const localLayout = "2006-01-02T15:04"

// ParseLocalTime parses "YYYY-MM-DDTHH:MM", e.g. "2026-03-08T09:00".
func ParseLocalTime(s string) (LocalTime, error) {
	t, err := time.Parse(localLayout, s)
	if err != nil {
		return LocalTime{}, fmt.Errorf("oncall: local time %q is not YYYY-MM-DDTHH:MM", s)
	}
	return LocalTime{t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute()}, nil
}

// String formats l as "YYYY-MM-DDTHH:MM" (the ParseLocalTime format).
func (l LocalTime) String() string {
	return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d", l.Year, int(l.Month), l.Day, l.Hour, l.Minute)
}

// IsZero reports whether l is unset.
func (l LocalTime) IsZero() bool { return l == LocalTime{} }

// naive carries l in a UTC time.Time so calendar arithmetic (AddDate, Add)
// is plain, DST-free math on the wall clock.
func (l LocalTime) naive() time.Time {
	return time.Date(l.Year, l.Month, l.Day, l.Hour, l.Minute, 0, 0, time.UTC)
}

// valid reports whether every field is in range (no normalization needed),
// so a typo like 30 February is reported rather than silently moved.
func (l LocalTime) valid() bool {
	n := l.naive()
	return n.Year() == l.Year && n.Month() == l.Month && n.Day() == l.Day &&
		n.Hour() == l.Hour && n.Minute() == l.Minute
}

// clock is a parsed "HH:MM" wall-clock time of day.
type clock struct{ hour, min int }

// parseClock accepts exactly "HH:MM" with HH 00-23 and MM 00-59.
func parseClock(s string) (clock, bool) {
	if len(s) != 5 || s[2] != ':' {
		return clock{}, false
	}
	h, okH := twoDigits(s[0:2])
	m, okM := twoDigits(s[3:5])
	if !okH || !okM || h > 23 || m > 59 {
		return clock{}, false
	}
	return clock{h, m}, true
}

func twoDigits(s string) (int, bool) {
	if s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// minutes returns minutes since midnight.
func (c clock) minutes() int { return c.hour*60 + c.min }

// on resolves this clock time on the civil date carried by day (naive).
func (c clock) on(day time.Time, loc *time.Location, first bool) time.Time {
	return ResolveWallClock(day.Year(), day.Month(), day.Day(), c.hour, c.min, loc, first)
}
