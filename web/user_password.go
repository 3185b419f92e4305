package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/password"
)

// userPasswordView is the admin's page for resetting someone's sign-in:
// set a password, or make a one-time sign-in link.
type userPasswordView struct {
	base
	Person  *warroom.User
	Errors  map[string]string
	Link    string // a new one-time link, shown once
	Message string
}

func (h *Handler) person(r *http.Request) (*warroom.User, error) {
	return h.store.FindUser(r.Context(), strings.TrimPrefix(r.PathValue("user"), "@"))
}

// userPasswordEdit shows the reset page (admins).
func (h *Handler) userPasswordEdit(w http.ResponseWriter, r *http.Request) error {
	p, err := h.person(r)
	if err != nil {
		return err
	}
	return h.ok(w, "user_password", userPasswordView{base: h.base(r, "Sign-in of @"+p.Handle), Person: p})
}

// userPasswordUpdate sets someone's password (admins): their sessions
// end, as with the API's reset.
func (h *Handler) userPasswordUpdate(w http.ResponseWriter, r *http.Request) error {
	p, err := h.person(r)
	if err != nil {
		return err
	}
	v := userPasswordView{base: h.base(r, "Sign-in of @"+p.Handle), Person: p}
	pw := r.PostFormValue("password")
	if err := password.Check("password", pw); err != nil {
		v.Errors = map[string]string{"password": warroom.ErrorMessage(err)}
		return h.render(w, http.StatusUnprocessableEntity, "user_password", v)
	}
	hash, err := password.Hash(pw, h.passwords)
	if err != nil {
		return err
	}
	if err := h.store.SetPassword(r.Context(), p.ID, hash, h.now().UTC()); err != nil {
		return err
	}
	n, err := h.store.RevokeUserSessions(r.Context(), p.ID, "")
	if err != nil {
		return err
	}
	v.Message = "Password set; " + strings.TrimSpace(plural(n, "session")) + " of @" + p.Handle + " ended."
	return h.ok(w, "user_password", v)
}

// userSignInLink makes a one-time sign-in link for someone (admins) and
// shows it once.
func (h *Handler) userSignInLink(w http.ResponseWriter, r *http.Request) error {
	p, err := h.person(r)
	if err != nil {
		return err
	}
	link, _, err := warroom.CreateSignInLink(r.Context(), h.store, h.publicBase(r), p.ID, h.now().UTC())
	if err != nil {
		return err
	}
	return h.ok(w, "user_password", userPasswordView{base: h.base(r, "Sign-in of @"+p.Handle), Person: p, Link: link})
}

// publicBase is the server's public URL, or the one the request came to.
func (h *Handler) publicBase(r *http.Request) string {
	if h.publicURL != "" {
		return h.publicURL
	}
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
