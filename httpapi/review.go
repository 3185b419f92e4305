package httpapi

import (
	"net/http"
	"time"

	"github.com/warroom/warroom"
)

// This file serves the Post Mortem Review (docs/after-the-fire.md): the
// review of an incident, scheduling it, recording who attended, and the
// holiday calendars its business days count.

func (s *Server) reviewRoutes() []route {
	return []route{
		{"GET", "/api/v1/incidents/{incident}/review", reader, s.getReview, nil},
		{"POST", "/api/v1/incidents/{incident}/review", writer, s.scheduleReview, reviewScheduleInput{}},
		{"POST", "/api/v1/incidents/{incident}/review/attendance", writer, s.reviewAttendance, reviewAttendanceInput{}},
		{"GET", "/api/v1/holiday-calendars", reader, s.listHolidayCalendars, nil},
		{"PUT", "/api/v1/holiday-calendars/{id}", admin, s.importHolidayCalendar, calendarInput{}},
	}
}

func (s *Server) getReview(w http.ResponseWriter, r *http.Request) error {
	v, err := s.afterfire.ReviewOrNone(r.Context(), actor(r), r.PathValue("incident"))
	if err != nil {
		return incidentError(r, err)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// reviewScheduleInput schedules (or moves) the review.
type reviewScheduleInput struct {
	At       time.Time `json:"at"`
	Minutes  int       `json:"minutes"`
	Location string    `json:"location"`
}

func (s *Server) scheduleReview(w http.ResponseWriter, r *http.Request) error {
	in, idem, err := decodeCommand[reviewScheduleInput](s, w, r, false)
	if err != nil {
		return err
	}
	if in.Minutes == 0 {
		in.Minutes = 60
	}
	v, err := s.afterfire.ScheduleReview(r.Context(), actor(r), r.PathValue("incident"), in.At, in.Minutes, in.Location, idem)
	if err != nil {
		return incidentError(r, err)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// reviewAttendanceInput names who attended (IDs or handles).
type reviewAttendanceInput struct {
	Attended []string `json:"attended"`
}

func (s *Server) reviewAttendance(w http.ResponseWriter, r *http.Request) error {
	in, idem, err := decodeCommand[reviewAttendanceInput](s, w, r, false)
	if err != nil {
		return err
	}
	v, err := s.afterfire.RecordReviewHeld(r.Context(), actor(r), r.PathValue("incident"), in.Attended, idem)
	if err != nil {
		return incidentError(r, err)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// calendarList is the answer of GET /api/v1/holiday-calendars.
type calendarList struct {
	Calendars []*warroom.HolidayCalendar `json:"calendars"`
}

func (s *Server) listHolidayCalendars(w http.ResponseWriter, r *http.Request) error {
	list, err := s.afterfire.HolidayCalendars(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, calendarList{Calendars: nonNil(list)})
	return nil
}

// calendarInput is a holiday calendar to import: the iCalendar file's
// text and the teams (IDs or slugs) it counts for.
type calendarInput struct {
	ICS   string   `json:"ics"`
	Teams []string `json:"teams"`
}

func (s *Server) importHolidayCalendar(w http.ResponseWriter, r *http.Request) error {
	var in calendarInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.afterfire.ImportCalendar(r.Context(), actor(r), r.PathValue("id"), in.Teams, []byte(in.ICS))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}
