package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/oncall"
)

func (s *Server) scheduleRoutes() []route {
	return []route{
		{"GET", "/api/v1/schedules", reader, s.listSchedules, nil},
		{"POST", "/api/v1/schedules", admin, s.createSchedule, scheduleJSON{}},
		{"GET", "/api/v1/schedules/{schedule}", reader, s.getSchedule, nil},
		{"PUT", "/api/v1/schedules/{schedule}", admin, s.updateSchedule, scheduleJSON{}},
		{"GET", "/api/v1/schedules/{schedule}/oncall", reader, s.onCall, nil},
		{"GET", "/api/v1/schedules/{schedule}/calendar.ics", feed, s.scheduleCalendar, nil},
		{"GET", "/api/v1/users/{user}/calendar.ics", feed, s.userCalendar, nil},
	}
}

// maxOnCallDays bounds ?days= of the on-call view.
const maxOnCallDays = 366

// scheduleList is the answer of GET /api/v1/schedules.
type scheduleList struct {
	Schedules []scheduleJSON `json:"schedules"`
}

func (s *Server) listSchedules(w http.ResponseWriter, r *http.Request) error {
	store, err := s.scheduleStore()
	if err != nil {
		return err
	}
	list, err := store.ListSchedules(r.Context())
	if err != nil {
		return err
	}
	out := scheduleList{Schedules: make([]scheduleJSON, 0, len(list))}
	for _, sc := range list {
		out.Schedules = append(out.Schedules, scheduleView(sc))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) findSchedule(r *http.Request) (*oncall.Schedule, error) {
	store, err := s.scheduleStore()
	if err != nil {
		return nil, err
	}
	ref := r.PathValue("schedule")
	sc, err := store.FindSchedule(r.Context(), ref)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, warroom.Errorf(warroom.ENotFound, "schedule %s not found", ref)
	}
	return sc, err
}

func (s *Server) getSchedule(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.findSchedule(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, scheduleView(sc))
	return nil
}

func (s *Server) createSchedule(w http.ResponseWriter, r *http.Request) error {
	store, err := s.scheduleStore()
	if err != nil {
		return err
	}
	sc, err := s.readSchedule(w, r)
	if err != nil {
		return err
	}
	if err := store.CreateSchedule(r.Context(), sc); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, scheduleView(sc))
	return nil
}

func (s *Server) updateSchedule(w http.ResponseWriter, r *http.Request) error {
	store, err := s.scheduleStore()
	if err != nil {
		return err
	}
	old, err := s.findSchedule(r)
	if err != nil {
		return err
	}
	sc, err := s.readSchedule(w, r)
	if err != nil {
		return err
	}
	sc.ID = old.ID
	if err := store.UpdateSchedule(r.Context(), sc); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, scheduleView(sc))
	return nil
}

// readSchedule decodes and validates a schedule body.
func (s *Server) readSchedule(w http.ResponseWriter, r *http.Request) (*oncall.Schedule, error) {
	var in scheduleJSON
	if _, err := s.decode(w, r, &in); err != nil {
		return nil, err
	}
	if in.ID != "" {
		return nil, warroom.Invalid("id", "the server assigns a schedule's ID; leave id out")
	}
	sc, err := in.toSchedule(r.Context(), s.userID)
	if err != nil {
		return nil, err
	}
	if err := sc.Validate(); err != nil {
		return nil, scheduleProblem(err)
	}
	return sc, nil
}

// userID resolves a user ID or handle.
func (s *Server) userID(ctx context.Context, ref string) (string, error) {
	u, err := s.store.FindUser(ctx, strings.TrimPrefix(strings.TrimSpace(ref), "@"))
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

// person is a user as the on-call views show them.
type person struct {
	ID     string `json:"id"`
	Handle string `json:"handle"`
	Name   string `json:"name"`
}

// shiftView is one stretch of on-call time.
type shiftView struct {
	User  person    `json:"user"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Layer string    `json:"layer"`
}

// onCallAnswer is the answer of GET /api/v1/schedules/{schedule}/oncall:
// who is on call at At (one person, or both during the overlap of a
// handoff in a fall-back's repeated hour, the outgoing one first) and,
// with ?days=N, every shift from At to Until (overlapping there too).
type onCallAnswer struct {
	ScheduleID string      `json:"schedule_id"`
	Schedule   string      `json:"schedule"`
	TimeZone   string      `json:"time_zone"`
	At         time.Time   `json:"at"`
	OnCall     []person    `json:"on_call"`
	Until      *time.Time  `json:"until,omitempty"`
	Shifts     []shiftView `json:"shifts,omitempty"`
}

// onCall answers who is on call now or ?at= a time, and with ?days=N the
// shifts over the N days from then.
func (s *Server) onCall(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "at", "days")
	if err != nil {
		return err
	}
	at := s.now().UTC()
	if v := q["at"]; v != "" {
		if at, err = time.Parse(time.RFC3339, v); err != nil {
			return warroom.Invalid("at", "at must be an RFC 3339 time like 2026-03-01T09:00:00Z, not %q", v)
		}
	}
	days := 0
	if v := q["days"]; v != "" {
		if days, err = strconv.Atoi(v); err != nil || days < 1 || days > maxOnCallDays {
			return warroom.Invalid("days", "days must be a whole number from 1 to %d, not %q", maxOnCallDays, v)
		}
	}
	sc, err := s.findSchedule(r)
	if err != nil {
		return err
	}
	people := s.people(r.Context())
	ids, err := sc.OnCallAt(at)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(sc.TimeZone)
	if err != nil {
		loc = time.UTC // not reached: schedules are validated when stored
	}
	ans := onCallAnswer{ScheduleID: sc.ID, Schedule: sc.Name, TimeZone: sc.TimeZone, At: at.In(loc), OnCall: []person{}}
	for _, id := range ids {
		ans.OnCall = append(ans.OnCall, people(id))
	}
	if days > 0 {
		shifts, err := sc.Upcoming(at, days)
		if err != nil {
			return err
		}
		until := at.Add(time.Duration(days) * 24 * time.Hour).In(loc)
		ans.Until, ans.Shifts = &until, []shiftView{}
		for _, sh := range shifts {
			ans.Shifts = append(ans.Shifts, shiftView{User: people(sh.UserID), Start: sh.Start, End: sh.End, Layer: sh.Layer})
		}
	}
	writeJSON(w, http.StatusOK, ans)
	return nil
}

// people returns a lookup of users by ID, reading each user once; a user
// who no longer exists is shown by ID.
func (s *Server) people(ctx context.Context) func(id string) person {
	seen := map[string]person{}
	return func(id string) person {
		if p, ok := seen[id]; ok {
			return p
		}
		p := person{ID: id, Handle: id, Name: id}
		if u, err := s.store.FindUser(ctx, id); err == nil {
			p = person{ID: u.ID, Handle: u.Handle, Name: u.Name}
		}
		seen[id] = p
		return p
	}
}
