package paging

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
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
	// held maps the messages this sender claimed and has not finished to
	// the end of their lease as far as it knows.
	held map[string]time.Time
	// ready holds, by queue, messages claimed as they were enqueued
	// (Pager.enqueue), for the queue's worker to deliver next.
	ready map[string][]notify.Outbox
	// beating is set while RunSenders's heartbeat extends the leases.
	beating atomic.Bool
}

// MessageClaimer is implemented by stores that can store messages already
// claimed (sqlstore): Pager.enqueue then hands the messages due at once
// straight to this process's sender, which delivers them without a claim
// of its own.
type MessageClaimer interface {
	// EnqueueClaimedMessages stores msgs, those due at or before now
	// claimed by owner until now+lease, and returns the claimed ones.
	EnqueueClaimedMessages(ctx context.Context, msgs []notify.Outbox, owner string, now time.Time, lease time.Duration) ([]notify.Outbox, error)
}

// SendReserver is implemented by stores that take a destination's
// throttle decision and its send slot in one transaction, serialized per
// destination across every process sharing the database (sqlstore): a
// send in flight in another process counts, and two processes deciding at
// once never both take the last slot. Without it the sender counts the
// sends recorded in the store and its own not recorded yet.
type SendReserver interface {
	// ReserveSend calls decide with the times of the sends to destination
	// at or after since (recorded, and in flight in any process, the
	// message's own earlier attempt left out) and, if decide lets message
	// id, which owner is sending, go now, records its send slot at now.
	// It returns what decide returned.
	ReserveSend(ctx context.Context, owner, id, destination string, since, now time.Time,
		decide func(history []time.Time) (time.Time, string)) (time.Time, string, error)
}

// MessageLeases is implemented by stores that extend and give back the
// claims of messages (sqlstore). With it the sender keeps short leases
// alive with a heartbeat (Config.Heartbeat) and gives back at once the
// messages of a batch it has no time left to send.
type MessageLeases interface {
	// ExtendMessageLeases sets the lease of the messages of ids that
	// owner is sending to until.
	ExtendMessageLeases(ctx context.Context, owner string, ids []string, until time.Time) (int, error)
	// ReleaseMessages makes the messages of ids that owner claimed
	// pending again, recording no attempt.
	ReleaseMessages(ctx context.Context, owner string, ids []string) (int, error)
}

func canExtend(s Store) bool {
	_, ok := s.(MessageLeases)
	return ok
}

func newSender(p *Pager) *Sender {
	s := &Sender{p: p, wake: map[string]chan struct{}{}, paused: map[string]time.Time{}, held: map[string]time.Time{},
		ready: map[string][]notify.Outbox{}}
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

// RunSenders runs one worker per queue, and the heartbeat that keeps the
// leases of the messages they are sending (Config.Heartbeat), until ctx
// is done, and waits for them. Their writes are urgent (engine.
// WithUrgency): a page's outcome must not wait behind bulk work.
func (s *Sender) RunSenders(ctx context.Context) {
	ctx = engine.WithUrgency(ctx)
	var wg sync.WaitGroup
	for _, q := range Queues {
		wg.Go(func() { s.work(ctx, q) })
	}
	if s.p.cfg.Heartbeat > 0 {
		s.beating.Store(true)
		wg.Go(func() {
			defer s.beating.Store(false)
			s.heartbeat(ctx)
		})
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

// heartbeat extends the leases of the messages being sent every
// Heartbeat until ctx is done.
func (s *Sender) heartbeat(ctx context.Context) {
	t := time.NewTicker(s.p.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.ExtendLeases(ctx); err != nil && ctx.Err() == nil {
			s.p.cfg.Logger.Warn("paging: extending the leases of messages being sent", "err", err)
		}
	}
}

// ExtendLeases extends the leases of the messages this sender holds that
// have used a quarter of their lease to a lease from now, if the store can
// (MessageLeases): most messages are sent before. RunSenders calls it
// every Heartbeat, so that a held message always has more than half a
// lease left; tests call it directly.
func (s *Sender) ExtendLeases(ctx context.Context) error {
	ml, ok := s.p.cfg.Store.(MessageLeases)
	if !ok {
		return nil
	}
	now := s.p.cfg.Now()
	s.mu.Lock()
	var ids []string
	for id, until := range s.held {
		if until.Sub(now) <= s.p.cfg.Lease*3/4 {
			ids = append(ids, id)
		}
	}
	s.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	until := now.Add(s.p.cfg.Lease)
	if _, err := ml.ExtendMessageLeases(ctx, s.p.cfg.Owner, ids, until); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if _, ok := s.held[id]; ok {
			s.held[id] = until
		}
	}
	return nil
}

func (s *Sender) hold(msgs []notify.Outbox, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		s.held[m.ID] = until
	}
}

// handOver takes messages claimed for this sender as they were stored
// (Pager.enqueue) and wakes their queues' workers.
func (s *Sender) handOver(msgs []notify.Outbox, until time.Time) {
	s.hold(msgs, until)
	s.mu.Lock()
	for _, m := range msgs {
		s.ready[m.Queue] = append(s.ready[m.Queue], m)
	}
	s.mu.Unlock()
	for _, m := range msgs {
		s.Wake(m.Queue)
	}
}

// takeReady returns the messages handed over for queue.
func (s *Sender) takeReady(queue string) []notify.Outbox {
	s.mu.Lock()
	defer s.mu.Unlock()
	msgs := s.ready[queue]
	delete(s.ready, queue)
	return msgs
}

func (s *Sender) drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.held, id)
}

// mayStart reports whether a held message's lease leaves time to deliver
// it: a quarter lease while the heartbeat keeps extending it, else a whole
// send (at most half a lease). A message whose lease may run out mid-send
// could be sent by another process meanwhile.
func (s *Sender) mayStart(id string) bool {
	cfg := &s.p.cfg
	margin := min(cfg.SendTimeout, cfg.Lease/2)
	if s.beating.Load() {
		margin = cfg.Lease / 4
	}
	s.mu.Lock()
	until, ok := s.held[id]
	s.mu.Unlock()
	return ok && !cfg.Now().Add(margin).After(until)
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

// SendDue delivers the messages of queue handed over as they were
// enqueued, then claims the messages due now and delivers them, and
// returns how many it took. It sends to up to Config.SendConcurrency
// destinations at once, each destination's messages one at a time in
// order. Tests call it directly after moving their clock.
func (s *Sender) SendDue(ctx context.Context, queue string) (int, error) {
	cfg := &s.p.cfg
	if cfg.Now().Before(s.pausedUntil(queue)) {
		return 0, nil
	}
	now := cfg.Now()
	msgs := s.takeReady(queue)
	if len(msgs) == 0 {
		var err error
		msgs, err = cfg.Store.ClaimMessages(ctx, queue, cfg.Owner, now, cfg.Lease, cfg.Batch)
		if err != nil {
			return 0, err
		}
		s.hold(msgs, now.Add(cfg.Lease))
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	b := s.newBatch()
	var mu sync.Mutex
	var errs []error
	report := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}
	first := msgs[0].ID
	slots := make(chan struct{}, cfg.SendConcurrency)
	var wg sync.WaitGroup
	for _, lane := range byDestination(msgs) {
		slots <- struct{}{} // lanes start in the order of their first message
		wg.Go(func() {
			defer func() { <-slots }()
			for i, m := range lane {
				if m.ID != first && !s.mayStart(m.ID) {
					// A slow batch: give the rest back for the next
					// claim. The first message always goes, so that a
					// batch makes progress.
					report(s.release(ctx, lane[i:]))
					return
				}
				report(s.deliverHeld(ctx, b, queue, &lane[i]))
			}
		})
	}
	wg.Wait()
	return len(msgs), errors.Join(append(errs, b.flush(ctx))...)
}

// byDestination splits msgs into one lane per destination, each in the
// order of msgs, the lanes in the order of their first message.
func byDestination(msgs []notify.Outbox) [][]notify.Outbox {
	var lanes [][]notify.Outbox
	index := map[string]int{}
	for _, m := range msgs {
		i, ok := index[m.Destination]
		if !ok {
			i = len(lanes)
			index[m.Destination] = i
			lanes = append(lanes, nil)
		}
		lanes[i] = append(lanes[i], m)
	}
	return lanes
}

// sendBatch is one SendDue's state: the outcomes it has not recorded yet.
// Its lanes (one per destination, see Config.SendConcurrency) share it.
//
// A page goes out only if its alert and incident, read right before its
// send, still call for it (deliver). With a store that records many
// outcomes at once (MessageFinisher), the outcomes of a batch are recorded
// together, at the latest a tenth of a second after the first; the sends
// not yet recorded count for the destination's throttle meanwhile. A
// message is this process's (its lease extended) until its outcome is
// recorded: if the process dies first, it is sent again with the same ID.
type sendBatch struct {
	s      *Sender
	fin    MessageFinisher // nil: each outcome is recorded at once
	mu     sync.Mutex      // guards the fields below
	states []notify.State
	due    []time.Time
	tries  []notify.Attempt
	since  time.Time
	sent   map[string][]time.Time // destination → sends not recorded yet
}

// MessageFinisher is implemented by stores that record the outcomes of
// many messages in one transaction (sqlstore).
type MessageFinisher interface {
	// FinishMessages moves the message of attempts[i] to states[i]
	// (pending again at dueAt[i]) and records attempts[i], for each i.
	FinishMessages(ctx context.Context, owner string, states []notify.State, dueAt []time.Time, attempts []notify.Attempt) error
}

func (s *Sender) newBatch() *sendBatch {
	b := &sendBatch{s: s, sent: map[string][]time.Time{}}
	b.fin, _ = s.p.cfg.Store.(MessageFinisher)
	return b
}

// record records an outcome: at once, or with the batch.
func (b *sendBatch) record(ctx context.Context, m *notify.Outbox, state notify.State, dueAt time.Time, a notify.Attempt) error {
	if b.fin == nil {
		defer b.s.drop(m.ID)
		if err := b.s.p.cfg.Store.FinishMessage(ctx, m.ID, b.s.p.cfg.Owner, state, dueAt, a); err != nil {
			return fmt.Errorf("message %s: record %s: %w", m.ID, a.Outcome, err)
		}
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.s.p.cfg.Now()
	if len(b.tries) == 0 {
		b.since = now
	}
	b.states, b.due, b.tries = append(b.states, state), append(b.due, dueAt), append(b.tries, a)
	if state == notify.StateSent {
		b.sent[m.Destination] = append(b.sent[m.Destination], a.At)
	}
	if len(b.tries) >= 100 || now.Sub(b.since) >= 100*time.Millisecond {
		return b.flushLocked(ctx)
	}
	return nil
}

// unrecordedSends returns when the batch sent to destination without
// having recorded it yet.
func (b *sendBatch) unrecordedSends(destination string) []time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.sent[destination])
}

// flush records the outcomes not recorded yet, even while shutting down.
func (b *sendBatch) flush(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked(ctx)
}

func (b *sendBatch) flushLocked(ctx context.Context) error {
	if len(b.tries) == 0 {
		return nil
	}
	err := b.fin.FinishMessages(context.WithoutCancel(ctx), b.s.p.cfg.Owner, b.states, b.due, b.tries)
	for _, a := range b.tries {
		b.s.drop(a.MessageID)
	}
	n := len(b.tries)
	b.states, b.due, b.tries, b.sent = nil, nil, nil, map[string][]time.Time{}
	if err != nil {
		return fmt.Errorf("recording the outcomes of %d messages: %w", n, err)
	}
	return nil
}

// release gives back claimed messages that were not tried, or leaves them
// to their lease if the store cannot.
func (s *Sender) release(ctx context.Context, msgs []notify.Outbox) error {
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
		s.drop(m.ID)
	}
	if ml, ok := s.p.cfg.Store.(MessageLeases); ok {
		if _, err := ml.ReleaseMessages(ctx, s.p.cfg.Owner, ids); err != nil {
			return fmt.Errorf("giving back %d messages: %w", len(ids), err)
		}
	}
	return nil
}

// deliverHeld delivers a claimed message, or defers it while its queue
// is paused by a provider's rate limit.
func (s *Sender) deliverHeld(ctx context.Context, b *sendBatch, queue string, m *notify.Outbox) error {
	cfg := &s.p.cfg
	if until := s.pausedUntil(queue); cfg.Now().Before(until) {
		// A rate limit earlier in the batch: the rest waits too.
		return s.finish(ctx, b, m, notify.StatePending, until, OutcomeThrottled,
			"waiting for the provider's rate limit to end at "+until.UTC().Format(time.RFC3339), "")
	}
	return s.deliver(ctx, b, m)
}

// deliver takes one claimed message to its next state. If it fails
// before that, the message stays claimed until its lease runs out and is
// tried again.
func (s *Sender) deliver(ctx context.Context, b *sendBatch, m *notify.Outbox) error {
	cfg := &s.p.cfg
	if m.Kind == notify.KindPage {
		why, err := s.cancelled(ctx, m)
		if err != nil {
			s.drop(m.ID)
			return err
		}
		if why != "" {
			return s.finish(ctx, b, m, notify.StateFailed, cfg.Now(), OutcomeCancelled, "not sent: "+why, "")
		}
	}
	if m.Channel == notify.ChannelWebhook && s.p.webhookSecret(m) == "" {
		// Stored while the server had the secret, or by a contact method
		// made then: failed where people look (the message's delivery
		// history), not dropped with a line in the log.
		why := missingSecret(m)
		cfg.Logger.Warn("paging: cannot send a webhook message", "message", m.ID, "reason", why)
		return s.finish(ctx, b, m, notify.StateFailed, cfg.Now(), OutcomeFailed, "not sent: "+why, "")
	}
	if next, reason, err := s.throttled(ctx, b, m); err != nil {
		s.drop(m.ID)
		return err
	} else if reason != "" {
		return s.finish(ctx, b, m, notify.StatePending, next, OutcomeThrottled, reason, "")
	}
	sctx, cancel := context.WithTimeout(ctx, cfg.SendTimeout)
	providerID, err := cfg.Notifiers.Send(sctx, s.p.credentials(m, cfg.Now()))
	cancel()
	now := cfg.Now()
	attempts := m.Attempts + 1
	switch {
	case err == nil:
		return s.finish(ctx, b, m, notify.StateSent, now, OutcomeSent, "", providerID)
	case ctx.Err() != nil:
		// Shutting down mid-send: it may or may not have gone out; the
		// same message ID goes again so that receivers can tell.
		return s.finish(context.WithoutCancel(ctx), b, m, notify.StatePending, now, OutcomeRetry, "interrupted by shutdown: "+err.Error(), "")
	case notify.IsRetryable(err) && attempts < cfg.MaxAttempts:
		delay := cfg.Backoff.RetryDelay(attempts, err)
		if ra := notify.RetryAfter(err); ra > 0 && m.Queue == notify.QueueChat {
			// Slack limits per app, not per channel: every chat message
			// waits. Pages run on their own queue and do not notice.
			s.pause(m.Queue, now.Add(ra))
		}
		return s.finishAttempt(ctx, b, m, notify.StatePending, now.Add(delay), notify.Attempt{Outcome: OutcomeRetry,
			Detail: fmt.Sprintf("%v; attempt %d of %d, next in %s", err, attempts, cfg.MaxAttempts, delay), Response: notify.ResponseOf(err)})
	}
	return s.finishAttempt(ctx, b, m, notify.StateFailed, now, notify.Attempt{Outcome: OutcomeFailed,
		Detail: fmt.Sprintf("%v; attempt %d, giving up", err, attempts), Response: notify.ResponseOf(err)})
}

// cancelled says why a page must not go out any more ("" if it must):
// its alert or incident was acknowledged, resolved or closed meanwhile.
// It reads them now, for this page alone, not with its batch: an
// acknowledgement that lands while earlier pages of the batch are being
// sent must stop this one.
func (s *Sender) cancelled(ctx context.Context, m *notify.Outbox) (string, error) {
	purpose := PurposeAlert
	if m.AlertID == "" {
		purpose = PurposeIC
	}
	rd := s.p.reads()
	if err := rd.prefetchSubject(ctx, m.AlertID, m.IncidentID); err != nil {
		return "", err
	}
	subj, err := s.p.subject(ctx, rd, purpose, m.AlertID, m.IncidentID)
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
// it waits, or "" if it may go now; then, with a SendReserver store, the
// send's slot is taken, so that it counts for every process's throttle
// decisions from now on.
func (s *Sender) throttled(ctx context.Context, b *sendBatch, m *notify.Outbox) (time.Time, string, error) {
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
	if r, ok := s.p.cfg.Store.(SendReserver); ok {
		// This process's sends not recorded yet are in flight in the
		// store too: they count there, once.
		return r.ReserveSend(ctx, s.p.cfg.Owner, m.ID, m.Destination, now.Add(-longest), now,
			func(history []time.Time) (time.Time, string) { return t.NextAllowed(m.Destination, history, now) })
	}
	history, err := s.p.cfg.Store.RecentSends(ctx, m.Destination, now.Add(-longest))
	if err != nil {
		return time.Time{}, "", err
	}
	if pending := b.unrecordedSends(m.Destination); len(pending) > 0 {
		history = append(history, pending...)
		slices.SortFunc(history, time.Time.Compare)
	}
	next, reason := t.NextAllowed(m.Destination, history, now)
	return next, reason, nil
}

// finish records an attempt and moves the message to state (with the
// batch, see sendBatch).
func (s *Sender) finish(ctx context.Context, b *sendBatch, m *notify.Outbox, state notify.State, dueAt time.Time, outcome, detail, providerID string) error {
	return s.finishAttempt(ctx, b, m, state, dueAt, notify.Attempt{Outcome: outcome, Detail: detail, ProviderID: providerID})
}

// finishAttempt is finish for an attempt that says more (the provider's
// Response); its message and time are set here.
func (s *Sender) finishAttempt(ctx context.Context, b *sendBatch, m *notify.Outbox, state notify.State, dueAt time.Time, a notify.Attempt) error {
	a.MessageID, a.At = m.ID, s.p.cfg.Now()
	if err := b.record(ctx, m, state, dueAt, a); err != nil {
		return err
	}
	if o := s.p.cfg.Observer; o != nil {
		o.ObserveDelivery(m, a.Outcome, a.At)
	}
	return nil
}
