package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// userSessionRevoke ends one session of a person (admins only): that
// browser is signed out at its next request.
func (h *Handler) userSessionRevoke(w http.ResponseWriter, r *http.Request) error {
	u, err := h.store.FindUser(r.Context(), strings.TrimPrefix(r.PathValue("user"), "@"))
	if err != nil {
		return err
	}
	if err := h.store.RevokeSession(r.Context(), u.ID, r.PathValue("session")); err != nil {
		return err
	}
	return redirect(w, r, "/people/"+url.PathEscape(u.Handle)+"?done="+url.QueryEscape("Signed out one session of @"+u.Handle+"."))
}

// userSessionsRevokeAll ends every session of a person (admins only);
// an admin ending their own keeps the one they use.
func (h *Handler) userSessionsRevokeAll(w http.ResponseWriter, r *http.Request) error {
	u, err := h.store.FindUser(r.Context(), strings.TrimPrefix(r.PathValue("user"), "@"))
	if err != nil {
		return err
	}
	keep := ""
	if s := visitOf(r).session; s != nil && s.UserID == u.ID {
		keep = s.ID
	}
	n, err := h.store.RevokeUserSessions(r.Context(), u.ID, keep)
	if err != nil {
		return err
	}
	return redirect(w, r, "/people/"+url.PathEscape(u.Handle)+"?done="+url.QueryEscape(fmt.Sprintf("Signed out %d session(s) of @%s.", n, u.Handle)))
}
