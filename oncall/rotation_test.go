package oncall

import (
	"testing"
	"time"
)

// TestRotations pins exact handoff instants (with offsets) and lengths of
// single-layer rotations, including DST changes in four zones.
func TestRotations(t *testing.T) {
	ny, berlin, sydney := "America/New_York", "Europe/Berlin", "Australia/Sydney"
	abc := []string{"alice", "bob", "carol"}
	ab := []string{"alice", "bob"}
	tests := []struct {
		name     string
		zone     string
		start    string
		shift    ShiftLength
		people   []string
		from, to string
		want     []string
	}{
		{"weekly UTC", "UTC", "2026-01-05T09:00", Weeks(1), abc, "2026-01-05T09:00Z", "2026-02-02T09:00Z", []string{
			"alice 2026-01-05T09:00Z 2026-01-12T09:00Z 168h base",
			"bob 2026-01-12T09:00Z 2026-01-19T09:00Z 168h base",
			"carol 2026-01-19T09:00Z 2026-01-26T09:00Z 168h base",
			"alice 2026-01-26T09:00Z 2026-02-02T09:00Z 168h base",
		}},
		{"weekly clipped mid-shift", "UTC", "2026-01-05T09:00", Weeks(1), abc, "2026-01-20T00:00Z", "2026-01-27T00:00Z", []string{
			"carol 2026-01-20T00:00Z 2026-01-26T09:00Z 153h base",
			"alice 2026-01-26T09:00Z 2026-01-27T00:00Z 15h base",
		}},
		{"weekly NY across spring-forward, weeks after anchor", ny, "2026-01-05T09:00", Weeks(1), abc, "2026-03-02T09:00-05:00", "2026-03-16T09:00-04:00", []string{
			"carol 2026-03-02T09:00-05:00 2026-03-09T09:00-04:00 167h base",
			"alice 2026-03-09T09:00-04:00 2026-03-16T09:00-04:00 168h base",
		}},
		{"two-week shifts", "UTC", "2026-01-05T09:00", Weeks(2), ab, "2026-01-05T09:00Z", "2026-02-02T09:00Z", []string{
			"alice 2026-01-05T09:00Z 2026-01-19T09:00Z 336h base",
			"bob 2026-01-19T09:00Z 2026-02-02T09:00Z 336h base",
		}},
		{"daily NY 09:00 spring-forward", ny, "2026-03-06T09:00", Days(1), ab, "2026-03-06T09:00-05:00", "2026-03-09T09:00-04:00", []string{
			"alice 2026-03-06T09:00-05:00 2026-03-07T09:00-05:00 24h base",
			"bob 2026-03-07T09:00-05:00 2026-03-08T09:00-04:00 23h base",
			"alice 2026-03-08T09:00-04:00 2026-03-09T09:00-04:00 24h base",
		}},
		{"daily NY 09:00 fall-back", ny, "2026-10-30T09:00", Days(1), ab, "2026-10-30T09:00-04:00", "2026-11-02T09:00-05:00", []string{
			"alice 2026-10-30T09:00-04:00 2026-10-31T09:00-04:00 24h base",
			"bob 2026-10-31T09:00-04:00 2026-11-01T09:00-05:00 25h base",
			"alice 2026-11-01T09:00-05:00 2026-11-02T09:00-05:00 24h base",
		}},
		{"daily NY 02:30 handoff in the gap", ny, "2026-03-06T02:30", Days(1), ab, "2026-03-06T02:30-05:00", "2026-03-09T02:30-04:00", []string{
			"alice 2026-03-06T02:30-05:00 2026-03-07T02:30-05:00 24h base",
			"bob 2026-03-07T02:30-05:00 2026-03-08T03:00-04:00 23.5h base",
			"alice 2026-03-08T03:00-04:00 2026-03-09T02:30-04:00 23.5h base",
		}},
		// Rule 3: bob's shift ends at the last 01:30, alice's starts at the
		// first; both are on call for the hour in between.
		{"daily NY 01:30 handoff in the ambiguous hour", ny, "2026-10-30T01:30", Days(1), ab, "2026-10-30T01:30-04:00", "2026-11-02T01:30-05:00", []string{
			"alice 2026-10-30T01:30-04:00 2026-10-31T01:30-04:00 24h base",
			"bob 2026-10-31T01:30-04:00 2026-11-01T01:30-05:00 25h base",
			"alice 2026-11-01T01:30-04:00 2026-11-02T01:30-05:00 25h base",
		}},
		{"daily Berlin 09:00 spring-forward", berlin, "2026-03-27T09:00", Days(1), ab, "2026-03-27T09:00+01:00", "2026-03-30T09:00+02:00", []string{
			"alice 2026-03-27T09:00+01:00 2026-03-28T09:00+01:00 24h base",
			"bob 2026-03-28T09:00+01:00 2026-03-29T09:00+02:00 23h base",
			"alice 2026-03-29T09:00+02:00 2026-03-30T09:00+02:00 24h base",
		}},
		{"daily Berlin 09:00 fall-back", berlin, "2026-10-23T09:00", Days(1), ab, "2026-10-23T09:00+02:00", "2026-10-26T09:00+01:00", []string{
			"alice 2026-10-23T09:00+02:00 2026-10-24T09:00+02:00 24h base",
			"bob 2026-10-24T09:00+02:00 2026-10-25T09:00+01:00 25h base",
			"alice 2026-10-25T09:00+01:00 2026-10-26T09:00+01:00 24h base",
		}},
		{"daily Berlin 02:30 handoff in the gap", berlin, "2026-03-27T02:30", Days(1), ab, "2026-03-27T02:30+01:00", "2026-03-30T02:30+02:00", []string{
			"alice 2026-03-27T02:30+01:00 2026-03-28T02:30+01:00 24h base",
			"bob 2026-03-28T02:30+01:00 2026-03-29T03:00+02:00 23.5h base",
			"alice 2026-03-29T03:00+02:00 2026-03-30T02:30+02:00 23.5h base",
		}},
		{"daily Berlin 02:30 handoff in the ambiguous hour", berlin, "2026-10-23T02:30", Days(1), ab, "2026-10-23T02:30+02:00", "2026-10-26T02:30+01:00", []string{
			"alice 2026-10-23T02:30+02:00 2026-10-24T02:30+02:00 24h base",
			"bob 2026-10-24T02:30+02:00 2026-10-25T02:30+01:00 25h base",
			"alice 2026-10-25T02:30+02:00 2026-10-26T02:30+01:00 25h base",
		}},
		{"daily Sydney 02:30 spring-forward (October)", sydney, "2026-10-02T02:30", Days(1), ab, "2026-10-02T02:30+10:00", "2026-10-05T02:30+11:00", []string{
			"alice 2026-10-02T02:30+10:00 2026-10-03T02:30+10:00 24h base",
			"bob 2026-10-03T02:30+10:00 2026-10-04T03:00+11:00 23.5h base",
			"alice 2026-10-04T03:00+11:00 2026-10-05T02:30+11:00 23.5h base",
		}},
		{"daily Sydney 02:30 fall-back (April)", sydney, "2026-04-03T02:30", Days(1), ab, "2026-04-03T02:30+11:00", "2026-04-06T02:30+10:00", []string{
			"alice 2026-04-03T02:30+11:00 2026-04-04T02:30+11:00 24h base",
			"bob 2026-04-04T02:30+11:00 2026-04-05T02:30+10:00 25h base",
			"alice 2026-04-05T02:30+11:00 2026-04-06T02:30+10:00 25h base",
		}},
		// Half-hour DST: the 01:45 handoff is ambiguous for 30 minutes.
		{"daily Lord Howe 01:45 fall-back", "Australia/Lord_Howe", "2026-04-04T01:45", Days(1), ab, "2026-04-04T01:45+11:00", "2026-04-06T01:45+10:30", []string{
			"alice 2026-04-04T01:45+11:00 2026-04-05T01:45+10:30 24.5h base",
			"bob 2026-04-05T01:45+11:00 2026-04-06T01:45+10:30 24.5h base",
		}},
		{"daily Lord Howe 02:15 spring-forward", "Australia/Lord_Howe", "2026-10-03T02:15", Days(1), ab, "2026-10-03T02:15+10:30", "2026-10-05T02:15+11:00", []string{
			"alice 2026-10-03T02:15+10:30 2026-10-04T02:30+11:00 23.75h base",
			"bob 2026-10-04T02:30+11:00 2026-10-05T02:15+11:00 23.75h base",
		}},
		{"weekly NY 01:30 fall-back overlap", ny, "2026-10-25T01:30", Weeks(1), ab, "2026-10-25T01:30-04:00", "2026-11-08T01:30-05:00", []string{
			"alice 2026-10-25T01:30-04:00 2026-11-01T01:30-05:00 169h base",
			"bob 2026-11-01T01:30-04:00 2026-11-08T01:30-05:00 169h base",
		}},
		// Lengths that are not whole days are elapsed time: every shift
		// lasts exactly its length and handoffs move on the wall clock.
		{"hourly NY spring-forward", ny, "2026-03-08T00:00", Hours(1), abc, "2026-03-08T00:00-05:00", "2026-03-08T05:00-04:00", []string{
			"alice 2026-03-08T00:00-05:00 2026-03-08T01:00-05:00 1h base",
			"bob 2026-03-08T01:00-05:00 2026-03-08T03:00-04:00 1h base",
			"carol 2026-03-08T03:00-04:00 2026-03-08T04:00-04:00 1h base",
			"alice 2026-03-08T04:00-04:00 2026-03-08T05:00-04:00 1h base",
		}},
		{"hourly NY fall-back", ny, "2026-11-01T00:00", Hours(1), abc, "2026-11-01T00:00-04:00", "2026-11-01T04:00-05:00", []string{
			"alice 2026-11-01T00:00-04:00 2026-11-01T01:00-04:00 1h base",
			"bob 2026-11-01T01:00-04:00 2026-11-01T01:00-05:00 1h base",
			"carol 2026-11-01T01:00-05:00 2026-11-01T02:00-05:00 1h base",
			"alice 2026-11-01T02:00-05:00 2026-11-01T03:00-05:00 1h base",
			"bob 2026-11-01T03:00-05:00 2026-11-01T04:00-05:00 1h base",
		}},
		{"hourly Berlin spring-forward", berlin, "2026-03-29T00:00", Hours(1), abc, "2026-03-29T00:00+01:00", "2026-03-29T05:00+02:00", []string{
			"alice 2026-03-29T00:00+01:00 2026-03-29T01:00+01:00 1h base",
			"bob 2026-03-29T01:00+01:00 2026-03-29T03:00+02:00 1h base",
			"carol 2026-03-29T03:00+02:00 2026-03-29T04:00+02:00 1h base",
			"alice 2026-03-29T04:00+02:00 2026-03-29T05:00+02:00 1h base",
		}},
		{"hourly Berlin fall-back", berlin, "2026-10-25T00:00", Hours(1), abc, "2026-10-25T00:00+02:00", "2026-10-25T04:00+01:00", []string{
			"alice 2026-10-25T00:00+02:00 2026-10-25T01:00+02:00 1h base",
			"bob 2026-10-25T01:00+02:00 2026-10-25T02:00+02:00 1h base",
			"carol 2026-10-25T02:00+02:00 2026-10-25T02:00+01:00 1h base",
			"alice 2026-10-25T02:00+01:00 2026-10-25T03:00+01:00 1h base",
			"bob 2026-10-25T03:00+01:00 2026-10-25T04:00+01:00 1h base",
		}},
		{"12h Berlin spring-forward", berlin, "2026-03-28T08:00", Hours(12), ab, "2026-03-28T08:00+01:00", "2026-03-30T09:00+02:00", []string{
			"alice 2026-03-28T08:00+01:00 2026-03-28T20:00+01:00 12h base",
			"bob 2026-03-28T20:00+01:00 2026-03-29T09:00+02:00 12h base",
			"alice 2026-03-29T09:00+02:00 2026-03-29T21:00+02:00 12h base",
			"bob 2026-03-29T21:00+02:00 2026-03-30T09:00+02:00 12h base",
		}},
		{"12h NY fall-back", ny, "2026-10-31T20:00", Hours(12), ab, "2026-10-31T20:00-04:00", "2026-11-01T19:00-05:00", []string{
			"alice 2026-10-31T20:00-04:00 2026-11-01T07:00-05:00 12h base",
			"bob 2026-11-01T07:00-05:00 2026-11-01T19:00-05:00 12h base",
		}},
		{"90m NY fall-back", ny, "2026-11-01T00:00", Minutes(90), abc, "2026-11-01T00:00-04:00", "2026-11-01T03:00-05:00", []string{
			"alice 2026-11-01T00:00-04:00 2026-11-01T01:30-04:00 1.5h base",
			"bob 2026-11-01T01:30-04:00 2026-11-01T02:00-05:00 1.5h base",
			"carol 2026-11-01T02:00-05:00 2026-11-01T03:00-05:00 1h base",
		}},
		{"90m Berlin spring-forward", berlin, "2026-03-29T00:00", Minutes(90), ab, "2026-03-29T00:00+01:00", "2026-03-29T06:00+02:00", []string{
			"alice 2026-03-29T00:00+01:00 2026-03-29T01:30+01:00 1.5h base",
			"bob 2026-03-29T01:30+01:00 2026-03-29T04:00+02:00 1.5h base",
			"alice 2026-03-29T04:00+02:00 2026-03-29T05:30+02:00 1.5h base",
			"bob 2026-03-29T05:30+02:00 2026-03-29T06:00+02:00 0.5h base",
		}},
		{"36h Berlin across fall-back", berlin, "2026-10-24T08:00", Hours(36), ab, "2026-10-24T08:00+02:00", "2026-10-27T19:00+01:00", []string{
			"alice 2026-10-24T08:00+02:00 2026-10-25T19:00+01:00 36h base",
			"bob 2026-10-25T19:00+01:00 2026-10-27T07:00+01:00 36h base",
			"alice 2026-10-27T07:00+01:00 2026-10-27T19:00+01:00 12h base",
		}},
		// Whole days follow the wall clock, whatever the unit.
		{"10d NY across spring-forward", ny, "2026-03-01T09:00", Days(10), ab, "2026-03-01T09:00-05:00", "2026-03-21T09:00-04:00", []string{
			"alice 2026-03-01T09:00-05:00 2026-03-11T09:00-04:00 239h base",
			"bob 2026-03-11T09:00-04:00 2026-03-21T09:00-04:00 240h base",
		}},
		{"24h is a wall-clock day", berlin, "2026-10-24T02:30", Hours(24), ab, "2026-10-24T02:30+02:00", "2026-10-26T02:30+01:00", []string{
			"alice 2026-10-24T02:30+02:00 2026-10-25T02:30+01:00 25h base",
			"bob 2026-10-25T02:30+02:00 2026-10-26T02:30+01:00 25h base",
		}},
		{"2880m is two wall-clock days", ny, "2026-03-07T09:00", Minutes(2880), ab, "2026-03-07T09:00-05:00", "2026-03-11T09:00-04:00", []string{
			"alice 2026-03-07T09:00-05:00 2026-03-09T09:00-04:00 47h base",
			"bob 2026-03-09T09:00-04:00 2026-03-11T09:00-04:00 48h base",
		}},
		{"before the layer starts nobody is on call", "UTC", "2026-01-05T09:00", Days(1), ab, "2026-01-04T00:00Z", "2026-01-06T00:00Z", []string{
			"alice 2026-01-05T09:00Z 2026-01-06T00:00Z 15h base",
		}},
		{"same user in consecutive shifts is merged", "UTC", "2026-01-01T00:00", Days(1), []string{"alice", "alice", "bob"}, "2026-01-01T00:00Z", "2026-01-04T00:00Z", []string{
			"alice 2026-01-01T00:00Z 2026-01-03T00:00Z 48h base",
			"bob 2026-01-03T00:00Z 2026-01-04T00:00Z 24h base",
		}},
		{"empty range", "UTC", "2026-01-01T00:00", Days(1), ab, "2026-01-02T00:00Z", "2026-01-02T00:00Z", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := rotation(t, tt.zone, tt.start, tt.shift, tt.people...)
			got, err := s.Shifts(ts(t, tt.from), ts(t, tt.to))
			if err != nil {
				t.Fatal(err)
			}
			assertLines(t, render(got, mustLoc(t, tt.zone)), tt.want)
		})
	}
}

func TestLayerEnd(t *testing.T) {
	// The layer ends at 01:30 on fall-back day, an end: last occurrence.
	s := rotation(t, "America/New_York", "2026-10-31T00:00", Days(1), "alice")
	s.Layers[0].End = lt(t, "2026-11-01T01:30")
	got, err := s.Shifts(ts(t, "2026-10-30T00:00-04:00"), ts(t, "2026-11-02T00:00-05:00"))
	if err != nil {
		t.Fatal(err)
	}
	assertLines(t, render(got, mustLoc(t, "America/New_York")), []string{
		"alice 2026-10-31T00:00-04:00 2026-11-01T01:30-05:00 26.5h base",
	})
}

// TestRestrictionDST pins restriction windows over DST changes: starts use
// the first, ends the last occurrence; windows inside a gap vanish.
func TestRestrictionDST(t *testing.T) {
	tests := []struct {
		name     string
		zone     string
		r        Restriction
		from, to string
		want     []string
	}{
		{"Berlin window inside the ambiguous hour", "Europe/Berlin", Restriction{Start: "02:15", End: "02:45"},
			"2026-10-24T00:00+02:00", "2026-10-26T00:00+01:00", []string{
				"alice 2026-10-24T02:15+02:00 2026-10-24T02:45+02:00 0.5h base",
				"alice 2026-10-25T02:15+02:00 2026-10-25T02:45+01:00 1.5h base",
			}},
		{"Berlin window inside the gap is empty", "Europe/Berlin", Restriction{Start: "02:15", End: "02:45"},
			"2026-03-28T00:00+01:00", "2026-03-31T00:00+02:00", []string{
				"alice 2026-03-28T02:15+01:00 2026-03-28T02:45+01:00 0.5h base",
				"alice 2026-03-30T02:15+02:00 2026-03-30T02:45+02:00 0.5h base",
			}},
		{"NY overnight window over fall-back", "America/New_York", Restriction{Days: []time.Weekday{time.Saturday}, Start: "22:00", End: "01:30"},
			"2026-10-30T00:00-04:00", "2026-11-03T00:00-05:00", []string{
				"alice 2026-10-31T22:00-04:00 2026-11-01T01:30-05:00 4.5h base",
			}},
		{"NY overnight window ending in the gap", "America/New_York", Restriction{Days: []time.Weekday{time.Saturday}, Start: "22:00", End: "02:30"},
			"2026-03-06T00:00-05:00", "2026-03-10T00:00-04:00", []string{
				"alice 2026-03-07T22:00-05:00 2026-03-08T03:00-04:00 4h base",
			}},
		{"Sydney window 01:00-03:00 over fall-back", "Australia/Sydney", Restriction{Start: "01:00", End: "03:00"},
			"2026-04-05T00:00+11:00", "2026-04-06T00:00+10:00", []string{
				"alice 2026-04-05T01:00+11:00 2026-04-05T03:00+10:00 3h base",
			}},
		{"window starting the day before from is clipped", "UTC", Restriction{Start: "22:00", End: "06:00"},
			"2026-01-02T00:00Z", "2026-01-02T12:00Z", []string{
				"alice 2026-01-02T00:00Z 2026-01-02T06:00Z 6h base",
			}},
		{"Start == End is a 24h window", "UTC", Restriction{Days: []time.Weekday{time.Monday}, Start: "08:00", End: "08:00"},
			"2026-01-04T00:00Z", "2026-01-07T00:00Z", []string{
				"alice 2026-01-05T08:00Z 2026-01-06T08:00Z 24h base",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := rotation(t, tt.zone, "2026-01-01T00:00", Days(1), "alice")
			s.Layers[0].Restrictions = []Restriction{tt.r}
			got, err := s.Shifts(ts(t, tt.from), ts(t, tt.to))
			if err != nil {
				t.Fatal(err)
			}
			assertLines(t, render(got, mustLoc(t, tt.zone)), tt.want)
		})
	}
}
