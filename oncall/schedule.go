package oncall

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// OverrideLayer is the Shift.Layer value of time covered by an override. It
// is reserved: no layer may use it as its name.
const OverrideLayer = "override"

// Schedule is an on-call schedule in one IANA time zone.
type Schedule struct {
	ID       string
	Name     string
	TimeZone string // IANA name, e.g. "Europe/Berlin"; "Local" is rejected
	// Layers are ordered by priority: a later layer beats an earlier one
	// wherever it has someone on call.
	Layers []Layer
	// Overrides beat all layers; a later override beats an earlier one.
	Overrides []Override
}

// Layer is one rotation of participants.
type Layer struct {
	Name string
	// Start is the wall-clock start of the first shift (the rotation
	// anchor) in the schedule's zone. Before it the layer has nobody.
	Start LocalTime
	// End optionally ends the layer (wall clock, last occurrence if
	// ambiguous); the zero value means the layer never ends.
	End          LocalTime
	Shift        ShiftLength
	Participants []string // user IDs, on call in this order, repeating
	// Restrictions limit when the layer has anyone on call; empty means
	// always. Outside all windows the layer has nobody.
	Restrictions []Restriction
}

// Unit is the unit of a ShiftLength's Count.
type Unit int

// Shift length units. The zero Unit is invalid so that a forgotten unit is
// reported by Validate rather than read as hours. Schedules are stored with
// these numbers, so new units are only ever appended.
const (
	Hour Unit = iota + 1
	Day
	Week
	Minute
)

// String returns "minute", "hour", "day" or "week".
func (u Unit) String() string {
	switch u {
	case Minute:
		return "minute"
	case Hour:
		return "hour"
	case Day:
		return "day"
	case Week:
		return "week"
	}
	return fmt.Sprintf("Unit(%d)", int(u))
}

// unitLength is the nominal length of one unit (a day counts 24h).
var unitLength = map[Unit]time.Duration{Minute: time.Minute, Hour: time.Hour, Day: 24 * time.Hour, Week: 7 * 24 * time.Hour}

// The bounds of a shift length: shorter shifts are certainly a mistake (and
// would make a feed of millions of events), longer ones would overflow the
// arithmetic. 9999w was always the longest the API accepted.
const (
	MinShift = time.Minute
	MaxShift = 9999 * 7 * 24 * time.Hour
)

// ShiftLength is how long each shift of a rotation lasts: Count units, e.g.
// {90, Minute}, {12, Hour}, {10, Day} or {2, Week}. What matters is the
// total: a whole number of days (1d, 2w, but also 24h or 2880m) hands over
// at the same wall-clock time every time, any other length (90m, 12h, 36h)
// is elapsed time. See the package documentation.
type ShiftLength struct {
	Count int
	Unit  Unit
}

// Minutes returns a shift length of n minutes (elapsed time).
func Minutes(n int) ShiftLength { return ShiftLength{n, Minute} }

// Hours returns a shift length of n hours (elapsed time unless n is a
// multiple of 24).
func Hours(n int) ShiftLength { return ShiftLength{n, Hour} }

// Days returns a shift length of n days (same wall-clock handoff time).
func Days(n int) ShiftLength { return ShiftLength{n, Day} }

// Weeks returns a shift length of n weeks (same wall-clock handoff time).
func Weeks(n int) ShiftLength { return ShiftLength{n, Week} }

// Duration is the nominal length, counting a day as 24h; shifts of a whole
// number of days last an hour more or less across a DST change. It is 0
// when l is invalid.
func (l ShiftLength) Duration() time.Duration {
	if l.check() != nil {
		return 0
	}
	return time.Duration(l.Count) * unitLength[l.Unit]
}

// wallDays returns the length in days when it is a whole number of days:
// such shifts follow the wall clock.
func (l ShiftLength) wallDays() (int, bool) {
	d := l.Duration()
	if d == 0 || d%(24*time.Hour) != 0 {
		return 0, false
	}
	return int(d / (24 * time.Hour)), true
}

// String formats l in its largest whole unit, the ParseShiftLength format:
// "90m", "36h", "10d", "2w"; {24, Hour} is "1d", since it follows the wall
// clock like one.
func (l ShiftLength) String() string {
	d := l.Duration()
	if d == 0 {
		return fmt.Sprintf("%d %v", l.Count, l.Unit)
	}
	return formatShift(d)
}

func formatShift(d time.Duration) string {
	for _, u := range []struct {
		suffix string
		unit   Unit
	}{{"w", Week}, {"d", Day}, {"h", Hour}} {
		if d%unitLength[u.unit] == 0 {
			return fmt.Sprintf("%d%s", d/unitLength[u.unit], u.suffix)
		}
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}

// check validates a shift length on its own.
func (l ShiftLength) check() error {
	unit, ok := unitLength[l.Unit]
	switch {
	case !ok:
		return fmt.Errorf("unknown shift unit %d (use Minute, Hour, Day or Week)", int(l.Unit))
	case l.Count == 0:
		return errors.New("shift length is zero; it must be at least 1m")
	case l.Count < 0:
		return fmt.Errorf("shift length %d %ss is negative; it must be at least 1m", l.Count, l.Unit)
	case int64(l.Count) > int64(MaxShift/unit):
		return fmt.Errorf("shift length %d %ss is longer than the maximum %s", l.Count, l.Unit, formatShift(MaxShift))
	}
	return nil
}

var shiftDays = regexp.MustCompile(`^([+-]?)([0-9]+)\s*([dw])$`)

// ParseShiftLength parses a shift length: a count of days or weeks ("10d",
// "2w") or a Go duration of hours and minutes ("90m", "12h", "1h30m",
// "36h"). The result is in its largest whole unit ("48h" is 2 days, which
// hand over at the same wall-clock time). Errors say what is wrong: empty,
// unparsable, zero, negative, shorter than MinShift, not whole minutes, or
// longer than MaxShift.
func ParseShiftLength(s string) (ShiftLength, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	if in == "" {
		return ShiftLength{}, errors.New("oncall: shift length is required: a length like 90m, 12h, 1d or 2w")
	}
	var d time.Duration
	if m := shiftDays.FindStringSubmatch(in); m != nil {
		unit := unitLength[Day]
		if m[3] == "w" {
			unit = unitLength[Week]
		}
		n, err := strconv.ParseInt(m[2], 10, 64)
		if err != nil || n > int64(MaxShift/unit) {
			return ShiftLength{}, fmt.Errorf("oncall: shift length %q is longer than the maximum %s", s, formatShift(MaxShift))
		}
		d = time.Duration(n) * unit
		if m[1] == "-" {
			d = -d
		}
	} else {
		var err error
		if d, err = time.ParseDuration(in); err != nil {
			return ShiftLength{}, fmt.Errorf("oncall: shift length %q is not a length like 90m, 12h, 1h30m, 1d or 2w (units m, h, d, w)", s)
		}
	}
	switch {
	case d == 0:
		return ShiftLength{}, fmt.Errorf("oncall: shift length %q is zero; it must be at least %s", s, formatShift(MinShift))
	case d < 0:
		return ShiftLength{}, fmt.Errorf("oncall: shift length %q is negative; it must be at least %s", s, formatShift(MinShift))
	case d < MinShift:
		return ShiftLength{}, fmt.Errorf("oncall: shift length %q is shorter than the minimum %s", s, formatShift(MinShift))
	case d%time.Minute != 0:
		return ShiftLength{}, fmt.Errorf("oncall: shift length %q is not a whole number of minutes", s)
	case d > MaxShift:
		return ShiftLength{}, fmt.Errorf("oncall: shift length %q is longer than the maximum %s", s, formatShift(MaxShift))
	}
	for _, u := range []Unit{Week, Day, Hour} {
		if d%unitLength[u] == 0 {
			return ShiftLength{int(d / unitLength[u]), u}, nil
		}
	}
	return ShiftLength{int(d / time.Minute), Minute}, nil
}

// Restriction is a daily wall-clock window in the schedule's zone.
type Restriction struct {
	// Days on which a window starts; empty means every day. A window
	// crossing midnight belongs to the day it starts on.
	Days []time.Weekday
	// Start and End are "HH:MM". End <= Start means the window crosses
	// midnight (End == Start: a 24h window).
	Start, End string
}

// Override puts UserID on call during [Start, End).
type Override struct {
	UserID     string
	Start, End time.Time
	// Replaces, if set, limits the override to times when that user is on
	// call; empty replaces whoever is on call (or fills a gap).
	Replaces string
}

// Validate reports the first problem that would make the schedule
// unusable, with a message naming the offending layer, restriction or
// override.
func (s Schedule) Validate() error {
	_, err := s.compile()
	return err
}

// compiled is a validated schedule with zone and clocks parsed, shared by
// Validate and the queries so they can never disagree.
type compiled struct {
	id        string
	loc       *time.Location
	layers    []compiledLayer
	overrides []Override
}

func (s Schedule) compile() (*compiled, error) {
	wrap := func(err error) error { return fmt.Errorf("oncall: schedule %q: %w", s.ID, err) }
	loc, err := loadZone(s.TimeZone)
	if err != nil {
		return nil, wrap(err)
	}
	c := &compiled{id: s.ID, loc: loc, overrides: s.Overrides}
	for i, l := range s.Layers {
		cl, err := compileLayer(l, loc)
		if err != nil {
			return nil, wrap(fmt.Errorf("layer %d (%q): %w", i, l.Name, err))
		}
		c.layers = append(c.layers, cl)
	}
	for i, o := range s.Overrides {
		if err := o.validate(); err != nil {
			return nil, wrap(fmt.Errorf("override %d (user %q): %w", i, o.UserID, err))
		}
	}
	return c, nil
}

func loadZone(name string) (*time.Location, error) {
	switch name {
	case "":
		return nil, errors.New("time zone is required")
	case "Local":
		// time.LoadLocation("Local") is the server's zone, which would make
		// the schedule change meaning when the server moves.
		return nil, errors.New(`time zone "Local" is not allowed; use an IANA name`)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return loc, nil
}

func (o Override) validate() error {
	switch {
	case o.UserID == "":
		return errors.New("user ID is required")
	case o.Start.IsZero() || o.End.IsZero():
		return errors.New("start and end are required")
	case !o.End.After(o.Start):
		return fmt.Errorf("end %s is not after start %s",
			o.End.UTC().Format(time.RFC3339), o.Start.UTC().Format(time.RFC3339))
	}
	return nil
}
