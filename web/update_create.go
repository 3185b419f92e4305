package web

import (
	"net/http"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/comms"
)

// updateCreate sends an update from the communications page, then shows
// the page again (POST, redirect, GET); a refused update comes back with
// the service's message next to the field at fault and what was typed.
func (h *Handler) updateCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := h.commsService()
	if err != nil {
		return err
	}
	ref := r.PathValue("ref")
	f := updateForm{Audience: r.PostFormValue("audience"), Subject: r.PostFormValue("subject"), Body: r.PostFormValue("body")}
	_, err = c.SendUpdate(r.Context(), actor(r), ref, comms.UpdateInput{Audience: warroom.Audience(f.Audience),
		Subject: f.Subject, Body: f.Body}, warroom.Idempotency{})
	if err == nil {
		return redirect(w, r, "/incidents/"+ref+"/updates")
	}
	switch warroom.ErrorCode(err) {
	case warroom.EInvalid, warroom.EConflict:
	default:
		return err
	}
	field := warroom.ErrorField(err)
	if field == "" {
		field = "form"
	}
	f.Errors = map[string]string{field: warroom.ErrorMessage(err)}
	v, perr := h.updatesPage(r, ref, f, false)
	if perr != nil {
		return perr
	}
	return h.render(w, http.StatusUnprocessableEntity, "updates_show", v)
}
