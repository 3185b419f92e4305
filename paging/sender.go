package paging

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
)

// Attempt outcomes the sender records, beside notify's "sent", "retry"
// and "failed".
const (
	OutcomeSent      = "sent"
	OutcomeRetry     = "retry"
	OutcomeFailed    = "failed"
	OutcomeThrottled = "throttled"
	OutcomeCancelled = "cancelled"
)

// Queues lists the outbox queues, each with its own worker, so that a
// slow or rate-limited Slack never delays an email or webhook page.
var Queues = []string{notify.QueuePage, notify.QueueChat}

// Sender delivers outbox messages: one worker per queue claims due
// messages with a lease (so that on PostgreSQL several processes share
// the work and each message goes out once), checks a page's alert and
// incident right before sending (an acknowledged page is cancelled),
// applies the destination's throttle (a delayed message says why), sends
// through the channel's notifier, records the attempt, and retries with
// backoff honouring Retry-After. A 429 from Slack pauses this process's
// chat queue for the time Slack asks; the page queue never waits for it.
type Sender struct {
	p      *Pager
	wake   map[string]chan struct{}
	mu     sync.Mutex
	paused map[string]time.Time // queue -> until, after a provider rate limit
}

func newSender(p *Pager) *Sender {
	s := &Sender{p: p, wake: map[string]chan struct{}{}, paused: map[string]time.Time{}}
	for _, q := range Queues {
		s.wake[q] = make(chan struct{}, 1)
	}
	return s
}

// Wake tells the queue's worker that a message may be due now.
func (s *Sender) Wake(queue string) {
	if ch, ok := s.wake[queue]; ok {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Listener is implemented by stores that tell every process about new
// work (sqlstore: LISTEN/NOTIFY on PostgreSQL, in-process on SQLite):
// Listen's channel receives a value soon after work is committed on
// channel, and is closed when ctx is done.
type Listener interface {
	Listen(ctx context.Context, channel string) (<-chan struct{}, error)
}

// MessagesChannel is the wake-up channel of new outbox messages
// (sqlstore.ChannelMessages).
const MessagesChannel = "warroom_messages"

// RunSenders runs one worker per queue until ctx is done, and waits for
// them.
func (s *Sender) RunSenders(ctx context.Context) {
	var wg sync.WaitGroup
	for _, q := range Queues {
		wg.Go(func() { s.work(ctx, q) })
	}
	if l, ok := s.p.cfg.Store.(Listener); ok {
		if ch, err := l.Listen(ctx, MessagesChannel); err != nil {
			s.p.cfg.Logger.Warn("paging: cannot listen for new messages; polling only", "err", err)
		} else {
			wg.Go(func() {
				for range ch {
					for _, q := range Queues {
						s.Wake(q)
					}
				}
			})
		}
	}
	wg.Wait()
}

func (s *Sender) work(ctx context.Context, queue string) {
	for ctx.Err() == nil {
		n, err := s.SendDue(ctx, queue)
		if err != nil && ctx.Err() == nil {
			s.p.cfg.Logger.Error("paging: sending messages", "queue", queue, "err", err)
		}
		if n > 0 {
			continue // there may be more due right away
		}
		t := time.NewTimer(s.untilNext(ctx, queue))
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-s.wake[queue]:
		}
		t.Stop()
	}
}

// untilNext is how long the worker may sleep: until the next message or
// the end of a pause, at most the poll interval (other processes enqueue
// too).
func (s *Sender) untilNext(ctx context.Context, queue string) time.Duration {
	now := s.p.cfg.Now()
	d := s.p.cfg.Poll
	if until := s.pausedUntil(queue); until.After(now) {
		return min(d, until.Sub(now))
	}
	if next, ok, err := s.p.cfg.Store.NextMessageDue(ctx, queue); err == nil && ok {
		d = min(d, max(next.Sub(now), 0))
	}
	return d
}

func (s *Sender) pausedUntil(queue string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.paused[queue]
}

func (s *Sender) pause(queue string, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if until.After(s.paused[queue]) {
		s.paused[queue] = until
	}
}

// SendDue claims the messages of queue due now and delivers them, and
// returns how many it claimed. Tests call it directly after moving their
// clock.
func (s *Sender) SendDue(ctx context.Context, queue string) (int, error) {
	cfg := &s.p.cfg
	if cfg.Now().Before(s.pausedUntil(queue)) {
		return 0, nil
	}
	msgs, err := cfg.Store.ClaimMessages(ctx, queue, cfg.Owner, cfg.Now(), cfg.Lease, cfg.Batch)
	if err != nil {
		return 0, err
	}
	var errs []error
	for i := range msgs {
		m := &msgs[i]
		if until := s.pausedUntil(queue); cfg.Now().Before(until) {
			// A rate limit earlier in the batch: the rest waits too.
			errs = append(errs, s.finish(ctx, m, notify.StatePending, until, OutcomeThrottled,
				"waiting for the provider's rate limit to end at "+until.UTC().Format(time.RFC3339), ""))
			continue
		}
		errs = append(errs, s.deliver(ctx, m))
	}
	return len(msgs), errors.Join(errs...)
}

// deliver takes one claimed message to its next state.
func (s *Sender) deliver(ctx context.Context, m *notify.Outbox) error {
	cfg := &s.p.cfg
	if m.Kind == notify.KindPage {
		why, err := s.cancelled(ctx, m)
		if err != nil {
			return err // the lease runs out and the message is tried again
		}
		if why != "" {
			return s.finish(ctx, m, notify.StateFailed, cfg.Now(), OutcomeCancelled, "not sent: "+why, "")
		}
	}
	if next, reason, err := s.throttled(ctx, m); err != nil {
		return err
	} else if reason != "" {
		return s.finish(ctx, m, notify.StatePending, next, OutcomeThrottled, reason, "")
	}
	sctx, cancel := context.WithTimeout(ctx, cfg.SendTimeout)
	providerID, err := cfg.Notifiers.Send(sctx, m.Message)
	cancel()
	now := cfg.Now()
	attempts := m.Attempts + 1
	switch {
	case err == nil:
		return s.finish(ctx, m, notify.StateSent, now, OutcomeSent, "", providerID)
	case ctx.Err() != nil:
		// Shutting down mid-send: it may or may not have gone out; the
		// same message ID goes again so that receivers can tell.
		return s.finish(context.WithoutCancel(ctx), m, notify.StatePending, now, OutcomeRetry, "interrupted by shutdown: "+err.Error(), "")
	case notify.IsRetryable(err) && attempts < cfg.MaxAttempts:
		delay := cfg.Backoff.RetryDelay(attempts, err)
		if ra := notify.RetryAfter(err); ra > 0 && m.Queue == notify.QueueChat {
			// Slack limits per app, not per channel: every chat message
			// waits. Pages run on their own queue and do not notice.
			s.pause(m.Queue, now.Add(ra))
		}
		return s.finish(ctx, m, notify.StatePending, now.Add(delay), OutcomeRetry,
			fmt.Sprintf("%v; attempt %d of %d, next in %s", err, attempts, cfg.MaxAttempts, delay), "")
	}
	return s.finish(ctx, m, notify.StateFailed, now, OutcomeFailed, fmt.Sprintf("%v; attempt %d, giving up", err, attempts), "")
}

// cancelled says why a page must not go out any more ("" if it must):
// its alert or incident was acknowledged, resolved or closed meanwhile.
func (s *Sender) cancelled(ctx context.Context, m *notify.Outbox) (string, error) {
	purpose := PurposeAlert
	if m.AlertID == "" {
		purpose = PurposeIC
	}
	subj, err := s.p.subject(ctx, purpose, m.AlertID, m.IncidentID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return "what it was about no longer exists", nil
	} else if err != nil {
		return "", err
	}
	if subj.active {
		return "", nil
	}
	return subj.why, nil
}

// throttled returns when the message may go to its destination and why
// it waits, or "" if it may go now.
func (s *Sender) throttled(ctx context.Context, m *notify.Outbox) (time.Time, string, error) {
	t, ok := s.p.cfg.Throttles[m.Channel]
	if !ok {
		return time.Time{}, "", nil
	}
	windows := t.Windows
	if ws, ok := t.Overrides[m.Destination]; ok {
		windows = ws
	}
	var longest time.Duration
	for _, w := range windows {
		longest = max(longest, w.Per)
	}
	if longest <= 0 {
		return time.Time{}, "", nil
	}
	now := s.p.cfg.Now()
	history, err := s.p.cfg.Store.RecentSends(ctx, m.Destination, now.Add(-longest))
	if err != nil {
		return time.Time{}, "", err
	}
	next, reason := t.NextAllowed(m.Destination, history, now)
	return next, reason, nil
}

// finish records an attempt and moves the message to state.
func (s *Sender) finish(ctx context.Context, m *notify.Outbox, state notify.State, dueAt time.Time, outcome, detail, providerID string) error {
	a := notify.Attempt{MessageID: m.ID, At: s.p.cfg.Now(), Outcome: outcome, Detail: detail, ProviderID: providerID}
	if err := s.p.cfg.Store.FinishMessage(ctx, m.ID, s.p.cfg.Owner, state, dueAt, a); err != nil {
		return fmt.Errorf("message %s: record %s: %w", m.ID, outcome, err)
	}
	return nil
}
