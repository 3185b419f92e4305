package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// loader sends the alerts: workers (--concurrency of them, or --senders
// with --rate), each posting one request at a time, until the deadline
// or the request budget is spent. Without --rate a worker sends its next
// request as soon as the last is answered (closed loop: the server sets
// the pace); with --rate each sends on a timetable (open loop: the
// generator sets the pace, and reports when it could not keep it).
type loader struct {
	cfg    config
	client *http.Client
	gen    *generator
	target string // URL posted to
	key    string // the integration key
	group  amGroup
	pace   *pacing // nil: closed loop
	clock  loadClock

	start, stopAt time.Time
	budget        atomic.Int64 // requests left, when cfg.requests > 0

	requests, accepted     atomic.Int64 // requests sent, answered 2xx
	alertsSent, alertsDone atomic.Int64 // alerts sent, in requests answered 2xx
	last2xx                atomic.Int64 // unix nanoseconds of the latest 2xx answer

	mu       sync.Mutex
	errs     map[string]int64
	lat      []time.Duration // of every request that got an answer
	lateness []time.Duration // with --rate: how late each request was sent
}

func newLoader(cfg config, client *http.Client, gen *generator, key string) *loader {
	l := &loader{cfg: cfg, client: client, gen: gen, key: key, errs: map[string]int64{}, group: gen.oneGroup(), clock: wallClock{}}
	if cfg.kind == kindPagerDuty {
		l.target = cfg.server + "/v2/enqueue"
	} else {
		l.target = intakeURL(cfg.server, key)
	}
	if cfg.rate > 0 {
		p := newPacing(cfg.rate, cfg.alertsPerRequest(), cfg.senders)
		l.pace = &p
	}
	l.budget.Store(cfg.requests)
	return l
}

// workers is how many requests the loader keeps in flight at most.
func (c config) workers() int {
	if c.rate > 0 {
		return c.senders
	}
	return c.concurrency
}

// take reports whether a worker may send one more request.
func (l *loader) take() bool {
	if !l.clock.Now().Before(l.stopAt) {
		return false
	}
	return l.cfg.requests <= 0 || l.budget.Add(-1) >= 0
}

// run starts the workers and waits for them; it returns how long the
// load lasted, from the first request to the last answer.
func (l *loader) run(ctx context.Context) time.Duration {
	l.start = l.clock.Now()
	l.stopAt = l.start.Add(l.cfg.duration)
	var wg sync.WaitGroup
	for w := range l.cfg.workers() {
		wg.Go(func() { l.work(ctx, w) })
	}
	wg.Wait()
	return l.clock.Now().Sub(l.start)
}

// waitTurn, with --rate, waits until the worker's request seq is due and
// returns how late it is sent; false when it is due at or after the end
// of the run (or the run is interrupted), so it is not sent.
func (l *loader) waitTurn(ctx context.Context, w, seq int) (time.Duration, bool) {
	due := l.pace.due(l.start, l.pace.slot(w, seq))
	if !due.Before(l.stopAt) {
		return 0, false
	}
	if !l.clock.SleepUntil(ctx, due) {
		return 0, false
	}
	return max(l.clock.Now().Sub(due), 0), true
}

// loadClock is the loader's clock, a parameter so that a test can check
// the --rate timetable without depending on how fast the machine is.
type loadClock interface {
	Now() time.Time
	// SleepUntil returns when t has come (true) or ctx is done (false).
	SleepUntil(ctx context.Context, t time.Time) bool
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) SleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// work is one worker: it keeps the fingerprints of its accepted firing
// alerts so that --resolve-fraction resolves alerts that exist.
func (l *loader) work(ctx context.Context, w int) {
	var firing []string
	lat := make([]time.Duration, 0, 1024)
	var late []time.Duration
	defer func() {
		l.mu.Lock()
		l.lat = append(l.lat, lat...)
		l.lateness = append(l.lateness, late...)
		l.mu.Unlock()
	}()
	for seq := 0; ctx.Err() == nil && l.take(); seq++ {
		if l.pace != nil {
			d, ok := l.waitTurn(ctx, w, seq)
			if !ok {
				return
			}
			late = append(late, d)
		}
		n := l.cfg.alertsPerRequest()
		alerts := make([]amAlert, n)
		var resolvedFrom int
		for i := range alerts {
			if len(firing) > resolvedFrom && l.cfg.resolveFraction > 0 && rand.Float64() < l.cfg.resolveFraction {
				alerts[i] = amAlert{fingerprint: firing[resolvedFrom], severity: l.cfg.severity, resolved: true}
				resolvedFrom++
				continue
			}
			alerts[i] = amAlert{fingerprint: l.gen.fingerprint(), severity: l.cfg.severity}
		}
		var body []byte
		switch {
		case l.cfg.kind == kindPagerDuty:
			body = l.gen.pagerDuty(l.key, alerts[0])
		case l.cfg.shape == shapeOneGroup:
			body = l.gen.alertmanager(l.group, alerts, time.Now())
		default:
			body = l.gen.alertmanager(requestGroup(l.gen.run+"-w"+strconv.Itoa(w)+"-"+strconv.Itoa(seq)), alerts, time.Now())
		}
		begin := time.Now()
		status, err := post(ctx, l.client, l.target, body)
		answered := time.Now()
		d := answered.Sub(begin)
		l.requests.Add(1)
		l.alertsSent.Add(int64(n))
		if err != nil {
			l.count(errorKind(err))
			continue
		}
		lat = append(lat, d)
		if status/100 != 2 {
			l.count(strconv.Itoa(status) + " " + http.StatusText(status))
			continue
		}
		l.accepted.Add(1)
		l.alertsDone.Add(int64(n))
		l.noteLast2xx(answered)
		if l.cfg.resolveFraction > 0 {
			firing = firing[resolvedFrom:]
			for _, a := range alerts {
				if !a.resolved && len(firing) < 100000 {
					firing = append(firing, a.fingerprint)
				}
			}
		}
	}
}

// noteLast2xx keeps the time of the latest 2xx answer.
func (l *loader) noteLast2xx(t time.Time) {
	ns := t.UnixNano()
	for {
		old := l.last2xx.Load()
		if ns <= old || l.last2xx.CompareAndSwap(old, ns) {
			return
		}
	}
}

func (l *loader) count(kind string) {
	l.mu.Lock()
	l.errs[kind]++
	l.mu.Unlock()
}

// post sends one intake request and reads the whole answer (so the
// connection is reused), returning the status.
func post(ctx context.Context, client *http.Client, target string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "warroom-load/1")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

// errorKind names a transport failure for the report, without the URL
// (which holds the integration key).
func errorKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection reset"
	case errors.Is(err, errNotLoopback):
		return "refused: not a loopback address"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return "transport error: " + err.Error()
}
