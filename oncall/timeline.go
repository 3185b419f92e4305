package oncall

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Shift is a stretch of time one user is on call in the final, merged
// timeline of a schedule.
type Shift struct {
	ScheduleID string // lets per-user feeds mix schedules with unique UIDs
	UserID     string
	Start, End time.Time // [Start, End), in the schedule's zone
	// Layer is the layer name, or OverrideLayer. When adjacent pieces of
	// the same user from different sources are merged, their names are
	// joined with "+" in order of appearance, e.g. "base+override".
	Layer string
}

// Shifts returns the final timeline in [from, to): the highest layer with
// someone on call wins, overrides beat layers, shifts are clipped to
// [from, to) and adjacent shifts of the same user are merged. Times nobody
// is on call are absent. Shifts are sorted and never overlap.
func (s Schedule) Shifts(from, to time.Time) ([]Shift, error) {
	c, err := s.compile()
	if err != nil {
		return nil, err
	}
	// Drop monotonic readings so comparisons are purely on the instant.
	from, to = from.Round(0), to.Round(0)
	if to.Before(from) {
		return nil, fmt.Errorf("oncall: schedule %q: range end %s is before start %s",
			s.ID, to.UTC().Format(time.RFC3339), from.UTC().Format(time.RFC3339))
	}
	return c.timeline(from, to), nil
}

// timeline cuts [from, to) at every boundary of every layer segment and
// override, decides each elementary interval separately and merges.
func (c *compiled) timeline(from, to time.Time) []Shift {
	layers := make([][]segment, len(c.layers))
	for i := range c.layers {
		layers[i] = c.layers[i].segments(from, to)
	}
	bounds := c.boundaries(from, to, layers)
	cursors := make([]int, len(layers))
	var out []Shift
	for i := 0; i+1 < len(bounds); i++ {
		a, b := bounds[i], bounds[i+1]
		user, source := topLayer(layers, cursors, a)
		user, source = c.applyOverrides(a, user, source)
		if user != "" {
			out = appendMerged(out, Shift{c.id, user, a.In(c.loc), b.In(c.loc), source})
		}
	}
	return out
}

// boundaries returns the sorted, unique instants where the answer may
// change within [from, to].
func (c *compiled) boundaries(from, to time.Time, layers [][]segment) []time.Time {
	bounds := []time.Time{from, to}
	for _, segs := range layers {
		for _, s := range segs {
			bounds = append(bounds, s.start, s.end)
		}
	}
	for _, o := range c.overrides {
		for _, t := range []time.Time{o.Start, o.End} {
			if t.After(from) && t.Before(to) {
				bounds = append(bounds, t.Round(0))
			}
		}
	}
	slices.SortFunc(bounds, time.Time.Compare)
	return slices.CompactFunc(bounds, time.Time.Equal)
}

// topLayer returns who the highest layer with someone at instant a has on
// call. cursors[i] remembers how far layer i was scanned; it only moves
// forward because a increases from call to call.
func topLayer(layers [][]segment, cursors []int, a time.Time) (user, source string) {
	for i := len(layers) - 1; i >= 0; i-- {
		segs := layers[i]
		for cursors[i] < len(segs) && !segs[cursors[i]].end.After(a) {
			cursors[i]++
		}
		if k := cursors[i]; k < len(segs) && !segs[k].start.After(a) {
			return segs[k].user, segs[k].source
		}
	}
	return "", ""
}

// applyOverrides applies the overrides active at instant a, in order.
// Override bounds are boundaries, so an override covers a whole elementary
// interval or none of it.
func (c *compiled) applyOverrides(a time.Time, user, source string) (string, string) {
	for _, o := range c.overrides {
		if a.Before(o.Start) || !a.Before(o.End) {
			continue
		}
		if o.Replaces == "" || o.Replaces == user {
			user, source = o.UserID, OverrideLayer
		}
	}
	return user, source
}

// appendMerged appends s, extending the last shift instead if it is the
// same user and ends exactly where s starts.
func appendMerged(out []Shift, s Shift) []Shift {
	n := len(out)
	if n == 0 || out[n-1].UserID != s.UserID || !out[n-1].End.Equal(s.Start) {
		return append(out, s)
	}
	last := &out[n-1]
	last.End = s.End
	if !slices.Contains(strings.Split(last.Layer, "+"), s.Layer) {
		last.Layer += "+" + s.Layer
	}
	return out
}

// OnCallAt returns the users on call at instant t (an empty slice if
// nobody). The model puts at most one user on call at a time; the slice
// keeps callers independent of that.
func (s Schedule) OnCallAt(t time.Time) ([]string, error) {
	shifts, err := s.Shifts(t, t.Add(time.Nanosecond))
	if err != nil {
		return nil, err
	}
	users := make([]string, 0, len(shifts))
	for _, sh := range shifts {
		users = append(users, sh.UserID)
	}
	return users, nil
}

// UserShifts returns the shifts of one user in [from, to), e.g. for a
// per-user calendar feed.
func (s Schedule) UserShifts(userID string, from, to time.Time) ([]Shift, error) {
	shifts, err := s.Shifts(from, to)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(shifts, func(sh Shift) bool { return sh.UserID != userID }), nil
}

// Upcoming returns the timeline for the next days*24h from from, the "who
// is on call over the next N days" view.
func (s Schedule) Upcoming(from time.Time, days int) ([]Shift, error) {
	if days < 0 {
		return nil, fmt.Errorf("oncall: schedule %q: days must not be negative, got %d", s.ID, days)
	}
	return s.Shifts(from, from.Add(time.Duration(days)*24*time.Hour))
}
