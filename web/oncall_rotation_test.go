package web

import (
	"testing"
	"time"

	"github.com/warroom/warroom/oncall"
)

// TestRotationAcrossDST: the 14 days around Europe/Berlin's spring
// forward show the 23-hour day and its clock change, the layer's own
// rotation, and the final one with the override on top.
func TestRotationAcrossDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	start, _ := oncall.ParseLocalTime("2026-03-23T09:00")
	sc := &oncall.Schedule{ID: "s1", Name: "primary", TimeZone: "Europe/Berlin",
		Layers: []oncall.Layer{{Name: "week", Start: start, Shift: oncall.Days(1), Participants: []string{"ada", "bob"}}},
		Overrides: []oncall.Override{{UserID: "carol",
			Start: time.Date(2026, 3, 30, 12, 0, 0, 0, berlin), End: time.Date(2026, 3, 30, 14, 0, 0, 0, berlin)}},
	}
	now := time.Date(2026, 3, 25, 15, 0, 0, 0, time.UTC)
	v, err := buildRotation(sc, now)
	if err != nil {
		t.Fatal(err)
	}
	if !v.From.Equal(time.Date(2026, 3, 25, 0, 0, 0, 0, berlin)) || len(v.Days) != rotationDays {
		t.Fatalf("from %v, %d days", v.From, len(v.Days))
	}
	var changes []string
	for _, d := range v.Days {
		if d.Shift != "" {
			changes = append(changes, d.Start.Format("Jan 2")+": "+d.Shift)
		}
	}
	if len(changes) != 1 || changes[0] != "Mar 29: clocks go forward 1h (CET to CEST)" {
		t.Fatalf("clock changes %q", changes)
	}
	if len(v.Rows) != 2 || v.Rows[0].Name != "week" || v.Rows[1].Name != "Overrides" {
		t.Fatalf("rows %+v", v.Rows)
	}
	// The shift from Mar 28 09:00 to Mar 29 09:00 lasts 23 hours.
	var short bool
	for _, s := range v.Rows[0].Spans {
		if s.Start.Day() == 28 && s.Start.Hour() == 9 {
			short = s.Hours == 23 && s.End.Hour() == 9
		}
	}
	if !short {
		t.Fatalf("no 23-hour shift on Mar 28 in %+v", v.Rows[0].Spans)
	}
	var carol bool
	for _, s := range v.Final.Spans {
		if s.UserID == "carol" {
			carol = s.Layer == oncall.OverrideLayer && s.Hours == 2
		}
	}
	if !carol {
		t.Fatalf("final rotation lacks the override: %+v", v.Final.Spans)
	}
	last := v.Days[len(v.Days)-1]
	if got := last.Left + last.Width; got < 99.999 || got > 100.001 {
		t.Fatalf("days cover %.3f%%", got)
	}
}
