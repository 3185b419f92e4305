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
package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Job is one piece of durable work.
type Job struct {
	ID    string `json:"id"`
	Queue string `json:"queue"`
	Kind  string `json:"kind"`
	// Key makes scheduling idempotent: a job whose key already exists is
	// not scheduled again. Empty: always scheduled.
	Key      string          `json:"key,omitempty"`
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

// Handler runs one job at now and returns the jobs that follow it. An error
// makes the job run again after a backoff.
type Handler func(ctx context.Context, job Job, now time.Time) ([]Job, error)

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
	Store    Store
	Now      func() time.Time // default time.Now
	Logger   *slog.Logger
	Owner    string        // this process's name in claims; unique per process; default random
	Queues   []string      // each queue has its own worker, so a slow queue never delays another
	Poll     time.Duration // safety-net polling interval; default 1s
	Lease    time.Duration // how long a claim lasts; default 30s
	Batch    int           // jobs claimed at once; default 50
	Handlers map[string]Handler
	// Backoff returns the delay before retry number attempt (1-based).
	Backoff func(attempt int) time.Duration
	// Sleep waits until d has passed or ctx is done; tests replace it to
	// run minutes of process time in milliseconds. Default: a timer.
	Sleep func(ctx context.Context, d time.Duration, wake <-chan struct{})
}

// Engine runs the workers.
type Engine struct {
	cfg  Config
	mu   sync.Mutex
	wake map[string]chan struct{}
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
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	e := &Engine{cfg: cfg, wake: map[string]chan struct{}{}}
	for _, q := range cfg.Queues {
		e.wake[q] = make(chan struct{}, 1)
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

// Run runs one worker per queue until ctx is done, and waits for them.
func (e *Engine) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, q := range e.cfg.Queues {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.work(ctx, q)
		}()
	}
	wg.Wait()
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
// could outlive its lease, and a job whose lease expired may already be
// running in another process. Once half the lease has passed, RunDue
// starts no more jobs of the batch: their leases run out and the next
// claim (here or elsewhere) takes them.
func (e *Engine) RunDue(ctx context.Context, queue string) (int, error) {
	now := e.cfg.Now()
	jobs, err := e.cfg.Store.Claim(ctx, queue, e.cfg.Owner, now, e.cfg.Lease, e.cfg.Batch)
	if err != nil {
		return 0, err
	}
	startBy := now.Add(e.cfg.Lease / 2)
	var errs []error
	ran := 0
	for _, j := range jobs {
		if ran > 0 && e.cfg.Now().After(startBy) {
			break
		}
		errs = append(errs, e.run(ctx, j))
		ran++
	}
	return ran, errors.Join(errs...)
}

func (e *Engine) run(ctx context.Context, j Job) error {
	h, ok := e.cfg.Handlers[j.Kind]
	if !ok {
		return e.cfg.Store.Fail(ctx, j.ID, e.cfg.Owner, e.cfg.Now().Add(e.cfg.Backoff(j.Attempts+1)), "no handler for job kind "+j.Kind)
	}
	follow, err := e.call(ctx, h, j)
	var perm Permanent
	var permPtr *Permanent
	switch {
	case errors.As(err, &perm), errors.As(err, &permPtr):
		e.cfg.Logger.Error("engine: job failed permanently", "kind", j.Kind, "id", j.ID, "err", err)
		return e.cfg.Store.Complete(ctx, j.ID, e.cfg.Owner, e.cfg.Now(), nil)
	case err != nil:
		retry := e.cfg.Now().Add(e.cfg.Backoff(j.Attempts + 1))
		if ferr := e.cfg.Store.Fail(ctx, j.ID, e.cfg.Owner, retry, err.Error()); ferr != nil {
			return fmt.Errorf("job %s: %w (and recording the failure: %v)", j.ID, err, ferr)
		}
		return nil
	}
	if err := e.cfg.Store.Complete(ctx, j.ID, e.cfg.Owner, e.cfg.Now(), follow); err != nil {
		return err
	}
	for _, f := range follow {
		if f.Queue != j.Queue {
			e.Wake(f.Queue)
		}
	}
	return nil
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

func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
	}
}
