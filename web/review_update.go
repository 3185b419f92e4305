package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/warroom/warroom"
)

// reviewSchedule schedules or moves the Post Mortem Review from the
// handoff page; the time is datetime-local in the viewer's zone.
func (h *Handler) reviewSchedule(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.afterFireService()
	if err != nil {
		return err
	}
	loc := time.UTC
	if u := currentUser(r); u != nil && u.TimeZone != "" {
		if l, err := time.LoadLocation(u.TimeZone); err == nil {
			loc = l
		}
	}
	at, perr := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("at"), loc)
	minutes, merr := strconv.Atoi(r.PostFormValue("minutes"))
	switch {
	case perr != nil:
		err = warroom.Invalid("at", "say when the review starts")
	case merr != nil:
		err = warroom.Invalid("minutes", "the length is a number of minutes")
	default:
		_, err = svc.ScheduleReview(r.Context(), actor(r), r.PathValue("ref"), at, minutes, r.PostFormValue("location"), warroom.Idempotency{})
	}
	return h.afterFireDone(w, r, "review", err, nil)
}

// reviewAttendance records who attended the review.
func (h *Handler) reviewAttendance(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.afterFireService()
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return warroom.Invalid("form", "the form could not be read")
	}
	_, err = svc.RecordReviewHeld(r.Context(), actor(r), r.PathValue("ref"), r.PostForm["attended"], warroom.Idempotency{})
	return h.afterFireDone(w, r, "attendance", err, nil)
}

// reviewInvite downloads the review's invitation (.ics).
func (h *Handler) reviewInvite(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.afterFireService()
	if err != nil {
		return err
	}
	ics, err := svc.Invitation(r.Context(), actor(r), r.PathValue("ref"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8; method=REQUEST")
	w.Header().Set("Content-Disposition", `attachment; filename="post-mortem-review-`+r.PathValue("ref")+`.ics"`)
	_, err = w.Write([]byte(ics))
	return err
}
