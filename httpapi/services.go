package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/warroom/warroom"
)

// serviceInput is the body of POST and PATCH /api/v1/services. Pointers
// tell a PATCH which fields to change. RPO and RTO are duration text
// ("4h") or seconds, parsed here so that a bad one is named.
type serviceInput struct {
	Slug        *string          `json:"slug"`
	Name        *string          `json:"name"`
	Description *string          `json:"description"`
	Team        *string          `json:"team"` // ID or slug; "" for none
	Dashboards  *[]warroom.Link  `json:"dashboards"`
	Runbooks    *[]warroom.Link  `json:"runbooks"`
	RPO         *json.RawMessage `json:"rpo"`
	RTO         *json.RawMessage `json:"rto"`
}

func (s *Server) applyService(r *http.Request, in serviceInput, svc *warroom.Service) error {
	set(&svc.Slug, in.Slug)
	set(&svc.Name, in.Name)
	set(&svc.Description, in.Description)
	if in.Dashboards != nil {
		svc.Dashboards = *in.Dashboards
	}
	if in.Runbooks != nil {
		svc.Runbooks = *in.Runbooks
	}
	for _, d := range []struct {
		field string
		raw   *json.RawMessage
		dst   *warroom.Duration
	}{{"rpo", in.RPO, &svc.RPO}, {"rto", in.RTO, &svc.RTO}} {
		if d.raw == nil || string(*d.raw) == "null" {
			continue
		}
		var v warroom.Duration
		if err := v.UnmarshalJSON(*d.raw); err != nil {
			return warroom.Invalid(d.field, "field %q: %s", d.field, err.Error())
		}
		*d.dst = v
	}
	if in.Team != nil {
		id, err := s.teamID(r.Context(), *in.Team)
		if err != nil {
			return err
		}
		svc.TeamID = id
	}
	return svc.Validate()
}

func (s *Server) listServices(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.ListServices(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string][]*warroom.Service{"services": nonNil(list)})
	return nil
}

func (s *Server) createService(w http.ResponseWriter, r *http.Request) error {
	var in serviceInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	svc := &warroom.Service{CreatedAt: s.now().UTC()}
	if err := s.applyService(r, in, svc); err != nil {
		return err
	}
	if err := s.store.CreateService(r.Context(), svc); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, svc)
	return nil
}

func (s *Server) getService(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.store.FindService(r.Context(), r.PathValue("service"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, svc)
	return nil
}

func (s *Server) updateService(w http.ResponseWriter, r *http.Request) error {
	var in serviceInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	svc, err := s.store.FindService(r.Context(), r.PathValue("service"))
	if err != nil {
		return err
	}
	if err := s.applyService(r, in, svc); err != nil {
		return err
	}
	if err := s.store.UpdateService(r.Context(), svc); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, svc)
	return nil
}
