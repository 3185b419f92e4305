package httpapi

import (
	"context"
	"errors"
	"net/http"
	"runtime"
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
	alertmanager := s.webhookIntake(warroom.IntegrationAlertmanager, intake.ParseAlertmanagerEncoded)
	return []route{
		{"POST", "/v2/enqueue", public, s.enqueuePagerDuty, nil},
		{"POST", "/webhook/{key}", public, alertmanager, nil},
		{"POST", "/api/v1/integrations/alertmanager/{key}", public, alertmanager, nil},
		{"POST", "/api/v1/integrations/webhook/{key}", public, s.webhookIntake(warroom.IntegrationWebhook, parseGeneric), nil},
	}
}

// parseGeneric parses a generic webhook body and encodes its alerts for
// the store.
func parseGeneric(body []byte, now time.Time, in *warroom.Integration) ([]intake.Alert, []intake.EncodedUpdate, error) {
	alerts, err := intake.ParseGeneric(body, now)
	if err != nil {
		return nil, nil, err
	}
	updates, err := intake.EncodeUpdates(in, alerts)
	if err != nil {
		return nil, nil, err
	}
	return alerts, updates, nil
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
		s.observeRefused(warroom.IntegrationPagerDuty, err)
		intake.WritePagerDuty(w, "", err)
		return nil
	}
	a, perr := intake.ParsePagerDuty(body, now, nil)
	if perr != nil {
		s.observeRefused(warroom.IntegrationPagerDuty, perr)
		intake.WritePagerDuty(w, "", perr)
		return nil
	}
	in, err := s.findIntegration(r.Context(), []string{a.RoutingKey}, warroom.IntegrationPagerDuty)
	var updates []intake.EncodedUpdate
	if err == nil {
		updates, err = intake.EncodeUpdates(in, []intake.Alert{a})
	}
	if err == nil {
		err = s.commitAlerts(r.Context(), in, updates, now)
	}
	s.observeRefused(warroom.IntegrationPagerDuty, err)
	switch {
	case errors.Is(err, errStoreDown):
		w.Header().Set("Retry-After", retryAfterSeconds)
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
func (s *Server) webhookIntake(kind warroom.IntegrationKind,
	parse func([]byte, time.Time, *warroom.Integration) ([]intake.Alert, []intake.EncodedUpdate, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		hidePath(r)
		quietLog(r)
		now := s.now().UTC()
		in, err := s.findIntegration(r.Context(), intake.IntegrationKeys(r, r.PathValue("key")), kind)
		var alerts []intake.Alert
		var updates []intake.EncodedUpdate
		if err == nil {
			var body []byte
			if body, err = intake.ReadBody(w, r, s.maxBody); err == nil {
				alerts, updates, err = s.parseBounded(r.Context(), func() ([]intake.Alert, []intake.EncodedUpdate, error) {
					return parse(body, now, in)
				})
			}
		}
		if err == nil {
			err = s.commitAlerts(r.Context(), in, updates, now)
		}
		s.observeRefused(kind, err)
		switch {
		case errors.Is(err, errStoreDown):
			w.Header().Set("Retry-After", retryAfterSeconds)
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

// parseSlots bounds how many deliveries are parsed at once to the CPUs
// Go may use. Parsing is intake's CPU work: during a storm dozens of
// senders' requests would otherwise all be runnable at once, and every
// goroutine of a page's path (routing, the escalation step, the send)
// would queue behind them in Go's scheduler at each of its steps. Intake
// loses nothing by it, as the CPUs are busy either way.
// The CPUs are the process's, so the bound is too.
var parseSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// parseBounded runs parse in one of parseSlots, or gives up with the
// request's context (the sender went away: nothing was accepted).
func (s *Server) parseBounded(ctx context.Context, parse func() ([]intake.Alert, []intake.EncodedUpdate, error)) ([]intake.Alert, []intake.EncodedUpdate, error) {
	select {
	case parseSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	defer func() { <-parseSlots }()
	return parse()
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
func (s *Server) commitAlerts(ctx context.Context, in *warroom.Integration, updates []intake.EncodedUpdate, now time.Time) error {
	if len(updates) == 0 {
		return nil
	}
	b, err := s.ingestBatcher()
	var results []warroom.IngestResult
	if err == nil {
		results, err = b.IngestEncoded(ctx, in, updates, now)
	}
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("intake: storing alerts failed", "integration", in.ID, "alerts", len(updates), "err", err.Error())
		}
		return errStoreDown
	}
	if s.paging.wake != nil {
		s.paging.wake()
	}
	s.observeIngest(in.Kind, results)
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
// (sqlstore.IngestBatcher, or groupcommit over IngestAlerts). The updates
// come encoded by intake, which a store may keep as they are.
type ingester = interface {
	IngestEncoded(ctx context.Context, in *warroom.Integration, updates []intake.EncodedUpdate, receivedAt time.Time) ([]warroom.IngestResult, error)
	Close() error
}

// batchingAlertStore is an AlertStore with its own group-commit writer
// (sqlstore): it takes intake's encoding as it is, prepares each delivery
// on its sender's goroutine so the writer only does database work, fails
// a malformed delivery alone, and runs several transactions at once where
// the database gains by it (PostgreSQL).
type batchingAlertStore interface {
	NewIngester(maxBatch int, maxDelay time.Duration) ingester
}

// batchIngester is groupcommit over IngestAlerts, for other stores.
type batchIngester struct {
	b *groupcommit.Batcher[warroom.IngestRequest, []warroom.IngestResult]
}

func (b batchIngester) IngestEncoded(ctx context.Context, in *warroom.Integration, updates []intake.EncodedUpdate, receivedAt time.Time) ([]warroom.IngestResult, error) {
	req := warroom.IngestRequest{Integration: in, Updates: make([]warroom.AlertUpdate, len(updates)), ReceivedAt: receivedAt}
	for i := range updates {
		req.Updates[i] = updates[i].AlertUpdate
	}
	return b.b.Submit(ctx, req)
}

func (b batchIngester) Close() error { return b.b.Close() }

// ingestBatcher returns the group-commit writer, started with the first
// delivery so that a server (or a test) that never receives one runs no
// extra goroutine.
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
