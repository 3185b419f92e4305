package web

import (
	"net/http"

	"github.com/warroom/warroom"
)

// peopleView lists users and teams; admins add them here.
type peopleView struct {
	base
	Users     []*warroom.User
	Teams     []*warroom.Team
	TeamName  map[string]string
	Roles     []warroom.AccountRole
	UserForm  userForm
	TeamForm  teamForm
	UserError *problem
	TeamError *problem
	Done      string
}

// peopleList shows everyone and the teams.
func (h *Handler) peopleList(w http.ResponseWriter, r *http.Request) error {
	v, err := h.peoplePage(r)
	if err != nil {
		return err
	}
	v.Done = r.URL.Query().Get("done")
	return h.ok(w, "people_list", v)
}

func (h *Handler) peoplePage(r *http.Request) (*peopleView, error) {
	v := &peopleView{base: h.base(r, "People"), TeamName: map[string]string{},
		Roles:    []warroom.AccountRole{warroom.AccountResponder, warroom.AccountViewer, warroom.AccountAdmin},
		UserForm: userForm{Role: string(warroom.AccountResponder), TimeZone: "UTC"}}
	var err error
	if v.Users, err = h.store.ListUsers(r.Context()); err != nil {
		return nil, err
	}
	if v.Teams, err = h.store.ListTeams(r.Context()); err != nil {
		return nil, err
	}
	for _, t := range v.Teams {
		v.TeamName[t.ID] = t.Name
	}
	return v, nil
}
