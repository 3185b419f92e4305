package web

import (
	"net/http"
	"strings"

	"github.com/warroom/warroom"
)

// userView is a person's page for admins: their sessions and API tokens,
// each revocable.
type userView struct {
	base
	Person   *warroom.User
	Sessions []*warroom.WebSession
	Tokens   []*warroom.Token
	Done     string
}

// userShow is a person's page (admins only).
func (h *Handler) userShow(w http.ResponseWriter, r *http.Request) error {
	u, err := h.store.FindUser(r.Context(), strings.TrimPrefix(r.PathValue("user"), "@"))
	if err != nil {
		return err
	}
	v := userView{base: h.base(r, u.Name), Person: u, Done: r.URL.Query().Get("done")}
	if v.Sessions, err = h.store.ListSessions(r.Context(), u.ID, h.now()); err != nil {
		return err
	}
	if v.Tokens, err = h.store.ListTokens(r.Context(), u.ID); err != nil {
		return err
	}
	return h.ok(w, "user_show", v)
}
