package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/intake"
)

// intakeRoutes are the endpoints monitoring tools send alerts to. They
// take no API token: the integration key authenticates, and each answers
// in its sender's own format (intake.WritePagerDuty, intake.WriteWebhook)
// rather than the API's error body.
func (s *Server) intakeRoutes() []route {
	alertmanager := s.webhookIntake(warroom.IntegrationAlertmanager, intake.ParseAlertmanager)
	return []route{
		{"POST", "/v2/enqueue", public, s.enqueuePagerDuty, nil},
		{"POST", "/webhook/{key}", public, alertmanager, nil},
		{"POST", "/api/v1/integrations/alertmanager/{key}", public, alertmanager, nil},
		{"POST", "/api/v1/integrations/webhook/{key}", public, s.webhookIntake(warroom.IntegrationWebhook, intake.ParseGeneric), nil},
	}
}

// errStoreDown is a delivery that could not be committed: 503, which
// senders retry. It is never answered with 2xx.
var errStoreDown = errors.New("alerts could not be stored")

// enqueuePagerDuty is POST /v2/enqueue, PagerDuty's Events API v2: the
// event's routing_key is the integration key.
func (s *Server) enqueuePagerDuty(w http.ResponseWriter, r *http.Request) error {
	now := s.now().UTC()
	body, err := intake.ReadBody(w, r, s.maxBody)
	if err != nil {
		intake.WritePagerDuty(w, "", err)
		return nil
	}
	a, perr := intake.ParsePagerDuty(body, now, nil)
	if perr != nil {
		intake.WritePagerDuty(w, "", perr)
		return nil
	}
	in, err := s.findIntegration(r.Context(), []string{a.RoutingKey}, warroom.IntegrationPagerDuty)
	if err == nil {
		err = s.commitAlerts(r.Context(), in, []intake.Alert{a}, now)
	}
	switch {
	case errors.Is(err, errStoreDown):
		writeJSON(w, http.StatusServiceUnavailable, intake.PagerDutyResponse{Status: "unavailable",
			Message: "Event could not be stored; retry later"})
	default:
		intake.WritePagerDuty(w, a.DedupKey, err)
	}
	return nil
}

// webhookIntake is an Alertmanager or generic webhook endpoint. The key
// comes from the Authorization header (bearer or basic) or the path, and
// the integration is found before the body is read, so an unknown sender
// cannot make the server parse anything.
func (s *Server) webhookIntake(kind warroom.IntegrationKind, parse func([]byte, time.Time) ([]intake.Alert, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		hidePath(r)
		now := s.now().UTC()
		in, err := s.findIntegration(r.Context(), intake.IntegrationKeys(r, r.PathValue("key")), kind)
		var alerts []intake.Alert
		if err == nil {
			var body []byte
			if body, err = intake.ReadBody(w, r, s.maxBody); err == nil {
				alerts, err = parse(body, now)
			}
		}
		if err == nil {
			err = s.commitAlerts(r.Context(), in, alerts, now)
		}
		switch {
		case errors.Is(err, errStoreDown):
			writeJSON(w, http.StatusServiceUnavailable, intake.WebhookResponse{Status: "error",
				Message: "alerts could not be stored; retry later"})
		case errors.Is(err, intake.ErrUnknownIntegration):
			// One answer whatever the key: it reveals nothing about the
			// keys that exist or their kinds.
			w.Header().Set("WWW-Authenticate", `Bearer realm="warroom integration"`)
			writeJSON(w, http.StatusUnauthorized, intake.WebhookResponse{Status: "error",
				Message: "unknown integration key: send the key of a " + string(kind) +
					" integration as a bearer token, as the basic auth password, or as the last path segment"})
		default:
			intake.WriteWebhook(w, alerts, err)
		}
		return nil
	}
}

// findIntegration returns the integration of kind matching the first key
// candidate that matches any. A key of another kind is treated exactly as
// an unknown key, so that answers reveal nothing about which keys exist.
func (s *Server) findIntegration(ctx context.Context, keys []string, kind warroom.IntegrationKind) (*warroom.Integration, error) {
	alerts := s.paging.alerts
	if alerts == nil {
		return nil, errStoreDown
	}
	for _, k := range keys {
		in, err := alerts.FindIntegrationByKey(ctx, warroom.HashTokenSecret(k))
		switch {
		case warroom.ErrorCode(err) == warroom.ENotFound:
			continue
		case err != nil:
			s.log.Error("intake: finding the integration failed", "err", err.Error())
			return nil, errStoreDown
		case in.Kind == kind:
			return in, nil
		}
	}
	return nil, intake.ErrUnknownIntegration
}

// commitAlerts stores one delivery durably (through the group commit),
// then wakes the engine to route it. Any failure is errStoreDown: the
// sender is told to retry, never that the alerts were accepted.
func (s *Server) commitAlerts(ctx context.Context, in *warroom.Integration, alerts []intake.Alert, now time.Time) error {
	if len(alerts) == 0 {
		return nil
	}
	_, err := s.ingest(ctx, warroom.IngestRequest{Integration: in, Updates: alertUpdates(in, alerts), ReceivedAt: now})
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("intake: storing alerts failed", "integration", in.ID, "alerts", len(alerts), "err", err.Error())
		}
		return errStoreDown
	}
	if s.paging.wake != nil {
		s.paging.wake()
	}
	return nil
}
