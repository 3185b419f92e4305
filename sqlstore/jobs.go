package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// The jobs table keeps engine.Job rows. A claimed job holds owner and
// lease_until; Complete sets done_at and keeps the row, as history and so
// that its key stays used (scheduling the same key again is a no-op even
// after the job ran); Fail clears the claim and moves due_at.

var _ engine.Store = (*Store)(nil)

const jobColumns = "id, queue, kind, key, due_at, payload, attempts"

// jobRowsPerInsert bounds one multi-row INSERT: 8 arguments a row stays
// far below both dialects' limits on arguments per statement.
const jobRowsPerInsert = 200

// Enqueue schedules jobs in one transaction; a job whose Key (or ID) is
// already stored is skipped, even if that job is done. A job without an ID
// gets one; a zero DueAt is due at once. EInvalid if a job has no queue or
// kind, or a payload that is not JSON.
func (s *Store) Enqueue(ctx context.Context, jobs ...engine.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	return s.inTx(ctx, func(t *tx) error { return s.enqueueJobs(ctx, t, jobs) })
}

// enqueueJobs schedules jobs inside the caller's transaction, with the same
// rules as Enqueue, and wakes the engines of every process once the
// transaction commits (NOTIFY warroom_jobs on PostgreSQL, in-process on
// SQLite). Other parts of the store call it to schedule work atomically
// with the change that causes it (IngestAlerts).
func (s *Store) enqueueJobs(ctx context.Context, t *tx, jobs []engine.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	now := t.d.timeArg(time.Now())
	inserted := int64(0)
	for chunk := range slices.Chunk(jobs, jobRowsPerInsert) {
		var q strings.Builder
		q.WriteString("INSERT INTO jobs (id, queue, kind, key, payload, due_at, attempts, last_error, created_at) VALUES ")
		args := make([]any, 0, 8*len(chunk))
		for i, j := range chunk {
			if err := validJob(j); err != nil {
				return err
			}
			id := j.ID
			if id == "" {
				var err error
				if id, err = newID(); err != nil {
					return err
				}
			}
			var payload any
			if len(j.Payload) > 0 {
				payload = string(j.Payload)
			}
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, '', ?)")
			args = append(args, id, j.Queue, j.Kind, nullString(j.Key), payload, t.d.timeArg(j.DueAt), j.Attempts, now)
		}
		q.WriteString(" ON CONFLICT DO NOTHING")
		res, err := t.exec(ctx, q.String(), args...)
		if err != nil {
			return fmt.Errorf("sqlstore: enqueue jobs: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil {
			inserted += n
		}
	}
	if inserted == 0 {
		return nil
	}
	return s.wake(ctx, t, ChannelJobs)
}

func validJob(j engine.Job) error {
	switch {
	case j.Queue == "":
		return warroom.Invalid("queue", "job %s of kind %q has no queue", j.ID, j.Kind)
	case j.Kind == "":
		return warroom.Invalid("kind", "job %s has no kind", j.ID)
	case len(j.Payload) > 0 && !json.Valid(j.Payload):
		return warroom.Invalid("payload", "job %s of kind %s has a payload that is not JSON", j.ID, j.Kind)
	}
	return nil
}

// Claim leases up to n due jobs of queue to owner until now+lease, earliest
// due first, in one statement. On PostgreSQL, rows that another claim is
// locking are skipped, not waited for (FOR UPDATE SKIP LOCKED); SQLite's
// single writer serializes claims.
func (s *Store) Claim(ctx context.Context, queue, owner string, now time.Time, lease time.Duration, n int) ([]engine.Job, error) {
	if n <= 0 {
		return []engine.Job{}, nil
	}
	if owner == "" {
		return nil, warroom.Invalid("owner", "a claim needs an owner")
	}
	at := s.d.timeArg(now)
	rows, err := s.writeRows(ctx, `UPDATE jobs SET owner = ?, lease_until = ?
		WHERE id IN (SELECT id FROM jobs WHERE queue = ? AND done_at IS NULL AND due_at <= ?
			AND (lease_until IS NULL OR lease_until <= ?) ORDER BY due_at LIMIT ?`+s.d.skipLocked()+`)
		RETURNING `+jobColumns,
		owner, s.d.timeArg(now.Add(lease)), queue, at, at, n)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: claim jobs: %w", err)
	}
	jobs, err := collect(rows, scanJob)
	if err != nil {
		return nil, err
	}
	// RETURNING follows no ORDER BY.
	slices.SortStableFunc(jobs, func(a, b engine.Job) int { return a.DueAt.Compare(b.DueAt) })
	return jobs, nil
}

func scanJob(r scanner) (engine.Job, error) {
	var j engine.Job
	var payload string
	err := r.Scan(&j.ID, &j.Queue, &j.Kind, strCol{&j.Key}, timeCol{&j.DueAt}, strCol{&payload}, &j.Attempts)
	if payload != "" {
		j.Payload = json.RawMessage(payload)
	}
	return j, err
}

// Complete marks a job that owner holds done at at, and schedules follow,
// in one transaction: either both happen or neither. EConflict if owner no
// longer holds the job (its lease expired and another worker claimed it,
// or it is done); then nothing is scheduled.
func (s *Store) Complete(ctx context.Context, id, owner string, at time.Time, follow []engine.Job) error {
	return s.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, "UPDATE jobs SET done_at = ?, lease_until = NULL WHERE id = ? AND owner = ? AND done_at IS NULL",
			t.d.timeArg(at), id, owner)
		if err != nil {
			return fmt.Errorf("sqlstore: complete job: %w", err)
		}
		if err := s.heldJob(ctx, t, res, id, owner); err != nil {
			return err
		}
		return s.enqueueJobs(ctx, t, follow)
	})
}

// Fail releases a job that owner holds, to run again at retryAt, counting
// the attempt and recording errText. EConflict if owner no longer holds
// the job.
func (s *Store) Fail(ctx context.Context, id, owner string, retryAt time.Time, errText string) error {
	return s.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE jobs SET attempts = attempts + 1, due_at = ?, last_error = ?, owner = NULL, lease_until = NULL
			WHERE id = ? AND owner = ? AND done_at IS NULL`, t.d.timeArg(retryAt), errText, id, owner)
		if err != nil {
			return fmt.Errorf("sqlstore: fail job: %w", err)
		}
		return s.heldJob(ctx, t, res, id, owner)
	})
}

// heldJob turns an update of no rows into an error that says why owner
// did not hold the job.
func (s *Store) heldJob(ctx context.Context, t *tx, res sql.Result, id, owner string) error {
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var holder string
	var done bool
	err := t.queryRow(ctx, "SELECT owner, done_at IS NOT NULL FROM jobs WHERE id = ?", id).Scan(strCol{&holder}, &done)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return warroom.Errorf(warroom.ENotFound, "no job %q", id)
	case err != nil:
		return fmt.Errorf("sqlstore: read job: %w", err)
	case done:
		return warroom.Errorf(warroom.EConflict, "job %s is already done (by %s); %s no longer holds it", id, holder, owner)
	case holder == "":
		return warroom.Errorf(warroom.EConflict, "job %s is not claimed; %s no longer holds it", id, owner)
	}
	return warroom.Errorf(warroom.EConflict, "job %s is claimed by %s; %s no longer holds it", id, holder, owner)
}

// NextDue returns when the earliest unclaimed job of queue falls due.
// Claimed jobs are left out: the poll finds those whose lease expires.
func (s *Store) NextDue(ctx context.Context, queue string) (time.Time, bool, error) {
	var next *time.Time
	err := s.queryRow(ctx, "SELECT min(due_at) FROM jobs WHERE queue = ? AND done_at IS NULL AND owner IS NULL", queue).
		Scan(nullTimeCol{&next})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("sqlstore: next due job: %w", err)
	}
	if next == nil {
		return time.Time{}, false, nil
	}
	return *next, true, nil
}

// skipLocked makes a SELECT that feeds an UPDATE lock its rows and skip
// those that another transaction has locked. SQLite needs nothing: its
// single writer serializes the statements.
func (d *dialect) skipLocked() string {
	if d.dollar {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// writeRows runs one write statement that returns rows (RETURNING),
// outside a transaction; a single statement is atomic on its own.
func (s *Store) writeRows(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query = s.d.q(query)
	if st := s.wstmts.get(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.db.QueryContext(ctx, query, args...)
}

// txRows runs a statement that returns rows inside a transaction.
func txRows(ctx context.Context, t *tx, query string, args ...any) (*sql.Rows, error) {
	query = t.d.q(query)
	if st := t.stmts.cached(query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}
