package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/warroom/warroom"
)

// CSRF tokens. A signed-in browser's token is derived from its session's
// secret, which only that browser holds (the cookie is HttpOnly and never
// sent to another site's page), so a forged form cannot carry it and a
// token stops working when the session ends. Before sign-in (the sign-in
// form itself) the token is derived from a random anonymous cookie the
// same way (double submit).

// anonCookie holds the secret of a signed-out browser's CSRF token.
const anonCookie = "warroom_csrf"

// csrfField is the form field, and csrfHeader the header (htmx requests),
// that carry the token.
const (
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
)

func csrfToken(secret string) string {
	if secret == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("warroom csrf\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// token returns the CSRF token forms of this visit carry.
func (v *visit) token() string {
	if v.secret != "" {
		return csrfToken(v.secret)
	}
	return csrfToken(v.anon)
}

// ensureAnon gives a signed-out browser its anonymous CSRF secret, so that
// the sign-in form it is about to get can carry a token.
func (h *Handler) ensureAnon(w http.ResponseWriter, r *http.Request, v *visit) error {
	if v.secret != "" || v.anon != "" {
		return nil
	}
	secret, err := randomToken()
	if err != nil {
		return err
	}
	v.anon = secret
	h.setCookie(w, r, anonCookie, secret, h.now().Add(24*time.Hour))
	return nil
}

// checkCSRF refuses a state-changing request whose token is missing or
// does not belong to the browser's session (or anonymous cookie).
func checkCSRF(r *http.Request, v *visit) error {
	want := v.token()
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	if want == "" || got == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return warroom.Errorf(warroom.EForbidden, "this form has expired or did not come from warroom (CSRF check failed); reload the page and try again")
	}
	return nil
}
