package httpapi

import (
	"net/http"

	"github.com/warroom/warroom"
)

// teamInput is the body of POST /api/v1/teams.
type teamInput struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

func (s *Server) listTeams(w http.ResponseWriter, r *http.Request) error {
	teams, err := s.store.ListTeams(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string][]*warroom.Team{"teams": nonNil(teams)})
	return nil
}

func (s *Server) createTeam(w http.ResponseWriter, r *http.Request) error {
	var in teamInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	t := &warroom.Team{Slug: in.Slug, Name: in.Name, CreatedAt: s.now().UTC()}
	if err := t.Validate(); err != nil {
		return err
	}
	if err := s.store.CreateTeam(r.Context(), t); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) getTeam(w http.ResponseWriter, r *http.Request) error {
	t, err := s.store.FindTeam(r.Context(), r.PathValue("team"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}
