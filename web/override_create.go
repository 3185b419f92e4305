package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/oncall"
)

// overrideForm is the form that puts someone on call over a schedule for
// a while. Start and End are wall-clock times in the schedule's zone
// ("2026-03-29T09:00", as <input type=datetime-local> sends them),
// resolved by the schedule's own DST rules (oncall.ResolveWallClock: a
// start at an ambiguous time is its first occurrence, an end its last; a
// skipped time is the instant the clocks jump to).
type overrideForm struct {
	User, Replaces string // handles
	Start, End     string
}

// localInput is the layout of <input type=datetime-local>.
const localInput = "2006-01-02T15:04"

// defaultOverrideForm proposes the next whole hour, for a day.
func defaultOverrideForm(sc *oncall.Schedule, now time.Time) overrideForm {
	loc, err := time.LoadLocation(sc.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	start := now.In(loc).Truncate(time.Hour).Add(time.Hour)
	return overrideForm{Start: start.Format(localInput), End: start.AddDate(0, 0, 1).Format(localInput)}
}

// override turns the form into an override of sc, resolving people with
// find. Errors name the form's field.
func (f overrideForm) override(sc *oncall.Schedule, find func(string) (*warroom.User, error)) (oncall.Override, error) {
	var o oncall.Override
	loc, err := time.LoadLocation(sc.TimeZone)
	if err != nil {
		return o, err
	}
	u, err := find(f.User)
	if err != nil {
		return o, warroom.Invalid("user", "choose who goes on call")
	}
	o.UserID = u.ID
	if f.Replaces != "" {
		r, err := find(f.Replaces)
		if err != nil {
			return o, warroom.Invalid("replaces", "no user %q", f.Replaces)
		}
		o.Replaces = r.ID
	}
	for _, t := range []struct {
		field, text string
		first       bool
		dst         *time.Time
	}{{"start", f.Start, true, &o.Start}, {"end", f.End, false, &o.End}} {
		wall, err := time.Parse(localInput, t.text)
		if err != nil {
			return o, warroom.Invalid(t.field, "%s must be a date and time like 2026-03-29T09:00 (%s)", t.field, sc.TimeZone)
		}
		*t.dst = oncall.ResolveWallClock(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), loc, t.first).UTC()
	}
	return o, nil
}

// overrideCreate adds an override to a schedule. The schedule's own
// validation decides (oncall.Schedule.Validate: the end after the
// start); as with the API's PUT of a schedule, only admins may.
func (h *Handler) overrideCreate(w http.ResponseWriter, r *http.Request) error {
	store, err := h.scheduleStore()
	if err != nil {
		return err
	}
	v, err := h.schedulePage(r)
	if err != nil {
		return err
	}
	f := overrideForm{User: strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("user")), "@"),
		Replaces: strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("replaces")), "@"),
		Start:    r.PostFormValue("start"), End: r.PostFormValue("end")}
	sc := *v.Schedule // the page shows the schedule as stored
	find := func(ref string) (*warroom.User, error) { return h.store.FindUser(r.Context(), ref) }
	o, err := f.override(&sc, find)
	if err == nil {
		sc.Overrides = append(slices.Clone(sc.Overrides), o)
		if err = sc.Validate(); err != nil {
			err = warroom.Invalid("end", "%s", overrideMessage(err))
		}
	}
	if err == nil {
		err = store.UpdateSchedule(r.Context(), &sc)
	}
	if err != nil {
		code, ok := formProblem(err)
		if !ok {
			return err
		}
		v.Form, v.Problem = f, newProblem(err, "user", "replaces", "start", "end")
		return h.render(w, code, "schedule_show", v)
	}
	who := h.people(r.Context())(o.UserID)
	done := "@" + who.Handle + " is on call from " + o.Start.In(v.Rotation.From.Location()).Format("Mon Jan 2 15:04 MST") +
		" to " + o.End.In(v.Rotation.From.Location()).Format("Mon Jan 2 15:04 MST") + "."
	return redirect(w, r, "/oncall/schedules/"+url.PathEscape(sc.ID)+"?done="+url.QueryEscape(done))
}

// overrideMessage is the schedule's reason without its prefix
// ("oncall: schedule "x": override 2 (user "u"): end ... is not after
// start ...").
func overrideMessage(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "): "); i >= 0 {
		return msg[i+3:]
	}
	return msg
}
