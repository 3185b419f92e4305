package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// profileSave changes the signed-in person's own time zone, in which
// every page shows them times. It is the one field of their account
// people set themselves (viewers included): admins change the rest.
// warroom.User.Validate decides, as for the API.
func (h *Handler) profileSave(w http.ResponseWriter, r *http.Request) error {
	tz := strings.TrimSpace(r.PostFormValue("time_zone"))
	me, err := h.store.FindUser(r.Context(), currentUser(r).ID)
	if err != nil {
		return err
	}
	me.TimeZone = tz
	if tz == "" {
		// Validate would take an empty zone for UTC; here it is a field
		// left blank by mistake.
		err = warroom.Invalid("time_zone", "say which time zone: an IANA name like Europe/Berlin")
	} else {
		err = me.Validate(time.LoadLocation)
	}
	if err == nil {
		err = h.store.UpdateUser(r.Context(), me)
	}
	if err != nil {
		return h.profileProblem(w, r, "tz", err, func(v *profileView) { v.TimeZone = tz }, "time_zone")
	}
	return redirect(w, r, withDone("/profile", "Times are shown in "+me.TimeZone+" now."))
}
