package oncall

import (
	"errors"
	"fmt"
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

// Unit is the calendar unit of a ShiftLength.
type Unit int

// Shift length units. The zero Unit is invalid so that a forgotten unit is
// reported by Validate rather than read as hours.
const (
	Hour Unit = iota + 1
	Day
	Week
)

// String returns "hour", "day" or "week".
func (u Unit) String() string {
	switch u {
	case Hour:
		return "hour"
	case Day:
		return "day"
	case Week:
		return "week"
	}
	return fmt.Sprintf("Unit(%d)", int(u))
}

// ShiftLength is a count of wall-clock units, e.g. {12, Hour} or {1, Week}.
type ShiftLength struct {
	Count int
	Unit  Unit
}

// Hours returns a shift length of n wall-clock hours.
func Hours(n int) ShiftLength { return ShiftLength{n, Hour} }

// Days returns a shift length of n days (same wall-clock handoff time).
func Days(n int) ShiftLength { return ShiftLength{n, Day} }

// Weeks returns a shift length of n weeks (same wall-clock handoff time).
func Weeks(n int) ShiftLength { return ShiftLength{n, Week} }

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
