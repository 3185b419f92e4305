package web

import (
	"fmt"
	"time"

	"github.com/warroom/warroom/oncall"
)

// rotationDays is how many days the on-call view shows.
const rotationDays = 14

// rotation is the on-call view of one schedule over rotationDays days
// from the midnight that starts today in the schedule's zone: one row per
// layer (its own rotation, as if it were alone), one for the overrides,
// and the final rotation the schedule resolves to (oncall.Schedule.Shifts:
// the rules are the schedule's, none is repeated here).
type rotation struct {
	Zone     string
	From, To time.Time
	Days     []rotationDay
	Rows     []rotationRow
	Final    rotationRow
}

// rotationDay is one column of the view. Shift is the clock change that
// day, if any ("clocks go forward 1h: CET to CEST"), so that a 23- or
// 25-hour day is never a surprise.
type rotationDay struct {
	Start       time.Time
	Left, Width float64 // percent of the view
	Shift       string
}

// rotationRow is a layer, the overrides or the final rotation.
type rotationRow struct {
	Name  string
	Spans []rotationSpan
}

// rotationSpan is one person's stretch of a row, placed on the view.
type rotationSpan struct {
	UserID      string
	Start, End  time.Time
	Layer       string
	Left, Width float64 // percent of the view
	// Hours is the length in hours, which differs from the wall-clock
	// difference across a clock change.
	Hours float64
}

// buildRotation lays out sc from the midnight of now's day in its zone.
func buildRotation(sc *oncall.Schedule, now time.Time) (*rotation, error) {
	loc, err := time.LoadLocation(sc.TimeZone)
	if err != nil {
		return nil, err
	}
	local := now.In(loc)
	day := func(i int) time.Time {
		return oncall.ResolveWallClock(local.Year(), local.Month(), local.Day()+i, 0, 0, loc, true)
	}
	v := &rotation{Zone: sc.TimeZone, From: day(0), To: day(rotationDays)}
	total := v.To.Sub(v.From)
	place := func(start, end time.Time) (left, width float64) {
		return 100 * float64(start.Sub(v.From)) / float64(total), 100 * float64(end.Sub(start)) / float64(total)
	}
	for i := range rotationDays {
		d := rotationDay{Start: day(i)}
		d.Left, d.Width = place(d.Start, day(i+1))
		d.Shift = clockChange(d.Start, day(i+1))
		v.Days = append(v.Days, d)
	}
	row := func(name string, shifts []oncall.Shift) rotationRow {
		r := rotationRow{Name: name}
		for _, sh := range shifts {
			s := rotationSpan{UserID: sh.UserID, Start: sh.Start.In(loc), End: sh.End.In(loc), Layer: sh.Layer,
				Hours: sh.End.Sub(sh.Start).Hours()}
			s.Left, s.Width = place(sh.Start, sh.End)
			r.Spans = append(r.Spans, s)
		}
		return r
	}
	for i, l := range sc.Layers {
		alone := oncall.Schedule{ID: sc.ID, TimeZone: sc.TimeZone, Layers: []oncall.Layer{l}}
		shifts, err := alone.Shifts(v.From, v.To)
		if err != nil {
			return nil, err
		}
		name := l.Name
		if name == "" {
			name = fmt.Sprintf("Layer %d", i+1)
		}
		v.Rows = append(v.Rows, row(name, shifts))
	}
	if len(sc.Overrides) > 0 {
		var shifts []oncall.Shift
		for _, o := range sc.Overrides {
			start, end := maxTime(o.Start, v.From), minTime(o.End, v.To)
			if end.After(start) {
				shifts = append(shifts, oncall.Shift{UserID: o.UserID, Start: start, End: end, Layer: oncall.OverrideLayer})
			}
		}
		v.Rows = append(v.Rows, row("Overrides", shifts))
	}
	final, err := sc.Shifts(v.From, v.To)
	if err != nil {
		return nil, err
	}
	v.Final = row("Final rotation", final)
	return v, nil
}

// clockChange describes the change of UTC offset between two instants,
// "" when there is none.
func clockChange(from, to time.Time) string {
	name1, off1 := from.Zone()
	name2, off2 := to.Zone()
	if off1 == off2 {
		return ""
	}
	d := time.Duration(off2-off1) * time.Second
	dir := "forward"
	if d < 0 {
		dir, d = "back", -d
	}
	return fmt.Sprintf("clocks go %s %s (%s to %s)", dir, shortHours(d), name1, name2)
}

// shortHours prints 1h, 30m or 1h30m.
func shortHours(d time.Duration) string {
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case m == 0:
		return fmt.Sprintf("%dh", h)
	case h == 0:
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dh%dm", h, m)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
