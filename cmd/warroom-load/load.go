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

// loader sends the alerts: concurrency workers, each posting one request
// at a time, until the deadline or the request budget is spent.
type loader struct {
	cfg    config
	client *http.Client
	gen    *generator
	target string // URL posted to
	key    string // the integration key

	stopAt time.Time
	budget atomic.Int64 // requests left, when cfg.requests > 0

	requests, accepted     atomic.Int64 // requests sent, answered 2xx
	alertsSent, alertsDone atomic.Int64 // alerts sent, in requests answered 2xx

	mu   sync.Mutex
	errs map[string]int64
	lat  []time.Duration // of every request that got an answer
}

func newLoader(cfg config, client *http.Client, gen *generator, key string) *loader {
	l := &loader{cfg: cfg, client: client, gen: gen, key: key, errs: map[string]int64{}}
	if cfg.kind == kindPagerDuty {
		l.target = cfg.server + "/v2/enqueue"
	} else {
		l.target = intakeURL(cfg.server, key)
	}
	l.budget.Store(cfg.requests)
	return l
}

// take reports whether a worker may send one more request.
func (l *loader) take() bool {
	if !time.Now().Before(l.stopAt) {
		return false
	}
	return l.cfg.requests <= 0 || l.budget.Add(-1) >= 0
}

// run starts the workers and waits for them; it returns how long the
// load lasted, from the first request to the last answer.
func (l *loader) run(ctx context.Context) time.Duration {
	start := time.Now()
	l.stopAt = start.Add(l.cfg.duration)
	var wg sync.WaitGroup
	for w := range l.cfg.concurrency {
		wg.Go(func() { l.work(ctx, w) })
	}
	wg.Wait()
	return time.Since(start)
}

// work is one worker: it keeps the fingerprints of its accepted firing
// alerts so that --resolve-fraction resolves alerts that exist.
func (l *loader) work(ctx context.Context, w int) {
	var firing []string
	lat := make([]time.Duration, 0, 1024)
	defer func() {
		l.mu.Lock()
		l.lat = append(l.lat, lat...)
		l.mu.Unlock()
	}()
	for seq := 0; ctx.Err() == nil && l.take(); seq++ {
		n := l.cfg.batch
		if l.cfg.kind == kindPagerDuty {
			n = 1
		}
		alerts := make([]amAlert, n)
		var resolvedFrom int
		for i := range alerts {
			if len(firing) > resolvedFrom && l.cfg.resolveFraction > 0 && rand.Float64() < l.cfg.resolveFraction {
				alerts[i] = amAlert{fingerprint: firing[resolvedFrom], resolved: true}
				resolvedFrom++
				continue
			}
			alerts[i] = amAlert{fingerprint: l.gen.fingerprint(), severity: l.cfg.severity}
		}
		var body []byte
		if l.cfg.kind == kindPagerDuty {
			body = l.gen.pagerDuty(l.key, alerts[0])
		} else {
			body = l.gen.alertmanager("w"+strconv.Itoa(w)+"-"+strconv.Itoa(seq), alerts, time.Now())
		}
		begin := time.Now()
		status, err := post(ctx, l.client, l.target, body)
		d := time.Since(begin)
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
