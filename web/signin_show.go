package web

import (
	"net/http"
)

// SignInOption is another way to sign in, shown as a button on the
// sign-in page (single sign-on).
type SignInOption struct {
	Label string // "Sign in with Example SSO"
	URL   string // where the button goes; ?return= is appended
}

// signInView is the sign-in page.
type signInView struct {
	base
	Form    signInForm
	Errors  map[string]string
	Message string
	Options []SignInOption
}

// signInShow shows the sign-in form; a signed-in browser goes straight
// back to where it was going.
func (h *Handler) signInShow(w http.ResponseWriter, r *http.Request) error {
	ret := safeReturn(r.URL.Query().Get("return"))
	if currentUser(r) != nil {
		http.Redirect(w, r, ret, http.StatusSeeOther)
		return nil
	}
	if err := h.ensureAnon(w, r, visitOf(r)); err != nil {
		return err
	}
	return h.ok(w, "signin", h.signInView(r, signInForm{Return: ret}, nil, ""))
}

func (h *Handler) signInView(r *http.Request, f signInForm, errs map[string]string, msg string) signInView {
	return signInView{base: h.base(r, "Sign in"), Form: f, Errors: errs, Message: msg, Options: h.signInOptions}
}
