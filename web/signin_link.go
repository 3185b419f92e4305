package web

import (
	"net/http"
	"strings"

	"github.com/warroom/warroom"
)

// signInLinkView is the page of a one-time sign-in link.
type signInLinkView struct {
	base
	Action string
}

// signInLinkShow shows a one-time sign-in link's page: a button that uses
// it. Opening the link does not use it, so a mail scanner or a link
// preview that fetches it does not burn it.
func (h *Handler) signInLinkShow(w http.ResponseWriter, r *http.Request) error {
	if err := h.ensureAnon(w, r, visitOf(r)); err != nil {
		return err
	}
	return h.ok(w, "signin_link", signInLinkView{base: h.base(r, "Sign in"), Action: strings.TrimSuffix(warroom.SignInLinkPath, "/") + "/" + r.PathValue("token")})
}

// signInLinkSubmit uses a one-time sign-in link: it signs its user in and
// sends them to set a password.
func (h *Handler) signInLinkSubmit(w http.ResponseWriter, r *http.Request) error {
	userID, err := h.store.UseSignInLink(r.Context(), warroom.HashTokenSecret(r.PathValue("token")), h.now().UTC())
	if err != nil {
		return err
	}
	u, err := h.store.FindUser(r.Context(), userID)
	if err != nil {
		return err
	}
	return h.StartSession(w, r, u, "/profile/password")
}
