package sqlstore

import (
	"context"
	"slices"
	"sync"

	"github.com/warroom/warroom/engine"
)

// writerGate decides who takes SQLite's one writer next. database/sql
// hands a freed connection to a random waiter, so during an alert storm
// each of a page's short writes (claim, declare, complete, send) would
// wait behind a random number of intake and bulk-routing transactions,
// and every page would be late by several of them. With the gate, urgent
// work (engine.WithUrgency: the page queue, the senders, lease heartbeats)
// waits for at most the transaction that holds the writer.
//
// Each class is served in arrival order. So that a run of urgent work
// never starves intake (whose senders wait for their 2xx), bulk work gets
// the writer after urgentRun urgent transactions in a row while it waits.
//
// Every write of the store takes the gate first: transactions (inTx), and
// single statements (exec, writeRow, writeRows). Only one goroutine then
// waits in database/sql's pool for the connection at a time, which is
// what keeps the order. PostgreSQL has no single writer: its gate is nil
// and lets everyone through.
type writerGate struct {
	mu   sync.Mutex
	held bool
	// waiting holds the waiters of each class in arrival order:
	// [urgentClass] then [bulkClass].
	waiting [2][]chan struct{}
	// urgentInRow counts urgent hand-overs since bulk work last had the
	// writer.
	urgentInRow int
}

const (
	urgentClass = 0
	bulkClass   = 1
	// urgentRun is how many urgent transactions in a row may go before a
	// waiting bulk one.
	urgentRun = 16
)

// acquire waits until ctx's class may write, or ctx ends. Every nil
// error must be followed by exactly one release.
func (g *writerGate) acquire(ctx context.Context) error {
	if g == nil {
		return nil
	}
	class := bulkClass
	if engine.Urgent(ctx) {
		class = urgentClass
	}
	g.mu.Lock()
	if !g.held {
		g.held = true
		g.took(class)
		g.mu.Unlock()
		return nil
	}
	ready := make(chan struct{})
	g.waiting[class] = append(g.waiting[class], ready)
	g.mu.Unlock()
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		i := slices.Index(g.waiting[class], ready)
		if i >= 0 {
			g.waiting[class] = slices.Delete(g.waiting[class], i, i+1)
			g.mu.Unlock()
			return ctx.Err()
		}
		// Handed over as ctx ended: pass it on.
		g.mu.Unlock()
		g.release()
		return ctx.Err()
	}
}

// release hands the writer to the next waiter, or frees it.
func (g *writerGate) release() {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	class := urgentClass
	if len(g.waiting[urgentClass]) == 0 || (len(g.waiting[bulkClass]) > 0 && g.urgentInRow >= urgentRun) {
		class = bulkClass
	}
	if len(g.waiting[class]) == 0 {
		g.held = false
		return
	}
	next := g.waiting[class][0]
	g.waiting[class] = slices.Delete(g.waiting[class], 0, 1)
	g.took(class)
	close(next)
}

// took counts a hand-over to class. g.mu must be held.
func (g *writerGate) took(class int) {
	if class == urgentClass {
		g.urgentInRow++
	} else {
		g.urgentInRow = 0
	}
}
