package sqlstore

import (
	"context"
	"fmt"
	"time"
)

// Retention says how long the store keeps work that is finished; without
// it the jobs, idempotency keys and outbox tables grow for as long as the
// server runs. A zero period keeps that kind for ever. Nothing that is
// still to run (a pending, claimed or failing job; a pending or sending
// message) is ever pruned, nor incidents, their timelines or alerts,
// which are the record itself.
type Retention struct {
	// DoneJobs: jobs done this long ago are deleted. A done job's key
	// stops making the scheduling of the same key a no-op once it is
	// deleted; every handler is safe to run twice, and paging's system
	// commands keep their own idempotency keys (see IdempotencyKeys).
	DoneJobs time.Duration
	// IdempotencyKeys: the Idempotency-Key records of API requests stored
	// this long ago are deleted; a request retried later runs again.
	// The keys of anything that is not a user (paging's system commands,
	// which use them to happen once however often their job runs) are
	// kept: deleting them could declare an incident twice when a job
	// runs again after a long outage.
	IdempotencyKeys time.Duration
	// Messages: outbox messages in a final state (sent, or failed, which
	// includes cancelled pages), created this long ago and with no
	// delivery attempt since, are deleted with their attempts. Their
	// history is evidence for postmortems, so keep it long.
	Messages time.Duration
	// Batch is how many jobs, keys or messages one transaction deletes at
	// most (a message goes with its attempts, a handful each); zero means
	// DefaultRetentionBatch. Short transactions never hold SQLite's one
	// writer for long, and pruning a backlog of years goes on one batch
	// after another, with other writes in between.
	Batch int
}

// DefaultRetentionBatch is how many rows one pruning transaction deletes
// by default: here, 3 ms of SQLite's writer for jobs, 13 ms for messages
// with two attempts each.
const DefaultRetentionBatch = 1000

// Pruned counts the rows Prune deleted.
type Pruned struct {
	Jobs            int
	IdempotencyKeys int
	Messages        int
	Attempts        int // the delivery attempts of the messages
	SignIns         int // expired web sessions and sign-in links, stale sign-in failure counts
}

// Total is the number of rows deleted.
func (p Pruned) Total() int { return p.Jobs + p.IdempotencyKeys + p.Messages + p.Attempts + p.SignIns }

// Prune deletes what r no longer keeps at now: rows whose time is
// strictly before now minus their period. It deletes in transactions of
// at most r.Batch rows (each kind until a batch finds fewer) and stops at
// the first error or when ctx ends, returning what it deleted so far.
// Running it again, or in several processes at once, is safe: every
// delete checks again what it deletes.
func (s *Store) Prune(ctx context.Context, now time.Time, r Retention) (Pruned, error) {
	batch := r.Batch
	if batch <= 0 {
		batch = DefaultRetentionBatch
	}
	var p Pruned
	var noAttempts int
	kinds := []struct {
		keep        time.Duration
		what        string
		prune       func(ctx context.Context, cutoff time.Time, batch int) (pruneBatch, error)
		n, attempts *int
	}{
		{r.DoneJobs, "done jobs", s.pruneJobs, &p.Jobs, &noAttempts},
		{r.IdempotencyKeys, "idempotency keys", s.pruneIdempotencyKeys, &p.IdempotencyKeys, &noAttempts},
		{r.Messages, "messages", s.pruneMessages, &p.Messages, &p.Attempts},
	}
	for _, k := range kinds {
		if k.keep <= 0 {
			continue
		}
		cutoff := now.Add(-k.keep)
		for {
			if err := ctx.Err(); err != nil {
				return p, err
			}
			b, err := k.prune(ctx, cutoff, batch)
			*k.n += b.deleted
			*k.attempts += b.attempts
			if err != nil {
				return p, fmt.Errorf("sqlstore: prune %s: %w", k.what, err)
			}
			if b.found < batch { // all there were
				break
			}
		}
	}
	n, err := s.pruneSignIns(ctx, now, batch)
	p.SignIns = n
	if err != nil {
		return p, fmt.Errorf("sqlstore: prune sign-ins: %w", err)
	}
	return p, nil
}

// pruneBatch is what one batch found to delete and deleted. They differ
// when another process pruned the same rows first; the batch found decides
// whether to go on.
type pruneBatch struct {
	found, deleted, attempts int
}

// pruneJobs deletes up to batch jobs done before cutoff. done_at < ? holds
// for no job that is not done (NULL compares to nothing), so pending,
// claimed and retrying jobs stay whatever their age.
//
// The jobs are found on the read side, and the write deletes them by ID:
// done jobs have no index by done_at, and the last batch of a run reads
// every job, which on SQLite must not happen while holding the one writer.
// Done jobs never change, so the IDs found are still prunable; the delete
// checks again all the same.
func (s *Store) pruneJobs(ctx context.Context, cutoff time.Time, batch int) (pruneBatch, error) {
	rows, err := s.query(ctx, "SELECT id FROM jobs WHERE done_at < ? LIMIT ?", s.d.timeArg(cutoff), batch)
	ids, found, err := returnedIDs(rows, err)
	if err != nil || found == 0 {
		return pruneBatch{}, err
	}
	cond, arg := s.d.idsIn("id", ids)
	n, err := s.deleteRows(ctx, deleteJobs(cond), arg, s.d.timeArg(cutoff))
	return pruneBatch{found: int(found), deleted: n}, err
}

// The deletes of a batch, by ID (cond, see idsIn), each condition checked
// again; TestPruneQueryPlans holds them to lookups by ID.
func deleteJobs(cond string) string { return "DELETE FROM jobs WHERE " + cond + " AND done_at < ?" }

func deleteAttempts(cond string) string {
	return "DELETE FROM message_attempts WHERE message_id IN (SELECT id FROM messages WHERE " + cond + " AND " + prunableMessage + ")"
}

func deleteMessages(cond string) string {
	return "DELETE FROM messages WHERE " + cond + " AND " + prunableMessage
}

// pruneIdempotencyKeys deletes up to batch idempotency keys of users
// stored before cutoff, in one statement: the table holds a day of API
// requests, cheap to read even with the writer. Only users' keys: API
// requests carry their caller's user ID, while paging's system commands
// use a scope of their own that no user has, and those keys must outlive
// any retry of their job.
func (s *Store) pruneIdempotencyKeys(ctx context.Context, cutoff time.Time, batch int) (pruneBatch, error) {
	n, err := s.deleteRows(ctx, `DELETE FROM idempotency_keys WHERE (user_id, key) IN (SELECT user_id, key FROM idempotency_keys AS k
		WHERE created_at < ? AND EXISTS (SELECT 1 FROM users WHERE users.id = k.user_id) LIMIT ?`+s.d.skipLocked()+")",
		s.d.timeArg(cutoff), batch)
	return pruneBatch{found: n, deleted: n}, err
}

// prunableMessage is the condition on a message that retention deletes: a
// final state (cancelled pages are failed), created before the cutoff
// (the first argument) and no attempt at or after it (the second): its
// whole history is older than the period. Pending and sending messages
// never match, whatever their age.
const prunableMessage = `state IN ('sent', 'failed') AND created_at < ?
	AND NOT EXISTS (SELECT 1 FROM message_attempts AS a WHERE a.message_id = messages.id AND a.at >= ?)`

// pruneMessages deletes up to batch prunable messages and their attempts,
// in one transaction. Like jobs, they are found on the read side (no
// index serves the condition) and deleted by ID with the condition
// checked again. The attempts go first and explicitly, not by the foreign
// key's cascade, so that they are counted.
func (s *Store) pruneMessages(ctx context.Context, cutoff time.Time, batch int) (pruneBatch, error) {
	at := s.d.timeArg(cutoff)
	rows, err := s.query(ctx, "SELECT id FROM messages WHERE "+prunableMessage+" LIMIT ?", at, at, batch)
	ids, found, err := returnedIDs(rows, err)
	if err != nil || found == 0 {
		return pruneBatch{}, err
	}
	b := pruneBatch{found: int(found)}
	err = s.inTx(ctx, func(t *tx) error {
		cond, arg := t.d.idsIn("id", ids)
		attempts, err := txDelete(ctx, t, deleteAttempts(cond), arg, at, at)
		if err != nil {
			return err
		}
		// The attempts of these messages are gone, so the condition's
		// NOT EXISTS holds; state and age are what is checked again.
		deleted, err := txDelete(ctx, t, deleteMessages(cond), arg, at, at)
		if err != nil {
			return err
		}
		b.deleted, b.attempts = deleted, attempts
		return nil
	})
	if err != nil {
		return pruneBatch{found: b.found}, err
	}
	return b, nil
}

// deleteRows runs one DELETE statement (atomic on its own, so no
// transaction around it) and returns how many rows it deleted.
func (s *Store) deleteRows(ctx context.Context, query string, args ...any) (int, error) {
	res, err := s.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// txDelete is deleteRows inside t.
func txDelete(ctx context.Context, t *tx, query string, args ...any) (int, error) {
	res, err := t.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
