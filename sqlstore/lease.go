package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/warroom/warroom"
)

// The store has two leased queues, jobs (jobs.go) and outbox messages
// (outbox.go), and they follow one contract: work is inserted unclaimed
// (and wakes the workers of every process) or already claimed by the
// process that will run it; a claim leases the earliest due rows to an
// owner until lease_until; the owner's heartbeat extends the leases of
// what it still holds; and a write by an owner that no longer holds a row
// fails with the reason. What they share of that is written here once, so
// that the two queues cannot drift apart; what differs (columns, states,
// and how a lost lease is recorded) stays with each.

// inserter stores rows inside t, skipping those already stored, and
// returns how many it stored; with an owner, the rows are stored claimed
// by owner until leaseUntil and those stored are returned (insertJobs,
// insertMessages).
type inserter[T any] func(ctx context.Context, t *tx, rows []T, owner string, leaseUntil time.Time) ([]T, int64, error)

// enqueue stores rows unclaimed in one transaction (Enqueue,
// EnqueueMessages).
func enqueue[T any](ctx context.Context, s *Store, rows []T, insert inserter[T], channel string) error {
	if len(rows) == 0 {
		return nil
	}
	return s.inTx(ctx, func(t *tx) error { return enqueueIn(ctx, s, t, rows, insert, channel) })
}

// enqueueIn stores rows unclaimed inside the caller's transaction and, if
// it stored any, wakes the workers listening on channel, in every process,
// once the transaction commits (NOTIFY on PostgreSQL, in-process on
// SQLite). Nothing new wakes no one.
func enqueueIn[T any](ctx context.Context, s *Store, t *tx, rows []T, insert inserter[T], channel string) error {
	_, inserted, err := insert(ctx, t, rows, "", time.Time{})
	if err != nil || inserted == 0 {
		return err
	}
	return s.wake(ctx, t, channel)
}

// claimLeased checks a claim of n rows for owner and runs it: no rows for
// n <= 0, EInvalid without an owner (a lease nobody holds could never be
// extended or released). The claimed rows are returned earliest due
// first, since RETURNING follows no ORDER BY.
func claimLeased[T any](owner string, n int, due func(T) time.Time, claim func() ([]T, error)) ([]T, error) {
	if n <= 0 {
		return []T{}, nil
	}
	if owner == "" {
		return nil, warroom.Invalid("owner", "a claim needs an owner")
	}
	out, err := claim()
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b T) int { return due(a).Compare(due(b)) })
	return out, nil
}

// mayClaim reports whether a claim could find anything, by running the
// claim's condition as a read (query: a SELECT 1 … LIMIT 1). The engine
// and the senders claim on every wake-up, and during a storm most of
// those find nothing; as reads they neither wait for SQLite's one writer
// (the read pool runs beside it and sees every committed row) nor count
// as urgent writes that intake yields to (writerGate).
func (s *Store) mayClaim(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := s.queryRow(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlstore: look for work to claim: %w", err)
	}
	return true, nil
}

// skipLocked makes a SELECT that feeds an UPDATE or DELETE lock its rows
// and skip those that another transaction has locked, so that concurrent
// claims (and prunes) of several replicas never wait for each other.
// SQLite needs nothing: its single writer serializes the statements.
func (d *dialect) skipLocked() string {
	if d.dollar {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// extendLeases sets to until the lease of the rows of table among ids
// that owner holds and that are still live (held: the table's condition
// for that, written for a lookup by ID, see notDone and beingSent), and
// returns how many it extended.
func (s *Store) extendLeases(ctx context.Context, table, held, owner string, ids []string, until time.Time) (int, error) {
	return s.updateByIDs(ctx, ids, func(cond string, arg any) (string, []any) {
		return "UPDATE " + table + " SET lease_until = ? WHERE " + cond + " AND owner = ? AND " + held,
			[]any{s.d.timeArg(until), arg, owner}
	})
}

// updateByIDs runs an update of the rows of ids, idsPerStatement at a
// time, each statement on its own (a heartbeat or a release needs no
// transaction), and returns how many rows they changed. stmt writes the
// statement and its arguments around cond, the condition "id is one of
// the chunk", whose argument is arg.
func (s *Store) updateByIDs(ctx context.Context, ids []string, stmt func(cond string, arg any) (string, []any)) (int, error) {
	n := 0
	for chunk := range slices.Chunk(ids, idsPerStatement) {
		cond, arg := s.d.idsIn("id", chunk)
		query, args := stmt(cond, arg)
		res, err := s.exec(ctx, query, args...)
		if err != nil {
			return n, err
		}
		if k, err := res.RowsAffected(); err == nil {
			n += int(k)
		}
	}
	return n, nil
}

// heldOne returns nil if res changed one row (the owner held it), and
// otherwise what whyNot says: why the owner did not hold it (EConflict,
// ENotFound).
func heldOne(res sql.Result, whyNot func() error) error {
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return whyNot()
}

// earliestDue returns the time a query of min(due_at) reads, and false if
// there is none (NextDue, NextMessageDue).
func (s *Store) earliestDue(ctx context.Context, query string, args ...any) (time.Time, bool, error) {
	var next *time.Time
	if err := s.queryRow(ctx, query, args...).Scan(nullTimeCol{&next}); err != nil {
		return time.Time{}, false, err
	}
	if next == nil {
		return time.Time{}, false, nil
	}
	return *next, true, nil
}

// returnedIDs collects the IDs a statement returned (RETURNING id), and
// counts them.
func returnedIDs(rows *sql.Rows, err error) ([]string, int64, error) {
	if err != nil {
		return nil, 0, err
	}
	ids, err := collect(rows, scanID)
	return ids, int64(len(ids)), err
}

func scanID(r scanner) (id string, err error) { return id, r.Scan(&id) }
