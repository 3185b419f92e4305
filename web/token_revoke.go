package web

import (
	"net/http"
	"net/url"

	"github.com/warroom/warroom"
)

// tokenRevoke revokes an API token of the signed-in person's, or
// anyone's for an admin (warroom.RevokeToken, as the API: someone else's
// token is not found). It returns to the page the form was on.
func (h *Handler) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	t, err := warroom.RevokeToken(r.Context(), h.store, currentUser(r), r.PathValue("token"), h.now())
	if err != nil {
		return err
	}
	back := safeReturn(r.PostFormValue("return"))
	if back == "/" {
		back = "/profile"
	}
	return redirect(w, r, withDone(back, "Revoked the token "+t.Name+"."))
}

// withDone adds ?done= (what a form did) to a page's address.
func withDone(to, done string) string {
	u, err := url.Parse(to)
	if err != nil {
		return to
	}
	q := u.Query()
	q.Set("done", done)
	u.RawQuery = q.Encode()
	return u.String()
}
