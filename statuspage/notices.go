package statuspage

import (
	"context"
	"fmt"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/sqlstore"
)

// drainBatch is how many outbox rows one status.drain run sends.
const drainBatch = 100

// DrainPayload's round keys the next run.
type drainRound struct {
	NoticeKey string `json:"notice_key"`
	Round     int    `json:"round"`
}

// fanoutJob handles status.fanout: one outbox row per confirmed
// subscriber who wants the notice (keyed by notice and subscriber, so a
// second run adds nothing), then the job that sends them. A customer
// update is a notice only if its incident is public (and not private);
// a window's phase notice only if the window is not cancelled.
func (s *Service) fanoutJob(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var n Notice
	if err := decode(job, &n); err != nil {
		return nil, err
	}
	ok, err := s.complete(ctx, &n)
	if err != nil || !ok {
		return nil, err
	}
	_, err = s.Fanout(ctx, n, now)
	return nil, err
}

// complete fills a notice from what it names; false: not to be sent.
func (s *Service) complete(ctx context.Context, n *Notice) (bool, error) {
	if n.UpdateID != "" {
		u, err := s.cfg.Store.FindUpdate(ctx, n.UpdateID)
		if err != nil {
			return false, permanentIfNotFound(err)
		}
		pub, err := s.cfg.Store.FindPublicIncident(ctx, u.IncidentID)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		inc, err := s.cfg.Store.FindIncident(ctx, u.IncidentID)
		if err != nil {
			return false, err
		}
		if inc.Private || u.Audience != warroom.AudienceCustomers {
			return false, nil
		}
		s.Invalidate()
		n.Subject, n.Body, n.Components = "Update: "+pub.Title, u.Body, pub.ComponentIDs
		n.URL = s.pageURL("/status/incidents/" + pub.Slug)
	}
	if n.MaintenanceID != "" && n.Phase != "scheduled" {
		m, err := s.cfg.Store.FindMaintenance(ctx, n.MaintenanceID)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if m.CancelledAt != nil {
			return false, nil
		}
		s.Invalidate()
	}
	return true, nil
}

func permanentIfNotFound(err error) error {
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return engine.Permanent{Err: err}
	}
	return err
}

// Fanout writes a notice's outbox rows for every confirmed subscriber who
// wants it and schedules their sending; it returns how many rows are new.
func (s *Service) Fanout(ctx context.Context, n Notice, now time.Time) (int64, error) {
	subs, err := s.cfg.Store.ListSubscribers(ctx, true)
	if err != nil {
		return 0, err
	}
	text := n.Body
	if n.URL != "" {
		text += "\n\n" + n.URL
	}
	ds := make([]sqlstore.StatusDelivery, 0, len(subs))
	for _, sub := range subs {
		if !sub.Wants(n.Components) {
			continue
		}
		ds = append(ds, sqlstore.StatusDelivery{ID: warroom.StatusDeliveryID(n.Key, sub.ID), NoticeKey: n.Key, SubscriberID: sub.ID,
			Subject: fmt.Sprintf("[%s] %s", s.cfg.Name, n.Subject), Body: text, State: "pending", CreatedAt: now, NextAt: now})
	}
	if len(ds) == 0 {
		return 0, nil
	}
	return s.cfg.Store.AddStatusDeliveries(ctx, ds, []engine.Job{
		newJob(KindDrain, "status-drain:"+n.Key+":0", now, drainRound{NoticeKey: n.Key})})
}

// drainJob handles status.drain: it sends a batch of a notice's due rows,
// each once (a sent row stays sent), retrying failures with backoff, and
// schedules the next batch or the next retry.
func (s *Service) drainJob(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var p drainRound
	if err := decode(job, &p); err != nil {
		return nil, err
	}
	due, err := s.cfg.Store.DueStatusDeliveries(ctx, p.NoticeKey, now, drainBatch)
	if err != nil {
		return nil, err
	}
	for _, d := range due {
		if err := s.send(ctx, d, now); err != nil {
			return nil, err
		}
	}
	next, ok, err := s.cfg.Store.NextStatusDelivery(ctx, p.NoticeKey)
	if err != nil || !ok {
		return nil, err
	}
	if next.Before(now) {
		next = now
	}
	return []engine.Job{newJob(KindDrain, fmt.Sprintf("status-drain:%s:%d", p.NoticeKey, p.Round+1), next,
		drainRound{NoticeKey: p.NoticeKey, Round: p.Round + 1})}, nil
}

// send delivers one outbox row and records the attempt. A subscriber
// removed since gets nothing.
func (s *Service) send(ctx context.Context, d sqlstore.StatusDelivery, now time.Time) error {
	sub, err := s.cfg.Store.FindSubscriber(ctx, d.SubscriberID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return s.cfg.Store.RecordStatusAttempt(ctx, d.ID, "failed", "unsubscribed", now, now)
	}
	if err != nil {
		return err
	}
	if s.cfg.Sender == nil {
		return s.cfg.Store.RecordStatusAttempt(ctx, d.ID, "failed", "no sender configured", now, now)
	}
	m := notify.Message{ID: "status-" + d.ID, Kind: notify.KindUpdate, Destination: sub.Address, Subject: d.Subject, Text: d.Body}
	switch sub.Kind {
	case warroom.SubscriberEmail:
		unsub := s.linkURL(warroom.LinkUnsubscribe, sub)
		m.Channel, m.Unsubscribe = notify.ChannelEmail, unsub
		m.Text += "\n\nUnsubscribe: " + unsub + "\n"
	case warroom.SubscriberWebhook:
		m.Channel, m.Secret = notify.ChannelWebhook, sub.Secret
	default:
		return s.cfg.Store.RecordStatusAttempt(ctx, d.ID, "failed", "unknown kind "+sub.Kind, now, now)
	}
	_, sendErr := s.cfg.Sender.Send(ctx, m)
	switch {
	case sendErr == nil:
		return s.cfg.Store.RecordStatusAttempt(ctx, d.ID, "sent", "", now, now)
	case notify.IsRetryable(sendErr) && d.Attempts+1 < s.cfg.MaxAttempts:
		wait := notify.Backoff(d.Attempts + 1)
		if ra := notify.RetryAfter(sendErr); ra > wait {
			wait = ra
		}
		return s.cfg.Store.RecordStatusAttempt(ctx, d.ID, "pending", sendErr.Error(), now.Add(wait), now)
	default:
		s.cfg.Logger.Warn("statuspage: notice failed", "subscriber", sub.ID, "err", sendErr)
		return s.cfg.Store.RecordStatusAttempt(ctx, d.ID, "failed", sendErr.Error(), now, now)
	}
}
