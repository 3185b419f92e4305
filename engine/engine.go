// Package engine runs warroom's durable work: everything that must happen
// later (the next escalation step, a pending notification, the first
// responder's 10-minute clock, the 4-hour major check) is a job row in the
// database with a due time. Workers claim due jobs in a transaction with a
// lease, run them, and complete them together with any follow-up jobs, so a
// restart or a crash loses nothing: an unfinished claim expires and the job
// runs again. Handlers are therefore written to be safe to run twice.
//
// New work wakes the engine at once (Wake); polling is only the safety net
// for work that other processes scheduled or that fell due.
//
// Leases are short when the store can extend them (LeaseExtender): while
// the engine runs, a heartbeat extends the leases of the jobs it holds, so
// a process that dies mid-job gives its work up within one lease, while a
// slow job of a live process keeps its claim. Stores that complete many
// jobs in one transaction (BatchCompleter) let a worker complete the jobs
// of a batch together, so cheap jobs cost one write per batch, not one
// each.
package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Job is one piece of durable work.
type Job struct {
	ID    string `json:"id"`
	Queue string `json:"queue"`
	Kind  string `json:"kind"`
	// Key makes scheduling idempotent: a job whose key already exists is
	// not scheduled again. Empty: always scheduled.
	Key string `json:"key,omitempty"`
	// FairKey names whose work the job is (paging: the service whose
	// alerts it routes or pages for). A claim takes the due jobs of
	// every key in turn, oldest first within a key, and at most
	// Config.PerKey of one key, so that one key's backlog never holds up
	// another's work. A follow-up without one inherits its job's. Empty:
	// the jobs that name none share one key.
	FairKey  string          `json:"fair_key,omitempty"`
	DueAt    time.Time       `json:"due_at"`
	Payload  json.RawMessage `json:"payload,omitempty"`
	Attempts int             `json:"attempts"`
}

// Store keeps jobs. Implementations: sqlstore (SQLite and PostgreSQL).
type Store interface {
	// Enqueue schedules jobs; a job whose Key exists is skipped.
	Enqueue(ctx context.Context, jobs ...Job) error
	// Claim leases up to n jobs of queue due at now to owner until
	// now+lease and returns them. Jobs claimed by another owner whose
	// lease has not expired are skipped (on PostgreSQL without waiting:
	// FOR UPDATE SKIP LOCKED).
	Claim(ctx context.Context, queue, owner string, now time.Time, lease time.Duration, n int) ([]Job, error)
	// Complete marks a claimed job done and schedules its follow-ups, in
	// one transaction. It fails if owner no longer holds the job, so a job
	// that another worker took over is not completed twice.
	Complete(ctx context.Context, id, owner string, at time.Time, follow []Job) error
	// Fail releases a claimed job to run again at retryAt, recording the
	// error.
	Fail(ctx context.Context, id, owner string, retryAt time.Time, errText string) error
	// NextDue returns when the earliest unclaimed job of queue falls due.
	NextDue(ctx context.Context, queue string) (time.Time, bool, error)
}

// FairClaimer is implemented by stores that claim fairly across the
// FairKey of jobs with a bound per key (sqlstore); the engine uses it for
// the queues of Config.PerKey.
type FairClaimer interface {
	// ClaimFair is Claim taking the due jobs of each FairKey in turn
	// (the oldest of every key, then the second oldest of every key, and
	// so on), at most perKey of one key and none of the keys of skip, and
	// returning them in that order.
	ClaimFair(ctx context.Context, queue, owner string, now time.Time, lease time.Duration, n, perKey int, skip []string) ([]Job, error)
}

// Completion is a job that ran and the jobs that follow it.
type Completion struct {
	ID     string
	Follow []Job
}

// BatchCompleter is implemented by stores that complete many jobs in one
// transaction; the engine then completes the jobs of a claimed batch
// together (at once after a job that has follow-ups, so that these are
// never held back), and runs the follow-ups due at once on its own queue
// right away, claimed by the completion that schedules them.
type BatchCompleter interface {
	// CompleteBatch marks done at at every job of done that owner holds,
	// and schedules their follow-ups, in one transaction. Jobs owner no
	// longer holds are skipped with their follow-ups and returned in lost.
	// The follow-ups that claim selects are inserted already claimed by
	// owner and returned in claimed (a follow-up whose key exists is not
	// inserted, so not claimed either).
	CompleteBatch(ctx context.Context, owner string, at time.Time, done []Completion, claim FollowClaim) (claimed []Job, lost []string, err error)
}

// FollowClaim selects the follow-ups CompleteBatch claims as it inserts
// them: at most Max of those of Queue due at or before the completion,
// leased until the completion time plus Lease. The zero value claims
// none.
type FollowClaim struct {
	Queue string
	Lease time.Duration
	Max   int
}

// LeaseExtender is implemented by stores that can extend the leases of
// claimed jobs; the engine then runs a heartbeat while it works.
type LeaseExtender interface {
	// ExtendLeases sets the lease of the jobs of ids that owner holds and
	// that are not done to until, and returns how many it extended.
	ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) (int, error)
}

// Handler runs one job at now and returns the jobs that follow it. An error
// makes the job run again after a backoff.
type Handler func(ctx context.Context, job Job, now time.Time) ([]Job, error)

// BatchHandler runs several jobs of one kind together, for kinds whose
// jobs are cheaper in bulk (one query for the data of many), and returns
// one Result per job, in the order of jobs (due order). Each result counts
// for its job alone: an error retries only that job.
type BatchHandler func(ctx context.Context, jobs []Job, now time.Time) []Result

// Result is what one job of a BatchHandler came to: its follow-ups, or an
// error as a Handler returns it.
type Result struct {
	Follow []Job
	Err    error
}

// Permanent wraps an error that retrying cannot fix: the job is completed
// with no follow-ups and the error is logged.
type Permanent struct{ Err error }

func (p Permanent) Error() string {
	if p.Err == nil {
		return "permanent failure"
	}
	return "permanent: " + p.Err.Error()
}

// Unwrap returns the wrapped error.
func (p Permanent) Unwrap() error { return p.Err }

// Config configures an engine.
type Config struct {
	Store  Store
	Now    func() time.Time // default time.Now
	Logger *slog.Logger
	Owner  string        // this process's name in claims; unique per process; default random
	Queues []string      // each queue has its own worker, so a slow queue never delays another
	Poll   time.Duration // safety-net polling interval; default 1s
	Lease  time.Duration // how long a claim lasts; default 30s
	// Heartbeat is how often Run extends the leases of the jobs this
	// engine holds, when the store is a LeaseExtender; default Lease/4.
	// Negative: no heartbeat.
	Heartbeat time.Duration
	Batch     int            // jobs claimed at once; default 50
	Batches   map[string]int // jobs claimed at once, by queue; default Batch
	// PerKey bounds the jobs of one FairKey that one claim of a queue
	// takes, by queue, with a FairClaimer store: a worker runs the jobs
	// of a claim one after another, so a claim full of one service's
	// backlog would keep another service's job, due a moment later,
	// waiting for all of them. On such a queue a worker also claims no
	// job of a key that another worker of the engine is running: one
	// key's backlog occupies at most one worker, and another key's job
	// finds a worker free. Unset: plain claims (Store.Claim).
	PerKey map[string]int
	// Urgent queues' work (claims, handlers, completions) runs with
	// WithUrgency: where the store orders writers, it goes first. The
	// heartbeat is always urgent: a lease that lapses under load would
	// hand live work to another process.
	Urgent map[string]bool
	// Workers is how many workers run a queue at once, by queue; default
	// 1. More than one run claims of the queue side by side (each job
	// still runs once: claims exclude each other).
	Workers map[string]int
	// FollowUps is how many follow-ups due at once on a worker's own
	// queue the completion that schedules them claims, for the worker to
	// run next without claiming them (with a BatchCompleter store): a
	// chain of jobs (an escalation step, then the next thing it calls
	// for) runs without waiting for a claim per link. Default 16;
	// negative: none.
	FollowUps int
	Handlers  map[string]Handler
	// BatchHandlers run the jobs of their kinds that one claim took
	// together (at the place of the first of them); they take precedence
	// over Handlers.
	BatchHandlers map[string]BatchHandler
	// Backoff returns the delay before retry number attempt (1-based).
	Backoff func(attempt int) time.Duration
	// Sleep waits until d has passed or ctx is done; tests replace it to
	// run minutes of process time in milliseconds. Default: a timer.
	Sleep func(ctx context.Context, d time.Duration, wake <-chan struct{})
}

// Engine runs the workers.
type Engine struct {
	cfg  Config
	wake map[string]chan struct{}

	mu sync.Mutex
	// held maps the jobs this engine claimed and has not completed or
	// failed to the end of their lease as far as it knows.
	held map[string]time.Time
	// beating is set while Run's heartbeat extends the leases.
	beating atomic.Bool
	// running counts, by queue and FairKey, the workers running jobs of
	// the key (queues with PerKey), under runMu; claimMu, by queue, makes
	// a claim and its count one step, so that two workers never both
	// take a key.
	runMu   sync.Mutex
	running map[string]map[string]int
	claimMu map[string]*sync.Mutex
}

// New returns an engine with defaults filled in.
func New(cfg Config) *Engine {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Owner == "" {
		// Two engines sharing an owner could complete each other's
		// claims, so the default is never shared.
		var b [8]byte
		_, _ = rand.Read(b[:])
		cfg.Owner = "engine-" + hex.EncodeToString(b[:])
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 50
	}
	if cfg.Heartbeat == 0 {
		cfg.Heartbeat = cfg.Lease / 4
	}
	if cfg.FollowUps == 0 {
		cfg.FollowUps = 16
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	e := &Engine{cfg: cfg, wake: map[string]chan struct{}{}, held: map[string]time.Time{},
		running: map[string]map[string]int{}, claimMu: map[string]*sync.Mutex{}}
	for _, q := range cfg.Queues {
		e.wake[q] = make(chan struct{}, 1)
		e.claimMu[q] = &sync.Mutex{}
	}
	return e
}

// DefaultBackoff doubles from 1s up to 5m.
func DefaultBackoff(attempt int) time.Duration {
	d := time.Second
	for i := 1; i < attempt && d < 5*time.Minute; i++ {
		d *= 2
	}
	return min(d, 5*time.Minute)
}

// Wake tells the queue's worker that new work may be due now.
func (e *Engine) Wake(queue string) {
	if ch, ok := e.wake[queue]; ok {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Run runs the workers of every queue (Workers, default one), and the
// heartbeat that keeps the leases of their jobs, until ctx is done, and
// waits for them.
func (e *Engine) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, q := range e.cfg.Queues {
		for range max(e.cfg.Workers[q], 1) {
			wg.Go(func() { e.work(ctx, q) })
		}
	}
	if _, ok := e.cfg.Store.(LeaseExtender); ok && e.cfg.Heartbeat > 0 {
		e.beating.Store(true)
		wg.Go(func() {
			defer e.beating.Store(false)
			e.heartbeat(ctx)
		})
	}
	wg.Wait()
}

// heartbeat extends the leases of the jobs the workers hold every
// Heartbeat until ctx is done.
func (e *Engine) heartbeat(ctx context.Context) {
	ctx = WithUrgency(ctx)
	t := time.NewTicker(e.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := e.ExtendLeases(ctx); err != nil && ctx.Err() == nil {
			e.cfg.Logger.Warn("engine: extending the leases of running jobs", "err", err)
		}
	}
}

// ExtendLeases extends the leases of the jobs this engine holds that have
// used a quarter of their lease to a lease from now, if the store can
// (LeaseExtender): most jobs are done before. Run calls it every
// Heartbeat (a quarter lease by default), so that a held job always has
// more than half a lease left; tests call it directly.
func (e *Engine) ExtendLeases(ctx context.Context) error {
	ext, ok := e.cfg.Store.(LeaseExtender)
	if !ok {
		return nil
	}
	now := e.cfg.Now()
	e.mu.Lock()
	var ids []string
	for id, until := range e.held {
		if until.Sub(now) <= e.cfg.Lease*3/4 {
			ids = append(ids, id)
		}
	}
	e.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	until := now.Add(e.cfg.Lease)
	if _, err := ext.ExtendLeases(ctx, e.cfg.Owner, ids, until); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, id := range ids {
		if _, ok := e.held[id]; ok {
			e.held[id] = until
		}
	}
	return nil
}

// hold records claimed jobs and the end of their lease.
func (e *Engine) hold(jobs []Job, until time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, j := range jobs {
		e.held[j.ID] = until
	}
}

// drop forgets jobs the engine no longer holds.
func (e *Engine) drop(ids ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, id := range ids {
		delete(e.held, id)
	}
}

// mayStart reports whether the job's lease leaves time to run it: half a
// lease, or a quarter while the heartbeat keeps extending it. A job whose
// lease may run out while it runs could be claimed and run by another
// process meanwhile.
func (e *Engine) mayStart(id string) bool {
	margin := e.cfg.Lease / 2
	if e.beating.Load() {
		margin = e.cfg.Lease / 4
	}
	e.mu.Lock()
	until, ok := e.held[id]
	e.mu.Unlock()
	return ok && !e.cfg.Now().After(until.Add(-margin))
}

func (e *Engine) work(ctx context.Context, queue string) {
	for ctx.Err() == nil {
		n, err := e.RunDue(ctx, queue)
		if err != nil && ctx.Err() == nil {
			e.cfg.Logger.Error("engine: running due jobs", "queue", queue, "err", err)
		}
		if n > 0 {
			continue // there may be more due right away
		}
		e.cfg.Sleep(ctx, e.untilNext(ctx, queue), e.wake[queue])
	}
}

// untilNext is how long the worker may sleep: until the next job is due,
// at most the poll interval (other processes may schedule work too).
func (e *Engine) untilNext(ctx context.Context, queue string) time.Duration {
	next, ok, err := e.cfg.Store.NextDue(ctx, queue)
	if err != nil || !ok {
		return e.cfg.Poll
	}
	return min(max(next.Sub(e.cfg.Now()), 0), e.cfg.Poll)
}

// RunDue claims and runs the jobs of queue that are due now, and returns
// how many it ran. Tests call it directly after moving their clock.
//
// Jobs are claimed in a batch but run one after another, so a slow batch
// could outlive its lease (if nothing extends it), and a job whose lease
// expired may already be running in another process. RunDue starts no job
// with less than half a lease left: its lease runs out and the next claim
// (here or elsewhere) takes it.
//
// With a BatchCompleter store, the jobs that ran are completed together:
// right after a job that has follow-ups due now (with it, and the jobs
// before it), else at the end of the batch or once the oldest has waited
// a second. The follow-ups due now on queue are claimed by that
// completion and run next (Config.FollowUps).
func (e *Engine) RunDue(ctx context.Context, queue string) (int, error) {
	if e.cfg.Urgent[queue] {
		ctx = WithUrgency(ctx)
	}
	now := e.cfg.Now()
	jobs, keys, err := e.claim(ctx, queue, now)
	if err != nil {
		return 0, err
	}
	defer e.release(queue, keys)
	e.hold(jobs, now.Add(e.cfg.Lease))
	bc, batched := e.cfg.Store.(BatchCompleter)
	var (
		errs    []error
		ran     int
		pending []Completion
		since   time.Time
		todo    = e.units(jobs)
		chained int // follow-ups claimed with completions
	)
	flush := func() {
		if len(pending) == 0 {
			return
		}
		// A chain that never ends must not keep RunDue from returning.
		claimMax := min(max(e.cfg.FollowUps, 0), maxChained-chained)
		claimed, err := e.completeBatch(ctx, bc, queue, pending, claimMax)
		errs = append(errs, err)
		pending = nil
		if len(claimed) > 0 {
			// Follow-ups due now, ours already: they run next.
			chained += len(claimed)
			e.hold(claimed, e.cfg.Now().Add(e.cfg.Lease))
			todo = append(e.units(claimed), todo...)
		}
	}
	for len(todo) > 0 || len(pending) > 0 {
		if len(todo) == 0 {
			flush() // may claim more to run
			continue
		}
		unit := todo[0]
		if ran > 0 && !e.mayStart(unit[0].ID) {
			// Left to expire: forget them so that no heartbeat keeps them.
			for _, rest := range todo {
				for _, j := range rest {
					e.drop(j.ID)
				}
			}
			todo = nil
			continue
		}
		todo = todo[1:]
		ran += len(unit)
		for _, r := range e.runUnit(ctx, unit, !batched) {
			errs = append(errs, r.err)
			if r.done == nil {
				continue
			}
			if len(pending) == 0 {
				since = e.cfg.Now()
			}
			pending = append(pending, *r.done)
			if e.dueNow(r.done.Follow) {
				flush()
			}
		}
		if len(pending) > 0 && e.cfg.Now().Sub(since) >= time.Second {
			flush()
		}
	}
	return ran, errors.Join(errs...)
}

// claim claims the due jobs of queue: where the queue has a PerKey bound
// and the store can, fairly across keys, bounded per key, and none of
// the keys another worker is running; it counts the keys it took as
// running (keys) until release. The follow-ups a worker runs with its
// claim are of the keys it holds (they inherit their job's).
func (e *Engine) claim(ctx context.Context, queue string, now time.Time) (jobs []Job, keys []string, err error) {
	fc, ok := e.cfg.Store.(FairClaimer)
	if !ok || e.cfg.PerKey[queue] <= 0 {
		jobs, err = e.cfg.Store.Claim(ctx, queue, e.cfg.Owner, now, e.cfg.Lease, e.batch(queue))
		return jobs, nil, err
	}
	if mu := e.claimMu[queue]; mu != nil { // nil: a queue RunDue is called for that Queues lacks
		mu.Lock()
		defer mu.Unlock()
	}
	e.runMu.Lock()
	var skip []string
	for k := range e.running[queue] {
		skip = append(skip, k)
	}
	e.runMu.Unlock()
	if jobs, err = fc.ClaimFair(ctx, queue, e.cfg.Owner, now, e.cfg.Lease, e.batch(queue), e.cfg.PerKey[queue], skip); err != nil {
		return nil, nil, err
	}
	e.runMu.Lock()
	defer e.runMu.Unlock()
	if e.running[queue] == nil {
		e.running[queue] = map[string]int{}
	}
	for _, j := range jobs {
		if !slices.Contains(keys, j.FairKey) {
			keys = append(keys, j.FairKey)
			e.running[queue][j.FairKey]++
		}
	}
	return jobs, keys, nil
}

// release ends a worker's run of the keys claim counted.
func (e *Engine) release(queue string, keys []string) {
	if len(keys) == 0 {
		return
	}
	e.runMu.Lock()
	defer e.runMu.Unlock()
	for _, k := range keys {
		if e.running[queue][k]--; e.running[queue][k] <= 0 {
			delete(e.running[queue], k)
		}
	}
	// Work of these keys that waited for this worker may be due.
	e.Wake(queue)
}

// maxChained bounds the follow-ups one RunDue claims with completions and
// runs.
const maxChained = 256

// dueNow reports whether a follow-up is due already: someone may be
// waiting for it, so its completion is not held back for the batch.
func (e *Engine) dueNow(follow []Job) bool {
	now := e.cfg.Now()
	for _, f := range follow {
		if !f.DueAt.After(now) {
			return true
		}
	}
	return false
}

// batch is how many jobs of queue one claim takes.
func (e *Engine) batch(queue string) int {
	if n := e.cfg.Batches[queue]; n > 0 {
		return n
	}
	return e.cfg.Batch
}

// completeBatch completes jobs that ran, in one transaction, and wakes
// the queues of their follow-ups.
func (e *Engine) completeBatch(ctx context.Context, bc BatchCompleter, queue string, done []Completion, claimMax int) ([]Job, error) {
	ids := make([]string, len(done))
	for i, c := range done {
		ids[i] = c.ID
	}
	defer e.drop(ids...)
	var claim FollowClaim
	if claimMax > 0 {
		claim = FollowClaim{Queue: queue, Lease: e.cfg.Lease, Max: claimMax}
	}
	claimed, lost, err := bc.CompleteBatch(ctx, e.cfg.Owner, e.cfg.Now(), done, claim)
	if err != nil {
		return nil, fmt.Errorf("completing %d jobs: %w", len(done), err)
	}
	if len(lost) > 0 {
		// Another worker took them over after their lease ran out; it
		// completes them (handlers are safe to run twice).
		e.cfg.Logger.Warn("engine: jobs were taken over before they were completed", "queue", queue, "jobs", lost)
	}
	e.wakeFollowUps(queue, done...)
	return claimed, nil
}

func (e *Engine) wakeFollowUps(queue string, done ...Completion) {
	for _, c := range done {
		for _, f := range c.Follow {
			if f.Queue != queue {
				e.Wake(f.Queue)
			}
		}
	}
}

// units groups the jobs of a claimed batch into what runs at once: the
// jobs of a kind with a BatchHandler and of one FairKey together, at the
// place of the first of them; every other job alone. Apart by key, so
// that the results of one service's job (its page's follow-ups) are not
// held until another service's jobs of the same kind have run.
func (e *Engine) units(jobs []Job) [][]Job {
	var units [][]Job
	at := map[[2]string]int{} // kind and key → index of its unit
	for _, j := range jobs {
		if _, ok := e.cfg.BatchHandlers[j.Kind]; ok {
			k := [2]string{j.Kind, j.FairKey}
			if i, ok := at[k]; ok {
				units[i] = append(units[i], j)
				continue
			}
			at[k] = len(units)
		}
		units = append(units, []Job{j})
	}
	return units
}

// ranJob is the outcome of one job: its completion if it is to be
// completed (with the batch), and an error to report.
type ranJob struct {
	done *Completion
	err  error
}

// runUnit runs the jobs of a unit (see units) and records failures.
func (e *Engine) runUnit(ctx context.Context, unit []Job, completeNow bool) []ranJob {
	out := make([]ranJob, len(unit))
	bh, ok := e.cfg.BatchHandlers[unit[0].Kind]
	if !ok {
		out[0].done, out[0].err = e.run(ctx, unit[0], completeNow)
		return out
	}
	results := e.callBatch(ctx, bh, unit)
	for i, j := range unit {
		out[i].done, out[i].err = e.finish(ctx, j, results[i].Follow, results[i].Err, completeNow)
	}
	return out
}

// run runs one job. A failure is recorded at once; a success is completed
// at once if completeNow, else returned for completeBatch.
func (e *Engine) run(ctx context.Context, j Job, completeNow bool) (*Completion, error) {
	h, ok := e.cfg.Handlers[j.Kind]
	if !ok {
		defer e.drop(j.ID)
		return nil, e.cfg.Store.Fail(ctx, j.ID, e.cfg.Owner, e.cfg.Now().Add(e.cfg.Backoff(j.Attempts+1)), "no handler for job kind "+j.Kind)
	}
	follow, err := e.call(ctx, h, j)
	return e.finish(ctx, j, follow, err, completeNow)
}

// finish records what a job's handler returned: a failure at once; a
// success at once if completeNow, else it is returned for completeBatch.
func (e *Engine) finish(ctx context.Context, j Job, follow []Job, err error, completeNow bool) (*Completion, error) {
	var perm Permanent
	var permPtr *Permanent
	switch {
	case errors.As(err, &perm), errors.As(err, &permPtr):
		e.cfg.Logger.Error("engine: job failed permanently", "kind", j.Kind, "id", j.ID, "err", err)
		follow = nil
	case err != nil:
		defer e.drop(j.ID)
		retry := e.cfg.Now().Add(e.cfg.Backoff(j.Attempts + 1))
		if ferr := e.cfg.Store.Fail(ctx, j.ID, e.cfg.Owner, retry, err.Error()); ferr != nil {
			return nil, fmt.Errorf("job %s: %w (and recording the failure: %v)", j.ID, err, ferr)
		}
		return nil, nil
	}
	c := &Completion{ID: j.ID, Follow: inheritFairKey(follow, j.FairKey)}
	if !completeNow {
		return c, nil
	}
	defer e.drop(j.ID)
	if err := e.cfg.Store.Complete(ctx, j.ID, e.cfg.Owner, e.cfg.Now(), follow); err != nil {
		return nil, err
	}
	e.wakeFollowUps(j.Queue, *c)
	return nil, nil
}

// inheritFairKey gives the follow-ups that name no FairKey their job's:
// a chain of work (routing, the declaration's escalation step, its
// link) stays the work of the service it began with, and waits behind no
// other service's backlog when it is claimed.
func inheritFairKey(follow []Job, key string) []Job {
	if key == "" {
		return follow
	}
	var out []Job
	for i, f := range follow {
		if f.FairKey != "" {
			continue
		}
		if out == nil {
			out = slices.Clone(follow) // the handler's slice stays as it returned it
		}
		out[i].FairKey = key
	}
	if out == nil {
		return follow
	}
	return out
}

// call runs a handler, turning a panic into an error: one bad job must
// not stop every queue's worker (and, retried after a restart, crash the
// process again and again).
func (e *Engine) call(ctx context.Context, h Handler, j Job) (follow []Job, err error) {
	defer func() {
		if p := recover(); p != nil {
			follow, err = nil, fmt.Errorf("job %s of kind %s panicked: %v", j.ID, j.Kind, p)
		}
	}()
	return h(ctx, j, e.cfg.Now())
}

// callBatch runs a batch handler, turning a panic, or a wrong number of
// results, into an error of every job.
func (e *Engine) callBatch(ctx context.Context, h BatchHandler, jobs []Job) (results []Result) {
	defer func() {
		if p := recover(); p != nil {
			results = make([]Result, len(jobs))
			for i, j := range jobs {
				results[i].Err = fmt.Errorf("job %s of kind %s panicked (with %d others): %v", j.ID, j.Kind, len(jobs)-1, p)
			}
		}
	}()
	results = h(ctx, jobs, e.cfg.Now())
	if len(results) != len(jobs) {
		panic(fmt.Sprintf("batch handler returned %d results for %d jobs", len(results), len(jobs)))
	}
	return results
}

func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
	}
}
