package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
)

// The messages table is the outbox (notify.OutboxStore): one row per
// notification, pending → sending (owner, lease_until) → sent or failed,
// or back to pending with a later due_at; message_attempts keeps one row
// per try, throttle, cancellation or lost lease.

var _ notify.OutboxStore = (*Store)(nil)

const messageColumns = `id, queue, kind, channel, destination, subject, body, fields, incident_id, alert_id,
	user_id, state, due_at, attempts, throttle_reason, last_error, last_response, provider_id, created_at, sent_at`

// Attempt outcomes, as notify.Attempt documents them.
const (
	outcomeSent      = "sent"
	outcomeRetry     = "retry"
	outcomeFailed    = "failed"
	outcomeThrottled = "throttled"
	outcomeCancelled = "cancelled"
)

// messageRowsPerInsert bounds one INSERT of messages: on SQLite a
// multi-row INSERT of 14 (16 claimed) arguments a row; on PostgreSQL
// arrays of as many rows.
const messageRowsPerInsert = 100

// EnqueueMessages stores new pending messages in one transaction; a
// message whose ID is already stored is skipped, so enqueueing is safe to
// repeat. Each message must pass notify.Message.Validate and carry no
// credential, neither a Secret nor an AckURL (EInvalid): a message row
// keeps nothing that could be used again, and its sender adds both when it
// sends (paging). An
// empty Queue is set from the channel (notify.Queue), a zero CreatedAt to
// the time of the call, and a zero DueAt is due at once; State, Attempts
// and the delivery fields start empty.
func (s *Store) EnqueueMessages(ctx context.Context, msgs []notify.Outbox) error {
	return enqueue(ctx, s, msgs, insertMessages, ChannelMessages)
}

// enqueueMessages stores messages inside the caller's transaction, with the
// rules of EnqueueMessages, and wakes the senders of every process once it
// commits (NOTIFY warroom_messages on PostgreSQL, in-process on SQLite).
func (s *Store) enqueueMessages(ctx context.Context, t *tx, msgs []notify.Outbox) error {
	return enqueueIn(ctx, s, t, msgs, insertMessages, ChannelMessages)
}

// insertMessages stores new messages inside t (see EnqueueMessages),
// skipping known IDs, and returns how many it stored. With an owner they
// are stored already claimed by owner until leaseUntil (state sending),
// and those stored are returned as ClaimMessages would return them.
func insertMessages(ctx context.Context, t *tx, msgs []notify.Outbox, owner string, leaseUntil time.Time) ([]notify.Outbox, int64, error) {
	if len(msgs) == 0 {
		return nil, 0, nil
	}
	if err := t.durable(ctx); err != nil {
		return nil, 0, err
	}
	rows := make([]notify.Outbox, len(msgs))
	fields := make([]string, len(msgs))
	for i := range msgs {
		m := msgs[i]
		if err := m.Validate(); err != nil {
			return nil, 0, warroom.Invalid("message", "message %s: %v", m.ID, err)
		}
		if m.Secret != "" || m.AckURL != "" {
			return nil, 0, warroom.Invalid("message", "message %s carries a signing secret or an ack link; "+
				"messages are stored without credentials, which are added when they are sent", m.ID)
		}
		if m.Queue == "" {
			m.Queue = notify.Queue(m.Channel)
		}
		f, err := marshal(nonNil(m.Fields))
		if err != nil {
			return nil, 0, err
		}
		if m.CreatedAt.IsZero() {
			m.CreatedAt = time.Now()
		}
		m.State, m.Attempts, m.ThrottleReason, m.LastError, m.ProviderID, m.SentAt = notify.StatePending, 0, "", "", "", nil
		if owner != "" {
			m.State = notify.StateSending
		}
		m.DueAt, m.CreatedAt = normTime(m.DueAt), normTime(m.CreatedAt)
		rows[i], fields[i] = m, f
	}
	insert := insertMessageRowsSQLite
	if t.d.dollar {
		insert = insertMessageRowsPG
	}
	var claimed []notify.Outbox
	inserted := int64(0)
	for start := 0; start < len(rows); start += messageRowsPerInsert {
		end := min(len(rows), start+messageRowsPerInsert)
		ids, n, err := insert(ctx, t, rows[start:end], fields[start:end], owner, leaseUntil)
		if err != nil {
			return nil, 0, fmt.Errorf("sqlstore: enqueue messages: %w", err)
		}
		inserted += n
		if owner == "" {
			continue
		}
		byID := make(map[string]notify.Outbox, end-start)
		for _, m := range rows[start:end] {
			byID[m.ID] = m
		}
		for _, id := range ids {
			claimed = append(claimed, byID[id])
		}
	}
	return claimed, inserted, nil
}

// insertMessageRowsSQLite inserts rows with one multi-row INSERT; with an
// owner, it returns the IDs it inserted.
func insertMessageRowsSQLite(ctx context.Context, t *tx, rows []notify.Outbox, fields []string, owner string, leaseUntil time.Time) ([]string, int64, error) {
	var q strings.Builder
	q.WriteString("INSERT INTO messages (id, queue, kind, channel, destination, subject, body, fields, " +
		"incident_id, alert_id, user_id, state, due_at, attempts, throttle_reason, last_error, provider_id, created_at")
	claim := ""
	if owner != "" {
		q.WriteString(", owner, lease_until")
		claim = ", ?, ?"
	}
	q.WriteString(") VALUES ")
	args := make([]any, 0, 16*len(rows))
	for i, m := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '', '', '', ?" + claim + ")")
		args = append(args, m.ID, m.Queue, m.Kind, m.Channel, m.Destination, m.Subject, m.Text, fields[i],
			nullString(m.IncidentID), nullString(m.AlertID), nullString(m.UserID), string(m.State),
			t.d.timeArg(m.DueAt), t.d.timeArg(m.CreatedAt))
		if owner != "" {
			args = append(args, owner, t.d.timeArg(leaseUntil))
		}
	}
	q.WriteString(" ON CONFLICT DO NOTHING")
	if owner == "" {
		res, err := t.exec(ctx, q.String(), args...)
		if err != nil {
			return nil, 0, err
		}
		n, _ := res.RowsAffected()
		return nil, n, nil
	}
	q.WriteString(" RETURNING id")
	return returnedIDs(txRows(ctx, t, q.String(), args...))
}

// insertMessageRowsPG inserts rows with one INSERT over arrays (one
// statement, prepared once, whatever the number of rows); with an owner,
// it returns the IDs it inserted.
func insertMessageRowsPG(ctx context.Context, t *tx, rows []notify.Outbox, fields []string, owner string, leaseUntil time.Time) ([]string, int64, error) {
	n := len(rows)
	str := func(f func(m *notify.Outbox) string) []string {
		out := make([]string, n)
		for i := range rows {
			out[i] = f(&rows[i])
		}
		return out
	}
	opt := func(f func(m *notify.Outbox) string) []*string {
		out := make([]*string, n)
		for i := range rows {
			if v := f(&rows[i]); v != "" {
				out[i] = &v
			}
		}
		return out
	}
	due, created := make([]time.Time, n), make([]time.Time, n)
	for i := range rows {
		due[i], created[i] = rows[i].DueAt, rows[i].CreatedAt
	}
	var ownerArg, leaseArg any // NULL unless claimed
	if owner != "" {
		ownerArg, leaseArg = owner, normTime(leaseUntil)
	}
	args := []any{ownerArg, leaseArg,
		str(func(m *notify.Outbox) string { return m.ID }), str(func(m *notify.Outbox) string { return m.Queue }),
		str(func(m *notify.Outbox) string { return m.Kind }), str(func(m *notify.Outbox) string { return m.Channel }),
		str(func(m *notify.Outbox) string { return m.Destination }), str(func(m *notify.Outbox) string { return m.Subject }),
		str(func(m *notify.Outbox) string { return m.Text }), fields,
		opt(func(m *notify.Outbox) string { return m.IncidentID }), opt(func(m *notify.Outbox) string { return m.AlertID }),
		opt(func(m *notify.Outbox) string { return m.UserID }),
		str(func(m *notify.Outbox) string { return string(m.State) }), due, created,
	}
	rs, err := txRows(ctx, t, `INSERT INTO messages (id, queue, kind, channel, destination, subject, body, fields,
			incident_id, alert_id, user_id, state, due_at, attempts, throttle_reason, last_error, provider_id, created_at,
			owner, lease_until)
		SELECT u.id, u.queue, u.kind, u.channel, u.destination, u.subject, u.body, u.fields::json,
			u.incident_id, u.alert_id, u.user_id, u.state, u.due_at, 0, '', '', '', u.created_at, ?::text, ?::timestamptz
		FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
			?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[])
			AS u(id, queue, kind, channel, destination, subject, body, fields, incident_id, alert_id, user_id,
				state, due_at, created_at)
		ON CONFLICT DO NOTHING RETURNING id`, args...)
	ids, k, err := returnedIDs(rs, err)
	if owner == "" {
		ids = nil
	}
	return ids, k, err
}

// EnqueueClaimedMessages is EnqueueMessages for a process whose sender
// delivers at once what is due: the messages due at or before now are
// stored already claimed by owner (state sending, leased until now+lease,
// as ClaimMessages would leave them) and returned for that sender, which
// so needs no claim of its own; the others are stored pending. A message
// whose ID is known is skipped, and not returned. Errors as
// EnqueueMessages.
func (s *Store) EnqueueClaimedMessages(ctx context.Context, msgs []notify.Outbox, owner string, now time.Time, lease time.Duration) ([]notify.Outbox, error) {
	if owner == "" {
		return nil, warroom.Invalid("owner", "a claim needs an owner")
	}
	var claimed []notify.Outbox
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		claimed, err = s.enqueueClaimedMessages(ctx, t, msgs, owner, now, lease)
		return err
	})
	if err != nil {
		return nil, err
	}
	return claimed, nil
}

// enqueueClaimedMessages is EnqueueClaimedMessages inside the caller's
// transaction t.
func (s *Store) enqueueClaimedMessages(ctx context.Context, t *tx, msgs []notify.Outbox, owner string, now time.Time, lease time.Duration) ([]notify.Outbox, error) {
	var due, later []notify.Outbox
	for _, m := range msgs {
		if m.DueAt.After(now) {
			later = append(later, m)
		} else {
			due = append(due, m)
		}
	}
	claimed, _, err := insertMessages(ctx, t, due, owner, now.Add(lease))
	if err != nil {
		return nil, err
	}
	return claimed, s.enqueueMessages(ctx, t, later)
}

// ClaimMessages marks up to n messages of queue as sending, leased to owner
// until now+lease, earliest due first, and returns them. It takes pending
// messages due at now, and sending messages whose lease expired: their
// sender died mid-send, so they are sent again with the same ID, counted
// as an attempt and noted in their history. On PostgreSQL messages that
// another claim is locking are skipped (FOR UPDATE SKIP LOCKED).
func (s *Store) ClaimMessages(ctx context.Context, queue, owner string, now time.Time, lease time.Duration, n int) ([]notify.Outbox, error) {
	return claimLeased(owner, n, messageDue, func() ([]notify.Outbox, error) {
		at := s.d.timeArg(now)
		if ok, err := s.mayClaim(ctx, `SELECT 1 FROM messages WHERE queue = ? AND state IN ('pending', 'sending')
			AND due_at <= ? AND (state = 'pending' OR lease_until <= ?) LIMIT 1`, queue, at, at); err != nil || !ok {
			return []notify.Outbox{}, err
		}
		return s.claimMessages(ctx, queue, owner, now, lease, n)
	})
}

func messageDue(m notify.Outbox) time.Time { return m.DueAt }

// claimMessages runs the claim that ClaimMessages checked (claimLeased
// puts what it returns in due order).
func (s *Store) claimMessages(ctx context.Context, queue, owner string, now time.Time, lease time.Duration, n int) ([]notify.Outbox, error) {
	var out []notify.Outbox
	err := s.inTx(ctx, func(t *tx) error {
		at := t.d.timeArg(now)
		rows, err := txRows(ctx, t, `SELECT id, owner, lease_until FROM messages WHERE queue = ? AND state IN ('pending', 'sending')
			AND due_at <= ? AND (state = 'pending' OR lease_until <= ?) ORDER BY due_at LIMIT ?`+t.d.skipLocked(),
			queue, at, at, n)
		if err != nil {
			return fmt.Errorf("sqlstore: claim messages: %w", err)
		}
		type candidate struct {
			id, lostBy string
			leaseUntil *time.Time
		}
		cands, err := collect(rows, func(r scanner) (c candidate, err error) {
			return c, r.Scan(&c.id, strCol{&c.lostBy}, nullTimeCol{&c.leaseUntil})
		})
		if err != nil || len(cands) == 0 {
			out = []notify.Outbox{}
			return err
		}
		args := []any{owner, t.d.timeArg(now.Add(lease)), "the sender stopped mid-send (its lease expired); sending again"}
		for _, c := range cands {
			args = append(args, c.id)
		}
		rows, err = txRows(ctx, t, `UPDATE messages SET state = 'sending', owner = ?, lease_until = ?,
			attempts = attempts + CASE WHEN state = 'sending' THEN 1 ELSE 0 END,
			last_error = CASE WHEN state = 'sending' THEN ? ELSE last_error END,
			last_response = CASE WHEN state = 'sending' THEN '' ELSE last_response END
			WHERE id IN (?`+strings.Repeat(", ?", len(cands)-1)+`) RETURNING `+messageColumns, args...)
		if err != nil {
			return fmt.Errorf("sqlstore: claim messages: %w", err)
		}
		if out, err = collect(rows, scanMessage); err != nil {
			return err
		}
		for _, c := range cands {
			if c.lostBy == "" {
				continue
			}
			detail := "the lease of " + c.lostBy + " expired before it reported the send; sending again with the same message ID"
			if c.leaseUntil != nil && c.leaseUntil.Equal(leaseReleased) {
				detail = c.lostBy + " stopped before it reported the send (its lease was released when the server started again); " +
					"sending again with the same message ID"
			}
			a := notify.Attempt{MessageID: c.id, At: now, Outcome: outcomeRetry, Detail: detail}
			if err := addAttempt(ctx, t, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FinishMessage records attempt a and moves a message that owner holds
// (state sending) to state: pending again at dueAt, sent, or failed.
// Attempts counts the outcomes that tried the provider (sent, retry,
// failed), not throttles or cancellations; LastError is the detail of the
// last retry or failure; ThrottleReason is the detail of a throttled
// outcome and is cleared by any other. Sent sets SentAt to a.At, which
// RecentSends and ReserveSend then count; any outcome ends the attempt's
// send slot (ReserveSend). EInvalid for another state or an unknown
// outcome; ENotFound; EConflict if owner no longer holds the message.
func (s *Store) FinishMessage(ctx context.Context, id, owner string, state notify.State, dueAt time.Time, a notify.Attempt) error {
	if err := validFinish(state, a); err != nil {
		return err
	}
	a.MessageID = id
	return s.inTx(ctx, func(t *tx) error { return finishMessage(ctx, t, owner, state, dueAt, a) })
}

// FinishMessages is FinishMessage for many messages in one transaction,
// for a sender that records the outcomes of a batch together: the message
// of attempts[i] (its MessageID) moves to states[i] (pending again at
// dueAt[i]) with attempts[i] recorded. A message owner no longer holds is
// skipped, the others recorded, and the EConflict (or ENotFound) error
// returned names it. EInvalid, and nothing recorded, if the slices differ
// in length or an outcome is invalid.
func (s *Store) FinishMessages(ctx context.Context, owner string, states []notify.State, dueAt []time.Time, attempts []notify.Attempt) error {
	if len(states) != len(attempts) || len(dueAt) != len(attempts) {
		return warroom.Invalid("attempts", "%d states and %d due times for %d attempts", len(states), len(dueAt), len(attempts))
	}
	for i, a := range attempts {
		if err := validFinish(states[i], a); err != nil {
			return err
		}
	}
	var lost []error
	err := s.inTx(ctx, func(t *tx) error {
		lost = nil
		if t.d.dollar {
			var err error
			lost, err = finishMessagesPG(ctx, t, owner, states, dueAt, attempts)
			return err
		}
		for i, a := range attempts {
			err := finishMessage(ctx, t, owner, states[i], dueAt[i], a)
			switch code := warroom.ErrorCode(err); {
			case err == nil:
			case code == warroom.EConflict || code == warroom.ENotFound:
				lost = append(lost, err)
			default:
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return errors.Join(lost...)
}

// finishMessagesPG is FinishMessages on PostgreSQL: one statement per
// table over arrays, instead of two round trips per message. It returns
// why the messages owner does not hold were skipped.
func finishMessagesPG(ctx context.Context, t *tx, owner string, states []notify.State, dueAt []time.Time, attempts []notify.Attempt) ([]error, error) {
	if err := t.durable(ctx); err != nil {
		return nil, err
	}
	n := len(attempts)
	ids, state, outcome, detail, provider := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	at := make([]time.Time, n)
	due, sentAt := make([]*time.Time, n), make([]*time.Time, n)
	lastErr, lastResp, throttle, providerSet := make([]*string, n), make([]*string, n), make([]string, n), make([]*string, n)
	response := make([]string, n)
	tried := make([]int32, n)
	for i, a := range attempts {
		ids[i], state[i], outcome[i], detail[i], provider[i] = a.MessageID, string(states[i]), a.Outcome, a.Detail, a.ProviderID
		response[i] = a.Response
		at[i] = normTime(a.At)
		switch a.Outcome {
		case outcomeSent:
			tried[i] = 1
		case outcomeRetry, outcomeFailed:
			tried[i], lastErr[i], lastResp[i] = 1, &attempts[i].Detail, &attempts[i].Response
		case outcomeThrottled:
			throttle[i] = a.Detail
		}
		if states[i] == notify.StatePending {
			d := normTime(dueAt[i])
			due[i] = &d
		}
		if states[i] == notify.StateSent {
			sentAt[i] = &at[i]
		}
		if a.ProviderID != "" {
			providerSet[i] = &attempts[i].ProviderID
		}
	}
	rows, err := txRows(ctx, t, `UPDATE messages AS m SET state = u.state, owner = NULL, lease_until = NULL, send_started_at = NULL,
		due_at = coalesce(u.due, m.due_at), attempts = m.attempts + u.tried, last_error = coalesce(u.last_error, m.last_error),
		last_response = coalesce(u.last_response, m.last_response),
		throttle_reason = u.throttle, provider_id = coalesce(u.provider, m.provider_id), sent_at = coalesce(u.sent_at, m.sent_at)
		FROM unnest(?::text[], ?::text[], ?::timestamptz[], ?::int[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[])
			AS u(id, state, due, tried, last_error, last_response, throttle, provider, sent_at)
		WHERE m.id = u.id AND m.owner = ? AND (m.state = 'sending') IS TRUE RETURNING m.id`,
		ids, state, due, tried, lastErr, lastResp, throttle, providerSet, sentAt, owner)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: finish messages: %w", err)
	}
	done, err := collect(rows, scanID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: finish messages: %w", err)
	}
	held := make(map[string]bool, len(done))
	for _, id := range done {
		held[id] = true
	}
	var lost []error
	keep := func(xs []string) []string {
		out := xs[:0:0]
		for i, x := range xs {
			if held[ids[i]] {
				out = append(out, x)
			}
		}
		return out
	}
	var keptAt []time.Time
	for i, id := range ids {
		if held[id] {
			keptAt = append(keptAt, at[i])
			continue
		}
		err := notHeldMessage(ctx, t, id, owner)
		if code := warroom.ErrorCode(err); code != warroom.EConflict && code != warroom.ENotFound {
			return nil, err
		}
		lost = append(lost, err)
	}
	if len(done) == 0 {
		return lost, nil
	}
	// The messages are locked by the update, which serializes the
	// numbering; each is named once.
	keptIDs := keep(ids)
	last := make(map[string]int32, len(keptIDs))
	rows, err = txRows(ctx, t, `SELECT u.id, max(a.seq) FROM unnest(?::text[]) AS u(id)
		JOIN message_attempts AS a ON a.message_id = u.id GROUP BY u.id`, keptIDs)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: record attempts: %w", err)
	}
	type seqOf struct {
		id  string
		seq int32
	}
	seqs, err := collect(rows, func(r scanner) (s seqOf, err error) { return s, r.Scan(&s.id, &s.seq) })
	if err != nil {
		return nil, fmt.Errorf("sqlstore: record attempts: %w", err)
	}
	for _, x := range seqs {
		last[x.id] = x.seq
	}
	next := make([]int32, len(keptIDs))
	for i, id := range keptIDs {
		next[i] = last[id] + 1
	}
	_, err = t.exec(ctx, `INSERT INTO message_attempts (message_id, seq, at, outcome, detail, provider_id, response)
		SELECT * FROM unnest(?::text[], ?::int[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[])`,
		keptIDs, next, keptAt, keep(outcome), keep(detail), keep(provider), keep(response))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: record attempts: %w", err)
	}
	return lost, nil
}

// finishMessage records attempt a of a message owner holds inside t and
// moves the message to state (see FinishMessage).
func finishMessage(ctx context.Context, t *tx, owner string, state notify.State, dueAt time.Time, a notify.Attempt) error {
	var due, lastErr, lastResp, provider, sentAt any
	tried, throttle := 0, ""
	switch a.Outcome {
	case outcomeSent:
		tried = 1
	case outcomeRetry, outcomeFailed:
		tried, lastErr, lastResp = 1, a.Detail, a.Response
	case outcomeThrottled:
		throttle = a.Detail
	}
	if state == notify.StatePending {
		due = t.d.timeArg(dueAt)
	}
	if state == notify.StateSent {
		sentAt = t.d.timeArg(a.At)
	}
	if a.ProviderID != "" {
		provider = a.ProviderID
	}
	res, err := t.exec(ctx, `UPDATE messages SET state = ?, owner = NULL, lease_until = NULL, send_started_at = NULL,
		due_at = coalesce(?, due_at), attempts = attempts + ?, last_error = coalesce(?, last_error),
		last_response = coalesce(?, last_response),
		throttle_reason = ?, provider_id = coalesce(?, provider_id), sent_at = coalesce(?, sent_at)
		WHERE id = ? AND owner = ? AND state = 'sending'`,
		string(state), due, tried, lastErr, lastResp, throttle, provider, sentAt, a.MessageID, owner)
	if err != nil {
		return fmt.Errorf("sqlstore: finish message: %w", err)
	}
	if err := heldMessage(ctx, t, res, a.MessageID, owner); err != nil {
		return err
	}
	return addAttempt(ctx, t, a)
}

func validFinish(state notify.State, a notify.Attempt) error {
	switch state {
	case notify.StatePending, notify.StateSent, notify.StateFailed:
	default:
		return warroom.Invalid("state", "a message cannot be finished as %q", state)
	}
	switch a.Outcome {
	case outcomeSent, outcomeRetry, outcomeFailed, outcomeThrottled, outcomeCancelled:
	default:
		return warroom.Invalid("outcome", "unknown attempt outcome %q", a.Outcome)
	}
	if a.At.IsZero() {
		return warroom.Invalid("at", "an attempt needs its time")
	}
	return nil
}

// heldMessage turns an update of no rows into an error that says why
// owner did not hold the message.
func heldMessage(ctx context.Context, t *tx, res sql.Result, id, owner string) error {
	return heldOne(res, func() error { return notHeldMessage(ctx, t, id, owner) })
}

// notHeldMessage says why owner does not hold message id: ENotFound or
// EConflict, or the error that kept it from reading the message.
func notHeldMessage(ctx context.Context, t *tx, id, owner string) error {
	var state, holder string
	err := t.queryRow(ctx, "SELECT state, owner FROM messages WHERE id = ?", id).Scan(&state, strCol{&holder})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return warroom.Errorf(warroom.ENotFound, "no message %q", id)
	case err != nil:
		return fmt.Errorf("sqlstore: read message: %w", err)
	case state == string(notify.StateSending):
		return warroom.Errorf(warroom.EConflict, "message %s is being sent by %s; %s no longer holds it", id, holder, owner)
	}
	return warroom.Errorf(warroom.EConflict, "message %s is %s; %s no longer holds it", id, state, owner)
}

// addAttempt appends a to its message's history. The caller has locked
// the message (by updating it), which serializes the numbering.
func addAttempt(ctx context.Context, t *tx, a notify.Attempt) error {
	if err := t.durable(ctx); err != nil {
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO message_attempts (message_id, seq, at, outcome, detail, provider_id, response)
		VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM message_attempts WHERE message_id = ?), ?, ?, ?, ?, ?)`,
		a.MessageID, a.MessageID, t.d.timeArg(a.At), a.Outcome, a.Detail, a.ProviderID, a.Response)
	if err != nil {
		return fmt.Errorf("sqlstore: record attempt: %w", err)
	}
	return nil
}

// RecentSends returns when messages were sent to destination at or after
// since, oldest first.
func (s *Store) RecentSends(ctx context.Context, destination string, since time.Time) ([]time.Time, error) {
	rows, err := s.query(ctx, "SELECT sent_at FROM messages WHERE destination = ? AND sent_at >= ? ORDER BY sent_at",
		destination, s.d.timeArg(since))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: recent sends: %w", err)
	}
	return collect(rows, scanTime)
}

// FindMessage returns a message; ENotFound.
func (s *Store) FindMessage(ctx context.Context, id string) (*notify.Outbox, error) {
	m, err := scanMessage(s.queryRow(ctx, "SELECT "+messageColumns+" FROM messages WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "no message %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find message: %w", err)
	}
	return &m, nil
}

// ListAttempts returns a message's delivery history, oldest first; none
// for an unknown message.
func (s *Store) ListAttempts(ctx context.Context, id string) ([]notify.Attempt, error) {
	rows, err := s.query(ctx, "SELECT message_id, at, outcome, detail, provider_id, response FROM message_attempts WHERE message_id = ? ORDER BY seq", id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list attempts: %w", err)
	}
	return collect(rows, func(r scanner) (a notify.Attempt, err error) {
		return a, r.Scan(&a.MessageID, timeCol{&a.At}, &a.Outcome, &a.Detail, &a.ProviderID, &a.Response)
	})
}

// ListMessages returns the messages about an incident or an alert (either
// may be empty, not both), oldest first. EInvalid if both are empty.
func (s *Store) ListMessages(ctx context.Context, incidentID, alertID string) ([]*notify.Outbox, error) {
	var conds []string
	var args []any
	if incidentID != "" {
		conds, args = append(conds, "incident_id = ?"), append(args, incidentID)
	}
	if alertID != "" {
		conds, args = append(conds, "alert_id = ?"), append(args, alertID)
	}
	if len(conds) == 0 {
		return nil, warroom.Invalid("incident_id", "name an incident or an alert to list its messages")
	}
	rows, err := s.query(ctx, "SELECT "+messageColumns+" FROM messages WHERE "+strings.Join(conds, " OR ")+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list messages: %w", err)
	}
	return collect(rows, func(r scanner) (*notify.Outbox, error) {
		m, err := scanMessage(r)
		return &m, err
	})
}

// NextMessageDue returns when the earliest pending message of queue falls
// due. Messages being sent are left out: the poll finds those whose lease
// expires.
func (s *Store) NextMessageDue(ctx context.Context, queue string) (time.Time, bool, error) {
	next, ok, err := s.earliestDue(ctx, "SELECT min(due_at) FROM messages WHERE queue = ? AND state IN ('pending', 'sending') AND lease_until IS NULL", queue)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("sqlstore: next due message: %w", err)
	}
	return next, ok, nil
}

func scanMessage(r scanner) (notify.Outbox, error) {
	var m notify.Outbox
	var state string
	err := r.Scan(&m.ID, &m.Queue, &m.Kind, &m.Channel, &m.Destination, &m.Subject, &m.Text, jsonCol{&m.Fields},
		strCol{&m.IncidentID}, strCol{&m.AlertID}, strCol{&m.UserID}, &state, timeCol{&m.DueAt}, &m.Attempts,
		&m.ThrottleReason, &m.LastError, &m.LastResponse, &m.ProviderID, timeCol{&m.CreatedAt}, nullTimeCol{&m.SentAt})
	m.State = notify.State(state)
	if len(m.Fields) == 0 {
		m.Fields = nil
	}
	return m, err
}

// beingSent is "state = 'sending'" for statements that name their
// messages by ID, written so that the planner looks them up by ID:
// PostgreSQL, without statistics, would otherwise scan every message of
// messages_due, whose predicate the plain condition matches.
const beingSent = "(state = 'sending') IS TRUE"

// ExtendMessageLeases sets the lease of the messages of ids that owner is
// sending to until (the sender's heartbeat), and returns how many it
// extended.
func (s *Store) ExtendMessageLeases(ctx context.Context, owner string, ids []string, until time.Time) (int, error) {
	n, err := s.extendLeases(ctx, "messages", beingSent, owner, ids, until)
	if err != nil {
		return n, fmt.Errorf("sqlstore: extend message leases: %w", err)
	}
	return n, nil
}

// ReleaseMessages gives back messages that owner claimed and did not try
// to send: they are pending again, due when they were, with no attempt
// recorded (nothing was tried). It returns how many it released.
func (s *Store) ReleaseMessages(ctx context.Context, owner string, ids []string) (int, error) {
	n, err := s.updateByIDs(ctx, ids, func(cond string, arg any) (string, []any) {
		return "UPDATE messages SET state = 'pending', owner = NULL, lease_until = NULL WHERE " + cond +
			" AND owner = ? AND " + beingSent, []any{arg, owner}
	})
	if err != nil {
		return n, fmt.Errorf("sqlstore: release messages: %w", err)
	}
	return n, nil
}

// leaseReleased is the lease_until of a message whose lease ReleaseLeases
// ended: long past, so that the next claim takes the message whatever its
// clock says, and not NULL, so that the claim knows it was being sent.
var leaseReleased = time.Unix(0, 0)

// releaseMessageLeases ends the lease of every message being sent (see
// ReleaseLeases) inside t; the owner stays, for the attempt the next claim
// records.
func releaseMessageLeases(ctx context.Context, t *tx) (int, error) {
	res, err := t.exec(ctx, "UPDATE messages SET lease_until = ? WHERE state = 'sending'", t.d.timeArg(leaseReleased))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: release message leases: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
