package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// userForm adds a person (admins only).
type userForm struct {
	Handle, Name, Email, TimeZone, Team, Role string
}

// userCreate adds a user; warroom.User.Validate decides, as for the API.
func (h *Handler) userCreate(w http.ResponseWriter, r *http.Request) error {
	f := userForm{Handle: strings.TrimSpace(r.PostFormValue("handle")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Email: strings.TrimSpace(r.PostFormValue("email")), TimeZone: strings.TrimSpace(r.PostFormValue("time_zone")),
		Team: r.PostFormValue("team"), Role: r.PostFormValue("role")}
	u := &warroom.User{Handle: f.Handle, Name: f.Name, Email: f.Email, TimeZone: f.TimeZone,
		Role: warroom.AccountRole(f.Role), CreatedAt: h.now().UTC()}
	err := h.checkTeam(r, f.Team)
	if err == nil {
		u.TeamID = f.Team
		err = u.Validate(time.LoadLocation)
	}
	if err == nil {
		err = h.store.CreateUser(r.Context(), u)
	}
	if err != nil {
		code, ok := formProblem(err)
		if !ok {
			return err
		}
		v, perr := h.peoplePage(r)
		if perr != nil {
			return perr
		}
		v.UserForm, v.UserError = f, newProblem(err, "handle", "name", "email", "time_zone", "team", "role")
		return h.render(w, code, "people_list", v)
	}
	return redirect(w, r, "/people?done="+url.QueryEscape("Added @"+u.Handle+"."))
}

// checkTeam accepts "" (no team) or a team's ID.
func (h *Handler) checkTeam(r *http.Request, id string) error {
	if id == "" {
		return nil
	}
	_, err := h.store.FindTeam(r.Context(), id)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return warroom.Invalid("team", "no team %q", id)
	}
	return err
}
