package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/groupcommit"
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
	quietLog(r)
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
		quietLog(r)
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
	_, err := s.ingest(ctx, warroom.IngestRequest{Integration: in, Updates: intake.ToAlertUpdates(in, alerts), ReceivedAt: now})
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

// quietLog logs the request at DEBUG when it succeeds: a storm brings
// hundreds of deliveries a second, and a line for each would cost more
// than storing them. Refused deliveries (4xx) are logged at WARN, as the
// sender loses them; failures to store them at ERROR, here and by
// commitAlerts.
func quietLog(r *http.Request) {
	if info, ok := r.Context().Value(logInfoKey{}).(*logInfo); ok {
		info.quiet = true
	}
}

// Group commit of alert intake: one transaction holds up to
// ingestMaxBatch deliveries; under load a partly filled batch waits at
// most ingestMaxDelay for company. An idle server commits at once.
const (
	ingestMaxBatch = 128
	ingestMaxDelay = 2 * time.Millisecond
)

// ingester commits the deliveries of concurrent senders together
// (sqlstore.IngestBatcher, or groupcommit over IngestAlerts).
type ingester = interface {
	Ingest(ctx context.Context, req warroom.IngestRequest) ([]warroom.IngestResult, error)
	Close() error
}

// batchingAlertStore is an AlertStore with its own group-commit writer
// (sqlstore): it encodes each delivery on its sender's goroutine, so the
// writer only does database work, fails a malformed delivery alone, and
// runs several transactions at once where the database gains by it
// (PostgreSQL).
type batchingAlertStore interface {
	NewIngester(maxBatch int, maxDelay time.Duration) ingester
}

// batchIngester is groupcommit over IngestAlerts, for other stores.
type batchIngester struct {
	b *groupcommit.Batcher[warroom.IngestRequest, []warroom.IngestResult]
}

func (b batchIngester) Ingest(ctx context.Context, req warroom.IngestRequest) ([]warroom.IngestResult, error) {
	return b.b.Submit(ctx, req)
}

func (b batchIngester) Close() error { return b.b.Close() }

// ingest commits one delivery through the group-commit batcher and
// returns only once it is durable.
func (s *Server) ingest(ctx context.Context, req warroom.IngestRequest) ([]warroom.IngestResult, error) {
	b, err := s.ingestBatcher()
	if err != nil {
		return nil, err
	}
	return b.Ingest(ctx, req)
}

func (s *Server) ingestBatcher() (ingester, error) {
	p := s.paging
	if p.alerts == nil {
		return nil, notConfigured("alerting")
	}
	p.batchMu.Lock()
	defer p.batchMu.Unlock()
	if p.closed {
		return nil, groupcommit.ErrClosed
	}
	if p.batcher == nil {
		if bs, ok := p.alerts.(batchingAlertStore); ok {
			p.batcher = bs.NewIngester(ingestMaxBatch, ingestMaxDelay)
		} else {
			p.batcher = batchIngester{groupcommit.New(p.alerts.IngestAlerts, ingestMaxBatch, ingestMaxDelay)}
		}
	}
	return p.batcher, nil
}

// Close stops the alert intake's group-commit writer after committing
// every delivery already submitted; later deliveries answer 503. Call it
// after the HTTP server has shut down, so in-flight requests finish first.
func (s *Server) Close() error {
	p := s.paging
	p.batchMu.Lock()
	b := p.batcher
	p.closed = true
	p.batchMu.Unlock()
	if b != nil {
		return b.Close()
	}
	return nil
}
