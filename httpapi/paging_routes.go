package httpapi

import (
	"context"
	"net/http"
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
		{"POST", "/api/v1/users/{user}/contact-methods/{contact}/test", self, s.testContactMethod, struct{}{}},
		{"GET", "/api/v1/users/{user}/notification-rules", self, s.listNotificationRules, nil},
		{"PUT", "/api/v1/users/{user}/notification-rules", self, s.setNotificationRules, rulesInput{}},
	}
}

// integrationInput is the body of POST /api/v1/services/{service}/integrations.
// Key, when given, is the integration's key instead of a generated one,
// so that a tool already sending with a key (a PagerDuty routing key, the
// last segment of an Alertmanager webhook URL) needs only its URL
// changed; see intake.CheckKey for what is accepted.
type integrationInput struct {
	Kind warroom.IntegrationKind `json:"kind"`
	Name string                  `json:"name"`
	Key  *string                 `json:"key"`
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

// checkedInput is a request body that checks, and tidies, itself once
// decoded.
type checkedInput interface{ check() error }

// resourceRoute is how the paging routes about one thing of the path (a
// service, a user) answer. The order of its steps is part of the API, as
// it decides which error a request with several faults gets:
//
//  1. store: the part of paging the route needs (an error when the server
//     runs without it);
//  2. the body, if in is not nil: decoded into in and checked, before the
//     thing of the path is looked up;
//  3. find: the thing of the path (not found; for a user, forbidden when
//     the caller may not manage them);
//  4. do, whose answer is written as JSON with status.
func resourceRoute[S, T any](s *Server, w http.ResponseWriter, r *http.Request, status int,
	store func() (S, error), find func(*http.Request) (T, error), in checkedInput,
	do func(ctx context.Context, st S, of T) (any, error)) error {
	st, err := store()
	if err != nil {
		return err
	}
	if in != nil {
		if _, err := s.decode(w, r, in); err != nil {
			return err
		}
		if err := in.check(); err != nil {
			return err
		}
	}
	of, err := find(r)
	if err != nil {
		return err
	}
	v, err := do(r.Context(), st, of)
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}

// serviceRoute is resourceRoute for /api/v1/services/{service}/…: the
// alert store and the service.
func (s *Server) serviceRoute(w http.ResponseWriter, r *http.Request, status int, in checkedInput,
	do func(ctx context.Context, store warroom.AlertStore, svc *warroom.Service) (any, error)) error {
	return resourceRoute(s, w, r, status, s.alertStore, s.findService, in, do)
}

func (s *Server) listIntegrations(w http.ResponseWriter, r *http.Request) error {
	return s.serviceRoute(w, r, http.StatusOK, nil, func(ctx context.Context, store warroom.AlertStore, svc *warroom.Service) (any, error) {
		list, err := store.ListIntegrations(ctx, svc.ID)
		if err != nil {
			return nil, err
		}
		return integrationList{Integrations: nonNil(list)}, nil
	})
}

// check requires a known kind, names the integration after it when
// no name is given, and checks a given key (intake.NewIntegration.Check).
func (in *integrationInput) check() error {
	ni := intake.NewIntegration{Kind: in.Kind, Name: in.Name, Key: in.Key}
	err := ni.Check()
	in.Name = ni.Name
	return err
}

func (s *Server) createIntegration(w http.ResponseWriter, r *http.Request) error {
	var in integrationInput
	return s.serviceRoute(w, r, http.StatusCreated, &in, func(ctx context.Context, store warroom.AlertStore, svc *warroom.Service) (any, error) {
		ig, key, err := intake.CreateIntegration(ctx, store, svc.ID, intake.NewIntegration{Kind: in.Kind, Name: in.Name, Key: in.Key}, s.now())
		if err != nil {
			return nil, err
		}
		return newIntegration{Integration: ig, Key: key, URL: s.intakeURL(r, ig.Kind, key)}, nil
	})
}

// intakeURL is where a sender of kind posts: for a webhook, with the key
// as the last path segment (a bearer token works as well); for PagerDuty,
// the Events API URL, the key going in routing_key.
func (s *Server) intakeURL(r *http.Request, kind warroom.IntegrationKind, key string) string {
	return intake.SenderURL(s.baseURL(r), kind, key)
}

// baseURL is where people and senders reach this server: the public URL
// setting, else the scheme and host of the request.
func (s *Server) baseURL(r *http.Request) string {
	return intake.BaseURL(s.paging.publicURL, r)
}

func (s *Server) deleteIntegration(w http.ResponseWriter, r *http.Request) error {
	return s.serviceRoute(w, r, http.StatusOK, nil, func(ctx context.Context, store warroom.AlertStore, svc *warroom.Service) (any, error) {
		return intake.DeleteIntegration(ctx, store, svc, r.PathValue("integration"))
	})
}

// servicePagingInput is the body of PUT /api/v1/services/{service}/paging:
// the whole configuration. An empty escalation_policy pages nobody; no
// alert_rules (null or absent) means the default rules, [] means none
// (every alert waits for a person).
type servicePagingInput struct {
	EscalationPolicy string               `json:"escalation_policy"`
	AlertRules       *[]warroom.AlertRule `json:"alert_rules"`
}

// check puts the default rules in when none were given, and normalises
// the spelling of the severities before validating the rules.
func (in *servicePagingInput) check() error {
	if in.AlertRules == nil {
		rules := warroom.DefaultAlertRules()
		in.AlertRules = &rules
	}
	rules := *in.AlertRules
	for i := range rules {
		rules[i].MinSeverity = strings.ToLower(strings.TrimSpace(rules[i].MinSeverity))
		rules[i].IncidentSeverity = warroom.Severity(strings.ToUpper(string(rules[i].IncidentSeverity)))
	}
	return warroom.ValidateAlertRules(rules)
}

func (s *Server) getServicePaging(w http.ResponseWriter, r *http.Request) error {
	return s.serviceRoute(w, r, http.StatusOK, nil, func(ctx context.Context, store warroom.AlertStore, svc *warroom.Service) (any, error) {
		sp, err := store.GetServicePaging(ctx, svc.ID)
		if err != nil {
			return nil, err
		}
		sp.AlertRules = nonNil(sp.AlertRules)
		return sp, nil
	})
}

func (s *Server) setServicePaging(w http.ResponseWriter, r *http.Request) error {
	var in servicePagingInput
	return s.serviceRoute(w, r, http.StatusOK, &in, func(ctx context.Context, store warroom.AlertStore, svc *warroom.Service) (any, error) {
		sp := warroom.ServicePaging{ServiceID: svc.ID, AlertRules: nonNil(*in.AlertRules)}
		if in.EscalationPolicy != "" {
			esc, err := s.escalationStore()
			if err != nil {
				return nil, err
			}
			p, err := esc.FindEscalationPolicy(ctx, in.EscalationPolicy)
			if warroom.ErrorCode(err) == warroom.ENotFound {
				return nil, warroom.Invalid("escalation_policy", "no escalation policy %q", in.EscalationPolicy)
			} else if err != nil {
				return nil, err
			}
			sp.EscalationPolicyID = p.ID
		}
		if err := store.SetServicePaging(ctx, sp); err != nil {
			return nil, err
		}
		return sp, nil
	})
}
