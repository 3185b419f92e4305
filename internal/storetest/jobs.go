package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/warroom/warroom/engine"
)

// Jobs runs a queue's jobs in a test the way the engine would, one step
// at a time on the test's clock: each Run claims what is due at Now, runs
// it, completes or fails it, and goes on with the follow-ups due by then
// until none is left. A test that moves its clock and calls Run sees
// exactly the jobs that time makes due, with no worker running beside it.
type Jobs struct {
	Store engine.Store
	Queue string
	Now   func() time.Time
	// Handle runs one job; it decides what a kind without a handler
	// means (a failure of the test, or a job recorded and done).
	Handle engine.Handler
	// RetryAfter is when a job that failed (with an error that is not
	// engine.Permanent) is due again; zero: such a failure fails the
	// test.
	RetryAfter time.Duration
	// Rounds bounds the claims of one Run, so that jobs that keep
	// scheduling each other fail the test instead of hanging it;
	// default 100.
	Rounds int
}

// Run runs every job due now, and the follow-ups due by then, until none
// is left. It returns how many ran and the errors of those that failed:
// a job failing with engine.Permanent is completed (as the engine does),
// any other is retried RetryAfter later.
func (r Jobs) Run(ctx context.Context, t testing.TB) (ran int, failed []error) {
	t.Helper()
	const owner = "test"
	rounds := r.Rounds
	if rounds <= 0 {
		rounds = 100
	}
	for range rounds {
		now := r.Now()
		jobs, err := r.Store.Claim(ctx, r.Queue, owner, now, time.Minute, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) == 0 {
			return ran, failed
		}
		for _, j := range jobs {
			ran++
			follow, err := r.Handle(ctx, j, now)
			var perm engine.Permanent
			if err == nil || errors.As(err, &perm) {
				if err != nil {
					failed = append(failed, err)
				}
				if err := r.Store.Complete(ctx, j.ID, owner, now, follow); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if r.RetryAfter <= 0 {
				t.Fatalf("job %s (%s): %v", j.ID, j.Kind, err)
			}
			failed = append(failed, err)
			if err := r.Store.Fail(ctx, j.ID, owner, now.Add(r.RetryAfter), err.Error()); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Fatalf("jobs of queue %s keep coming after %d claims", r.Queue, rounds)
	return ran, failed
}

// ByKind returns a Handler that runs each job with the handler of its
// kind, and fails the test on a kind without one.
func ByKind(t testing.TB, handlers map[string]engine.Handler) engine.Handler {
	return func(ctx context.Context, j engine.Job, now time.Time) ([]engine.Job, error) {
		h := handlers[j.Kind]
		if h == nil {
			t.Fatalf("no handler for job kind %s", j.Kind)
		}
		return h(ctx, j, now)
	}
}
