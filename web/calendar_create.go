package web

import (
	"net/http"
	"net/url"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/intake"
)

// calendarTokenName names the API tokens made for calendar feeds, so
// that people recognise (and revoke) them in their token list.
const calendarTokenName = "calendar feed"

// calendarCreate makes the signed-in person's calendar feed link: the
// iCalendar feed of their shifts on every schedule
// (/api/v1/users/{user}/calendar.ics), authenticated by an API token in
// the address, since calendar apps send no headers. The token is issued
// here (warroom.IssueToken) and the link shown once; revoking the token
// ends the feed.
func (h *Handler) calendarCreate(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	_, secret, err := warroom.IssueToken(r.Context(), h.store, me.ID, calendarTokenName, h.now())
	if err != nil {
		return err
	}
	v, err := h.profilePage(r)
	if err != nil {
		return err
	}
	v.FeedURL = intake.BaseURL(h.pages.publicURL, r) + "/api/v1/users/" + url.PathEscape(me.Handle) +
		"/calendar.ics?token=" + url.QueryEscape(secret)
	w.Header().Set("Referrer-Policy", "no-referrer")
	return h.render(w, http.StatusCreated, "profile_show", v)
}
