package oncall

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the host's zoneinfo
)

// minuteLayout renders instants with their offset, so expectations pin both
// the instant and the zone offset in effect.
const minuteLayout = "2006-01-02T15:04Z07:00"

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// ts parses an RFC 3339 instant with explicit offset ("2026-03-08T03:00-04:00"
// is accepted with or without seconds), avoiding time.Date's unspecified DST
// behaviour in the tests themselves.
func ts(t testing.TB, s string) time.Time {
	t.Helper()
	for _, layout := range []string{minuteLayout, time.RFC3339} {
		if v, err := time.Parse(layout, s); err == nil {
			return v
		}
	}
	t.Fatalf("bad instant %q", s)
	return time.Time{}
}

func lt(t testing.TB, s string) LocalTime {
	t.Helper()
	v, err := ParseLocalTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// render formats shifts as "user start end duration layer" in loc.
func render(shifts []Shift, loc *time.Location) []string {
	out := []string{}
	for _, s := range shifts {
		out = append(out, fmt.Sprintf("%s %s %s %gh %s", s.UserID,
			s.Start.In(loc).Format(minuteLayout), s.End.In(loc).Format(minuteLayout),
			s.End.Sub(s.Start).Hours(), s.Layer))
	}
	return out
}

func assertLines(t testing.TB, got, want []string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("got:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// rotation builds a one-layer schedule named "base".
func rotation(t testing.TB, zone, start string, sl ShiftLength, people ...string) Schedule {
	return Schedule{ID: "s1", TimeZone: zone, Layers: []Layer{{
		Name: "base", Start: lt(t, start), Shift: sl, Participants: people,
	}}}
}
