package httpapi

import (
	"net/http"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/tracker"
	"github.com/warroom/warroom/tracker/tickets"
)

// This file serves the issue trackers (docs/trackers.md): the tracker
// settings of services and teams (admins), the trackers' webhooks (signed,
// no token) and an incident's tickets.

func (s *Server) trackerRoutes() []route {
	return []route{
		{"GET", "/api/v1/trackers", admin, s.listTrackers, nil},
		{"POST", "/api/v1/trackers", admin, s.createTracker, tickets.ConfigInput{}},
		{"DELETE", "/api/v1/trackers/{id}", admin, s.deleteTracker, nil},
		{"POST", "/api/v1/trackers/{id}/webhook", public, s.trackerWebhook, nil},
		{"GET", "/api/v1/incidents/{incident}/tickets", reader, s.incidentTickets, nil},
	}
}

// newTracker is Config.Tracker, or tracker settings on the API's store
// when it can keep them (with no secrets: webhooks are refused, and no
// ticket work runs here).
func newTracker(cfg Config, store warroom.Store, now warroom.Clock) *tickets.Service {
	if cfg.Tracker != nil {
		return cfg.Tracker
	}
	st, ok := store.(tickets.Store)
	if !ok {
		return nil
	}
	svc, err := tickets.New(tickets.Config{Store: st, Secrets: tracker.SecretsDir(""), Now: now, Logger: cfg.Logger})
	if err != nil {
		return nil
	}
	return svc
}

func (s *Server) trackerService() (*tickets.Service, error) {
	if s.tracker == nil {
		return nil, notConfigured("issue tracking")
	}
	return s.tracker, nil
}

func (s *Server) listTrackers(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.trackerService()
	if err != nil {
		return err
	}
	list, err := ts.Configs(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"trackers": list})
	return nil
}

func (s *Server) createTracker(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.trackerService()
	if err != nil {
		return err
	}
	var in tickets.ConfigInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	c, err := ts.CreateConfig(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) deleteTracker(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.trackerService()
	if err != nil {
		return err
	}
	if err := ts.DeleteConfig(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// trackerWebhook takes a GitHub or Jira webhook for the tracker settings
// named in the path. It carries no token: its signature (HMAC-SHA256 with
// the settings' webhook secret) is checked before anything is written,
// and a bad one is answered 401.
func (s *Server) trackerWebhook(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.trackerService()
	if err != nil {
		return err
	}
	body, err := s.readBody(w, r, false)
	if err != nil {
		return err
	}
	n, err := ts.Webhook(r.Context(), r.PathValue("id"), r.Header, body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"tickets_updated": n})
	return nil
}

// incidentTickets lists an incident's ticket and its action items'
// tickets, to those who may see the incident.
func (s *Server) incidentTickets(w http.ResponseWriter, r *http.Request) error {
	inc, err := s.visibleIncident(r, r.PathValue("incident"))
	if err != nil {
		return err
	}
	ts, err := s.trackerService()
	if err != nil {
		return err
	}
	list, err := ts.IncidentTickets(r.Context(), inc.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tickets": list})
	return nil
}

// SetTracker replaces the tracker service of the routes (the server's,
// with its secrets and jobs); call it before serving.
func (s *Server) SetTracker(t *tickets.Service) { s.tracker = t }
