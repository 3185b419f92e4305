package httpapi

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/oncall"
)

// scheduleJSON is an on-call schedule as the API reads and writes it: the
// fields of oncall.Schedule in the API's style (snake_case, times as
// text). In a request, people are user IDs or handles; in an answer,
// user IDs.
type scheduleJSON struct {
	ID        string         `json:"id,omitempty"`
	Name      string         `json:"name"`
	TimeZone  string         `json:"time_zone"`
	Layers    []layerJSON    `json:"layers"`
	Overrides []overrideJSON `json:"overrides"`
}

// layerJSON is one rotation: participants take turns in shifts of Shift
// (any length from 1m: "90m", "12h", "36h", "1d", "10d", "2w"; whole days
// hand over at the same wall-clock time, other lengths are elapsed time),
// the first starting at Start (wall clock of the schedule's zone,
// "2026-03-02T09:00"); End optionally ends the layer.
type layerJSON struct {
	Name         string            `json:"name"`
	Start        string            `json:"start"`
	End          string            `json:"end,omitempty"`
	Shift        string            `json:"shift"`
	Participants []string          `json:"participants"`
	Restrictions []restrictionJSON `json:"restrictions,omitempty"`
}

// restrictionJSON is a daily window ("09:00" to "17:00") on some days
// ("mon".."sun"; none: every day) outside which the layer has nobody.
type restrictionJSON struct {
	Days  []string `json:"days,omitempty"`
	Start string   `json:"start"`
	End   string   `json:"end"`
}

// overrideJSON puts User on call from Start to End, over whoever is on
// call, or only over Replaces when set.
type overrideJSON struct {
	User     string    `json:"user"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Replaces string    `json:"replaces,omitempty"`
}

var weekdays = map[string]time.Weekday{}

func init() {
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		weekdays[name], weekdays[name[:3]] = d, d
	}
}

// toSchedule converts a request into a schedule, resolving people with
// user (ID or handle to ID). Errors name the field at fault.
func (in scheduleJSON) toSchedule(ctx context.Context, user func(context.Context, string) (string, error)) (*oncall.Schedule, error) {
	sc := &oncall.Schedule{Name: strings.TrimSpace(in.Name), TimeZone: strings.TrimSpace(in.TimeZone)}
	switch {
	case sc.Name == "":
		return nil, warroom.Invalid("name", "name is required")
	case len(sc.Name) > 100:
		return nil, warroom.Invalid("name", "name must be at most 100 characters")
	case sc.TimeZone == "":
		return nil, warroom.Invalid("time_zone", "time_zone is required: an IANA name like Europe/Berlin")
	}
	for i, l := range in.Layers {
		field := fmt.Sprintf("layers[%d]", i)
		layer, err := l.toLayer(field)
		if err != nil {
			return nil, err
		}
		for j, p := range l.Participants {
			id, err := user(ctx, p)
			if err != nil {
				return nil, warroom.Invalid(fmt.Sprintf("%s.participants[%d]", field, j), "no user %q", p)
			}
			layer.Participants = append(layer.Participants, id)
		}
		sc.Layers = append(sc.Layers, layer)
	}
	for i, o := range in.Overrides {
		field := fmt.Sprintf("overrides[%d]", i)
		id, err := user(ctx, o.User)
		if err != nil {
			return nil, warroom.Invalid(field+".user", "no user %q", o.User)
		}
		ov := oncall.Override{UserID: id, Start: o.Start, End: o.End}
		if o.Replaces != "" {
			if ov.Replaces, err = user(ctx, o.Replaces); err != nil {
				return nil, warroom.Invalid(field+".replaces", "no user %q", o.Replaces)
			}
		}
		sc.Overrides = append(sc.Overrides, ov)
	}
	return sc, nil
}

func (l layerJSON) toLayer(field string) (oncall.Layer, error) {
	layer := oncall.Layer{Name: l.Name}
	var err error
	if layer.Start, err = oncall.ParseLocalTime(l.Start); err != nil {
		return layer, warroom.Invalid(field+".start", "start must be a wall-clock time like 2026-03-02T09:00, not %q", l.Start)
	}
	if l.End != "" {
		if layer.End, err = oncall.ParseLocalTime(l.End); err != nil {
			return layer, warroom.Invalid(field+".end", "end must be a wall-clock time like 2026-03-02T09:00, not %q", l.End)
		}
	}
	if layer.Shift, err = oncall.ParseShiftLength(l.Shift); err != nil {
		return layer, warroom.Invalid(field+".shift", "%s", strings.TrimPrefix(err.Error(), "oncall: "))
	}
	for i, rs := range l.Restrictions {
		r := oncall.Restriction{Start: rs.Start, End: rs.End}
		for _, d := range rs.Days {
			wd, ok := weekdays[strings.ToLower(strings.TrimSpace(d))]
			if !ok {
				return layer, warroom.Invalid(fmt.Sprintf("%s.restrictions[%d].days", field, i), "%q is not a day: use mon, tue, wed, thu, fri, sat or sun", d)
			}
			r.Days = append(r.Days, wd)
		}
		layer.Restrictions = append(layer.Restrictions, r)
	}
	return layer, nil
}

// scheduleView converts a stored schedule for an answer.
func scheduleView(sc *oncall.Schedule) scheduleJSON {
	out := scheduleJSON{ID: sc.ID, Name: sc.Name, TimeZone: sc.TimeZone, Layers: []layerJSON{}, Overrides: []overrideJSON{}}
	for _, l := range sc.Layers {
		lj := layerJSON{Name: l.Name, Start: l.Start.String(), Participants: nonNil(l.Participants), Shift: l.Shift.String()}
		if !l.End.IsZero() {
			lj.End = l.End.String()
		}
		for _, r := range l.Restrictions {
			rj := restrictionJSON{Start: r.Start, End: r.End}
			for _, d := range r.Days {
				rj.Days = append(rj.Days, strings.ToLower(d.String()[:3]))
			}
			lj.Restrictions = append(lj.Restrictions, rj)
		}
		out.Layers = append(out.Layers, lj)
	}
	for _, o := range sc.Overrides {
		out.Overrides = append(out.Overrides, overrideJSON{User: o.UserID, Start: o.Start.UTC(), End: o.End.UTC(), Replaces: o.Replaces})
	}
	return out
}

// scheduleProblem turns an oncall validation error into a 400 naming the
// part of the schedule at fault.
func scheduleProblem(err error) error {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, "oncall: schedule "); ok {
		// Drop the schedule's own quoted ID: the caller knows which.
		if _, after, ok := strings.Cut(rest, ": "); ok {
			msg = after
		}
	}
	field := ""
	switch {
	case strings.HasPrefix(msg, "layer "):
		field = "layers"
	case strings.HasPrefix(msg, "override "):
		field = "overrides"
	case strings.Contains(msg, "time zone"):
		field = "time_zone"
	}
	return warroom.Invalid(field, "%s", msg)
}
