package httpapi

import (
	"crypto/rand"
	"net/http"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/statuspage"
)

// This file serves the status page's admin API (docs/status-page.md):
// making incidents public, components and their status, maintenance
// windows and subscribers. The public page itself is statuspage.Handler.

func (s *Server) statusRoutes() []route {
	return []route{
		{"POST", "/api/v1/incidents/{incident}/public", writer, s.makePublic, warroom.MakePublic{}},
		{"GET", "/api/v1/status/components", reader, s.listComponents, nil},
		{"POST", "/api/v1/status/components", admin, s.createComponent, statuspage.ComponentInput{}},
		{"PUT", "/api/v1/status/components/{component}", admin, s.updateComponent, statuspage.ComponentInput{}},
		{"DELETE", "/api/v1/status/components/{component}", admin, s.deleteComponent, nil},
		{"POST", "/api/v1/status/components/{component}/status", writer, s.replayable(s.setComponentStatus), statuspage.StatusInput{}},
		{"GET", "/api/v1/status/components/{component}/history", reader, s.componentHistory, nil},
		{"GET", "/api/v1/status/maintenance", reader, s.listMaintenance, nil},
		{"POST", "/api/v1/status/maintenance", writer, s.replayable(s.scheduleMaintenance), statuspage.MaintenanceInput{}},
		{"POST", "/api/v1/status/maintenance/{maintenance}/updates", writer, s.replayable(s.maintenanceUpdate), statuspage.MaintenanceUpdateInput{}},
		{"POST", "/api/v1/status/maintenance/{maintenance}/cancel", writer, s.replayable(s.cancelMaintenance), nil},
		{"GET", "/api/v1/status/subscribers", admin, s.listSubscribers, nil},
		{"POST", "/api/v1/status/subscribers", admin, s.addWebhookSubscriber, statuspage.WebhookInput{}},
		{"DELETE", "/api/v1/status/subscribers/{subscriber}", admin, s.removeSubscriber, nil},
	}
}

// newStatusPage is Config.StatusPage, or a status page on the API's store
// when it can keep one (no sender, a key of this process: its links and
// notices are the server's to make).
func newStatusPage(cfg Config, store warroom.Store, now warroom.Clock) *statuspage.Service {
	if cfg.StatusPage != nil {
		return cfg.StatusPage
	}
	st, ok := store.(statuspage.Store)
	if !ok {
		return nil
	}
	key := make([]byte, 32)
	rand.Read(key)
	svc, err := statuspage.New(statuspage.Config{Store: st, Now: now, Policy: cfg.Incidents.Policy, Key: key, Logger: cfg.Logger})
	if err != nil {
		return nil
	}
	return svc
}

func (s *Server) statusPage() (*statuspage.Service, error) {
	if s.status == nil {
		return nil, warroom.Errorf(warroom.EUnavailable, "the status page is not available on this server")
	}
	return s.status, nil
}

func (s *Server) makePublic(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.statusPage()
	if err != nil {
		return err
	}
	in, idem, err := decodeCommand[warroom.MakePublic](s, w, r, false)
	if err != nil {
		return err
	}
	p, err := sp.MakePublic(r.Context(), actor(r), r.PathValue("incident"), in, idem)
	if err != nil {
		return incidentError(r, err)
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

type componentList struct {
	Components []*warroom.StatusComponent `json:"components"`
}

func (s *Server) listComponents(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.statusPage()
	if err != nil {
		return err
	}
	list, err := sp.Components(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, componentList{Components: nonNil(list)})
	return nil
}

func (s *Server) createComponent(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.statusPage()
	if err != nil {
		return err
	}
	var in statuspage.ComponentInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	c, err := sp.CreateComponent(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) updateComponent(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.statusPage()
	if err != nil {
		return err
	}
	var in statuspage.ComponentInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	c, err := sp.UpdateComponent(r.Context(), actor(r), r.PathValue("component"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) deleteComponent(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.statusPage()
	if err != nil {
		return err
	}
	if err := sp.DeleteComponent(r.Context(), actor(r), r.PathValue("component")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) setComponentStatus(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.statusPage()
	if err != nil {
		return err
	}
	var in statuspage.StatusInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	c, err := sp.SetStatus(r.Context(), actor(r), r.PathValue("component"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

type historyList struct {
	Changes []warroom.ComponentChange `json:"changes"`
}

func (s *Server) componentHistory(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.statusPage()
	if err != nil {
		return err
	}
	h, err := sp.History(r.Context(), r.PathValue("component"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, historyList{Changes: h})
	return nil
}

type maintenanceList struct {
	Maintenance []*warroom.Maintenance `json:"maintenance"`
}

func (s *Server) listMaintenance(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.statusPage()
	if err != nil {
		return err
	}
	list, err := sp.Maintenance(r.Context(), s.now().AddDate(0, 0, -90))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, maintenanceList{Maintenance: nonNil(list)})
	return nil
}

func (s *Server) scheduleMaintenance(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.statusPage()
	if err != nil {
		return err
	}
	var in statuspage.MaintenanceInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	m, err := sp.ScheduleMaintenance(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}

func (s *Server) maintenanceUpdate(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.statusPage()
	if err != nil {
		return err
	}
	var in statuspage.MaintenanceUpdateInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	u, err := sp.AddMaintenanceUpdate(r.Context(), actor(r), r.PathValue("maintenance"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) cancelMaintenance(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.statusPage()
	if err != nil {
		return err
	}
	if err := sp.CancelMaintenance(r.Context(), actor(r), r.PathValue("maintenance")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type subscriberList struct {
	Subscribers []*warroom.Subscriber `json:"subscribers"`
}

func (s *Server) listSubscribers(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.statusPage()
	if err != nil {
		return err
	}
	list, err := sp.Subscribers(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, subscriberList{Subscribers: nonNil(list)})
	return nil
}

func (s *Server) addWebhookSubscriber(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.statusPage()
	if err != nil {
		return err
	}
	var in statuspage.WebhookInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	if err := s.outbound.CheckURL(in.URL); err != nil {
		return warroom.Invalid("url", "%v", err)
	}
	sub, err := sp.AddWebhook(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sub)
	return nil
}

func (s *Server) removeSubscriber(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.statusPage()
	if err != nil {
		return err
	}
	if err := sp.RemoveSubscriber(r.Context(), actor(r), r.PathValue("subscriber")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
