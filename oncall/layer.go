package oncall

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// compiledLayer is a validated Layer with its instants resolved.
type compiledLayer struct {
	name   string
	loc    *time.Location
	anchor time.Time // wall clock of shift 0, carried as UTC (naive)
	// Exactly one of days and step is set: days for shifts of a whole
	// number of days (wall clock), step for any other length (elapsed).
	days         int
	step         time.Duration
	participants []string
	start, end   time.Time // end is zero when the layer never ends
	restrictions []compiledRestriction
}

// compiledRestriction is a Restriction with parsed clocks.
type compiledRestriction struct {
	days       [7]bool
	start, end clock
}

// segment is a piece of time one user is on call, from a single source.
type segment struct {
	user       string
	start, end time.Time
	source     string // layer name or OverrideLayer
}

// span is a half-open interval [start, end).
type span struct{ start, end time.Time }

func compileLayer(l Layer, loc *time.Location) (compiledLayer, error) {
	if err := checkLayer(l); err != nil {
		return compiledLayer{}, err
	}
	c := compiledLayer{name: l.Name, loc: loc, anchor: l.Start.naive(), participants: l.Participants}
	if days, ok := l.Shift.wallDays(); ok {
		c.days = days
	} else {
		c.step = l.Shift.Duration()
	}
	c.start = resolveNaive(c.anchor, loc, true) // a start: first occurrence
	if !l.End.IsZero() {
		if !l.End.valid() {
			return compiledLayer{}, fmt.Errorf("end %s is not a valid date and time", l.End)
		}
		c.end = resolveNaive(l.End.naive(), loc, false) // an end: last occurrence
		if !c.end.After(c.start) {
			return compiledLayer{}, fmt.Errorf("end %s is not after start %s", l.End, l.Start)
		}
	}
	for i, r := range l.Restrictions {
		cr, err := compileRestriction(r)
		if err != nil {
			return compiledLayer{}, fmt.Errorf("restriction %d: %w", i, err)
		}
		c.restrictions = append(c.restrictions, cr)
	}
	return c, nil
}

// checkLayer validates the fields that need no parsing.
func checkLayer(l Layer) error {
	switch {
	case l.Name == "":
		return errors.New("name is required")
	case l.Name == OverrideLayer:
		return fmt.Errorf("name %q is reserved for overrides", OverrideLayer)
	case l.Start.IsZero():
		return errors.New("start is required")
	case !l.Start.valid():
		return fmt.Errorf("start %s is not a valid date and time", l.Start)
	}
	if err := l.Shift.check(); err != nil {
		return err
	}
	if len(l.Participants) == 0 {
		return errors.New("no participants")
	}
	if i := slices.Index(l.Participants, ""); i >= 0 {
		return fmt.Errorf("participant %d is empty", i)
	}
	return nil
}

func compileRestriction(r Restriction) (compiledRestriction, error) {
	var c compiledRestriction
	var ok bool
	if c.start, ok = parseClock(r.Start); !ok {
		return c, fmt.Errorf("start %q is not HH:MM (00:00-23:59)", r.Start)
	}
	if c.end, ok = parseClock(r.End); !ok {
		return c, fmt.Errorf("end %q is not HH:MM (00:00-23:59)", r.End)
	}
	for _, d := range r.Days {
		if d < time.Sunday || d > time.Saturday {
			return c, fmt.Errorf("invalid weekday %d", int(d))
		}
		c.days[d] = true
	}
	if len(r.Days) == 0 {
		c.days = [7]bool{true, true, true, true, true, true, true}
	}
	return c, nil
}

// shiftStart returns the instant shift k starts. A wall-clock shift starts
// at the first occurrence of its wall-clock time (DST rule 3); an elapsed
// one k lengths after the layer's start.
func (l *compiledLayer) shiftStart(k int) time.Time {
	if l.days == 0 {
		return l.start.Add(time.Duration(k) * l.step)
	}
	return resolveNaive(l.anchor.AddDate(0, 0, k*l.days), l.loc, true)
}

// shiftEnd returns the instant shift k ends. A wall-clock shift ends at the
// LAST occurrence of the next handoff's wall-clock time, so on fall-back day
// it overlaps the next shift, which starts at the first (DST rule 3); an
// elapsed shift ends where the next starts.
func (l *compiledLayer) shiftEnd(k int) time.Time {
	if l.days == 0 {
		return l.shiftStart(k + 1)
	}
	return resolveNaive(l.anchor.AddDate(0, 0, (k+1)*l.days), l.loc, false)
}

// indexAt returns the last shift starting at or before t (t >= l.start).
// Elapsed shifts divide exactly; wall-clock shifts are estimated from
// elapsed time, then corrected for DST and offset changes, which move
// starts by at most a few hours.
func (l *compiledLayer) indexAt(t time.Time) int {
	if l.days == 0 {
		return int(t.Sub(l.start) / l.step)
	}
	k := int(t.Sub(l.start) / (time.Duration(l.days) * 24 * time.Hour))
	for k > 0 && l.shiftStart(k).After(t) {
		k--
	}
	for !l.shiftStart(k + 1).After(t) {
		k++
	}
	return k
}

// rotation returns the layer's shifts clipped to [from, to) and to the
// layer's own start and end, ignoring restrictions, sorted by start.
// Consecutive wall-clock shifts overlap where a handoff falls in a
// fall-back's repeated hour; empty shifts (possible only where a whole day
// is skipped) are dropped.
func (l *compiledLayer) rotation(from, to time.Time) []segment {
	if from.Before(l.start) {
		from = l.start
	}
	if !l.end.IsZero() && l.end.Before(to) {
		to = l.end
	}
	if !from.Before(to) {
		return nil
	}
	k := l.indexAt(from)
	for k > 0 && l.shiftEnd(k-1).After(from) { // still on call at from
		k--
	}
	var out []segment
	for ; ; k++ {
		start := l.shiftStart(k)
		if !start.Before(to) {
			return out
		}
		if s, e := maxTime(start, from), minTime(l.shiftEnd(k), to); s.Before(e) {
			out = append(out, segment{l.participants[k%len(l.participants)], s, e, l.name})
		}
	}
}

// segments returns who this layer has on call in [from, to), sorted.
func (l *compiledLayer) segments(from, to time.Time) []segment {
	segs := l.rotation(from, to)
	if len(l.restrictions) == 0 || len(segs) == 0 {
		return segs
	}
	return intersect(segs, l.windows(from, to))
}

// windows returns the union of restriction windows touching [from, to).
// It starts one civil day early because a window crossing midnight may
// begin the day before from.
func (l *compiledLayer) windows(from, to time.Time) []span {
	y, m, d := from.In(l.loc).Date()
	day := time.Date(y, m, d-1, 0, 0, 0, 0, time.UTC)
	y, m, d = to.In(l.loc).Date()
	last := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	var out []span
	for ; !day.After(last); day = day.AddDate(0, 0, 1) {
		for _, r := range l.restrictions {
			if w, ok := r.window(day, l.loc); ok {
				out = append(out, w)
			}
		}
	}
	return union(out)
}

// window returns the window starting on the civil date day (naive), if any.
// Per the DST rules it starts at the first and ends at the last occurrence;
// a window entirely inside a spring-forward gap is empty.
func (r compiledRestriction) window(day time.Time, loc *time.Location) (span, bool) {
	if !r.days[day.Weekday()] {
		return span{}, false
	}
	endDay := day
	if r.end.minutes() <= r.start.minutes() {
		endDay = day.AddDate(0, 0, 1)
	}
	w := span{r.start.on(day, loc, true), r.end.on(endDay, loc, false)}
	return w, w.end.After(w.start)
}

// union sorts spans and merges overlapping or touching ones.
func union(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int { return a.start.Compare(b.start) })
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 && !s.start.After(out[n-1].end) {
			out[n-1].end = maxTime(out[n-1].end, s.end)
			continue
		}
		out = append(out, s)
	}
	return out
}

// intersect clips segments sorted by start (which may overlap) to sorted,
// disjoint windows; the result is sorted by start too.
func intersect(segs []segment, wins []span) []segment {
	var out []segment
	for _, s := range segs {
		i, _ := slices.BinarySearchFunc(wins, s.start, func(w span, t time.Time) int {
			if w.end.After(t) {
				return 1
			}
			return -1
		})
		for ; i < len(wins) && wins[i].start.Before(s.end); i++ {
			if lo, hi := maxTime(s.start, wins[i].start), minTime(s.end, wins[i].end); lo.Before(hi) {
				out = append(out, segment{s.user, lo, hi, s.source})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b segment) int { return a.start.Compare(b.start) })
	return out
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
