package sqlstore

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/warroom/warroom/engine"
)

// writerGate puts urgent writes (contexts marked engine.WithUrgency: the
// page queue, the senders, lease heartbeats) before bulk ones (intake,
// bulk routing, the API), so that a page is not late behind an alert
// storm. Every write of the store passes it: transactions (inTx) and
// single statements (exec, writeRow, writeRows).
//
// On SQLite (exclusive) it decides who takes the one writer next.
// database/sql hands a freed connection to a random waiter, so during a
// storm each of a page's short writes (claim, declare, complete, send)
// would wait behind a random number of intake and bulk-routing
// transactions. With the gate an urgent write waits for at most the
// transaction that holds the writer. Each class is served in arrival
// order; so that a run of urgent work never starves intake (whose
// senders wait for their 2xx), bulk work gets the writer after urgentRun
// urgent transactions in a row while it waits. Only one goroutine then
// waits in database/sql's pool for the connection at a time, which is
// what keeps the order.
//
// On PostgreSQL (shared) transactions run side by side, but a page's
// statements compete with intake's for the database's CPUs: a bulk write
// waits while urgent writes run or ran within urgentQuiet, at most
// bulkYield, so that a page's chain of short transactions (with a little
// work between them) runs on a quiet database. Urgent writes never wait.
type writerGate struct {
	shared bool
	// quiet and yield are urgentQuiet and bulkYield (shared); tests set
	// their own.
	quiet, yield time.Duration

	mu   sync.Mutex
	held bool
	// waiting holds the waiters of each class in arrival order:
	// [urgentClass] then [bulkClass] (exclusive).
	waiting [2][]chan struct{}
	// urgentInRow counts urgent hand-overs since bulk work last had the
	// writer (exclusive).
	urgentInRow int
	// bulkPaused keeps bulk writes from the writer while urgent ones
	// still take it (pauseBulk; exclusive).
	bulkPaused bool
	// urgentActive counts urgent writes running, and urgentEnded is when
	// the last one ended (shared).
	urgentActive int
	urgentEnded  time.Time
	// idle is closed (and replaced) when the last running urgent write
	// ends, waking the bulk writes that yield to it (shared).
	idle        chan struct{}
	bulkWaiting int // bulk writes yielding now (shared)
}

// gateClass is the class of a write: urgentClass or bulkClass.
type gateClass int

const (
	urgentClass gateClass = 0
	bulkClass   gateClass = 1
	// urgentRun is how many urgent transactions in a row may go before a
	// waiting bulk one (exclusive).
	urgentRun = 16
	// urgentQuiet is how long after an urgent write a bulk one still
	// waits, and bulkYield the longest it waits (shared): a page's next
	// transaction follows the last within a few milliseconds.
	urgentQuiet = 5 * time.Millisecond
	bulkYield   = 50 * time.Millisecond
)

func newExclusiveGate() *writerGate { return &writerGate{} }
func newSharedGate() *writerGate {
	return &writerGate{shared: true, quiet: urgentQuiet, yield: bulkYield, idle: make(chan struct{})}
}

func classOf(ctx context.Context) gateClass {
	if engine.Urgent(ctx) {
		return urgentClass
	}
	return bulkClass
}

// acquire waits until ctx's class may write, or ctx ends. Every nil
// error must be followed by exactly one release of the class it returns.
func (g *writerGate) acquire(ctx context.Context) (gateClass, error) {
	class := classOf(ctx)
	if g.shared {
		return class, g.acquireShared(ctx, class)
	}
	g.mu.Lock()
	if !g.held && (class == urgentClass || !g.bulkPaused) {
		g.held = true
		g.took(class)
		g.mu.Unlock()
		return class, nil
	}
	ready := make(chan struct{})
	g.waiting[class] = append(g.waiting[class], ready)
	g.mu.Unlock()
	select {
	case <-ready:
		return class, nil
	case <-ctx.Done():
		g.mu.Lock()
		i := slices.Index(g.waiting[class], ready)
		if i >= 0 {
			g.waiting[class] = slices.Delete(g.waiting[class], i, i+1)
			g.mu.Unlock()
			return class, ctx.Err()
		}
		// Handed over as ctx ended: pass it on.
		g.mu.Unlock()
		g.release(class)
		return class, ctx.Err()
	}
}

// acquireShared counts an urgent write in, or lets a bulk one wait while
// urgent work is under way (at most bulkYield).
func (g *writerGate) acquireShared(ctx context.Context, class gateClass) error {
	if class == urgentClass {
		g.mu.Lock()
		g.urgentActive++
		g.mu.Unlock()
		return nil
	}
	deadline := time.Now().Add(g.yield)
	counted := false
	defer func() {
		if counted {
			g.mu.Lock()
			g.bulkWaiting--
			g.mu.Unlock()
		}
	}()
	for {
		g.mu.Lock()
		now := time.Now()
		wait := max(g.urgentEnded.Add(g.quiet).Sub(now), 0)
		idle := g.idle
		if g.urgentActive > 0 {
			wait = deadline.Sub(now) // until the last one ends (idle)
		}
		if wait > 0 && !counted {
			g.bulkWaiting++
			counted = true
		}
		g.mu.Unlock()
		if wait == 0 || !now.Before(deadline) {
			return nil
		}
		t := time.NewTimer(min(wait, deadline.Sub(now)))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-idle:
			t.Stop()
		case <-t.C:
		}
	}
}

// release ends a write of class: on SQLite it hands the writer to the
// next waiter, or frees it.
func (g *writerGate) release(class gateClass) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.shared {
		if class == urgentClass {
			g.urgentActive--
			g.urgentEnded = time.Now()
			if g.urgentActive == 0 {
				close(g.idle)
				g.idle = make(chan struct{})
			}
		}
		return
	}
	g.handOver()
}

// handOver gives the free writer to the next waiter, or frees it: an
// urgent waiter first, unless urgentRun of them went in a row while bulk
// work waits; bulk work only while it is not paused. g.mu must be held.
func (g *writerGate) handOver() {
	next := urgentClass
	if len(g.waiting[urgentClass]) == 0 || (len(g.waiting[bulkClass]) > 0 && g.urgentInRow >= urgentRun && !g.bulkPaused) {
		next = bulkClass
	}
	if len(g.waiting[next]) == 0 || (next == bulkClass && g.bulkPaused) {
		g.held = false
		return
	}
	ready := g.waiting[next][0]
	g.waiting[next] = slices.Delete(g.waiting[next], 0, 1)
	g.took(next)
	close(ready)
}

// pauseBulk waits for its turn as a bulk write, then keeps bulk writes
// from the writer until resume is called, while urgent writes still take
// it (exclusive gate only): for the SQLite checkpointer, which needs the
// writer to stop appending to the WAL while it copies the last frames, so
// that the WAL can start over, without making a page's writes wait for
// its fsyncs. One pause at a time.
func (g *writerGate) pauseBulk(ctx context.Context) (resume func(), err error) {
	if g.shared {
		return nil, errors.New("sqlstore: pauseBulk needs the exclusive writer gate")
	}
	if _, err := g.acquire(ctx); err != nil {
		return nil, err
	}
	g.mu.Lock()
	g.bulkPaused = true
	g.mu.Unlock()
	g.release(bulkClass) // to urgent waiters only, or free
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.bulkPaused = false
		if !g.held {
			g.handOver()
		}
	}, nil
}

// took counts a hand-over to class. g.mu must be held.
func (g *writerGate) took(class gateClass) {
	if class == urgentClass {
		g.urgentInRow++
	} else {
		g.urgentInRow = 0
	}
}
