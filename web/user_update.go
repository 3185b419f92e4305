package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// userUpdate changes a person's name, email, time zone, team and account
// role (admins only, as PATCH /api/v1/users/{user}); warroom.User.Validate
// decides. A role change applies at their next request.
func (h *Handler) userUpdate(w http.ResponseWriter, r *http.Request) error {
	u, err := h.store.FindUser(r.Context(), strings.TrimPrefix(r.PathValue("user"), "@"))
	if err != nil {
		return err
	}
	f := userForm{Handle: u.Handle, Name: strings.TrimSpace(r.PostFormValue("name")), Email: strings.TrimSpace(r.PostFormValue("email")),
		TimeZone: strings.TrimSpace(r.PostFormValue("time_zone")), Team: r.PostFormValue("team"), Role: r.PostFormValue("role")}
	changed := *u
	changed.Name, changed.Email, changed.TimeZone, changed.Role = f.Name, f.Email, f.TimeZone, warroomRole(f.Role)
	err = h.checkTeam(r, f.Team)
	if err == nil {
		changed.TeamID = f.Team
		err = changed.Validate(time.LoadLocation)
	}
	if err == nil {
		err = h.store.UpdateUser(r.Context(), &changed)
	}
	if err != nil {
		code, ok := formProblem(err)
		if !ok {
			return err
		}
		v, perr := h.userPage(r, u)
		if perr != nil {
			return perr
		}
		v.Form, v.Problem = f, newProblem(err, "name", "email", "time_zone", "team", "role")
		return h.render(w, code, "user_show", v)
	}
	return redirect(w, r, "/people/"+url.PathEscape(u.Handle)+"?done="+url.QueryEscape("Saved @"+u.Handle+"."))
}
