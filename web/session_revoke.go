package web

import (
	"fmt"
	"net/http"
)

// sessionRevoke signs out one of the signed-in person's own browsers
// (this one too, if they choose it).
func (h *Handler) sessionRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := h.store.RevokeSession(r.Context(), currentUser(r).ID, r.PathValue("session")); err != nil {
		return err
	}
	return redirect(w, r, withDone("/profile", "Signed out that browser."))
}

// sessionsRevokeOthers signs out every browser of the signed-in person
// but this one.
func (h *Handler) sessionsRevokeOthers(w http.ResponseWriter, r *http.Request) error {
	keep := ""
	if s := visitOf(r).session; s != nil {
		keep = s.ID
	}
	n, err := h.store.RevokeUserSessions(r.Context(), currentUser(r).ID, keep)
	if err != nil {
		return err
	}
	return redirect(w, r, withDone("/profile", fmt.Sprintf("Signed out %d other browser(s).", n)))
}
