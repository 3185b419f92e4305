package web

import (
	"net/http"
	"strings"

	"github.com/warroom/warroom"
)

// userView is a person's page for admins: their sessions and API tokens,
// each revocable.
type userView struct {
	base
	Person   *warroom.User
	Sessions []*warroom.WebSession
	Tokens   []*warroom.Token
	// The edit form: its values, the teams and roles to choose from, and
	// its refusal.
	Form    userForm
	Teams   []*warroom.Team
	Roles   []warroom.AccountRole
	Problem *problem
	Done    string
}

// userShow is a person's page (admins only).
func (h *Handler) userShow(w http.ResponseWriter, r *http.Request) error {
	u, err := h.store.FindUser(r.Context(), strings.TrimPrefix(r.PathValue("user"), "@"))
	if err != nil {
		return err
	}
	v, err := h.userPage(r, u)
	if err != nil {
		return err
	}
	v.Done = r.URL.Query().Get("done")
	return h.ok(w, "user_show", v)
}

// userPage reads what a person's page shows.
func (h *Handler) userPage(r *http.Request, u *warroom.User) (*userView, error) {
	v := &userView{base: h.base(r, u.Name), Person: u,
		Form:  userForm{Handle: u.Handle, Name: u.Name, Email: u.Email, TimeZone: u.TimeZone, Team: u.TeamID, Role: string(u.Role)},
		Roles: []warroom.AccountRole{warroom.AccountResponder, warroom.AccountViewer, warroom.AccountAdmin}}
	var err error
	if v.Sessions, err = h.store.ListSessions(r.Context(), u.ID, h.now()); err != nil {
		return nil, err
	}
	if v.Tokens, err = h.store.ListTokens(r.Context(), u.ID); err != nil {
		return nil, err
	}
	if v.Teams, err = h.store.ListTeams(r.Context()); err != nil {
		return nil, err
	}
	return v, nil
}

// warroomRole is a form's role as the domain's type.
func warroomRole(s string) warroom.AccountRole { return warroom.AccountRole(strings.TrimSpace(s)) }
