package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/intake"
)

// pagingRoutes manage how alerts page people: integrations and paging
// rules of services, escalation policies, and each person's contact
// methods and notification rules.
func (s *Server) pagingRoutes() []route {
	return []route{
		{"GET", "/api/v1/services/{service}/integrations", reader, s.listIntegrations, nil},
		{"POST", "/api/v1/services/{service}/integrations", admin, s.createIntegration, integrationInput{}},
		{"DELETE", "/api/v1/services/{service}/integrations/{integration}", admin, s.deleteIntegration, nil},
		{"GET", "/api/v1/services/{service}/paging", reader, s.getServicePaging, nil},
		{"PUT", "/api/v1/services/{service}/paging", admin, s.setServicePaging, servicePagingInput{}},

		{"GET", "/api/v1/escalation-policies", reader, s.listPolicies, nil},
		{"POST", "/api/v1/escalation-policies", admin, s.createPolicy, policyInput{}},
		{"GET", "/api/v1/escalation-policies/{policy}", reader, s.getPolicy, nil},
		{"PUT", "/api/v1/escalation-policies/{policy}", admin, s.updatePolicy, policyInput{}},

		{"GET", "/api/v1/users/{user}/contact-methods", self, s.listContactMethods, nil},
		{"POST", "/api/v1/users/{user}/contact-methods", self, s.createContactMethod, contactInput{}},
		{"DELETE", "/api/v1/users/{user}/contact-methods/{contact}", self, s.deleteContactMethod, nil},
		{"GET", "/api/v1/users/{user}/notification-rules", self, s.listNotificationRules, nil},
		{"PUT", "/api/v1/users/{user}/notification-rules", self, s.setNotificationRules, rulesInput{}},
	}
}

// integrationInput is the body of POST /api/v1/services/{service}/integrations.
type integrationInput struct {
	Kind warroom.IntegrationKind `json:"kind"`
	Name string                  `json:"name"`
}

// newIntegration is the answer to creating an integration: the only time
// its key is shown (only its hash is stored), with the URL to send to.
type newIntegration struct {
	Integration *warroom.Integration `json:"integration"`
	Key         string               `json:"key"`
	URL         string               `json:"url"`
}

// integrationList is the answer of GET .../integrations.
type integrationList struct {
	Integrations []*warroom.Integration `json:"integrations"`
}

func (s *Server) findService(r *http.Request) (*warroom.Service, error) {
	return s.store.FindService(r.Context(), r.PathValue("service"))
}

func (s *Server) listIntegrations(w http.ResponseWriter, r *http.Request) error {
	store, err := s.alertStore()
	if err != nil {
		return err
	}
	svc, err := s.findService(r)
	if err != nil {
		return err
	}
	list, err := store.ListIntegrations(r.Context(), svc.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, integrationList{Integrations: nonNil(list)})
	return nil
}

func (s *Server) createIntegration(w http.ResponseWriter, r *http.Request) error {
	store, err := s.alertStore()
	if err != nil {
		return err
	}
	var in integrationInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	if !in.Kind.Valid() {
		return warroom.Invalid("kind", "kind must be alertmanager, pagerduty or webhook")
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		in.Name = string(in.Kind)
	}
	if len(in.Name) > 100 {
		return warroom.Invalid("name", "name must be at most 100 characters")
	}
	svc, err := s.findService(r)
	if err != nil {
		return err
	}
	// 32 hex digits: also a valid PagerDuty routing key.
	key := intake.RandomKey()
	ig := &warroom.Integration{ServiceID: svc.ID, Kind: in.Kind, Name: in.Name, CreatedAt: s.now().UTC()}
	if err := store.CreateIntegration(r.Context(), ig, warroom.HashTokenSecret(key)); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, newIntegration{Integration: ig, Key: key, URL: s.intakeURL(r, ig.Kind, key)})
	return nil
}

// intakeURL is where a sender of kind posts: for a webhook, with the key
// as the last path segment (a bearer token works as well); for PagerDuty,
// the Events API URL, the key going in routing_key.
func (s *Server) intakeURL(r *http.Request, kind warroom.IntegrationKind, key string) string {
	base := strings.TrimRight(s.paging.publicURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	switch kind {
	case warroom.IntegrationAlertmanager:
		return base + "/webhook/" + url.PathEscape(key)
	case warroom.IntegrationPagerDuty:
		return base + "/v2/enqueue"
	}
	return base + "/api/v1/integrations/webhook/" + url.PathEscape(key)
}

func (s *Server) deleteIntegration(w http.ResponseWriter, r *http.Request) error {
	store, err := s.alertStore()
	if err != nil {
		return err
	}
	svc, err := s.findService(r)
	if err != nil {
		return err
	}
	list, err := store.ListIntegrations(r.Context(), svc.ID)
	if err != nil {
		return err
	}
	id := r.PathValue("integration")
	for _, ig := range list {
		if ig.ID == id {
			if err := store.DeleteIntegration(r.Context(), ig.ID); err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, ig)
			return nil
		}
	}
	return warroom.Errorf(warroom.ENotFound, "service %s has no integration %s", svc.Slug, id)
}

// servicePagingInput is the body of PUT /api/v1/services/{service}/paging:
// the whole configuration. An empty escalation_policy pages nobody; no
// alert_rules (null or absent) means the default rules, [] means none
// (every alert waits for a person).
type servicePagingInput struct {
	EscalationPolicy string               `json:"escalation_policy"`
	AlertRules       *[]warroom.AlertRule `json:"alert_rules"`
}

func (s *Server) getServicePaging(w http.ResponseWriter, r *http.Request) error {
	store, err := s.alertStore()
	if err != nil {
		return err
	}
	svc, err := s.findService(r)
	if err != nil {
		return err
	}
	sp, err := store.GetServicePaging(r.Context(), svc.ID)
	if err != nil {
		return err
	}
	sp.AlertRules = nonNil(sp.AlertRules)
	writeJSON(w, http.StatusOK, sp)
	return nil
}

func (s *Server) setServicePaging(w http.ResponseWriter, r *http.Request) error {
	store, err := s.alertStore()
	if err != nil {
		return err
	}
	var in servicePagingInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	rules := warroom.DefaultAlertRules()
	if in.AlertRules != nil {
		rules = *in.AlertRules
	}
	for i := range rules {
		rules[i].MinSeverity = strings.ToLower(strings.TrimSpace(rules[i].MinSeverity))
		rules[i].IncidentSeverity = warroom.Severity(strings.ToUpper(string(rules[i].IncidentSeverity)))
	}
	if err := warroom.ValidateAlertRules(rules); err != nil {
		return err
	}
	svc, err := s.findService(r)
	if err != nil {
		return err
	}
	sp := warroom.ServicePaging{ServiceID: svc.ID, AlertRules: nonNil(rules)}
	if in.EscalationPolicy != "" {
		esc, err := s.escalationStore()
		if err != nil {
			return err
		}
		p, err := esc.FindEscalationPolicy(r.Context(), in.EscalationPolicy)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			return warroom.Invalid("escalation_policy", "no escalation policy %q", in.EscalationPolicy)
		} else if err != nil {
			return err
		}
		sp.EscalationPolicyID = p.ID
	}
	if err := store.SetServicePaging(r.Context(), sp); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sp)
	return nil
}
