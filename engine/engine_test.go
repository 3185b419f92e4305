package engine_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/sqlstore"
)

func TestRunDueRunsDueJobsOnly(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		s, c, rec := db.open(t), newClock(), &recorder{}
		e := engine.New(config(s, c, map[string]engine.Handler{"record": rec.handle}))
		mustEnqueue(t, s, job("later", t0.Add(time.Hour)), job("now", t0), job("earlier", t0.Add(-time.Minute)))
		runDue(t, e, "default", 2)
		runDue(t, e, "default", 0)
		c.Set(t0.Add(time.Hour - time.Microsecond))
		runDue(t, e, "default", 0)
		c.Set(t0.Add(time.Hour))
		runDue(t, e, "default", 1)
		if got, want := rec.ids(), []string{"earlier", "now", "later"}; !slices.Equal(got, want) {
			t.Fatalf("ran %v, want %v", got, want)
		}
		if !idle(t, s, "default") {
			t.Fatal("jobs left after running them all")
		}
	})
}

func TestHandlerErrorRetriesWithBackoff(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		s, c := db.open(t), newClock()
		var attempts []int
		e := engine.New(config(s, c, map[string]engine.Handler{
			"record": func(_ context.Context, j engine.Job, _ time.Time) ([]engine.Job, error) {
				attempts = append(attempts, j.Attempts)
				if len(attempts) < 3 {
					return nil, errors.New("smtp: 451 try later")
				}
				return nil, nil
			},
		}))
		mustEnqueue(t, s, job("j", t0), engine.Job{ID: "orphan", Queue: "default", Kind: "no.such.kind", DueAt: t0})
		runDue(t, e, "default", 2) // both fail: the handler, and the kind without one
		steps := []struct {
			at   time.Duration
			runs int
		}{
			{59 * time.Second, 0},
			{time.Minute, 2}, // first retry after Backoff(1) = 1m
			{3*time.Minute - time.Microsecond, 0},
			{3 * time.Minute, 2}, // second after Backoff(2) = 2m more
		}
		for _, st := range steps {
			c.Set(t0.Add(st.at))
			runDue(t, e, "default", st.runs)
		}
		if want := []int{0, 1, 2}; !slices.Equal(attempts, want) {
			t.Fatalf("the handler saw attempts %v, want %v", attempts, want)
		}
		next, ok, err := s.NextDue(context.Background(), "default")
		if err != nil || !ok || !next.Equal(t0.Add(6*time.Minute)) {
			t.Fatalf("NextDue = %v, %v, %v; want the kind without a handler retried at t0+6m", next, ok, err)
		}
	})
}

func TestPermanentCompletes(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		s, c := db.open(t), newClock()
		runs := 0
		e := engine.New(config(s, c, map[string]engine.Handler{
			"record": func(_ context.Context, j engine.Job, now time.Time) ([]engine.Job, error) {
				runs++
				follow := []engine.Job{job("follow", now)}
				return follow, fmt.Errorf("policy %s: %w", "p1", engine.Permanent{Err: errors.New("no such policy")})
			},
		}))
		mustEnqueue(t, s, job("j", t0))
		runDue(t, e, "default", 1)
		c.Set(t0.Add(24 * time.Hour))
		runDue(t, e, "default", 0)
		if runs != 1 || !idle(t, s, "default") {
			t.Fatalf("ran %d times, idle %v: want once, and no follow-ups", runs, idle(t, s, "default"))
		}
	})
}

func TestPanicRetries(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		s, c := db.open(t), newClock()
		runs := 0
		e := engine.New(config(s, c, map[string]engine.Handler{
			"record": func(context.Context, engine.Job, time.Time) ([]engine.Job, error) {
				runs++
				if runs == 1 {
					panic("nil map")
				}
				return nil, nil
			},
		}))
		mustEnqueue(t, s, job("j", t0))
		runDue(t, e, "default", 1)
		c.Set(t0.Add(time.Minute))
		runDue(t, e, "default", 1)
		if runs != 2 || !idle(t, s, "default") {
			t.Fatalf("ran %d times: want a retry after the panic, then done", runs)
		}
	})
}

func TestFollowUpsScheduled(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		s, c, rec := db.open(t), newClock(), &recorder{}
		cfg := config(s, c, map[string]engine.Handler{
			"record": rec.handle,
			"escalate": func(_ context.Context, j engine.Job, now time.Time) ([]engine.Job, error) {
				return []engine.Job{
					{Queue: "page", Kind: "record", Key: "policy-1:step-2", DueAt: now.Add(5 * time.Minute)},
					{ID: "same-queue-" + j.ID, Queue: "default", Kind: "record", DueAt: now},
				}, nil
			},
		})
		cfg.Queues = []string{"default", "page"}
		e := engine.New(cfg)
		// Two jobs schedule the same step: it is scheduled once.
		mustEnqueue(t, s, engine.Job{ID: "e1", Queue: "default", Kind: "escalate", DueAt: t0},
			engine.Job{ID: "e2", Queue: "default", Kind: "escalate", DueAt: t0})
		// The follow-ups due at once on the same queue are claimed with
		// the completion that schedules them and run right after.
		runDue(t, e, "default", 4)
		runDue(t, e, "default", 0)
		next, ok, err := s.NextDue(context.Background(), "page")
		if err != nil || !ok || !next.Equal(t0.Add(5*time.Minute)) {
			t.Fatalf("NextDue(page) = %v, %v, %v; want t0+5m", next, ok, err)
		}
		runDue(t, e, "page", 0)
		c.Set(t0.Add(5 * time.Minute))
		runDue(t, e, "page", 1)
		if n := len(rec.ids()); n != 3 {
			t.Fatalf("ran %v, want two same-queue follow-ups and one step", rec.ids())
		}
	})
}

// blockingSleep never times out: the worker sleeps until it is woken or
// stopped, so whatever it runs after going idle, a wake-up made it run. It
// reports each time the worker goes to sleep on idle.
func blockingSleep(idle chan<- struct{}) func(ctx context.Context, d time.Duration, wake <-chan struct{}) {
	return func(ctx context.Context, d time.Duration, wake <-chan struct{}) {
		select {
		case idle <- struct{}{}:
		default:
		}
		select {
		case <-ctx.Done():
		case <-wake:
		}
	}
}

// recv waits for a value of ch, failing after a long timeout.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// start runs e until the test ends.
func start(t *testing.T, e *engine.Engine) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

func TestWakeRunsNewWorkAtOnce(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		s, c := db.open(t), newClock()
		ran := make(chan engine.Job, 10)
		idleCh := make(chan struct{}, 1)
		cfg := config(s, c, map[string]engine.Handler{
			"record": func(_ context.Context, j engine.Job, _ time.Time) ([]engine.Job, error) {
				ran <- j
				return nil, nil
			},
		})
		cfg.Sleep = blockingSleep(idleCh)
		e := engine.New(cfg)
		start(t, e)
		recv(t, idleCh, "the worker to go idle")
		mustEnqueue(t, s, job("j", t0))
		e.Wake("default")
		if j := recv(t, ran, "the job to run"); j.ID != "j" {
			t.Fatalf("ran %s", j.ID)
		}
	})
}

// TestListenWakesAnotherProcess wires Listen to Wake as a server does: a
// job enqueued by one process (store) wakes the engine of another at once.
func TestListenWakesAnotherProcess(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		producer, c := db.open(t), newClock()
		consumer := producer // one process owns an SQLite file
		if db.name == "postgres" {
			consumer = db.open(t)
		}
		ran := make(chan engine.Job, 10)
		idleCh := make(chan struct{}, 1)
		cfg := config(consumer, c, map[string]engine.Handler{
			"record": func(_ context.Context, j engine.Job, _ time.Time) ([]engine.Job, error) {
				ran <- j
				return nil, nil
			},
		})
		cfg.Sleep = blockingSleep(idleCh)
		e := engine.New(cfg)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		wake, err := consumer.Listen(ctx, sqlstore.ChannelJobs)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for range wake {
				e.Wake("default")
			}
		}()
		start(t, e)
		recv(t, idleCh, "the worker to go idle")
		mustEnqueue(t, producer, job("j", t0))
		if j := recv(t, ran, "the job to run"); j.ID != "j" {
			t.Fatalf("ran %s", j.ID)
		}
	})
}

// TestRestartContinuesPendingJobs: a process dies with jobs pending and
// one claimed; a new engine on the same database runs them all.
func TestRestartContinuesPendingJobs(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		old, err := sqlstore.Open(ctx, db.dsn)
		if err != nil {
			t.Fatal(err)
		}
		mustEnqueue(t, old, job("a", t0), job("b", t0), job("c", t0.Add(time.Minute)))
		orphan, err := old.Claim(ctx, "default", "crashed", t0, 30*time.Second, 1)
		if err != nil || len(orphan) != 1 {
			t.Fatal(orphan, err)
		}
		old.Close()

		s, c, rec := db.open(t), newClock(), &recorder{}
		cfg := config(s, c, map[string]engine.Handler{"record": rec.handle})
		cfg.Owner = "engine-2"
		e := engine.New(cfg)
		runDue(t, e, "default", 1) // the job nobody claimed
		runDue(t, e, "default", 0) // the orphan is leased until t0+30s
		c.Set(t0.Add(30 * time.Second))
		runDue(t, e, "default", 1) // its lease expired
		c.Set(t0.Add(time.Minute))
		runDue(t, e, "default", 1)
		got := rec.ids()
		slices.Sort(got)
		if !slices.Equal(got, []string{"a", "b", "c"}) || !idle(t, s, "default") {
			t.Fatalf("ran %v after the restart, want a, b, c", got)
		}
	})
}

// TestSlowBatchStopsAtHalfLease: jobs of a batch whose lease has half run
// out are left for the next claim instead of being started late.
func TestSlowBatchStopsAtHalfLease(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		s, c := db.open(t), newClock()
		cfg := config(s, c, map[string]engine.Handler{
			"record": func(context.Context, engine.Job, time.Time) ([]engine.Job, error) {
				c.Advance(6 * time.Second) // slow
				return nil, nil
			},
		})
		cfg.Lease, cfg.Batch = 10*time.Second, 3
		e := engine.New(cfg)
		mustEnqueue(t, s, job("a", t0), job("b", t0), job("c", t0))
		runDue(t, e, "default", 1) // 6s of a 10s lease gone: stop
		runDue(t, e, "default", 0) // b and c are still leased
		c.Set(t0.Add(10 * time.Second))
		runDue(t, e, "default", 1)
		c.Set(t0.Add(20 * time.Second))
		runDue(t, e, "default", 1)
		if !idle(t, s, "default") {
			t.Fatal("jobs left")
		}
	})
}

// TestZeroConfig: an engine with only a store, queues and handlers runs
// on the real clock with a unique owner.
func TestZeroConfig(t *testing.T) {
	s, rec := databases[0].make(t).open(t), &recorder{}
	e := engine.New(engine.Config{Store: s, Queues: []string{"default"}, Handlers: map[string]engine.Handler{"record": rec.handle}})
	mustEnqueue(t, s, job("j", t0))
	runDue(t, e, "default", 1)
}

// TestTwoEnginesRunEachJobOnce runs two engines (two processes, with their
// own connection pools, on PostgreSQL) on the same 500 jobs.
func TestTwoEnginesRunEachJobOnce(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		const total = 500
		s1 := db.open(t)
		s2 := s1 // one process owns an SQLite file
		if db.name == "postgres" {
			s2 = db.open(t)
		}
		jobs := make([]engine.Job, total)
		for i := range jobs {
			jobs[i] = job(fmt.Sprintf("j%03d", i), t0.Add(time.Duration(i)*time.Millisecond))
		}
		mustEnqueue(t, s1, jobs...)

		var mu sync.Mutex
		runs := map[string]int{}
		byEngine := map[string]int{}
		done := make(chan struct{})
		handler := func(owner string) engine.Handler {
			return func(_ context.Context, j engine.Job, _ time.Time) ([]engine.Job, error) {
				mu.Lock()
				defer mu.Unlock()
				runs[j.ID]++
				byEngine[owner]++
				if byEngine["a"]+byEngine["b"] == total {
					close(done)
				}
				return nil, nil
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for i, s := range []*sqlstore.Store{s1, s2} {
			owner := []string{"a", "b"}[i]
			e := engine.New(engine.Config{Store: s, Owner: owner, Queues: []string{"default"}, Batch: 10,
				Poll: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
				Handlers: map[string]engine.Handler{"record": handler(owner)}})
			wg.Go(func() { e.Run(ctx) })
		}
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Error("timed out")
		}
		cancel()
		wg.Wait()
		for _, j := range jobs {
			if runs[j.ID] != 1 {
				t.Errorf("job %s ran %d times", j.ID, runs[j.ID])
			}
		}
		if !idle(t, s1, "default") {
			t.Error("jobs left")
		}
		t.Logf("engine a ran %d jobs, engine b %d", byEngine["a"], byEngine["b"])
	})
}
