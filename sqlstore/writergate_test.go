package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroom/warroom/engine"
)

// gateOrder holds the gate, queues the named waiters one after another
// (urgent ones named "u…"), then releases and returns the order in which
// the waiters got the writer.
func gateOrder(t *testing.T, g *writerGate, names []string) []string {
	t.Helper()
	ctx := context.Background()
	if _, err := g.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		order []string
		wg    sync.WaitGroup
	)
	for i, name := range names {
		wctx := ctx
		if name[0] == 'u' {
			wctx = engine.WithUrgency(ctx)
		}
		wg.Go(func() {
			class, err := g.acquire(wctx)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			g.release(class)
		})
		waitQueued(t, g, i+1)
	}
	g.release(bulkClass)
	wg.Wait()
	return order
}

// waitQueued waits until n goroutines wait at the gate: the test's queue
// order must be the arrival order.
func waitQueued(t *testing.T, g *writerGate, n int) {
	t.Helper()
	for range 10000 {
		g.mu.Lock()
		got := len(g.waiting[urgentClass]) + len(g.waiting[bulkClass])
		g.mu.Unlock()
		if got >= n {
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
	t.Fatalf("%d waiters never queued", n)
}

func TestWriterGateUrgentFirstEachClassInOrder(t *testing.T) {
	g := newExclusiveGate()
	got := fmt.Sprint(gateOrder(t, g, []string{"b1", "u1", "b2", "u2", "b3", "u3"}))
	if want := "[u1 u2 u3 b1 b2 b3]"; got != want {
		t.Errorf("order %s, want %s", got, want)
	}
	if g.held {
		t.Error("gate still held after every waiter released it")
	}
}

func TestWriterGateBulkIsNotStarved(t *testing.T) {
	g := newExclusiveGate()
	names := []string{"b1"}
	for i := range urgentRun + 4 {
		names = append(names, fmt.Sprintf("u%02d", i))
	}
	order := gateOrder(t, g, names)
	// The holder took the gate as bulk work, so urgentRun urgent ones go,
	// then the waiting bulk one, then the rest.
	if order[urgentRun] != "b1" {
		t.Errorf("bulk waiter went at %v, want after %d urgent ones", order, urgentRun)
	}
}

func TestWriterGateCancelledWaiterLeavesTheQueue(t *testing.T) {
	g := newExclusiveGate()
	if _, err := g.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(engine.WithUrgency(context.Background()))
	errc := make(chan error)
	go func() {
		_, err := g.acquire(ctx)
		errc <- err
	}()
	waitQueued(t, g, 1)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("acquire = %v, want context.Canceled", err)
	}
	g.release(bulkClass)
	if g.held || len(g.waiting[urgentClass]) != 0 {
		t.Fatalf("gate held %v, urgent waiters %d after the only waiter gave up", g.held, len(g.waiting[urgentClass]))
	}
	// Free again: the next acquire takes it at once.
	if _, err := g.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	g.release(bulkClass)
}

func TestWriterGateRacingCancelNeverLosesTheWriter(t *testing.T) {
	g := newExclusiveGate()
	var wg sync.WaitGroup
	for i := range 200 {
		ctx, cancel := context.WithCancel(context.Background())
		if i%2 == 0 {
			ctx = engine.WithUrgency(ctx)
		}
		wg.Go(func() {
			if class, err := g.acquire(ctx); err == nil {
				g.release(class)
			}
		})
		wg.Go(cancel)
	}
	wg.Wait()
	if g.held {
		t.Fatal("the writer was lost: held with nobody holding it")
	}
}

// On PostgreSQL urgent writes never wait, and a bulk write waits while
// one runs, then goes.
func TestSharedGateBulkYieldsToUrgent(t *testing.T) {
	g := newSharedGate()
	g.quiet, g.yield = 0, time.Hour // only the urgent write's end lets bulk go
	urgent := engine.WithUrgency(context.Background())
	u1, err := g.acquire(urgent)
	if err != nil {
		t.Fatal(err)
	}
	u2, err := g.acquire(urgent) // never waits, even beside another
	if err != nil || u1 != urgentClass || u2 != urgentClass {
		t.Fatalf("urgent acquire: %v, %v, %v", u1, u2, err)
	}
	var lastEnding atomic.Bool // set just before the last urgent write ends
	done := make(chan gateClass)
	go func() {
		class, err := g.acquire(context.Background())
		if err != nil {
			t.Error(err)
		}
		if !lastEnding.Load() {
			t.Error("the bulk write went while urgent writes ran")
		}
		done <- class
	}()
	for range 10000 { // until it yields
		g.mu.Lock()
		n := g.bulkWaiting
		g.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(100 * time.Microsecond)
	}
	g.release(u1)
	lastEnding.Store(true)
	g.release(u2)
	if class := <-done; class != bulkClass {
		t.Fatalf("bulk write got class %v", class)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.urgentActive != 0 {
		t.Fatalf("%d urgent writes still counted", g.urgentActive)
	}
}

// A bulk write waits at most its yield, however long urgent work runs,
// and gives up with its context.
func TestSharedGateBulkWaitIsBounded(t *testing.T) {
	g := newSharedGate()
	g.quiet, g.yield = time.Hour, time.Millisecond
	if _, err := g.acquire(engine.WithUrgency(context.Background())); err != nil {
		t.Fatal(err)
	}
	if class, err := g.acquire(context.Background()); err != nil || class != bulkClass {
		t.Fatalf("bulk acquire beside endless urgent work: %v, %v", class, err)
	}
	g.yield = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("bulk acquire with a cancelled context: %v", err)
	}
}

// A claim that can find nothing does not wait for SQLite's writer: the
// engine and the senders claim on every wake-up, and most of those find
// nothing while intake holds the writer. One that can find work waits
// for it, and takes it.
func TestClaimThatFindsNothingSkipsTheWriter(t *testing.T) {
	s := testSQLite(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	if err := s.Enqueue(ctx, engine.Job{Queue: "page", Kind: "k", DueAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.gate.acquire(ctx); err != nil { // intake holds the writer
		t.Fatal(err)
	}
	// Were they to wait for the writer, the deadline would end them.
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if jobs, err := s.Claim(short, "page", "w", now, time.Minute, 10); err != nil || len(jobs) != 0 {
		t.Fatalf("claim with nothing due: %v, %v", jobs, err)
	}
	if msgs, err := s.ClaimMessages(short, "page", "w", now, time.Minute, 10); err != nil || len(msgs) != 0 {
		t.Fatalf("message claim with nothing due: %v, %v", msgs, err)
	}
	got := make(chan []engine.Job)
	go func() {
		jobs, err := s.Claim(ctx, "page", "w", now.Add(time.Minute), time.Minute, 10)
		if err != nil {
			t.Error(err)
		}
		got <- jobs
	}()
	waitQueued(t, s.gate, 1) // the job is due: this claim waits for the writer
	s.gate.release(bulkClass)
	if jobs := <-got; len(jobs) != 1 {
		t.Fatalf("claimed %d jobs once the writer was free, want 1", len(jobs))
	}
}

// On PostgreSQL urgent work has connections of its own: with every
// connection of the main pool taken (by intake, say), a page's claim
// still runs, while bulk work waits for one.
func TestUrgentWorkHasItsOwnConnections(t *testing.T) {
	s := testPostgres(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	if err := s.Enqueue(ctx, engine.Job{Queue: "page", Kind: "k", DueAt: now}); err != nil {
		t.Fatal(err)
	}
	max := int(s.pool.Config().MaxConns)
	for range max {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := s.Claim(short, "page", "bulk", now, time.Minute, 10); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("bulk claim with the main pool taken: %v, want it to wait for a connection", err)
	}
	// A deadline only so that a broken store fails rather than hangs.
	urgent, cancelUrgent := context.WithTimeout(engine.WithUrgency(ctx), 30*time.Second)
	defer cancelUrgent()
	jobs, err := s.Claim(urgent, "page", "urgent", now, time.Minute, 10)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("urgent claim with the main pool taken: %v, %v", jobs, err)
	}
}

// The SQLite checkpointer pauses bulk writes while it copies the WAL's
// last frames: a bulk write waits for the pause to end, an urgent one
// does not.
func TestWriterGatePauseBulk(t *testing.T) {
	g := newExclusiveGate()
	ctx := context.Background()
	resume, err := g.pauseBulk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bulk := make(chan struct{})
	go func() {
		class, err := g.acquire(ctx)
		if err != nil {
			t.Error(err)
		}
		close(bulk)
		g.release(class)
	}()
	waitQueued(t, g, 1)
	// Urgent writes take the writer, one after another, during the pause.
	for range 3 {
		class, err := g.acquire(engine.WithUrgency(ctx))
		if err != nil {
			t.Fatal(err)
		}
		g.release(class)
	}
	select {
	case <-bulk:
		t.Fatal("a bulk write took the writer during the pause")
	case <-time.After(20 * time.Millisecond):
	}
	resume()
	select {
	case <-bulk:
	case <-time.After(10 * time.Second):
		t.Fatal("the bulk write never took the writer after the pause")
	}
	// The pause waits for the writer's holder like any bulk write.
	if _, err := g.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	paused := make(chan func())
	go func() {
		resume, err := g.pauseBulk(ctx)
		if err != nil {
			t.Error(err)
		}
		paused <- resume
	}()
	waitQueued(t, g, 1)
	g.release(bulkClass)
	(<-paused)()
	if g.held || g.bulkPaused {
		t.Fatalf("held %v, paused %v after the pause ended", g.held, g.bulkPaused)
	}
}
