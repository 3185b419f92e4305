package comms

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
)

// fanout handles comms.fanout: a customer update goes to every customer
// its incident affected when it was sent (the update's snapshot): one
// email to the customer's contacts with its manager in copy, and one post
// to its shared Slack channel. Each is a delivery row with its own
// comms.deliver job; both are keyed by the update, the customer and the
// channel, so a second run adds nothing.
func (s *Service) fanout(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var p UpdatePayload
	if err := decode(job, &p); err != nil {
		return nil, err
	}
	u, err := s.cfg.Store.FindUpdate(ctx, p.UpdateID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	customers, err := s.cfg.Store.ListCustomers(ctx)
	if err != nil {
		return nil, err
	}
	then := &warroom.Incident{ID: u.IncidentID, Impact: u.Snapshot.Impact}
	ds := warroom.CustomerDeliveries(u, then, customers, derivedID)
	jobs := make([]engine.Job, len(ds))
	for i, d := range ds {
		jobs[i] = newJob(KindDeliver, "comms-deliver:"+d.ID, now, DeliveryPayload{DeliveryID: d.ID})
	}
	return nil, s.cfg.Store.AddDeliveries(ctx, ds, jobs)
}

// deliver handles comms.deliver: it sends one delivery that is not sent
// yet and records the attempt. A retryable failure is recorded and
// retried by the engine (with its backoff, or after the wait the provider
// asked for) up to MaxAttempts; a permanent
// one, or the last attempt, fails the delivery for good, with its reason
// visible in the incident's deliveries. The message ID is the delivery's,
// so the email's Message-ID is the same on every try and a receiver drops
// the duplicate of a try whose answer was lost.
func (s *Service) deliver(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var p DeliveryPayload
	if err := decode(job, &p); err != nil {
		return nil, err
	}
	d, err := s.cfg.Store.FindDelivery(ctx, p.DeliveryID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	if d.State != warroom.DeliveryPending {
		return nil, nil
	}
	u, err := s.cfg.Store.FindUpdate(ctx, d.UpdateID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	m := notify.Message{ID: d.ID, Kind: notify.KindUpdate, Destination: strings.Join(d.To, ", "), CC: d.CC,
		Subject: u.Subject, Text: u.Body, IncidentID: u.IncidentID}
	switch d.Channel {
	case warroom.DeliveryEmail:
		m.Channel = notify.ChannelEmail
	case warroom.DeliverySlack:
		m.Channel = notify.ChannelSlack
	default:
		return nil, engine.Permanent{Err: fmt.Errorf("delivery %s: unknown channel %q", d.ID, d.Channel)}
	}
	providerID, sendErr := s.cfg.Sender.Send(ctx, m)
	if sendErr == nil {
		return nil, s.cfg.Store.RecordDeliveryAttempt(ctx, d.ID, warroom.DeliverySent, "", providerID, now)
	}
	if notify.IsRetryable(sendErr) && d.Attempts+1 < s.cfg.MaxAttempts {
		if err := s.cfg.Store.RecordDeliveryAttempt(ctx, d.ID, warroom.DeliveryPending, sendErr.Error(), "", now); err != nil {
			return nil, err
		}
		if wait := notify.RetryAfter(sendErr); wait > 0 {
			// The provider said when (a Slack rate limit): the next try is
			// a job of its own, due then, keyed by the attempt.
			return []engine.Job{newJob(KindDeliver, fmt.Sprintf("comms-deliver:%s:%d", d.ID, d.Attempts+1), now.Add(wait),
				DeliveryPayload{DeliveryID: d.ID})}, nil
		}
		return nil, sendErr
	}
	if err := s.cfg.Store.RecordDeliveryAttempt(ctx, d.ID, warroom.DeliveryFailed, sendErr.Error(), "", now); err != nil {
		return nil, err
	}
	s.cfg.Logger.Warn("comms: customer delivery failed", "delivery", d.ID, "customer", d.CustomerID, "err", sendErr)
	return nil, engine.Permanent{Err: sendErr}
}
