// Package groupcommit batches concurrent requests into one flush, so that
// many senders delivering alerts at once share one database transaction
// (and one fsync) instead of queueing for the single writer one by one.
//
// One flusher goroutine (New) runs flushes one at a time. Batches form on
// their own under load: while a flush runs, new items wait, and as soon
// as it ends they all go in the next one. An item that arrives while the
// batcher is idle is flushed at once, without waiting for company. Only
// when a flush ends and finds fewer than maxBatch items waiting may it
// linger, up to maxDelay after the oldest of them arrived, for more to
// fill the batch; with maxDelay 0 it never lingers.
//
// A flush that fails is not the failure of every item in it: one item
// the database refuses would otherwise fail the requests of every other
// sender in its batch. So a failed batch is flushed again in halves, and
// they in halves, down to the item at fault, which alone gets the error;
// the others get their results. A flush that fails for a reason that is
// no item's (the database is unreachable) says so with WholeBatch, and
// then every item gets its error at once, without the retries.
//
// NewParallel runs several flushers, for a database that commits
// concurrent transactions in parallel (PostgreSQL, not SQLite): items
// that arrive while every flusher is busy still batch up, and an idle
// flusher takes them at once.
package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by Submit after Close.
var ErrClosed = errors.New("groupcommit: batcher closed")

// WholeBatch marks an error of flush as the failure of the batch as a
// whole rather than of one of its items (the database is unreachable,
// say): the batch is not retried in halves, and every item gets err.
func WholeBatch(err error) error {
	if err == nil {
		return nil
	}
	return &wholeBatchError{err}
}

type wholeBatchError struct{ err error }

func (e *wholeBatchError) Error() string { return e.err.Error() }
func (e *wholeBatchError) Unwrap() error { return e.err }

// Batcher collects items from concurrent Submit calls and hands them to
// its flush function in batches. It is safe for concurrent use.
type Batcher[T, R any] struct {
	flush    func(ctx context.Context, items []T) ([]R, error)
	maxBatch int
	maxDelay time.Duration
	// weight and maxWeight bound a batch by what its items weigh too
	// (NewWeighted); weight nil: by their number only.
	weight    func(T) int
	maxWeight int

	mu     sync.Mutex
	queue  []*call[T, R]
	closed bool

	wake    chan struct{} // items were queued; buffered 1
	closing chan struct{} // closed by Close
	stopped chan struct{} // closed when the flushers have drained and exited
}

// Call states: a call is queued until the flusher takes it or its
// submitter gives up, whichever happens first.
const (
	queued int32 = iota
	taken
	abandoned
)

type call[T, R any] struct {
	item  T
	at    time.Time // when it was submitted
	state atomic.Int32
	res   R
	err   error
	done  chan struct{}
}

// New starts a batcher that calls flush with at most maxBatch items at a
// time (at least 1) in submission order. flush must return one result per
// item, in the same order, or an error: the batch is then flushed again
// in halves, down to the items that fail alone, unless the error is a
// WholeBatch one (see the package doc). Each item is committed once, by
// the one flush that succeeds with it. maxDelay bounds how long a partially filled batch waits for more
// items under load (see the package doc); 0 never waits. flush runs on
// the batcher's one goroutine with a context that is never cancelled (a
// batch serves many callers, so no one caller's context fits); bound its
// time inside flush if need be. Close stops the batcher.
func New[T, R any](flush func(ctx context.Context, items []T) ([]R, error), maxBatch int, maxDelay time.Duration) *Batcher[T, R] {
	return NewParallel(flush, maxBatch, maxDelay, 1)
}

// NewParallel is New with up to flushers (at least 1) flushes running at
// once, each on its own goroutine. Items keep their submission order
// within a batch, but batches may commit in any order: use it only when
// concurrent submitters' items are independent.
func NewParallel[T, R any](flush func(ctx context.Context, items []T) ([]R, error), maxBatch int, maxDelay time.Duration, flushers int) *Batcher[T, R] {
	return NewWeighted(flush, maxBatch, 0, nil, maxDelay, flushers)
}

// NewWeighted is NewParallel whose batches also weigh at most maxWeight
// in all, by weight (an item heavier than maxWeight is flushed alone).
// It keeps flushes short when items differ in size: an intake delivery
// may carry one alert or a thousand, and a flush holds SQLite's one
// writer for as long as it runs. weight nil or maxWeight < 1: no bound.
func NewWeighted[T, R any](flush func(ctx context.Context, items []T) ([]R, error), maxBatch, maxWeight int,
	weight func(T) int, maxDelay time.Duration, flushers int) *Batcher[T, R] {
	if maxWeight < 1 {
		weight = nil
	}
	b := &Batcher[T, R]{
		flush:     flush,
		weight:    weight,
		maxWeight: maxWeight,
		maxBatch:  max(maxBatch, 1),
		maxDelay:  max(maxDelay, 0),
		wake:      make(chan struct{}, 1),
		closing:   make(chan struct{}),
		stopped:   make(chan struct{}),
	}
	var wg sync.WaitGroup
	for range max(flushers, 1) {
		wg.Go(b.run)
	}
	go func() {
		wg.Wait()
		close(b.stopped)
	}()
	return b
}

// Submit adds item to the next batch and waits until that batch is
// flushed, returning the item's result or the batch's error. If ctx ends
// first, Submit returns ctx.Err(): an item not yet handed to flush is then
// dropped, but one already handed over may still be committed. After
// Close it returns ErrClosed.
func (b *Batcher[T, R]) Submit(ctx context.Context, item T) (R, error) {
	var zero R
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	c := &call[T, R]{item: item, at: time.Now(), done: make(chan struct{})}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return zero, ErrClosed
	}
	b.queue = append(b.queue, c)
	b.mu.Unlock()
	b.signal()
	select {
	case <-c.done:
		return c.res, c.err
	case <-ctx.Done():
		c.state.CompareAndSwap(queued, abandoned)
		return zero, ctx.Err()
	}
}

// Close stops accepting items, waits until every item already submitted
// has been flushed, and stops the flusher. It is safe to call more than
// once.
func (b *Batcher[T, R]) Close() error {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.closing)
	}
	b.mu.Unlock()
	<-b.stopped
	return nil
}

func (b *Batcher[T, R]) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// run is a flusher: it takes batches off the queue and flushes them, one
// at a time, until the batcher is closed and drained.
func (b *Batcher[T, R]) run() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	batch := make([]*call[T, R], 0, b.maxBatch)
	// underLoad: a flush just ended and found items waiting. Only then is
	// it worth lingering for more; a lone item is flushed at once.
	underLoad := false
	for {
		b.mu.Lock()
		for len(b.queue) == 0 && !b.closed {
			b.mu.Unlock()
			underLoad = false
			select {
			case <-b.wake:
			case <-b.closing:
			}
			b.mu.Lock()
		}
		if len(b.queue) == 0 { // closed and drained
			b.mu.Unlock()
			return
		}
		batch = b.takeLocked(batch[:0])
		closed := b.closed
		b.mu.Unlock()
		if underLoad && !closed && b.maxDelay > 0 && len(batch) > 0 && !b.full(batch) {
			batch = b.linger(batch, timer)
		}
		if len(batch) > 0 {
			b.flushBatch(batch)
			clear(batch) // let the calls' results be collected
			underLoad = true
		}
	}
}

// full reports whether batch may take no more calls.
func (b *Batcher[T, R]) full(batch []*call[T, R]) bool {
	return len(batch) >= b.maxBatch || (b.weight != nil && b.weighs(batch) >= b.maxWeight)
}

func (b *Batcher[T, R]) weighs(batch []*call[T, R]) int {
	w := 0
	for _, c := range batch {
		w += b.weight(c.item)
	}
	return w
}

// takeLocked moves calls from the queue to batch, skipping those whose
// submitter gave up, up to maxBatch calls and maxWeight (the first call
// of a batch always goes in). b.mu must be held.
func (b *Batcher[T, R]) takeLocked(batch []*call[T, R]) []*call[T, R] {
	weight := 0
	if b.weight != nil {
		weight = b.weighs(batch)
	}
	i := 0
	for ; i < len(b.queue) && len(batch) < b.maxBatch; i++ {
		c := b.queue[i]
		if c.state.Load() != queued {
			continue // its submitter gave up
		}
		if b.weight != nil {
			w := b.weight(c.item)
			if len(batch) > 0 && weight+w > b.maxWeight {
				break
			}
			weight += w
		}
		if c.state.CompareAndSwap(queued, taken) {
			batch = append(batch, c)
		}
	}
	n := copy(b.queue, b.queue[i:])
	clear(b.queue[n:])
	b.queue = b.queue[:n]
	if n > 0 {
		b.signal() // what is left is for another flusher, or the next round
	}
	return batch
}

// linger waits for more calls until the batch is full, the oldest call
// has waited maxDelay, or the batcher closes.
func (b *Batcher[T, R]) linger(batch []*call[T, R], timer *time.Timer) []*call[T, R] {
	deadline := batch[0].at.Add(b.maxDelay)
	for !b.full(batch) {
		d := time.Until(deadline)
		if d <= 0 {
			return batch
		}
		timer.Reset(d)
		fired := false
		select {
		case <-b.wake:
		case <-b.closing:
		case <-timer.C:
			fired = true
		}
		timer.Stop()
		b.mu.Lock()
		batch = b.takeLocked(batch)
		closed := b.closed
		b.mu.Unlock()
		if fired || closed {
			return batch
		}
	}
	return batch
}

// flushBatch calls flush and hands each call its result. A batch that
// fails is flushed again in halves (see the package doc), in order, so
// that items keep their submission order. A panic in flush fails the
// batch rather than the process's every later Submit.
func (b *Batcher[T, R]) flushBatch(batch []*call[T, R]) {
	items := make([]T, len(batch))
	for i, c := range batch {
		items[i] = c.item
	}
	results, err := b.safeFlush(items)
	if err == nil && len(results) != len(items) {
		err = fmt.Errorf("groupcommit: flush returned %d results for %d items", len(results), len(items))
	}
	var whole *wholeBatchError
	if err != nil && len(batch) > 1 && !errors.As(err, &whole) {
		half := len(batch) / 2
		b.flushBatch(batch[:half])
		b.flushBatch(batch[half:])
		return
	}
	for i, c := range batch {
		if err != nil {
			c.err = err
		} else {
			c.res = results[i]
		}
		close(c.done)
	}
}

func (b *Batcher[T, R]) safeFlush(items []T) (results []R, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("groupcommit: flush panicked: %v", p)
		}
	}()
	return b.flush(context.Background(), items)
}
