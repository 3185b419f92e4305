package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/warroom/warroom"
)

// teamForm adds a team (admins only).
type teamForm struct{ Slug, Name string }

// teamCreate adds a team; warroom.Team.Validate decides, as for the API.
func (h *Handler) teamCreate(w http.ResponseWriter, r *http.Request) error {
	f := teamForm{Slug: strings.TrimSpace(r.PostFormValue("slug")), Name: strings.TrimSpace(r.PostFormValue("name"))}
	t := &warroom.Team{Slug: f.Slug, Name: f.Name, CreatedAt: h.now().UTC()}
	err := t.Validate()
	if err == nil {
		err = h.store.CreateTeam(r.Context(), t)
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
		v.TeamForm, v.TeamError = f, newProblem(err, "slug", "name")
		return h.render(w, code, "people_list", v)
	}
	return redirect(w, r, "/people?done="+url.QueryEscape("Added the team "+t.Name+"."))
}
