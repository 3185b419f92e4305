package web

import (
	"net/http"

	"github.com/warroom/warroom"
)

// tokenCreate issues an API token for the signed-in person
// (warroom.IssueToken, as the API) and shows its secret on this answer
// only: only its hash is stored. Not a redirect: the secret must never
// sit in an address or a history.
func (h *Handler) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	name := r.PostFormValue("name")
	t, secret, err := warroom.IssueToken(r.Context(), h.store, currentUser(r).ID, name, h.now())
	if err != nil {
		return h.profileProblem(w, r, "token", err, func(v *profileView) { v.NewTokenName = name }, "name")
	}
	v, err := h.profilePage(r)
	if err != nil {
		return err
	}
	v.NewToken, v.NewTokenName = secret, t.Name
	w.Header().Set("Referrer-Policy", "no-referrer")
	return h.render(w, http.StatusCreated, "profile_show", v)
}
