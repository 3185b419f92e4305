package web

import (
	"net/http"

	"github.com/warroom/warroom"
)

// tokenListView is every API token, for admins.
type tokenListView struct {
	base
	Tokens []*warroom.Token
	Owner  map[string]*warroom.User
	Done   string
}

// tokenList shows every user's API tokens (admins only), revocable.
func (h *Handler) tokenList(w http.ResponseWriter, r *http.Request) error {
	tokens, err := h.store.ListTokens(r.Context(), "")
	if err != nil {
		return err
	}
	v := tokenListView{base: h.base(r, "API tokens"), Tokens: tokens, Owner: map[string]*warroom.User{}, Done: r.URL.Query().Get("done")}
	who := h.people(r.Context())
	for _, t := range tokens {
		v.Owner[t.UserID] = who(t.UserID)
	}
	return h.ok(w, "token_list", v)
}
