package httpapi

import (
	"net/http"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/comms"
	"github.com/warroom/warroom/notify"
)

// This file serves communications (comms, docs/communications.md):
// updates, their templates, the executive summary, the cadence, customer
// deliveries, customers, the assessment and asking for help.

func (s *Server) commsRoutes() []route {
	return []route{
		{"GET", "/api/v1/incidents/{incident}/updates", reader, s.listUpdates, nil},
		{"POST", "/api/v1/incidents/{incident}/updates", writer, s.sendUpdate, comms.UpdateInput{}},
		{"GET", "/api/v1/incidents/{incident}/updates/draft", reader, s.draftUpdate, nil},
		{"GET", "/api/v1/incidents/{incident}/summary", reader, s.summary, nil},
		{"GET", "/api/v1/incidents/{incident}/cadence", reader, s.cadence, nil},
		{"GET", "/api/v1/incidents/{incident}/deliveries", reader, s.deliveries, nil},
		{"POST", "/api/v1/incidents/{incident}/assessment", writer, s.assess, warroom.Assess{}},
		{"POST", "/api/v1/incidents/{incident}/help", writer, s.requestHelp, warroom.RequestHelp{}},
		{"GET", "/api/v1/update-templates", reader, s.listTemplates, nil},
		{"PUT", "/api/v1/update-templates/{audience}", admin, s.putTemplate, comms.TemplateInput{}},
		{"GET", "/api/v1/customers", reader, s.listCustomers, nil},
		{"POST", "/api/v1/customers", admin, s.createCustomer, comms.CustomerInput{}},
		{"GET", "/api/v1/customers/{customer}", reader, s.getCustomer, nil},
		{"PUT", "/api/v1/customers/{customer}", admin, s.updateCustomer, comms.CustomerInput{}},
		{"DELETE", "/api/v1/customers/{customer}", admin, s.deleteCustomer, nil},
	}
}

// newComms is Config.Comms, or comms on the API's store when it can keep
// them, with no notifiers (deliveries then fail visibly): the server
// passes the one whose jobs its engine runs.
func newComms(cfg Config, store warroom.Store, now warroom.Clock) *comms.Service {
	if cfg.Comms != nil {
		return cfg.Comms
	}
	cs, ok := store.(comms.Store)
	if !ok {
		return nil
	}
	reg, _ := notify.NewRegistry()
	svc, err := comms.New(comms.Config{Store: cs, Incidents: cfg.Incidents, Now: now, Policy: cfg.Incidents.Policy,
		Sender: reg, Logger: cfg.Logger})
	if err != nil {
		return nil
	}
	return svc
}

func (s *Server) commsService() (*comms.Service, error) {
	if s.comms == nil {
		return nil, warroom.Errorf(warroom.EUnavailable, "communications are not available on this server")
	}
	return s.comms, nil
}

// updateList is the answer of GET .../updates.
type updateList struct {
	Updates []*warroom.Update `json:"updates"`
}

func (s *Server) listUpdates(w http.ResponseWriter, r *http.Request) error {
	c, err := s.commsService()
	if err != nil {
		return err
	}
	q, err := queryParams(r, "audience")
	if err != nil {
		return err
	}
	list, err := c.ListUpdates(r.Context(), actor(r), r.PathValue("incident"), warroom.Audience(q["audience"]))
	if err != nil {
		return incidentError(r, err)
	}
	writeJSON(w, http.StatusOK, updateList{Updates: nonNil(list)})
	return nil
}

func (s *Server) sendUpdate(w http.ResponseWriter, r *http.Request) error {
	c, err := s.commsService()
	if err != nil {
		return err
	}
	in, idem, err := decodeCommand[comms.UpdateInput](s, w, r, false)
	if err != nil {
		return err
	}
	u, err := c.SendUpdate(r.Context(), actor(r), r.PathValue("incident"), in, idem)
	if err != nil {
		return incidentError(r, err)
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) draftUpdate(w http.ResponseWriter, r *http.Request) error {
	c, err := s.commsService()
	if err != nil {
		return err
	}
	q, err := queryParams(r, "audience")
	if err != nil {
		return err
	}
	aud := warroom.Audience(q["audience"])
	if aud == "" {
		aud = warroom.AudienceInternal
	}
	d, err := c.Draft(r.Context(), actor(r), r.PathValue("incident"), aud)
	if err != nil {
		return incidentError(r, err)
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) summary(w http.ResponseWriter, r *http.Request) error {
	c, err := s.commsService()
	if err != nil {
		return err
	}
	sum, err := c.Summary(r.Context(), actor(r), r.PathValue("incident"))
	if err != nil {
		return incidentError(r, err)
	}
	writeJSON(w, http.StatusOK, sum)
	return nil
}

func (s *Server) cadence(w http.ResponseWriter, r *http.Request) error {
	c, err := s.commsService()
	if err != nil {
		return err
	}
	rep, err := c.Cadence(r.Context(), actor(r), r.PathValue("incident"))
	if err != nil {
		return incidentError(r, err)
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// deliveryList is the answer of GET .../deliveries.
type deliveryList struct {
	Deliveries []*warroom.CustomerDelivery `json:"deliveries"`
}

func (s *Server) deliveries(w http.ResponseWriter, r *http.Request) error {
	c, err := s.commsService()
	if err != nil {
		return err
	}
	list, err := c.Deliveries(r.Context(), actor(r), r.PathValue("incident"))
	if err != nil {
		return incidentError(r, err)
	}
	writeJSON(w, http.StatusOK, deliveryList{Deliveries: nonNil(list)})
	return nil
}

func (s *Server) assess(w http.ResponseWriter, r *http.Request) error {
	return runCommand(s, w, r, false, same[warroom.Assess])
}

func (s *Server) requestHelp(w http.ResponseWriter, r *http.Request) error {
	c, err := s.commsService()
	if err != nil {
		return err
	}
	in, idem, err := decodeCommand[warroom.RequestHelp](s, w, r, false)
	if err != nil {
		return err
	}
	res, err := c.RequestHelp(r.Context(), actor(r), r.PathValue("incident"), in, idem)
	if err != nil {
		return incidentError(r, err)
	}
	writeResult(w, http.StatusOK, res)
	return nil
}

// templateList is the answer of GET /api/v1/update-templates.
type templateList struct {
	Templates []warroom.UpdateTemplate `json:"templates"`
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) error {
	c, err := s.commsService()
	if err != nil {
		return err
	}
	list, err := c.Templates(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, templateList{Templates: nonNil(list)})
	return nil
}

func (s *Server) putTemplate(w http.ResponseWriter, r *http.Request) error {
	c, err := s.commsService()
	if err != nil {
		return err
	}
	aud := warroom.Audience(r.PathValue("audience"))
	if !aud.Valid() {
		return warroom.Errorf(warroom.ENotFound, "no audience %q: internal, customers or executives", aud)
	}
	var in comms.TemplateInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	t, err := c.PutTemplate(r.Context(), actor(r), aud, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// customerList is the answer of GET /api/v1/customers.
type customerList struct {
	Customers []*warroom.Customer `json:"customers"`
}

func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) error {
	c, err := s.commsService()
	if err != nil {
		return err
	}
	list, err := c.Customers(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, customerList{Customers: nonNil(list)})
	return nil
}

func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) error {
	c, err := s.commsService()
	if err != nil {
		return err
	}
	cu, err := c.Customer(r.Context(), r.PathValue("customer"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cu)
	return nil
}

func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request) error {
	c, err := s.commsService()
	if err != nil {
		return err
	}
	var in comms.CustomerInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	cu, err := c.CreateCustomer(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, cu)
	return nil
}

func (s *Server) updateCustomer(w http.ResponseWriter, r *http.Request) error {
	c, err := s.commsService()
	if err != nil {
		return err
	}
	var in comms.CustomerInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	cu, err := c.UpdateCustomer(r.Context(), actor(r), r.PathValue("customer"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cu)
	return nil
}

func (s *Server) deleteCustomer(w http.ResponseWriter, r *http.Request) error {
	c, err := s.commsService()
	if err != nil {
		return err
	}
	if err := c.DeleteCustomer(r.Context(), actor(r), r.PathValue("customer")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
