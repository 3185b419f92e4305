package web

import (
	"net/http"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/password"
)

// passwordView is the page where users set their own password.
type passwordView struct {
	base
	HasPassword bool // the current password is asked for
	Errors      map[string]string
	Done        bool
}

// passwordEdit shows the password form of the signed-in user.
func (h *Handler) passwordEdit(w http.ResponseWriter, r *http.Request) error {
	has, err := h.hasPassword(r)
	if err != nil {
		return err
	}
	return h.ok(w, "password", passwordView{base: h.base(r, "Your password"), HasPassword: has, Done: r.URL.Query().Get("done") == "1"})
}

func (h *Handler) hasPassword(r *http.Request) (bool, error) {
	_, err := h.store.PasswordHash(r.Context(), currentUser(r).ID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return false, nil
	}
	return err == nil, err
}

// passwordUpdate sets the signed-in user's password. A user who has one
// must give it (a browser left signed in is not enough to take over the
// account); the user's other sessions end.
func (h *Handler) passwordUpdate(w http.ResponseWriter, r *http.Request) error {
	u, ctx := currentUser(r), r.Context()
	current, next, again := r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("confirm")
	fail := func(has bool, field, msg string) error {
		return h.render(w, http.StatusUnprocessableEntity, "password", passwordView{base: h.base(r, "Your password"),
			HasPassword: has, Errors: map[string]string{field: msg}})
	}
	hash, err := h.store.PasswordHash(ctx, u.ID)
	has := err == nil
	if err != nil && warroom.ErrorCode(err) != warroom.ENotFound {
		return err
	}
	if has {
		if err := h.checkLimit(ctx, accountKey(u.ID), h.limit.PerAccount); err != nil {
			return fail(has, "current", warroom.ErrorMessage(err))
		}
		if ok, err := password.Verify(current, hash); err != nil {
			return err
		} else if !ok {
			if err := h.recordFailure(ctx, clientAddress(r), u.ID); err != nil {
				return err
			}
			return fail(has, "current", "that is not your current password")
		}
	}
	if err := password.Check("password", next); err != nil {
		return fail(has, "password", warroom.ErrorMessage(err))
	}
	if next != again {
		return fail(has, "confirm", "the two new passwords differ")
	}
	newHash, err := password.Hash(next, h.passwords)
	if err != nil {
		return err
	}
	if err := h.store.SetPassword(ctx, u.ID, newHash, h.now().UTC()); err != nil {
		return err
	}
	if _, err := h.store.RevokeUserSessions(ctx, u.ID, visitOf(r).session.ID); err != nil {
		return err
	}
	return redirect(w, r, "/profile/password?done=1")
}
