package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
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

const messageColumns = `id, queue, kind, channel, destination, subject, body, fields, ack_url, incident_id, alert_id,
	user_id, secret, state, due_at, attempts, throttle_reason, last_error, provider_id, created_at, sent_at`

// Attempt outcomes, as notify.Attempt documents them.
const (
	outcomeSent      = "sent"
	outcomeRetry     = "retry"
	outcomeFailed    = "failed"
	outcomeThrottled = "throttled"
	outcomeCancelled = "cancelled"
)

// messageRowsPerInsert bounds one multi-row INSERT (20 arguments a row).
const messageRowsPerInsert = 100

// EnqueueMessages stores new pending messages in one transaction; a
// message whose ID is already stored is skipped, so enqueueing is safe to
// repeat. Each message must pass notify.Message.Validate (EInvalid). An
// empty Queue is set from the channel (notify.Queue), a zero CreatedAt to
// the time of the call, and a zero DueAt is due at once; State, Attempts
// and the delivery fields start empty.
func (s *Store) EnqueueMessages(ctx context.Context, msgs []notify.Outbox) error {
	if len(msgs) == 0 {
		return nil
	}
	return s.inTx(ctx, func(t *tx) error { return s.enqueueMessages(ctx, t, msgs) })
}

// enqueueMessages stores messages inside the caller's transaction, with the
// rules of EnqueueMessages, and wakes the senders of every process once it
// commits (NOTIFY warroom_messages on PostgreSQL, in-process on SQLite).
func (s *Store) enqueueMessages(ctx context.Context, t *tx, msgs []notify.Outbox) error {
	_, inserted, err := insertMessages(ctx, t, msgs, "", time.Time{})
	if err != nil || inserted == 0 {
		return err
	}
	return s.wake(ctx, t, ChannelMessages)
}

// insertMessages stores new messages inside t (see EnqueueMessages),
// skipping known IDs, and returns how many it stored. With an owner they
// are stored already claimed by owner until leaseUntil (state sending),
// and those stored are returned as ClaimMessages would return them.
func insertMessages(ctx context.Context, t *tx, msgs []notify.Outbox, owner string, leaseUntil time.Time) ([]notify.Outbox, int64, error) {
	if len(msgs) == 0 {
		return nil, 0, nil
	}
	inserted := int64(0)
	var claimed []notify.Outbox
	state, claim := "'pending'", ""
	if owner != "" {
		state, claim = "'sending'", ", ?, ?"
	}
	for chunk := range slices.Chunk(msgs, messageRowsPerInsert) {
		var q strings.Builder
		q.WriteString("INSERT INTO messages (id, queue, kind, channel, destination, subject, body, fields, ack_url, " +
			"incident_id, alert_id, user_id, secret, state, due_at, attempts, throttle_reason, last_error, provider_id, created_at")
		if owner != "" {
			q.WriteString(", owner, lease_until")
		}
		q.WriteString(") VALUES ")
		args := make([]any, 0, 18*len(chunk))
		byID := make(map[string]notify.Outbox, len(chunk))
		for i := range chunk {
			m := chunk[i]
			if err := m.Validate(); err != nil {
				return nil, 0, warroom.Invalid("message", "message %s: %v", m.ID, err)
			}
			if m.Queue == "" {
				m.Queue = notify.Queue(m.Channel)
			}
			fields, err := marshal(nonNil(m.Fields))
			if err != nil {
				return nil, 0, err
			}
			if m.CreatedAt.IsZero() {
				m.CreatedAt = time.Now()
			}
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " + state + ", ?, 0, '', '', '', ?" + claim + ")")
			args = append(args, m.ID, m.Queue, m.Kind, m.Channel, m.Destination, m.Subject, m.Text, fields, m.AckURL,
				nullString(m.IncidentID), nullString(m.AlertID), nullString(m.UserID), m.Secret,
				t.d.timeArg(m.DueAt), t.d.timeArg(m.CreatedAt))
			if owner != "" {
				args = append(args, owner, t.d.timeArg(leaseUntil))
				m.State, m.Attempts, m.ThrottleReason, m.LastError, m.ProviderID, m.SentAt = notify.StateSending, 0, "", "", "", nil
				m.DueAt, m.CreatedAt = normTime(m.DueAt), normTime(m.CreatedAt)
				byID[m.ID] = m
			}
		}
		q.WriteString(" ON CONFLICT DO NOTHING")
		if owner == "" {
			res, err := t.exec(ctx, q.String(), args...)
			if err != nil {
				return nil, 0, fmt.Errorf("sqlstore: enqueue messages: %w", err)
			}
			if n, err := res.RowsAffected(); err == nil {
				inserted += n
			}
			continue
		}
		q.WriteString(" RETURNING id")
		rows, err := txRows(ctx, t, q.String(), args...)
		if err != nil {
			return nil, 0, fmt.Errorf("sqlstore: enqueue messages: %w", err)
		}
		ids, err := collect(rows, func(r scanner) (id string, err error) { return id, r.Scan(&id) })
		if err != nil {
			return nil, 0, fmt.Errorf("sqlstore: enqueue messages: %w", err)
		}
		for _, id := range ids {
			claimed = append(claimed, byID[id])
		}
		inserted += int64(len(ids))
	}
	return claimed, inserted, nil
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
	var due, later []notify.Outbox
	for _, m := range msgs {
		if m.DueAt.After(now) {
			later = append(later, m)
		} else {
			due = append(due, m)
		}
	}
	var claimed []notify.Outbox
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		if claimed, _, err = insertMessages(ctx, t, due, owner, now.Add(lease)); err != nil {
			return err
		}
		return s.enqueueMessages(ctx, t, later)
	})
	if err != nil {
		return nil, err
	}
	return claimed, nil
}

// ClaimMessages marks up to n messages of queue as sending, leased to owner
// until now+lease, earliest due first, and returns them. It takes pending
// messages due at now, and sending messages whose lease expired: their
// sender died mid-send, so they are sent again with the same ID, counted
// as an attempt and noted in their history. On PostgreSQL messages that
// another claim is locking are skipped (FOR UPDATE SKIP LOCKED).
//
// ClaimMessages is the only method that returns a message's Secret, which
// its sender needs; FindMessage and ListMessages leave it out.
func (s *Store) ClaimMessages(ctx context.Context, queue, owner string, now time.Time, lease time.Duration, n int) ([]notify.Outbox, error) {
	if n <= 0 {
		return []notify.Outbox{}, nil
	}
	if owner == "" {
		return nil, warroom.Invalid("owner", "a claim needs an owner")
	}
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
			last_error = CASE WHEN state = 'sending' THEN ? ELSE last_error END
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
	// RETURNING follows no ORDER BY.
	slices.SortStableFunc(out, func(a, b notify.Outbox) int { return a.DueAt.Compare(b.DueAt) })
	return out, nil
}

// FinishMessage records attempt a and moves a message that owner holds
// (state sending) to state: pending again at dueAt, sent, or failed.
// Attempts counts the outcomes that tried the provider (sent, retry,
// failed), not throttles or cancellations; LastError is the detail of the
// last retry or failure; ThrottleReason is the detail of a throttled
// outcome and is cleared by any other. Sent sets SentAt to a.At, which
// RecentSends then counts. EInvalid for another state or an unknown
// outcome; ENotFound; EConflict if owner no longer holds the message.
func (s *Store) FinishMessage(ctx context.Context, id, owner string, state notify.State, dueAt time.Time, a notify.Attempt) error {
	if err := validFinish(state, a); err != nil {
		return err
	}
	a.MessageID = id
	return s.inTx(ctx, func(t *tx) error {
		var due, lastErr, provider, sentAt any
		tried, throttle := 0, ""
		switch a.Outcome {
		case outcomeSent:
			tried = 1
		case outcomeRetry, outcomeFailed:
			tried, lastErr = 1, a.Detail
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
		res, err := t.exec(ctx, `UPDATE messages SET state = ?, owner = NULL, lease_until = NULL,
			due_at = coalesce(?, due_at), attempts = attempts + ?, last_error = coalesce(?, last_error),
			throttle_reason = ?, provider_id = coalesce(?, provider_id), sent_at = coalesce(?, sent_at)
			WHERE id = ? AND owner = ? AND state = 'sending'`,
			string(state), due, tried, lastErr, throttle, provider, sentAt, id, owner)
		if err != nil {
			return fmt.Errorf("sqlstore: finish message: %w", err)
		}
		if err := heldMessage(ctx, t, res, id, owner); err != nil {
			return err
		}
		return addAttempt(ctx, t, a)
	})
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
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
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
	_, err := t.exec(ctx, `INSERT INTO message_attempts (message_id, seq, at, outcome, detail, provider_id)
		VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM message_attempts WHERE message_id = ?), ?, ?, ?, ?)`,
		a.MessageID, a.MessageID, t.d.timeArg(a.At), a.Outcome, a.Detail, a.ProviderID)
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
	return collect(rows, func(r scanner) (t time.Time, err error) { return t, r.Scan(timeCol{&t}) })
}

// FindMessage returns a message without its Secret; ENotFound.
func (s *Store) FindMessage(ctx context.Context, id string) (*notify.Outbox, error) {
	m, err := scanMessage(s.queryRow(ctx, "SELECT "+messageColumns+" FROM messages WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "no message %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find message: %w", err)
	}
	m.Secret = ""
	return &m, nil
}

// ListAttempts returns a message's delivery history, oldest first; none
// for an unknown message.
func (s *Store) ListAttempts(ctx context.Context, id string) ([]notify.Attempt, error) {
	rows, err := s.query(ctx, "SELECT message_id, at, outcome, detail, provider_id FROM message_attempts WHERE message_id = ? ORDER BY seq", id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list attempts: %w", err)
	}
	return collect(rows, func(r scanner) (a notify.Attempt, err error) {
		return a, r.Scan(&a.MessageID, timeCol{&a.At}, &a.Outcome, &a.Detail, &a.ProviderID)
	})
}

// ListMessages returns the messages about an incident or an alert (either
// may be empty, not both), oldest first, without their Secret. EInvalid if
// both are empty.
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
		m.Secret = ""
		return &m, err
	})
}

// NextMessageDue returns when the earliest pending message of queue falls
// due. Messages being sent are left out: the poll finds those whose lease
// expires.
func (s *Store) NextMessageDue(ctx context.Context, queue string) (time.Time, bool, error) {
	var next *time.Time
	err := s.queryRow(ctx, "SELECT min(due_at) FROM messages WHERE queue = ? AND state IN ('pending', 'sending') AND lease_until IS NULL", queue).
		Scan(nullTimeCol{&next})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("sqlstore: next due message: %w", err)
	}
	if next == nil {
		return time.Time{}, false, nil
	}
	return *next, true, nil
}

func scanMessage(r scanner) (notify.Outbox, error) {
	var m notify.Outbox
	var state string
	err := r.Scan(&m.ID, &m.Queue, &m.Kind, &m.Channel, &m.Destination, &m.Subject, &m.Text, jsonCol{&m.Fields}, &m.AckURL,
		strCol{&m.IncidentID}, strCol{&m.AlertID}, strCol{&m.UserID}, &m.Secret, &state, timeCol{&m.DueAt}, &m.Attempts,
		&m.ThrottleReason, &m.LastError, &m.ProviderID, timeCol{&m.CreatedAt}, nullTimeCol{&m.SentAt})
	m.State = notify.State(state)
	if len(m.Fields) == 0 {
		m.Fields = nil
	}
	return m, err
}

// ExtendMessageLeases sets the lease of the messages of ids that owner is
// sending to until (the sender's heartbeat), and returns how many it
// extended.
func (s *Store) ExtendMessageLeases(ctx context.Context, owner string, ids []string, until time.Time) (int, error) {
	n := 0
	for chunk := range slices.Chunk(ids, idsPerStatement) {
		cond, arg := s.d.idsIn("id", chunk)
		res, err := s.exec(ctx, "UPDATE messages SET lease_until = ? WHERE "+cond+" AND owner = ? AND state = 'sending'",
			s.d.timeArg(until), arg, owner)
		if err != nil {
			return n, fmt.Errorf("sqlstore: extend message leases: %w", err)
		}
		if k, err := res.RowsAffected(); err == nil {
			n += int(k)
		}
	}
	return n, nil
}

// ReleaseMessages gives back messages that owner claimed and did not try
// to send: they are pending again, due when they were, with no attempt
// recorded (nothing was tried). It returns how many it released.
func (s *Store) ReleaseMessages(ctx context.Context, owner string, ids []string) (int, error) {
	n := 0
	for chunk := range slices.Chunk(ids, idsPerStatement) {
		cond, arg := s.d.idsIn("id", chunk)
		res, err := s.exec(ctx, "UPDATE messages SET state = 'pending', owner = NULL, lease_until = NULL WHERE "+cond+
			" AND owner = ? AND state = 'sending'", arg, owner)
		if err != nil {
			return n, fmt.Errorf("sqlstore: release messages: %w", err)
		}
		if k, err := res.RowsAffected(); err == nil {
			n += int(k)
		}
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
