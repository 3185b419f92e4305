package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is a flush function that doubles its items and remembers the
// batches it saw.
type recorder struct {
	mu      sync.Mutex
	batches [][]int
	delay   time.Duration
	fail    func(items []int) error
}

func (r *recorder) flush(_ context.Context, items []int) ([]int, error) {
	r.mu.Lock()
	r.batches = append(r.batches, slices.Clone(items))
	r.mu.Unlock()
	if r.delay > 0 {
		time.Sleep(r.delay)
	}
	if r.fail != nil {
		if err := r.fail(items); err != nil {
			return nil, err
		}
	}
	out := make([]int, len(items))
	for i, v := range items {
		out[i] = 2 * v
	}
	return out, nil
}

func (r *recorder) seen() [][]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.batches)
}

func TestSubmitReturnsItsOwnResult(t *testing.T) {
	r := &recorder{}
	b := New(r.flush, 10, 0)
	defer b.Close()
	for i := range 5 {
		got, err := b.Submit(context.Background(), i)
		if err != nil || got != 2*i {
			t.Fatalf("Submit(%d) = %d, %v; want %d", i, got, err, 2*i)
		}
	}
	// One at a time, an idle batcher flushes each item alone, at once.
	if got := r.seen(); len(got) != 5 {
		t.Fatalf("batches %v, want 5 of one item", got)
	}
}

func TestIdleBatcherDoesNotWaitMaxDelay(t *testing.T) {
	b := New((&recorder{}).flush, 100, time.Hour)
	defer b.Close()
	start := time.Now()
	if _, err := b.Submit(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("a lone item waited %v", d)
	}
}

// TestConcurrencyMakesBatches checks that submitters arriving while a
// flush runs share the next one, in submission order, each getting its
// own result.
func TestConcurrencyMakesBatches(t *testing.T) {
	r := &recorder{delay: 2 * time.Millisecond}
	b := New(r.flush, 16, 0)
	defer b.Close()
	const n = 200
	var wg sync.WaitGroup
	var bad atomic.Int32
	for i := range n {
		wg.Go(func() {
			got, err := b.Submit(context.Background(), i)
			if err != nil || got != 2*i {
				bad.Add(1)
			}
		})
	}
	wg.Wait()
	if bad.Load() > 0 {
		t.Fatalf("%d submitters got a wrong result", bad.Load())
	}
	batches := r.seen()
	total, biggest := 0, 0
	for _, batch := range batches {
		total += len(batch)
		biggest = max(biggest, len(batch))
		if len(batch) > 16 {
			t.Fatalf("batch of %d items, max is 16", len(batch))
		}
	}
	if total != n {
		t.Fatalf("flushed %d items, want %d", total, n)
	}
	if biggest < 2 {
		t.Fatalf("200 concurrent submitters made %d batches of 1", len(batches))
	}
}

// TestOrder checks that items of one submitter keep their order across
// batches and that a batch holds items in submission order.
func TestOrder(t *testing.T) {
	r := &recorder{delay: time.Millisecond}
	b := New(r.flush, 4, 0)
	defer b.Close()
	var wg sync.WaitGroup
	// arrived reports whether item i is queued or flushed already.
	arrived := func(i int) bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, c := range b.queue {
			if c.item == i {
				return true
			}
		}
		return slices.ContainsFunc(r.seen(), func(batch []int) bool { return slices.Contains(batch, i) })
	}
	for i := range 20 {
		wg.Go(func() { b.Submit(context.Background(), i) })
		// Arrive in order: the next is submitted once this one is in.
		for !arrived(i) {
			time.Sleep(10 * time.Microsecond)
		}
	}
	wg.Wait()
	var all []int
	for _, batch := range r.seen() {
		all = append(all, batch...)
	}
	if !slices.IsSorted(all) || len(all) != 20 {
		t.Fatalf("items flushed in order %v", all)
	}
}

// TestWholeBatchFailureFailsEverySubmitter: a flush that fails for no
// item's fault (WholeBatch) fails every item at once, without retries.
func TestWholeBatchFailureFailsEverySubmitter(t *testing.T) {
	boom := errors.New("disk on fire")
	release := make(chan struct{})
	var flushes atomic.Int32
	flush := func(_ context.Context, items []int) ([]int, error) {
		if flushes.Add(1) == 1 {
			<-release // hold the first flush so the rest form one batch
			return []int{0}, nil
		}
		return nil, WholeBatch(boom)
	}
	b := New(flush, 100, 0)
	defer b.Close()
	first := make(chan error, 1)
	go func() { _, err := b.Submit(context.Background(), 0); first <- err }()
	for flushes.Load() == 0 {
		time.Sleep(100 * time.Microsecond)
	}
	errs := make(chan error, 10)
	for i := 1; i <= 10; i++ {
		go func() { _, err := b.Submit(context.Background(), i); errs <- err }()
	}
	waitQueued(t, b, 10)
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("first batch: %v", err)
	}
	for range 10 {
		if err := <-errs; !errors.Is(err, boom) {
			t.Fatalf("submitter got %v, want %v", err, boom)
		}
	}
	if n := flushes.Load(); n != 2 {
		t.Fatalf("%d flushes, want 2 (the ten items in one)", n)
	}
}

// TestBadItemsFailAlone: a batch that fails is flushed again in halves,
// so that only the items the flush refuses fail, whoever else shared
// their batch; every other item is committed once and gets its result.
func TestBadItemsFailAlone(t *testing.T) {
	for _, bad := range [][]int{{7}, {1, 10}, {3, 4, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}} {
		refused := errors.New("the database refuses an item")
		release := make(chan struct{})
		var mu sync.Mutex
		committed := map[int]int{}
		flushes := 0
		flush := func(_ context.Context, items []int) ([]int, error) {
			mu.Lock()
			flushes++
			first := flushes == 1
			mu.Unlock()
			if first {
				<-release // hold the first flush so the rest form one batch
				return []int{0}, nil
			}
			for _, v := range items {
				if slices.Contains(bad, v) {
					return nil, fmt.Errorf("item %d: %w", v, refused)
				}
			}
			mu.Lock()
			for _, v := range items {
				committed[v]++
			}
			mu.Unlock()
			out := make([]int, len(items))
			for i, v := range items {
				out[i] = 2 * v
			}
			return out, nil
		}
		b := New(flush, 100, 0)
		first := make(chan error, 1)
		go func() { _, err := b.Submit(context.Background(), 0); first <- err }()
		waitFlushing := func() bool { mu.Lock(); defer mu.Unlock(); return flushes > 0 }
		for !waitFlushing() {
			time.Sleep(100 * time.Microsecond)
		}
		type answer struct {
			item, res int
			err       error
		}
		answers := make(chan answer, 10)
		for i := 1; i <= 10; i++ {
			go func() { res, err := b.Submit(context.Background(), i); answers <- answer{i, res, err} }()
		}
		waitQueued(t, b, 10)
		close(release)
		if err := <-first; err != nil {
			t.Fatalf("first batch: %v", err)
		}
		var got []answer
		for range 10 {
			got = append(got, <-answers)
		}
		b.Close()
		for _, a := range got {
			switch {
			case slices.Contains(bad, a.item):
				if !errors.Is(a.err, refused) || !strings.Contains(a.err.Error(), fmt.Sprintf("item %d:", a.item)) {
					t.Errorf("bad %v: item %d got %v, want its own refusal", bad, a.item, a.err)
				}
			case a.err != nil || a.res != 2*a.item:
				t.Errorf("bad %v: good item %d got %d, %v", bad, a.item, a.res, a.err)
			case committed[a.item] != 1:
				t.Errorf("bad %v: good item %d committed %d times", bad, a.item, committed[a.item])
			}
		}
		// Halving finds one bad item among ten in at most 2·⌈log2 10⌉+1
		// flushes, not ten.
		if len(bad) == 1 && flushes-1 > 9 {
			t.Errorf("bad %v: %d flushes for the batch of ten", bad, flushes-1)
		}
	}
}

func TestWrongResultCountAndPanicFailTheBatch(t *testing.T) {
	b := New(func(_ context.Context, items []int) ([]int, error) { return nil, nil }, 10, 0)
	if _, err := b.Submit(context.Background(), 1); err == nil {
		t.Fatal("a flush returning no results succeeded")
	}
	b.Close()
	b = New(func(_ context.Context, items []int) ([]int, error) { panic("oops") }, 10, 0)
	defer b.Close()
	if _, err := b.Submit(context.Background(), 1); err == nil {
		t.Fatal("a panicking flush succeeded")
	}
	// The flusher survives the panic.
	if _, err := b.Submit(context.Background(), 2); err == nil {
		t.Fatal("a panicking flush succeeded")
	}
}

// TestMaxDelayFillsBatchesUnderLoad checks that, after a flush, a
// partially filled batch waits up to maxDelay for more items.
func TestMaxDelayFillsBatchesUnderLoad(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var sizes []int
	flush := func(_ context.Context, items []int) ([]int, error) {
		mu.Lock()
		sizes = append(sizes, len(items))
		first := len(sizes) == 1
		mu.Unlock()
		if first {
			<-release
		}
		return items, nil
	}
	b := New(flush, 3, 200*time.Millisecond)
	defer b.Close()
	var wg sync.WaitGroup
	wg.Go(func() { b.Submit(context.Background(), 0) })
	waitQueued(t, b, 0)
	for {
		mu.Lock()
		n := len(sizes)
		mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(100 * time.Microsecond)
	}
	wg.Go(func() { b.Submit(context.Background(), 1) })
	waitQueued(t, b, 1)
	close(release)
	time.Sleep(20 * time.Millisecond) // the flusher now lingers with one item
	wg.Go(func() { b.Submit(context.Background(), 2) })
	wg.Go(func() { b.Submit(context.Background(), 3) })
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(sizes[:2], []int{1, 3}) {
		t.Fatalf("batch sizes %v, want [1 3 ...]: the second batch should have waited for a full batch", sizes)
	}
}

func TestCancelledSubmitterIsDropped(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	r := &recorder{}
	var once sync.Once
	flush := func(ctx context.Context, items []int) ([]int, error) {
		once.Do(func() { close(started); <-release })
		return r.flush(ctx, items)
	}
	b := New(flush, 10, 0)
	defer b.Close()
	go b.Submit(context.Background(), 0)
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := b.Submit(ctx, 1); errc <- err }()
	waitQueued(t, b, 1)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Submit returned %v", err)
	}
	close(release)
	if got, err := b.Submit(context.Background(), 2); err != nil || got != 4 {
		t.Fatalf("Submit after a cancel = %d, %v", got, err)
	}
	for _, batch := range r.seen() {
		if slices.Contains(batch, 1) {
			t.Fatalf("the abandoned item was flushed: %v", r.seen())
		}
	}
}

func TestCloseDrains(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	r := &recorder{}
	flush := func(ctx context.Context, items []int) ([]int, error) {
		once.Do(func() { close(started); <-release })
		return r.flush(ctx, items)
	}
	b := New(flush, 2, time.Second)
	var wg sync.WaitGroup
	var ok atomic.Int32
	submit := func(i int) {
		if _, err := b.Submit(context.Background(), i); err == nil {
			ok.Add(1)
		}
	}
	wg.Go(func() { submit(0) })
	<-started
	for i := 1; i < 10; i++ {
		wg.Go(func() { submit(i) })
	}
	waitQueued(t, b, 9)
	closed := make(chan struct{})
	go func() { b.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a flush was running")
	case <-time.After(10 * time.Millisecond):
	}
	close(release)
	<-closed
	wg.Wait()
	if n := ok.Load(); n != 10 {
		t.Fatalf("%d of 10 submitted items were flushed", n)
	}
	if _, err := b.Submit(context.Background(), 11); !errors.Is(err, ErrClosed) {
		t.Fatalf("Submit after Close: %v", err)
	}
	b.Close() // twice is fine
}

// TestParallelFlushers: with several flushers, items that arrive while
// one flush runs go into another at once; every item gets its own result
// and Close drains them all.
func TestParallelFlushers(t *testing.T) {
	var running, most atomic.Int32
	release := make(chan struct{})
	r := &recorder{}
	flush := func(ctx context.Context, items []int) ([]int, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		<-release
		return r.flush(ctx, items)
	}
	b := NewParallel(flush, 4, 0, 3)
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for i := range 30 {
		wg.Go(func() {
			got, err := b.Submit(context.Background(), i)
			if err == nil && got != 2*i {
				err = errors.New("wrong result")
			}
			if err != nil {
				errs <- err
			}
		})
	}
	deadline := time.Now().Add(5 * time.Second)
	for running.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Microsecond)
	}
	if n := running.Load(); n != 3 {
		t.Fatalf("%d flushes running at once, want 3", n)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	b.Close()
	if m := most.Load(); m != 3 {
		t.Errorf("at most %d flushes ran at once, want 3", m)
	}
	n := 0
	for _, batch := range r.seen() {
		if len(batch) > 4 {
			t.Errorf("batch of %d, max 4", len(batch))
		}
		n += len(batch)
	}
	if n != 30 {
		t.Errorf("%d items flushed, want 30", n)
	}
	if _, err := b.Submit(context.Background(), 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Submit after Close: %v", err)
	}
}

// waitQueued waits until at least n items are queued (not yet flushing).
func waitQueued[T, R any](t *testing.T, b *Batcher[T, R], n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		b.mu.Lock()
		q := len(b.queue)
		b.mu.Unlock()
		if q >= n {
			return
		}
		time.Sleep(50 * time.Microsecond)
	}
	t.Fatalf("fewer than %d items queued after 5s", n)
}

func BenchmarkSubmitParallel(b *testing.B) {
	var batches, items atomic.Int64
	bt := New(func(_ context.Context, in []int) ([]int, error) {
		batches.Add(1)
		items.Add(int64(len(in)))
		time.Sleep(50 * time.Microsecond) // a commit
		return in, nil
	}, 64, 0)
	defer bt.Close()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := bt.Submit(context.Background(), 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(items.Load())/float64(max(batches.Load(), 1)), "items/batch")
}

// TestWeightBoundsBatches checks that a weighted batcher never flushes
// more than maxWeight in one batch, except an item heavier than that,
// which goes alone, and loses nothing.
func TestWeightBoundsBatches(t *testing.T) {
	r := &recorder{delay: time.Millisecond}
	// An item weighs its value: 1 to 9, and 25 for the heavy ones.
	b := NewWeighted(r.flush, 100, 20, func(v int) int { return v }, time.Millisecond, 1)
	defer b.Close()
	var wg sync.WaitGroup
	want := 0
	for i := range 300 {
		v := 1 + i%9
		if i%50 == 0 {
			v = 25
		}
		want += v
		wg.Go(func() {
			if got, err := b.Submit(context.Background(), v); err != nil || got != 2*v {
				t.Errorf("Submit(%d) = %d, %v", v, got, err)
			}
		})
	}
	wg.Wait()
	total, shared := 0, 0
	for _, batch := range r.seen() {
		w := 0
		for _, v := range batch {
			w += v
		}
		total += w
		if w > 20 && len(batch) > 1 {
			t.Errorf("batch %v weighs %d, more than 20", batch, w)
		}
		if len(batch) > 1 {
			shared++
		}
	}
	if total != want {
		t.Fatalf("flushed a weight of %d, want %d", total, want)
	}
	if shared == 0 {
		t.Fatal("300 concurrent submitters never shared a batch")
	}
}
