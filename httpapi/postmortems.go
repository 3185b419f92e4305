package httpapi

import (
	"context"
	"io"
	"net/http"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/postmortem"
)

// This file serves postmortems and action items (docs/postmortems.md):
// the document, its review and export, the action items, and what keeps
// an incident from closing.

func (s *Server) postmortemRoutes() []route {
	return []route{
		{"GET", "/api/v1/incidents/{incident}/postmortem", reader, s.onPostmortem(http.StatusOK, getPostmortem), nil},
		{"PUT", "/api/v1/incidents/{incident}/postmortem/sections/{section}", writer, s.replayable(s.onPostmortem(http.StatusOK, s.editSection)), postmortem.SectionInput{}},
		{"GET", "/api/v1/incidents/{incident}/postmortem/history", reader, s.onPostmortem(http.StatusOK, postmortemHistory), nil},
		{"POST", "/api/v1/incidents/{incident}/postmortem/required", writer, s.replayable(s.onPostmortem(http.StatusOK, s.requirePostmortem)), postmortem.RequireInput{}},
		{"POST", "/api/v1/incidents/{incident}/postmortem/submit", writer, s.replayable(s.onPostmortem(http.StatusOK, postmortemStep((*postmortem.Service).Submit))), nil},
		{"POST", "/api/v1/incidents/{incident}/postmortem/approve", writer, s.replayable(s.onPostmortem(http.StatusOK, postmortemStep((*postmortem.Service).Approve))), nil},
		{"POST", "/api/v1/incidents/{incident}/postmortem/reject", writer, s.replayable(s.onPostmortem(http.StatusOK, postmortemStep((*postmortem.Service).Reject))), nil},
		{"POST", "/api/v1/incidents/{incident}/postmortem/publish", writer, s.replayable(s.onPostmortem(http.StatusOK, postmortemStep((*postmortem.Service).Publish))), nil},
		{"GET", "/api/v1/incidents/{incident}/postmortem/export", reader, s.exportPostmortem, nil},
		{"GET", "/api/v1/incidents/{incident}/close-readiness", reader, s.closeReadiness, nil},
		{"GET", "/api/v1/incidents/{incident}/action-items", reader, s.onPostmortem(http.StatusOK, incidentActionItems), nil},
		{"POST", "/api/v1/incidents/{incident}/action-items", writer, s.replayable(s.onPostmortem(http.StatusCreated, s.addActionItem)), warroom.ActionItemInput{}},
		{"GET", "/api/v1/action-items", reader, s.listActionItems, nil},
		{"PATCH", "/api/v1/action-items/{item}", writer, s.changeActionItem, warroom.ActionItemInput{}},
	}
}

// newPostmortems is Config.Postmortems, or the service on the API's store
// when it can keep postmortems (its reminder jobs then run only where an
// engine has its handlers).
func newPostmortems(cfg Config, store warroom.Store, now warroom.Clock) *postmortem.Service {
	if cfg.Postmortems != nil {
		return cfg.Postmortems
	}
	ps, ok := store.(postmortem.Store)
	if !ok {
		return nil
	}
	svc, err := postmortem.New(postmortem.Config{Store: ps, Now: now, Policy: cfg.Incidents.Policy, BaseURL: cfg.PublicURL, Logger: cfg.Logger})
	if err != nil {
		return nil
	}
	return svc
}

func (s *Server) postmortemService() (*postmortem.Service, error) {
	if s.postmortems == nil {
		return nil, warroom.Errorf(warroom.EUnavailable, "postmortems are not available on this server")
	}
	return s.postmortems, nil
}

// postmortemCall is what one postmortem endpoint does for the incident
// of its path, and the value it answers with.
type postmortemCall func(w http.ResponseWriter, r *http.Request, pm *postmortem.Service, incident string) (any, error)

// onPostmortem is the handler of a postmortem endpoint: it runs call with
// the postmortem service for the path's incident and answers status with
// what call returns; an error about the incident is answered as for any
// incident (incidentError: a private one the caller may not see is not
// found).
func (s *Server) onPostmortem(status int, call postmortemCall) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		pm, err := s.postmortemService()
		if err != nil {
			return err
		}
		v, err := call(w, r, pm, r.PathValue("incident"))
		if err != nil {
			return incidentError(r, err)
		}
		writeJSON(w, status, v)
		return nil
	}
}

func getPostmortem(_ http.ResponseWriter, r *http.Request, pm *postmortem.Service, incident string) (any, error) {
	return pm.Get(r.Context(), actor(r), incident)
}

func (s *Server) editSection(w http.ResponseWriter, r *http.Request, pm *postmortem.Service, incident string) (any, error) {
	var in postmortem.SectionInput
	if _, err := s.decode(w, r, &in); err != nil {
		return nil, err
	}
	return pm.EditSection(r.Context(), actor(r), incident, warroom.Section(r.PathValue("section")), in)
}

// revisionList is the answer of GET .../postmortem/history.
type revisionList struct {
	Revisions []warroom.PostmortemRevision `json:"revisions"`
}

func postmortemHistory(_ http.ResponseWriter, r *http.Request, pm *postmortem.Service, incident string) (any, error) {
	q, err := queryParams(r, "section")
	if err != nil {
		return nil, err
	}
	revs, err := pm.History(r.Context(), actor(r), incident, warroom.Section(q["section"]))
	if err != nil {
		return nil, err
	}
	return revisionList{Revisions: nonNil(revs)}, nil
}

func (s *Server) requirePostmortem(w http.ResponseWriter, r *http.Request, pm *postmortem.Service, incident string) (any, error) {
	var in postmortem.RequireInput
	if _, err := s.decode(w, r, &in); err != nil {
		return nil, err
	}
	return pm.Require(r.Context(), actor(r), incident, in)
}

// postmortemStep is a step of the review (submit, approve, reject,
// publish), which takes nothing but the incident.
func postmortemStep(step func(*postmortem.Service, context.Context, warroom.Actor, string) (*postmortem.View, error)) postmortemCall {
	return func(_ http.ResponseWriter, r *http.Request, pm *postmortem.Service, incident string) (any, error) {
		return step(pm, r.Context(), actor(r), incident)
	}
}

func (s *Server) exportPostmortem(w http.ResponseWriter, r *http.Request) error {
	pm, err := s.postmortemService()
	if err != nil {
		return err
	}
	md, err := pm.Export(r.Context(), actor(r), r.PathValue("incident"))
	if err != nil {
		return incidentError(r, err)
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, md)
	return nil
}

// closeReadinessAnswer is the answer of GET .../close-readiness.
type closeReadinessAnswer struct {
	Ready   bool     `json:"ready"`
	Missing []string `json:"missing"`
}

func (s *Server) closeReadiness(w http.ResponseWriter, r *http.Request) error {
	missing, err := s.incidents.CloseReadiness(r.Context(), actor(r), r.PathValue("incident"))
	if err != nil {
		return incidentError(r, err)
	}
	writeJSON(w, http.StatusOK, closeReadinessAnswer{Ready: len(missing) == 0, Missing: nonNil(missing)})
	return nil
}

// itemList is the answer of the action-item lists.
type itemList struct {
	Items []*postmortem.ItemView `json:"action_items"`
}

func incidentActionItems(_ http.ResponseWriter, r *http.Request, pm *postmortem.Service, incident string) (any, error) {
	list, err := pm.Items(r.Context(), actor(r), postmortem.ItemFilter{Incident: incident})
	if err != nil {
		return nil, err
	}
	return itemList{Items: nonNil(list)}, nil
}

func (s *Server) addActionItem(w http.ResponseWriter, r *http.Request, pm *postmortem.Service, incident string) (any, error) {
	var in warroom.ActionItemInput
	if _, err := s.decode(w, r, &in); err != nil {
		return nil, err
	}
	return pm.AddItem(r.Context(), actor(r), incident, in)
}

func (s *Server) listActionItems(w http.ResponseWriter, r *http.Request) error {
	pm, err := s.postmortemService()
	if err != nil {
		return err
	}
	q, err := queryParams(r, "owner", "incident", "open")
	if err != nil {
		return err
	}
	f := postmortem.ItemFilter{Owner: q["owner"], Incident: q["incident"]}
	switch q["open"] {
	case "", "false":
	case "true":
		f.Open = true
	default:
		return warroom.Invalid("open", "open must be true or false")
	}
	list, err := pm.Items(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, itemList{Items: nonNil(list)})
	return nil
}

func (s *Server) changeActionItem(w http.ResponseWriter, r *http.Request) error {
	pm, err := s.postmortemService()
	if err != nil {
		return err
	}
	var in warroom.ActionItemInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	it, err := pm.ChangeItem(r.Context(), actor(r), r.PathValue("item"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, it)
	return nil
}
