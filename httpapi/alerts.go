package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/warroom/warroom"
)

func (s *Server) alertRoutes() []route {
	return []route{
		{"GET", "/api/v1/alerts", reader, s.listAlerts, nil},
		{"GET", "/api/v1/alerts/{alert}", reader, s.getAlert, nil},
		{"POST", "/api/v1/alerts/{alert}/acknowledge", writer, s.acknowledgeAlert, struct{}{}},
		{"POST", "/api/v1/alerts/{alert}/declare", writer, s.declareFromAlert, declareFromAlertInput{}},
		{"GET", "/api/v1/alerts/{alert}/messages", reader, s.alertMessages, nil},
	}
}

// alertList is the answer of GET /api/v1/alerts.
type alertList struct {
	Alerts []*warroom.Alert `json:"alerts"`
}

// listAlerts lists alerts, newest first, filtered by service (ID or
// slug), incident (ID or ref), group key, status, severity and text
// (warroom.AlertQuery), a page at a time.
func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request) error {
	store, err := s.alertStore()
	if err != nil {
		return err
	}
	q, err := queryParams(r, "service", "incident", "group_key", "status", "severity", "q", "limit", "offset")
	if err != nil {
		return err
	}
	aq := warroom.AlertQuery{Service: q["service"], Incident: q["incident"], GroupKey: q["group_key"],
		Status: q["status"], Severity: q["severity"], Text: q["q"]}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"limit", &aq.Limit}, {"offset", &aq.Offset}} {
		name, dst := p.name, p.dst
		n, err := queryInt(q, name)
		if err != nil {
			return err
		}
		if n > 1<<31 {
			return warroom.Invalid(name, "%s is too large", name)
		}
		*dst = int(n)
	}
	f, err := aq.Filter(r.Context(), s.store, s.store, actor(r))
	if err != nil {
		return err
	}
	list, err := store.ListAlerts(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, alertList{Alerts: nonNil(list)})
	return nil
}

func (s *Server) getAlert(w http.ResponseWriter, r *http.Request) error {
	a, err := s.findAlert(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// findAlert returns the alert of the path if the caller may see it, and
// otherwise answers exactly as for an alert that does not exist
// (warroom.FindVisibleAlert): an alert of a private incident is part of
// it. Every alert route calls it before anything else reads or writes.
func (s *Server) findAlert(r *http.Request) (*warroom.Alert, error) {
	store, err := s.alertStore()
	if err != nil {
		return nil, err
	}
	a, _, err := warroom.FindVisibleAlert(r.Context(), store, s.store, actor(r), r.PathValue("alert"))
	return a, err
}

// visibleIncident returns the incident idOrRef if the caller may see it;
// ENotFound otherwise, exactly as for one that does not exist.
func (s *Server) visibleIncident(r *http.Request, idOrRef string) (*warroom.Incident, error) {
	inc, err := s.store.FindIncident(r.Context(), idOrRef)
	if err == nil && !inc.VisibleTo(actor(r)) {
		err = warroom.Errorf(warroom.ENotFound, "incident %s not found", idOrRef)
	}
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, warroom.Errorf(warroom.ENotFound, "incident %s not found", idOrRef)
	}
	return inc, err
}

// ackAnswer is the answer of POST /api/v1/alerts/{alert}/acknowledge:
// the alert, its incident if it has one (acknowledged with it), and what
// happened in words.
type ackAnswer struct {
	Alert    *warroom.Alert    `json:"alert"`
	Incident *warroom.Incident `json:"incident,omitempty"`
	Message  string            `json:"message"`
}

// acknowledgeAlert is POST /api/v1/alerts/{alert}/acknowledge: the
// caller is on it, so its escalation stops. The body is optional ({}).
// Acknowledging an alert that is acknowledged or resolved changes
// nothing.
func (s *Server) acknowledgeAlert(w http.ResponseWriter, r *http.Request) error {
	var in struct{}
	if _, err := s.decodeOptional(w, r, &in); err != nil {
		return err
	}
	a, err := s.findAlert(r)
	if err != nil {
		return err
	}
	var ans ackAnswer
	if p := s.paging.pager; p != nil {
		res, err := p.AcknowledgeAlert(r.Context(), actor(r), a.ID)
		if err != nil {
			return err
		}
		ans = ackAnswer{Alert: res.Alert, Incident: res.Incident, Message: res.Message}
	} else {
		if ans.Alert, err = s.acknowledgeInStore(r.Context(), a.ID); err != nil {
			return err
		}
		ans.Message = "alert " + string(ans.Alert.Status)
	}
	writeJSON(w, http.StatusOK, ans)
	return nil
}

// acknowledgeInStore acknowledges an alert when the server runs without
// the paging engine (so no escalation runs to be stopped).
func (s *Server) acknowledgeInStore(ctx context.Context, id string) (*warroom.Alert, error) {
	now := s.now().UTC()
	return s.paging.alerts.UpdateAlert(ctx, id, now, func(a *warroom.Alert) error {
		if a.Status == warroom.AlertFiring {
			a.Status, a.AcknowledgedAt, a.UpdatedAt = warroom.AlertAcknowledged, &now, now
		}
		return nil
	})
}

// declareFromAlertInput is the optional body of POST
// /api/v1/alerts/{alert}/declare: the incident's severity; by default the
// one the service's declare rule gives the alert, else SEV3.
type declareFromAlertInput struct {
	Severity warroom.Severity `json:"severity"`
}

// declareFromAlert declares an incident from an alert that waits for a
// person: the caller is its first responder, and the alert is attached
// and acknowledged. Declaring again answers 409 (the alert belongs to an
// incident), so a retry never makes a second incident.
func (s *Server) declareFromAlert(w http.ResponseWriter, r *http.Request) error {
	var in declareFromAlertInput
	if _, err := s.decodeOptional(w, r, &in); err != nil {
		return err
	}
	in.Severity = warroom.Severity(strings.ToUpper(string(in.Severity)))
	if in.Severity != "" && !in.Severity.Valid() {
		return warroom.Invalid("severity", "severity must be one of SEV1, SEV2, SEV3, SEV4")
	}
	p, err := s.pager()
	if err != nil {
		return err
	}
	a, err := s.findAlert(r)
	if err != nil {
		return err
	}
	if in.Severity == "" {
		if in.Severity, err = s.ruleSeverity(r.Context(), a); err != nil {
			return err
		}
	}
	res, err := p.DeclareFromAlert(r.Context(), actor(r), a.ID, in.Severity)
	if err != nil {
		return err
	}
	writeResult(w, http.StatusCreated, res)
	return nil
}

// ruleSeverity is the severity the service's rules declare an alert at,
// or SEV3 when they would not declare it.
func (s *Server) ruleSeverity(ctx context.Context, a *warroom.Alert) (warroom.Severity, error) {
	sp, err := s.paging.alerts.GetServicePaging(ctx, a.ServiceID)
	if err != nil {
		return "", err
	}
	return warroom.DeclareSeverity(sp.AlertRules, a), nil
}

// attachInput is the body of POST /api/v1/incidents/{incident}/alerts.
type attachInput struct {
	AlertIDs []string `json:"alert_ids"`
}

// attachAlerts attaches alerts to an open incident and notes them on its
// timeline. Alerts attached already are skipped; naming only those is a
// conflict, so a retry changes nothing; with an Idempotency-Key a retry
// answers the first result, as every incident command does.
func (s *Server) attachAlerts(w http.ResponseWriter, r *http.Request) error {
	in, idem, err := decodeCommand[attachInput](s, w, r, false)
	if err != nil {
		return err
	}
	if len(in.AlertIDs) == 0 {
		return warroom.Invalid("alert_ids", "give the IDs of the alerts to attach")
	}
	if len(in.AlertIDs) > 1000 {
		return warroom.Invalid("alert_ids", "attach at most 1000 alerts at once")
	}
	p, err := s.pager()
	if err != nil {
		return err
	}
	inc, err := s.visibleIncident(r, r.PathValue("incident"))
	if err != nil {
		return err
	}
	res, err := p.AttachAlerts(r.Context(), actor(r), inc.ID, in.AlertIDs, idem)
	if err != nil {
		return err
	}
	writeResult(w, http.StatusOK, res)
	return nil
}
