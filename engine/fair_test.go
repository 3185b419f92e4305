package engine_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/warroom/warroom/engine"
)

// With PerKey, one key's backlog does not fill a claim: a job of another
// key, due after all of it, runs in the first claim, first; and the
// follow-ups of a job are its key's work.
func TestFairClaimsAcrossKeys(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		s := db.open(t)
		c := newClock()
		rec := &recorder{}
		cfg := config(s, c, map[string]engine.Handler{
			"record": rec.handle,
			"chain": func(ctx context.Context, j engine.Job, now time.Time) ([]engine.Job, error) {
				rec.handle(ctx, j, now)
				return []engine.Job{job(j.ID+"-next", now)}, nil
			},
		})
		cfg.Batch = 50
		cfg.PerKey = map[string]int{"default": 4}
		e := engine.New(cfg)
		var jobs []engine.Job
		for i := range 200 {
			j := job(fmt.Sprintf("storm-%03d", i), t0.Add(time.Duration(i)*time.Millisecond))
			j.FairKey = "svc-a"
			jobs = append(jobs, j)
		}
		probe := job("probe", t0.Add(time.Second))
		probe.Kind, probe.FairKey = "chain", "svc-b"
		mustEnqueue(t, s, append(jobs, probe)...)
		c.Advance(2 * time.Second)

		// The claim: the probe first (its service has fewer jobs in the
		// claim), its follow-up right after it (claimed by its
		// completion), then four of svc-a's.
		runDue(t, e, "default", 6)
		want := []string{"probe", "probe-next", "storm-000", "storm-001", "storm-002", "storm-003"}
		if got := rec.ids(); !slices.Equal(got, want) {
			t.Fatalf("ran %v, want %v", got, want)
		}
		// The follow-up inherited the probe's key: the store has it so.
		for _, j := range rec.runs {
			if j.ID == "probe-next" && j.FairKey != "svc-b" {
				t.Errorf("follow-up's fair key %q, want svc-b", j.FairKey)
			}
		}

		// Without a bound, the same claim takes the backlog first.
		rec2 := &recorder{}
		cfg2 := config(s, c, map[string]engine.Handler{"record": rec2.handle, "chain": rec2.handle})
		cfg2.Owner, cfg2.Batch = "engine-2", 50
		p2 := job("probe-2", t0.Add(time.Second))
		p2.FairKey = "svc-b"
		mustEnqueue(t, s, p2)
		runDue(t, engine.New(cfg2), "default", 50)
		if slices.Contains(rec2.ids(), "probe-2") {
			t.Fatalf("a first-come claim of 50 reached the probe behind 196 jobs: %v", rec2.ids())
		}
	})
}

// A batch handler's jobs of a claim run together per FairKey: one
// service's job is not held until another service's jobs of its kind ran.
func TestBatchUnitsApartByKey(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		s, c := db.open(t), newClock()
		var calls [][]string
		cfg := config(s, c, nil)
		cfg.BatchHandlers = map[string]engine.BatchHandler{
			"bulk": func(_ context.Context, jobs []engine.Job, _ time.Time) []engine.Result {
				var ids []string
				for _, j := range jobs {
					ids = append(ids, j.ID)
				}
				calls = append(calls, ids)
				return make([]engine.Result, len(jobs))
			},
		}
		bulk := func(id, key string, due time.Time) engine.Job {
			return engine.Job{ID: id, Queue: "default", Kind: "bulk", FairKey: key, DueAt: due}
		}
		mustEnqueue(t, s, bulk("a1", "svc-a", t0), bulk("b1", "svc-b", t0.Add(time.Millisecond)),
			bulk("a2", "svc-a", t0.Add(2*time.Millisecond)))
		c.Advance(time.Second)
		runDue(t, engine.New(cfg), "default", 3)
		if want := [][]string{{"a1", "a2"}, {"b1"}}; fmt.Sprint(calls) != fmt.Sprint(want) {
			t.Fatalf("batch handler calls %v, want %v", calls, want)
		}
	})
}

// With PerKey, a key one worker is running is not claimed by another
// worker of the engine: a storm's backlog occupies one worker, and
// another key's job, due later, finds the other free.
func TestOneKeyOccupiesOneWorker(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		s, c := db.open(t), newClock()
		started, unblock := make(chan string, 10), make(chan struct{})
		cfg := config(s, c, map[string]engine.Handler{
			"block": func(_ context.Context, j engine.Job, _ time.Time) ([]engine.Job, error) {
				started <- j.ID
				select {
				case <-unblock:
				case <-time.After(5 * time.Second): // a second worker that ran it: fail, not hang
				}
				return nil, nil
			},
			"record": func(_ context.Context, j engine.Job, _ time.Time) ([]engine.Job, error) {
				started <- j.ID
				return nil, nil
			},
		})
		cfg.PerKey = map[string]int{"default": 1}
		e := engine.New(cfg)
		storm := func(id string) engine.Job {
			return engine.Job{ID: id, Queue: "default", Kind: "block", FairKey: "svc-a", DueAt: t0}
		}
		mustEnqueue(t, s, storm("a1"), storm("a2"), storm("a3"))
		c.Advance(time.Second)
		first := make(chan error, 1)
		go func() { _, err := e.RunDue(context.Background(), "default"); first <- err }()
		if id := <-started; id != "a1" {
			t.Fatalf("first worker started %s", id)
		}
		// svc-a is running: a second worker finds nothing of it, and
		// runs the probe's job as soon as it is due.
		runDue(t, e, "default", 0)
		probe := engine.Job{ID: "probe", Queue: "default", Kind: "record", FairKey: "svc-b", DueAt: c.Now()}
		mustEnqueue(t, s, probe)
		runDue(t, e, "default", 1)
		if id := <-started; id != "probe" {
			t.Fatalf("second worker ran %s, want the probe", id)
		}
		close(unblock)
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		runDue(t, e, "default", 1) // a2: svc-a is free again
	})
}
