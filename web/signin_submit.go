package web

import (
	"net/http"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/password"
)

// signInForm is the sign-in form.
type signInForm struct {
	Login    string // handle or email
	Password string
	Return   string
}

func parseSignInForm(r *http.Request) signInForm {
	return signInForm{
		Login:    strings.TrimSpace(r.PostFormValue("login")),
		Password: r.PostFormValue("password"),
		Return:   safeReturn(r.PostFormValue("return")),
	}
}

// badSignIn is the one message for an unknown account, a wrong password
// and an account without a password, so the form does not tell which
// accounts exist.
const badSignIn = "wrong handle, email or password"

// signInSubmit checks a password and starts a session. Failures count
// against the address and the account (signin_limit.go); once either is
// used up, the form is refused before the password is even checked.
func (h *Handler) signInSubmit(w http.ResponseWriter, r *http.Request) error {
	f := parseSignInForm(r)
	again := func(status int, msg string) error {
		f.Password = ""
		return h.render(w, status, "signin", h.signInView(r, f, nil, msg))
	}
	if f.Login == "" || f.Password == "" {
		f.Password = ""
		return h.render(w, http.StatusBadRequest, "signin", h.signInView(r, f, map[string]string{
			"login": required(f.Login, "say who you are: your handle or email"), "password": required(f.Password, "enter your password")}, ""))
	}
	addr := clientAddress(r)
	if err := h.checkLimit(r.Context(), addressKey(addr), h.limit.PerAddress); err != nil {
		return againOr(again, err)
	}
	u, err := h.findLogin(r, f.Login)
	if err != nil && warroom.ErrorCode(err) != warroom.ENotFound {
		return err
	}
	userID := ""
	if u != nil {
		userID = u.ID
		if err := h.checkLimit(r.Context(), accountKey(u.ID), h.limit.PerAccount); err != nil {
			return againOr(again, err)
		}
	}
	if ok, err := h.passwordMatches(r, u, f.Password); err != nil {
		return err
	} else if !ok {
		if err := h.recordFailure(r.Context(), addr, userID); err != nil {
			return err
		}
		return again(http.StatusUnauthorized, badSignIn)
	}
	return h.StartSession(w, r, u, f.Return)
}

// againOr shows a refusal on the form when it is the user's to act on.
func againOr(again func(int, string) error, err error) error {
	if warroom.ErrorCode(err) == warroom.ERateLimited {
		return again(http.StatusTooManyRequests, warroom.ErrorMessage(err))
	}
	return err
}

// findLogin finds an account by handle or email; ENotFound.
func (h *Handler) findLogin(r *http.Request, login string) (*warroom.User, error) {
	if !strings.Contains(login, "@") || strings.HasPrefix(login, "@") {
		return h.store.FindUser(r.Context(), strings.ToLower(strings.TrimPrefix(login, "@")))
	}
	users, err := h.store.ListUsers(r.Context())
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if strings.EqualFold(u.Email, login) {
			return u, nil
		}
	}
	return nil, warroom.Errorf(warroom.ENotFound, "no user %q", login)
}

// dummyHash is checked when there is no account or no password, so that
// a wrong handle takes as long as a wrong password.
var dummyHash, _ = password.Hash("warroom dummy password", password.Default)

// passwordMatches reports whether pw is u's password; false for a nil
// user or one without a password.
func (h *Handler) passwordMatches(r *http.Request, u *warroom.User, pw string) (bool, error) {
	hash := ""
	if u != nil {
		var err error
		hash, err = h.store.PasswordHash(r.Context(), u.ID)
		if err != nil && warroom.ErrorCode(err) != warroom.ENotFound {
			return false, err
		}
	}
	if hash == "" {
		_, _ = password.Verify(pw, dummyHash)
		return false, nil
	}
	return password.Verify(pw, hash)
}

// required returns msg when v is empty.
func required(v, msg string) string {
	if strings.TrimSpace(v) == "" {
		return msg
	}
	return ""
}
