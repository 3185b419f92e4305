package sqlstore

import (
	"cmp"
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
// after the job ran) until retention prunes it (Prune, retention.go);
// Fail clears the claim and moves due_at.

var _ engine.Store = (*Store)(nil)

const jobColumns = "id, queue, kind, key, due_at, payload, attempts, fair_key"

// jobRowsPerInsert bounds one multi-row INSERT: 11 arguments a row stays
// far below both dialects' limits on arguments per statement.
const jobRowsPerInsert = 200

// Enqueue schedules jobs in one transaction; a job whose Key (or ID) is
// already stored is skipped, even if that job is done. A job without an ID
// gets one; a zero DueAt is due at once. EInvalid if a job has no queue or
// kind, or a payload that is not JSON.
func (s *Store) Enqueue(ctx context.Context, jobs ...engine.Job) error {
	return enqueue(ctx, s, jobs, insertJobs, ChannelJobs)
}

// enqueueJobs schedules jobs inside the caller's transaction, with the same
// rules as Enqueue, and wakes the engines of every process once the
// transaction commits (NOTIFY warroom_jobs on PostgreSQL, in-process on
// SQLite). Other parts of the store call it to schedule work atomically
// with the change that causes it (IngestAlerts).
func (s *Store) enqueueJobs(ctx context.Context, t *tx, jobs []engine.Job) error {
	return enqueueIn(ctx, s, t, jobs, insertJobs, ChannelJobs)
}

// insertJobs inserts jobs inside t, skipping those whose key or ID is
// stored, and returns how many it inserted. With an owner, the jobs are
// inserted claimed by owner until leaseUntil, and those inserted are
// returned (as claimed, with their IDs).
func insertJobs(ctx context.Context, t *tx, jobs []engine.Job, owner string, leaseUntil time.Time) ([]engine.Job, int64, error) {
	if len(jobs) == 0 {
		return nil, 0, nil
	}
	now := t.d.timeArg(time.Now())
	inserted := int64(0)
	var claimed []engine.Job
	for chunk := range slices.Chunk(jobs, jobRowsPerInsert) {
		var q strings.Builder
		q.WriteString("INSERT INTO jobs (id, queue, kind, key, payload, due_at, attempts, fair_key, last_error, created_at")
		if owner != "" {
			q.WriteString(", owner, lease_until")
		}
		q.WriteString(") VALUES ")
		args := make([]any, 0, 10*len(chunk))
		byID := make(map[string]engine.Job, len(chunk))
		for i, j := range chunk {
			if err := validJob(j); err != nil {
				return nil, 0, err
			}
			if j.ID == "" {
				var err error
				if j.ID, err = newID(); err != nil {
					return nil, 0, err
				}
			}
			var payload any
			if len(j.Payload) > 0 {
				payload = string(j.Payload)
			}
			if i > 0 {
				q.WriteString(", ")
			}
			args = append(args, j.ID, j.Queue, j.Kind, nullString(j.Key), payload, t.d.timeArg(j.DueAt), j.Attempts, j.FairKey, now)
			if owner == "" {
				q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, '', ?)")
				continue
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)")
			args = append(args, owner, t.d.timeArg(leaseUntil))
			j.DueAt = normTime(j.DueAt)
			byID[j.ID] = j
		}
		q.WriteString(" ON CONFLICT DO NOTHING")
		if owner == "" {
			res, err := t.exec(ctx, q.String(), args...)
			if err != nil {
				return nil, 0, fmt.Errorf("sqlstore: enqueue jobs: %w", err)
			}
			if n, err := res.RowsAffected(); err == nil {
				inserted += n
			}
			continue
		}
		q.WriteString(" RETURNING id")
		ids, n, err := returnedIDs(txRows(ctx, t, q.String(), args...))
		if err != nil {
			return nil, 0, fmt.Errorf("sqlstore: enqueue jobs: %w", err)
		}
		for _, id := range ids {
			claimed = append(claimed, byID[id])
		}
		inserted += n
	}
	return claimed, inserted, nil
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
	return claimLeased(owner, n, jobDue, func() ([]engine.Job, error) {
		at := s.d.timeArg(now)
		if ok, err := s.mayClaim(ctx, `SELECT 1 FROM jobs WHERE queue = ? AND done_at IS NULL AND due_at <= ?
			AND (lease_until IS NULL OR lease_until <= ?) LIMIT 1`, queue, at, at); err != nil || !ok {
			return []engine.Job{}, err
		}
		rows, err := s.writeRows(ctx, `UPDATE jobs SET owner = ?, lease_until = ?
		WHERE id IN (SELECT id FROM jobs WHERE queue = ? AND done_at IS NULL AND due_at <= ?
			AND (lease_until IS NULL OR lease_until <= ?) ORDER BY due_at LIMIT ?`+s.d.skipLocked()+`)
		RETURNING `+jobColumns,
			owner, s.d.timeArg(now.Add(lease)), queue, at, at, n)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: claim jobs: %w", err)
		}
		return collect(rows, scanJob)
	})
}

func jobDue(j engine.Job) time.Time { return j.DueAt }

var _ engine.FairClaimer = (*Store)(nil)

// ClaimFair leases up to n due jobs of queue to owner until now+lease,
// taking the jobs of every fairness key (engine.Job.FairKey) in turn: the
// oldest due job of each key, then the second oldest of each, and so on,
// at most perKey of one key, and none of the keys of skip (the keys the
// caller's other workers are running: one key's work never takes every
// worker); they are returned in that order (inTurn). One
// statement: it finds the keys of the queue's undone jobs with one index
// seek per key (a recursive skip scan over jobs_fair, so that a backlog
// of thousands of one key costs nothing to step over) and reads at most
// perKey due, unleased jobs of each, oldest first. On PostgreSQL, rows
// that another claim is locking are skipped, as in Claim.
//
// Why: one first-come queue let a storm's thousands of route jobs on one
// service hold up the route job of another service's page for seconds to
// minutes (issue 8). Taken in turn, a key with one due job has it in the
// next claim, near its head, however long another key's backlog is; the
// bound per key keeps a claim, whose jobs a worker runs one after
// another, short when one key has all the work.
func (s *Store) ClaimFair(ctx context.Context, queue, owner string, now time.Time, lease time.Duration, n, perKey int, skip []string) ([]engine.Job, error) {
	if perKey <= 0 {
		perKey = n
	}
	if skip == nil {
		skip = []string{} // PostgreSQL: an empty array, not NULL
	}
	_, skipArg := s.d.idsIn("k", skip)
	jobs, err := claimLeased(owner, n, jobDue, func() ([]engine.Job, error) {
		at := s.d.timeArg(now)
		probe, args := `SELECT 1 FROM jobs WHERE queue = ? AND done_at IS NULL AND due_at <= ?
			AND (lease_until IS NULL OR lease_until <= ?) LIMIT 1`, []any{queue, at, at}
		if len(skip) > 0 {
			// Due work of the keys not skipped: one probe per key, not a
			// walk over the skipped keys' backlog.
			probe, args = s.d.fairProbe(), []any{queue, queue, skipArg, queue, at, at}
		}
		if ok, err := s.mayClaim(ctx, probe, args...); err != nil || !ok {
			return []engine.Job{}, err
		}
		rows, err := s.writeRows(ctx, s.d.fairClaim(), queue, queue, owner, s.d.timeArg(now.Add(lease)),
			queue, at, at, perKey, skipArg, n)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: claim jobs: %w", err)
		}
		return collect(rows, scanJob)
	})
	if err != nil {
		return nil, err
	}
	return inTurn(jobs), nil
}

// fairKeys is the recursive skip scan of the fairness keys of a queue's
// undone jobs (arguments: the queue twice), as the CTE "fair(k)".
const fairKeys = `WITH RECURSIVE fair(k) AS (
	SELECT (SELECT fair_key FROM jobs WHERE queue = ? AND done_at IS NULL ORDER BY fair_key LIMIT 1)
	UNION ALL
	SELECT (SELECT fair_key FROM jobs WHERE queue = ? AND done_at IS NULL AND fair_key > fair.k ORDER BY fair_key LIMIT 1)
	FROM fair WHERE fair.k IS NOT NULL)
`

// fairProbe is ClaimFair's look for due work of the keys not skipped.
// Arguments: the queue twice (the keys), the keys skipped, then queue,
// now and now.
func (d *dialect) fairProbe() string {
	skipped, _ := d.idsIn("fair.k", nil)
	return fairKeys + `SELECT 1 FROM fair WHERE fair.k IS NOT NULL AND NOT (` + skipped + `) AND EXISTS (
		SELECT 1 FROM jobs WHERE queue = ? AND fair_key = fair.k AND done_at IS NULL AND due_at <= ?
			AND (lease_until IS NULL OR lease_until <= ?)) LIMIT 1`
}

// fairClaim is ClaimFair's statement. Arguments: the queue twice (the
// keys), owner and lease_until, then queue, now, now and perKey (each
// key's jobs), the keys skipped, then n. PostgreSQL reads each key's jobs with a LATERAL
// subquery that locks them (SKIP LOCKED); SQLite, which has no LATERAL
// and one writer, with a correlated subquery per key.
func (d *dialect) fairClaim() string {
	perKey := `SELECT id, fair_key, due_at FROM jobs WHERE queue = ? AND fair_key = fair.k AND done_at IS NULL AND due_at <= ?
			AND (lease_until IS NULL OR lease_until <= ?) ORDER BY due_at LIMIT ?`
	skipped, _ := d.idsIn("fair.k", nil)
	var picked string
	if d.dollar {
		picked = `SELECT j.id, j.fair_key, j.due_at FROM fair CROSS JOIN LATERAL (` + perKey + ` FOR UPDATE SKIP LOCKED) j
			WHERE fair.k IS NOT NULL AND NOT (` + skipped + `)`
	} else {
		picked = `SELECT j.id, j.fair_key, j.due_at FROM fair JOIN jobs j ON j.id IN (
			SELECT id FROM (` + perKey + `)) WHERE fair.k IS NOT NULL AND NOT (` + skipped + `)`
	}
	// On PostgreSQL "id = ANY(ARRAY(...))" looks the few picked jobs up by
	// their key; "id IN (...)" was planned as a hash join over a scan of
	// every row of jobs.
	in, end := "id IN (", ")"
	if d.dollar {
		in, end = "id = ANY(ARRAY(", "))"
	}
	return fairKeys + `UPDATE jobs SET owner = ?, lease_until = ? WHERE ` + in + `
		SELECT id FROM (SELECT p.id, p.due_at, row_number() OVER (PARTITION BY p.fair_key ORDER BY p.due_at, p.id) AS turn
			FROM (` + picked + `) p) t
		ORDER BY turn, due_at LIMIT ?` + end + `
	RETURNING ` + jobColumns
}

// inTurn orders claimed jobs as ClaimFair takes them: the oldest of each
// fairness key first, then the second oldest of each, and so on; within a
// turn, the keys with fewer jobs in the claim first, then by due time. A
// worker runs its claim in this order, so the one job of a quiet service
// (a page) runs before the oldest job of a service in a storm, whose
// backlog filled its share of the claim, however long that one waited.
func inTurn(jobs []engine.Job) []engine.Job {
	turn := make(map[string]int, len(jobs)) // job ID → its place among its key's jobs
	count := map[string]int{}               // key → its jobs in the claim
	for _, j := range jobs {                // in due order (claimLeased)
		turn[j.ID] = count[j.FairKey]
		count[j.FairKey]++
	}
	slices.SortStableFunc(jobs, func(a, b engine.Job) int {
		return cmp.Or(turn[a.ID]-turn[b.ID], count[a.FairKey]-count[b.FairKey])
	})
	return jobs
}

func scanJob(r scanner) (engine.Job, error) {
	var j engine.Job
	var payload string
	err := r.Scan(&j.ID, &j.Queue, &j.Kind, strCol{&j.Key}, timeCol{&j.DueAt}, strCol{&payload}, &j.Attempts, &j.FairKey)
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
	return heldOne(res, func() error { return notHeldJob(ctx, t, id, owner) })
}

// notHeldJob says why owner does not hold job id.
func notHeldJob(ctx context.Context, t *tx, id, owner string) error {
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
	next, ok, err := s.earliestDue(ctx, "SELECT min(due_at) FROM jobs WHERE queue = ? AND done_at IS NULL AND owner IS NULL", queue)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("sqlstore: next due job: %w", err)
	}
	return next, ok, nil
}

// txRows runs a statement that returns rows inside a transaction.
func txRows(ctx context.Context, t *tx, query string, args ...any) (*sql.Rows, error) {
	query = t.d.q(query)
	if st := t.stmts.cached(query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

var (
	_ engine.BatchCompleter = (*Store)(nil)
	_ engine.LeaseExtender  = (*Store)(nil)
)

// idsPerStatement bounds the IDs one statement names: the IDs go in one
// argument (a JSON array on SQLite, an array on PostgreSQL), so the
// statement stays the same, prepared once, whatever their number.
const idsPerStatement = 1000

// notDone is "done_at IS NULL" for statements that name their jobs by ID,
// written so that the planner looks the jobs up by ID: PostgreSQL, without
// statistics, would otherwise scan every job of jobs_due, whose predicate
// the plain condition matches.
const notDone = "(done_at IS NULL) IS TRUE"

// idsIn returns the condition "column is one of the IDs given as the next
// argument" and that argument.
func (d *dialect) idsIn(column string, ids []string) (string, any) {
	if d.dollar {
		return column + " = ANY(?::text[])", ids
	}
	b := make([]byte, 0, 40*len(ids))
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, id)
	}
	b = append(b, ']')
	return column + " IN (SELECT value FROM json_each(?))", string(b)
}

// CompleteBatch marks done at at every job of done that owner holds, and
// schedules the follow-ups of those, in one transaction. A job owner no
// longer holds (its lease expired and another worker claimed it, or it is
// done) is skipped with its follow-ups and listed in lost. The follow-ups
// claim selects (of its queue, due at or before at, at most Max, in
// order) are inserted claimed by owner until at+claim.Lease and returned
// in claimed, in order, for the caller to run at once; one whose key is
// already stored is not inserted, so not returned.
func (s *Store) CompleteBatch(ctx context.Context, owner string, at time.Time, done []engine.Completion, claim engine.FollowClaim) (claimed []engine.Job, lost []string, err error) {
	if len(done) == 0 {
		return nil, nil, nil
	}
	err = s.inTx(ctx, func(t *tx) error {
		claimed, lost = nil, nil
		held := make(map[string]bool, len(done))
		for chunk := range slices.Chunk(done, idsPerStatement) {
			ids := make([]string, len(chunk))
			for i, c := range chunk {
				ids[i] = c.ID
			}
			cond, arg := t.d.idsIn("id", ids)
			got, _, err := returnedIDs(txRows(ctx, t, "UPDATE jobs SET done_at = ?, lease_until = NULL WHERE "+cond+
				" AND owner = ? AND "+notDone+" RETURNING id", t.d.timeArg(at), arg, owner))
			if err != nil {
				return fmt.Errorf("sqlstore: complete jobs: %w", err)
			}
			for _, id := range got {
				held[id] = true
			}
		}
		var follow, mine []engine.Job
		for _, c := range done {
			if !held[c.ID] {
				lost = append(lost, c.ID)
				continue
			}
			for _, f := range c.Follow {
				if f.Queue == claim.Queue && claim.Queue != "" && len(mine) < claim.Max && !f.DueAt.After(at) {
					mine = append(mine, f)
				} else {
					follow = append(follow, f)
				}
			}
		}
		var err error
		if claimed, _, err = insertJobs(ctx, t, mine, owner, at.Add(claim.Lease)); err != nil {
			return err
		}
		return s.enqueueJobs(ctx, t, follow)
	})
	if err != nil {
		return nil, nil, err
	}
	return claimed, lost, nil
}

// ExtendLeases sets the lease of the jobs of ids that owner holds and that
// are not done to until (the engine's heartbeat), and returns how many it
// extended. A job whose lease already expired is extended too if no one
// claimed it meanwhile: it is still this owner's.
func (s *Store) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) (int, error) {
	n, err := s.extendLeases(ctx, "jobs", notDone, owner, ids, until)
	if err != nil {
		return n, fmt.Errorf("sqlstore: extend job leases: %w", err)
	}
	return n, nil
}

// ReleaseLeases gives up every claim on jobs and outbox messages, so that
// work a process held when it died runs again at once instead of when its
// lease ends: claimed jobs become unclaimed (their attempts unchanged), and
// messages being sent count as having lost their lease, so the next claim
// sends them again with the same ID and records why. It returns how many
// jobs and messages it released.
//
// Only for a database no other process is using: the server calls it at
// startup on SQLite, which one process owns. On PostgreSQL, where other
// replicas may be working, leases end on their own (kept short by the
// heartbeats of live processes).
func (s *Store) ReleaseLeases(ctx context.Context) (jobs, messages int, err error) {
	err = s.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, "UPDATE jobs SET owner = NULL, lease_until = NULL WHERE done_at IS NULL AND owner IS NOT NULL")
		if err != nil {
			return fmt.Errorf("sqlstore: release job leases: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil {
			jobs = int(n)
		}
		messages, err = releaseMessageLeases(ctx, t)
		return err
	})
	return jobs, messages, err
}
