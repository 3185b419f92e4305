package engine_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroom/warroom/engine"
)

// TestChainRunsAtOnce: a follow-up due at once on the worker's queue is
// claimed by the completion that schedules it and runs in the same RunDue;
// one due later, or on another queue, waits for its own claim.
func TestChainRunsAtOnce(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		s, c, rec := db.open(t), newClock(), &recorder{}
		cfg := config(s, c, map[string]engine.Handler{
			"record": rec.handle,
			"step": func(_ context.Context, j engine.Job, now time.Time) ([]engine.Job, error) {
				rec.handle(context.Background(), j, now)
				return []engine.Job{
					{ID: "next-" + j.ID, Queue: "default", Kind: "record", Key: "next:" + j.ID, DueAt: now},
					{ID: "later-" + j.ID, Queue: "default", Kind: "record", DueAt: now.Add(time.Minute)},
					{ID: "page-" + j.ID, Queue: "page", Kind: "record", DueAt: now},
				}, nil
			},
		})
		cfg.Queues = []string{"default", "page"}
		e := engine.New(cfg)
		mustEnqueue(t, s, engine.Job{ID: "s1", Queue: "default", Kind: "step", DueAt: t0})
		runDue(t, e, "default", 2)
		if got := rec.ids(); !slices.Equal(got, []string{"s1", "next-s1"}) {
			t.Fatalf("ran %v, want s1 then its follow-up", got)
		}
		runDue(t, e, "default", 0)
		runDue(t, e, "page", 1)
		c.Advance(time.Minute)
		runDue(t, e, "default", 1)
		if !idle(t, s, "default") || !idle(t, s, "page") {
			t.Fatal("jobs left")
		}
	})
}

// TestChainEnds: a job that always schedules another at once does not keep
// RunDue from returning.
func TestChainEnds(t *testing.T) {
	s, c := databases[0].make(t).open(t), newClock()
	var n atomic.Int32
	e := engine.New(config(s, c, map[string]engine.Handler{
		"loop": func(_ context.Context, j engine.Job, now time.Time) ([]engine.Job, error) {
			n.Add(1)
			return []engine.Job{{Queue: "default", Kind: "loop", DueAt: now}}, nil
		},
	}))
	mustEnqueue(t, s, engine.Job{ID: "l", Queue: "default", Kind: "loop", DueAt: t0})
	if _, err := e.RunDue(context.Background(), "default"); err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got < 2 || got > 1000 {
		t.Fatalf("ran %d links of the chain in one RunDue", got)
	}
}

// TestBatchHandler: the jobs of a kind with a batch handler that one claim
// took run in one call; each result counts for its job alone.
func TestBatchHandler(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		s, c, rec := db.open(t), newClock(), &recorder{}
		var calls [][]string
		cfg := config(s, c, map[string]engine.Handler{"record": rec.handle})
		cfg.BatchHandlers = map[string]engine.BatchHandler{
			"bulk": func(_ context.Context, jobs []engine.Job, now time.Time) []engine.Result {
				var ids []string
				out := make([]engine.Result, len(jobs))
				for i, j := range jobs {
					ids = append(ids, j.ID)
					if j.ID == "b2" && len(calls) == 0 {
						out[i].Err = errors.New("try again")
					}
					if j.ID == "b3" {
						out[i].Follow = []engine.Job{{ID: "after-b3", Queue: "default", Kind: "record", DueAt: now.Add(time.Hour)}}
					}
				}
				calls = append(calls, ids)
				return out
			},
		}
		e := engine.New(cfg)
		mustEnqueue(t, s,
			engine.Job{ID: "b1", Queue: "default", Kind: "bulk", DueAt: t0},
			job("r1", t0.Add(time.Millisecond)),
			engine.Job{ID: "b2", Queue: "default", Kind: "bulk", DueAt: t0.Add(2 * time.Millisecond)},
			engine.Job{ID: "b3", Queue: "default", Kind: "bulk", DueAt: t0.Add(3 * time.Millisecond)})
		c.Advance(time.Second)
		runDue(t, e, "default", 4)
		if len(calls) != 1 || !slices.Equal(calls[0], []string{"b1", "b2", "b3"}) {
			t.Fatalf("batch handler calls %v, want one with b1, b2, b3", calls)
		}
		if got := rec.ids(); !slices.Equal(got, []string{"r1"}) {
			t.Fatalf("record ran %v", got)
		}
		// b2 failed alone: it runs again after its backoff (1m here).
		runDue(t, e, "default", 0)
		c.Advance(time.Minute)
		runDue(t, e, "default", 1)
		if len(calls) != 2 || !slices.Equal(calls[1], []string{"b2"}) {
			t.Fatalf("batch handler calls %v, want b2 again", calls)
		}
		c.Advance(time.Hour)
		runDue(t, e, "default", 1) // b3's follow-up
		if !idle(t, s, "default") {
			t.Fatal("jobs left")
		}
	})
}

// TestBatchHandlerPanic: a panic fails every job of the call, which run
// again; the worker goes on.
func TestBatchHandlerPanic(t *testing.T) {
	s, c := databases[0].make(t).open(t), newClock()
	calls := 0
	cfg := config(s, c, nil)
	cfg.BatchHandlers = map[string]engine.BatchHandler{
		"bulk": func(_ context.Context, jobs []engine.Job, _ time.Time) []engine.Result {
			calls++
			if calls == 1 {
				panic("boom")
			}
			return make([]engine.Result, len(jobs))
		},
	}
	e := engine.New(cfg)
	mustEnqueue(t, s, engine.Job{ID: "b1", Queue: "default", Kind: "bulk", DueAt: t0},
		engine.Job{ID: "b2", Queue: "default", Kind: "bulk", DueAt: t0})
	if n, err := e.RunDue(context.Background(), "default"); n != 2 || err != nil {
		t.Fatalf("ran %d, %v", n, err)
	}
	c.Advance(time.Minute)
	runDue(t, e, "default", 2)
	if calls != 2 || !idle(t, s, "default") {
		t.Fatalf("%d calls, idle %v", calls, idle(t, s, "default"))
	}
}

// TestHeartbeatKeepsLongJobs: while a job runs longer than its lease, the
// heartbeat extends the lease and no other engine takes the job; without
// it, another engine would.
func TestHeartbeatKeepsLongJobs(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		s, c := db.open(t), newClock()
		started, release := make(chan struct{}), make(chan struct{})
		var runs atomic.Int32
		slow := func(context.Context, engine.Job, time.Time) ([]engine.Job, error) {
			runs.Add(1)
			started <- struct{}{}
			<-release
			return nil, nil
		}
		cfgA := config(s, c, map[string]engine.Handler{"slow": slow})
		cfgA.Lease = 10 * time.Second
		a := engine.New(cfgA)
		cfgB := config(s, c, map[string]engine.Handler{"slow": func(context.Context, engine.Job, time.Time) ([]engine.Job, error) {
			runs.Add(1) // taken over: a second run
			return nil, nil
		}})
		cfgB.Owner, cfgB.Lease = "engine-2", 10*time.Second
		b := engine.New(cfgB)
		mustEnqueue(t, s, engine.Job{ID: "long", Queue: "default", Kind: "slow", DueAt: t0})
		done := make(chan error, 1)
		go func() {
			_, err := a.RunDue(context.Background(), "default")
			done <- err
		}()
		recv(t, started, "the job to start")
		for range 4 { // 20s: twice the lease, extended as it goes
			c.Advance(5 * time.Second)
			if err := a.ExtendLeases(context.Background()); err != nil {
				t.Fatal(err)
			}
			runDue(t, b, "default", 0)
		}
		close(release)
		if err := recv(t, done, "the job to end"); err != nil {
			t.Fatal(err)
		}
		if runs.Load() != 1 || !idle(t, s, "default") {
			t.Fatalf("ran %d times", runs.Load())
		}
	})
}

// TestRunHeartbeat: Run's heartbeat keeps a slow job's short lease alive
// in real time.
func TestRunHeartbeat(t *testing.T) {
	s := databases[0].make(t).open(t)
	var runs atomic.Int32
	release := make(chan struct{})
	handler := func(context.Context, engine.Job, time.Time) ([]engine.Job, error) {
		runs.Add(1)
		<-release
		return nil, nil
	}
	a := engine.New(engine.Config{Store: s, Owner: "a", Queues: []string{"default"}, Lease: 200 * time.Millisecond,
		Poll: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler), Handlers: map[string]engine.Handler{"slow": handler}})
	b := engine.New(engine.Config{Store: s, Owner: "b", Queues: []string{"default"}, Lease: 200 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler), Handlers: map[string]engine.Handler{"slow": handler}})
	mustEnqueue(t, s, engine.Job{ID: "long", Queue: "default", Kind: "slow", DueAt: time.Now()})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { a.Run(ctx) })
	deadline := time.Now().Add(5 * time.Second)
	for runs.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for end := time.Now().Add(time.Second); time.Now().Before(end); { // five leases
		if _, err := b.RunDue(context.Background(), "default"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(release)
	for !idle(t, s, "default") && time.Now().Before(deadline.Add(5*time.Second)) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if runs.Load() != 1 {
		t.Fatalf("the job ran %d times: its lease was not kept", runs.Load())
	}
}

// TestWorkersShareAQueue: several workers of one queue run each job once.
func TestWorkersShareAQueue(t *testing.T) {
	s := databases[0].make(t).open(t)
	var mu sync.Mutex
	runs := map[string]int{}
	all := make(chan struct{})
	const total = 200
	e := engine.New(engine.Config{Store: s, Queues: []string{"default"}, Workers: map[string]int{"default": 3}, Batch: 7,
		Poll: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
		Handlers: map[string]engine.Handler{"record": func(_ context.Context, j engine.Job, _ time.Time) ([]engine.Job, error) {
			mu.Lock()
			defer mu.Unlock()
			runs[j.ID]++
			if len(runs) == total {
				close(all)
			}
			return nil, nil
		}}})
	var jobs []engine.Job
	for i := range total {
		jobs = append(jobs, job(string(rune('a'+i%26))+string(rune('a'+i/26)), t0))
	}
	mustEnqueue(t, s, jobs...)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { e.Run(ctx) })
	recv(t, all, "every job")
	cancel()
	wg.Wait()
	for id, n := range runs {
		if n != 1 {
			t.Errorf("job %s ran %d times", id, n)
		}
	}
}
