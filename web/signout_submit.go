package web

import (
	"time"

	"net/http"

	"github.com/warroom/warroom"
)

// signOutSubmit ends the session: its row is deleted, so the cookie is
// worthless wherever a copy of it is, and the cookie is cleared.
func (h *Handler) signOutSubmit(w http.ResponseWriter, r *http.Request) error {
	if v := visitOf(r); v.secret != "" {
		if err := h.store.DeleteSession(r.Context(), warroom.HashTokenSecret(v.secret)); err != nil {
			return err
		}
	}
	h.setCookie(w, r, sessionCookie, "", time.Time{})
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}
