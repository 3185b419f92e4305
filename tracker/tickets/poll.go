package tickets

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/tracker"
	"github.com/warroom/warroom/tracker/github"
	"github.com/warroom/warroom/tracker/jira"
)

// pollJob reads the state of the open tickets least recently synced (the
// safety net of the webhooks: a webhook lost, or none configured) and
// schedules the next poll, sooner than a tracker's rate limit allows
// never.
func (s *Service) pollJob(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	next := now.Add(s.cfg.PollInterval)
	tickets, err := s.cfg.Store.TicketsToPoll(ctx, s.cfg.PollBatch)
	if err != nil {
		return nil, err
	}
	clients := map[string]tracker.Client{}
	limited := map[string]bool{}
	for _, tk := range tickets {
		if limited[tk.ConfigID] {
			continue
		}
		client, ok := clients[tk.ConfigID]
		if !ok {
			client, err = s.Client(ctx, tk.ConfigID)
			if err != nil {
				s.cfg.Logger.Warn("cannot poll a tracker's tickets", "config", tk.ConfigID, "err", err)
				limited[tk.ConfigID] = true
				continue
			}
			clients[tk.ConfigID] = client
		}
		ref, err := client.Get(ctx, tk.Key)
		if at, ok := tracker.RetryAt(err); ok {
			// This tracker's tickets wait; the next poll waits for it.
			limited[tk.ConfigID] = true
			if at.After(next) {
				next = at
			}
			continue
		}
		if warroom.ErrorCode(err) == warroom.ENotFound {
			ref = tracker.Ref{State: tracker.StateDone, Status: StatusGone} // nothing more to follow
		} else if err != nil {
			s.cfg.Logger.Warn("cannot read a ticket's state", "ticket", tk.Key, "err", err)
			continue
		}
		if err := s.record(ctx, tk, ref.State, ref.Status, now); err != nil {
			return nil, err
		}
	}
	return []engine.Job{PollJob(next, s.cfg.PollInterval)}, nil
}

// PollJob is the poll due at; its key is the interval's slot, so that
// every replica starting at once schedules it once.
func PollJob(at time.Time, interval time.Duration) engine.Job {
	slot := at.Truncate(interval)
	return newJob(KindPoll, fmt.Sprintf("tracker-poll:%d", slot.Unix()), "", at, struct{}{})
}

// StartPolling schedules the first poll, now; the polls schedule each
// other after that. Safe to call at every start of every replica.
func (s *Service) StartPolling(ctx context.Context) error {
	return s.cfg.Store.Enqueue(ctx, PollJob(s.cfg.Now(), s.cfg.PollInterval))
}

// record stores a state read from a tracker and tells OnChange when it
// changed.
func (s *Service) record(ctx context.Context, tk *tracker.Ticket, state tracker.State, status string, now time.Time) error {
	if err := s.cfg.Store.RecordTicketState(ctx, tk.ID, state, status, now); err != nil {
		return err
	}
	if (state != tk.State || status != tk.Status) && s.cfg.OnChange != nil {
		prev := tk.State
		tk.State, tk.Status = state, status
		at := now
		tk.SyncedAt = &at
		s.cfg.OnChange(ctx, tk, prev)
	}
	return nil
}

// Webhook takes a tracker's webhook for the settings configID: the
// signature is checked before anything is read or written (EUnauthorized
// if it is missing or wrong, or the settings name no webhook secret),
// then the ticket's new state is recorded. It returns how many tickets
// changed (0 for an event about no ticket of warroom's, or of a kind not
// followed). ENotFound for unknown settings.
func (s *Service) Webhook(ctx context.Context, configID string, h http.Header, body []byte) (int, error) {
	cfg, err := s.cfg.Store.TrackerConfig(ctx, configID)
	if err != nil {
		return 0, err
	}
	secret := ""
	if cfg.WebhookSecret != "" {
		if secret, err = s.cfg.Secrets.Secret(cfg.WebhookSecret); err != nil {
			s.cfg.Logger.Error("a tracker's webhook secret cannot be read; its webhooks are refused", "config", cfg.ID, "err", err)
			secret = ""
		}
	}
	var change tracker.Change
	var ok bool
	switch cfg.Kind {
	case tracker.GitHub:
		if err := tracker.VerifySignature(secret, body, h.Get(github.SignatureHeader)); err != nil {
			return 0, err
		}
		change, ok, err = github.ParseWebhook(h.Get(github.EventHeader), body)
	case tracker.Jira:
		if err := tracker.VerifySignature(secret, body, h.Get(jira.SignatureHeader)); err != nil {
			return 0, err
		}
		change, ok, err = jira.ParseWebhook(body)
	}
	if err != nil || !ok {
		return 0, err
	}
	tickets, err := s.cfg.Store.TicketsByKey(ctx, change.Kind, change.Key)
	if err != nil {
		return 0, err
	}
	n := 0
	now := s.cfg.Now()
	for _, tk := range tickets {
		if !s.sameProject(ctx, cfg, tk.ConfigID) {
			continue // a webhook speaks for its own project's tickets only
		}
		state, status := change.State, change.Status
		if change.Deleted {
			state, status = tracker.StateDone, StatusGone
		}
		if err := s.record(ctx, tk, state, status, now); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// sameProject reports whether the settings configID point at the same
// project as cfg (a team's and a service's settings may share one).
func (s *Service) sameProject(ctx context.Context, cfg *tracker.Config, configID string) bool {
	if configID == cfg.ID {
		return true
	}
	other, err := s.cfg.Store.TrackerConfig(ctx, configID)
	return err == nil && other.Kind == cfg.Kind && other.BaseURL == cfg.BaseURL && other.Project == cfg.Project
}
