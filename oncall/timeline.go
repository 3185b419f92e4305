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
// is on call are absent. Shifts are sorted by start; two of them overlap
// only where several people are on call at once, which is where a
// wall-clock handoff falls in the repeated hour of a fall-back (DST rule 3).
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

// onCall is one person on call during an elementary interval, and why.
type onCall struct{ user, source string }

// timeline cuts [from, to) at every boundary of every layer segment and
// override, decides each elementary interval separately and merges.
func (c *compiled) timeline(from, to time.Time) []Shift {
	layers := make([]layerCursor, len(c.layers))
	for i := range c.layers {
		layers[i].segs = c.layers[i].segments(from, to)
	}
	bounds := c.boundaries(from, to, layers)
	var out []Shift
	open := map[string]int{} // user -> index in out of their latest shift
	for i := 0; i+1 < len(bounds); i++ {
		a, b := bounds[i], bounds[i+1]
		for _, p := range c.applyOverrides(a, topLayer(layers, a)) {
			if k, ok := open[p.user]; ok && out[k].End.Equal(a) {
				extend(&out[k], b, p.source)
				continue
			}
			open[p.user] = len(out)
			out = append(out, Shift{c.id, p.user, a.In(c.loc), b.In(c.loc), p.source})
		}
	}
	return out
}

// boundaries returns the sorted, unique instants where the answer may
// change within [from, to].
func (c *compiled) boundaries(from, to time.Time, layers []layerCursor) []time.Time {
	bounds := []time.Time{from, to}
	for _, l := range layers {
		for _, s := range l.segs {
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

// layerCursor walks one layer's segments (sorted by start, possibly
// overlapping) through increasing instants.
type layerCursor struct {
	segs   []segment
	next   int       // first segment not yet started
	active []segment // started and not ended, by start
}

// at returns the segments covering instant a, which must not decrease from
// call to call.
func (lc *layerCursor) at(a time.Time) []segment {
	for lc.next < len(lc.segs) && !lc.segs[lc.next].start.After(a) {
		lc.active = append(lc.active, lc.segs[lc.next])
		lc.next++
	}
	lc.active = slices.DeleteFunc(lc.active, func(s segment) bool { return !s.end.After(a) })
	return lc.active
}

// topLayer returns who the highest layer with someone at instant a has on
// call: usually one person, two during a fall-back handoff overlap (the
// outgoing one first). A person is listed once.
func topLayer(layers []layerCursor, a time.Time) []onCall {
	for i := len(layers) - 1; i >= 0; i-- {
		segs := layers[i].at(a)
		if len(segs) == 0 {
			continue
		}
		var out []onCall
		for _, s := range segs {
			if !slices.ContainsFunc(out, func(p onCall) bool { return p.user == s.user }) {
				out = append(out, onCall{s.user, s.source})
			}
		}
		return out
	}
	return nil
}

// applyOverrides applies the overrides active at instant a, in order, to
// people (which it may change): one without Replaces replaces everyone on
// call (or fills a gap), one with Replaces replaces only that person.
// Override bounds are boundaries, so an override covers a whole elementary
// interval or none of it.
func (c *compiled) applyOverrides(a time.Time, people []onCall) []onCall {
	for _, o := range c.overrides {
		if a.Before(o.Start) || !a.Before(o.End) {
			continue
		}
		by := onCall{o.UserID, OverrideLayer}
		if o.Replaces == "" {
			people = []onCall{by}
			continue
		}
		i := slices.IndexFunc(people, func(p onCall) bool { return p.user == o.Replaces })
		if i < 0 {
			continue
		}
		// The replacement takes the replaced person's place and is listed
		// once, should they already be on call beside them.
		people[i] = by
		for j := len(people) - 1; j >= 0; j-- {
			if j != i && people[j].user == o.UserID {
				people = slices.Delete(people, j, j+1)
			}
		}
	}
	return people
}

// extend lengthens a shift to end, adding source to its layer names.
func extend(sh *Shift, end time.Time, source string) {
	sh.End = end.In(sh.End.Location())
	if !slices.Contains(strings.Split(sh.Layer, "+"), source) {
		sh.Layer += "+" + source
	}
}

// OnCallAt returns the users on call at instant t (an empty slice if
// nobody): one person, or two during the overlap of a handoff in a
// fall-back's repeated hour (the outgoing one first). Escalation pages them
// all.
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
