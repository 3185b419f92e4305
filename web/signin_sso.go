package web

import (
	"net/http"

	"github.com/warroom/warroom"
)

// SingleSignOn signs people in through an identity provider (package
// sso implements it with OIDC): Start sends the browser to the provider,
// Finish checks what the provider sent back at CallbackPath and returns
// the warroom user it names.
type SingleSignOn interface {
	Start(w http.ResponseWriter, r *http.Request, returnTo string) error
	Finish(w http.ResponseWriter, r *http.Request) (*warroom.User, string, error)
	CallbackPath() string
}

// ssoStartPath is where the sign-in page's single sign-on button goes.
const ssoStartPath = "/signin/sso"

// ssoRoutes mounts single sign-on when it is configured: its button on
// the sign-in page, its start and the provider's callback.
func (h *Handler) ssoRoutes(sso SingleSignOn, label string) {
	if sso == nil {
		return
	}
	if label == "" {
		label = "Sign in with single sign-on"
	}
	h.sso = sso
	h.signInOptions = append(h.signInOptions, SignInOption{Label: label, URL: ssoStartPath})
	h.handle("GET "+ssoStartPath, anyone, h.ssoStart)
	h.handle("GET "+sso.CallbackPath(), anyone, h.ssoCallback)
}

// ssoStart sends the browser to the identity provider; it comes back to
// ssoCallback.
func (h *Handler) ssoStart(w http.ResponseWriter, r *http.Request) error {
	ret := safeReturn(r.URL.Query().Get("return"))
	if err := h.sso.Start(w, r, ret); err != nil {
		return h.ssoRefused(w, r, ret, err)
	}
	return nil
}

// ssoCallback signs in the user the provider vouched for. A refusal
// (wrong state, nonce, issuer, audience, an expired token, signup not
// allowed...) shows the sign-in page with its message; the details go to
// the log only.
func (h *Handler) ssoCallback(w http.ResponseWriter, r *http.Request) error {
	u, ret, err := h.sso.Finish(w, r)
	if err != nil {
		return h.ssoRefused(w, r, "/", err)
	}
	return h.StartSession(w, r, u, ret)
}

func (h *Handler) ssoRefused(w http.ResponseWriter, r *http.Request, ret string, err error) error {
	status, ok := map[string]int{warroom.EInvalid: http.StatusBadRequest, warroom.EUnauthorized: http.StatusUnauthorized,
		warroom.EForbidden: http.StatusForbidden, warroom.ENotFound: http.StatusForbidden,
		warroom.EUnavailable: http.StatusServiceUnavailable}[warroom.ErrorCode(err)]
	if !ok {
		return err
	}
	h.log.Warn("single sign-on refused", "err", err)
	return h.render(w, status, "signin", h.signInView(r, signInForm{Return: ret}, nil, warroom.ErrorMessage(err)))
}
