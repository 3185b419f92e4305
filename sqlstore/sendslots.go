package sqlstore

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"
)

// A destination's throttle (notify.Throttle) counts the sends to it in a
// window. Several processes send from one PostgreSQL database, and a send
// takes time (a webhook receiver may answer after seconds), so a send
// counts from the moment a sender decides to make it: ReserveSend takes
// that decision and records its slot (messages.send_started_at) in one
// transaction, serialized per destination, before the network call. Two
// senders deciding at once for one destination so never both take its
// last slot, and a send in flight in another process is counted.

// sendSlotLockClass is the first key of the PostgreSQL advisory locks
// that serialize the throttle decisions of one destination (the second is
// a hash of the destination). Two-key advisory locks never conflict with
// the one-key locks others take (the migrations' session lock).
const sendSlotLockClass = 0x77617274 // "wart"

// ReserveSend decides whether message id, which owner is sending, may go
// to destination at now, and if so takes its send slot, in one
// transaction. decide gets the times of the sends to destination at or
// after since (those recorded as sent, by sent_at, and those in flight in
// any process, by when their slot was taken; the message's own earlier
// slot left out) and returns when the message may be sent and why it
// waits ("" if it may go now). When it may go now, the message's slot is
// taken at now: it counts for every later decision until its outcome is
// recorded (FinishMessage clears it; a sent message then counts by
// sent_at). A sender that dies mid-send leaves its slot counting until
// its message is claimed again and decided anew: it may have reached the
// destination.
//
// The decisions of one destination are serialized: on PostgreSQL by a
// transaction-scoped advisory lock on the destination, taken before the
// sends are read; on SQLite by its single writer. EConflict (or
// ENotFound) if owner no longer holds the message; nothing is taken then.
func (s *Store) ReserveSend(ctx context.Context, owner, id, destination string, since, now time.Time,
	decide func(history []time.Time) (time.Time, string)) (next time.Time, reason string, err error) {
	err = s.inTx(ctx, func(t *tx) error {
		if t.d.dollar {
			if _, err := t.exec(ctx, "SELECT pg_advisory_xact_lock(?::int4, ?::int4)", sendSlotLockClass, destinationLockKey(destination)); err != nil {
				return fmt.Errorf("sqlstore: lock the throttle of a destination: %w", err)
			}
		}
		at := t.d.timeArg(since)
		rows, err := txRows(ctx, t, `SELECT sent_at FROM messages WHERE destination = ? AND sent_at >= ?
			UNION ALL
			SELECT send_started_at FROM messages WHERE destination = ? AND state = 'sending'
				AND send_started_at IS NOT NULL AND send_started_at >= ? AND id <> ?`,
			destination, at, destination, at, id)
		if err != nil {
			return fmt.Errorf("sqlstore: sends to a destination: %w", err)
		}
		history, err := collect(rows, scanTime)
		if err != nil {
			return fmt.Errorf("sqlstore: sends to a destination: %w", err)
		}
		if next, reason = decide(history); reason != "" {
			return nil
		}
		res, err := t.exec(ctx, "UPDATE messages SET send_started_at = ? WHERE id = ? AND owner = ? AND state = 'sending'",
			t.d.timeArg(now), id, owner)
		if err != nil {
			return fmt.Errorf("sqlstore: take a send slot: %w", err)
		}
		return heldMessage(ctx, t, res, id, owner)
	})
	if err != nil {
		return time.Time{}, "", err
	}
	return next, reason, nil
}

// destinationLockKey is the second key of a destination's advisory lock:
// a 32-bit hash of it. Two destinations that share a hash only share the
// lock, which costs a wait, never a wrong count.
func destinationLockKey(destination string) int32 {
	h := fnv.New32a()
	h.Write([]byte(destination))
	return int32(h.Sum32())
}
