package statuspage

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroom/warroom/internal/pgtest"
	"github.com/warroom/warroom/internal/stormtest"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/sqlstore"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// benchPage seeds a page of 12 components in 3 groups with 90 days of
// history, 3 active public incidents with updates and a window.
func benchPage(b *testing.B) *env {
	e := newEnv(b, openSQLite(b), envOpts{})
	for i := range 12 {
		svc := e.service(fmt.Sprintf("svc%d", i))
		e.component(fmt.Sprintf("Component %d", i), fmt.Sprintf("Group %d", i%3), svc.ID)
	}
	for i := range 3 {
		e.at(t0.Add(time.Duration(i) * time.Hour))
		svc, _ := e.store.FindService(e.ctx, fmt.Sprintf("svc%d", i))
		inc := e.declare("ada", warroom.Declaration{Title: "x", Severity: warroom.SEV2, Impact: warroom.Impact{ServiceIDs: []string{svc.ID}}})
		e.publish("ada", inc.Ref, fmt.Sprintf("Incident %d", i))
		for j := range 3 {
			e.customerUpdate("ada", inc.Ref, fmt.Sprintf("Update %d of incident %d: we are working on it.", j, i))
		}
	}
	return e
}

// BenchmarkPublicPage drives the public page's handler over loopback
// HTTP with parallel keep-alive clients (gzip accepted, as browsers do)
// and reports requests per second and the 99th percentile latency.
//
//	go test ./statuspage -run '^$' -bench PublicPage -benchtime 200000x -cpu 2
func BenchmarkPublicPage(b *testing.B) {
	drivePage(b, benchPage(b))
}

// BenchmarkPublicPageDuringStorm is BenchmarkPublicPage while alerts
// are ingested into the same database at up to 20,000 a second (new
// alerts, 100 a delivery, 4 senders): it reports the page's p99 and the
// alerts per second stored meanwhile.
//
//	go test ./statuspage -run '^$' -bench DuringStorm -benchtime 100000x
func BenchmarkPublicPageDuringStorm(b *testing.B) {
	e := benchPage(b)
	stop := stormtest.Start(b, e.store, t0)
	drivePage(b, e)
	b.ReportMetric(stop(), "alerts/s")
}

func drivePage(b *testing.B, e *env) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: e.svc.Handler()}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/status"
	tr := &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}
	client := &http.Client{Transport: tr}
	get := func() {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Errorf("status %d", res.StatusCode)
		}
	}
	get() // render once: the benchmark measures the cached page
	var mu sync.Mutex
	var all []time.Duration
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		lat := make([]time.Duration, 0, 1024)
		for pb.Next() {
			t := time.Now()
			get()
			lat = append(lat, time.Since(t))
		}
		mu.Lock()
		all = append(all, lat...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99_ms")
	}
}

// BenchmarkFanout10k: a customer update reaches 10,000 confirmed
// subscribers' outbox rows (one per subscriber, in one transaction).
//
//	go test ./statuspage -run '^$' -bench Fanout10k -benchtime 3x
func BenchmarkFanout10k(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchFanout(b, openSQLite(b)) })
	b.Run("postgres", func(b *testing.B) {
		base := os.Getenv("WARROOM_TEST_POSTGRES")
		if base == "" {
			b.Skip("WARROOM_TEST_POSTGRES is not set")
		}
		s, err := sqlstore.Open(context.Background(), pgtest.FreshDatabase(b, base, "wr_status_bench"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		benchFanout(b, s)
	})
}

func benchFanout(b *testing.B, st *sqlstore.Store) {
	e := newEnv(b, st, envOpts{})
	subs := 10000
	now := e.clock.Now()
	for i := range subs {
		sub := &warroom.Subscriber{ID: fmt.Sprintf("s%05d", i), Kind: warroom.SubscriberEmail, Address: fmt.Sprintf("user%d@acme.test", i),
			ComponentIDs: []string{}, Network: "bench", CreatedAt: now, ConfirmedAt: &now}
		if _, err := e.store.Subscribe(e.ctx, sub, warroom.SubscribeLimits{}, now, func(*warroom.Subscriber) []engine.Job { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	var worst time.Duration
	for i := range b.N {
		t := time.Now()
		n, err := e.svc.Fanout(e.ctx, Notice{Key: fmt.Sprintf("update:bench-%d", i), Subject: "Update", Body: "We are on it."}, now)
		d := time.Since(t)
		if err != nil || n != int64(subs) {
			b.Fatalf("fanout %d %v", n, err)
		}
		worst = max(worst, d)
	}
	b.ReportMetric(float64(worst.Milliseconds()), "worst_ms")
}

// countingSender accepts every message, as a relay that never pushes back.
type countingSender struct{ n atomic.Int64 }

func (c *countingSender) Send(context.Context, notify.Message) (string, error) {
	c.n.Add(1)
	return "ok", nil
}

// BenchmarkDrain10k: the outbox rows of a notice to 10,000 subscribers
// are sent (to a sender that accepts at once) by the status.drain jobs,
// each row once: how fast warroom's side of the inboxes goes.
//
//	go test ./statuspage -run '^$' -bench Drain10k -benchtime 1x
func BenchmarkDrain10k(b *testing.B) {
	st := openSQLite(b)
	e := newEnv(b, st, envOpts{})
	sender := &countingSender{}
	e.svc.cfg.Sender = sender
	now := e.clock.Now()
	for i := range 10000 {
		sub := &warroom.Subscriber{ID: fmt.Sprintf("s%05d", i), Kind: warroom.SubscriberEmail, Address: fmt.Sprintf("user%d@acme.test", i),
			ComponentIDs: []string{}, Network: "bench", CreatedAt: now, ConfirmedAt: &now}
		if _, err := e.store.Subscribe(e.ctx, sub, warroom.SubscribeLimits{}, now, func(*warroom.Subscriber) []engine.Job { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		key := fmt.Sprintf("update:drain-%d", i)
		t := time.Now()
		if _, err := e.svc.Fanout(e.ctx, Notice{Key: key, Subject: "Update", Body: "We are on it."}, now); err != nil {
			b.Fatal(err)
		}
		e.run()
		b.ReportMetric(10000/time.Since(t).Seconds(), "sent/s")
	}
	if got := sender.n.Load(); got != int64(10000*b.N) {
		b.Fatalf("sent %d", got)
	}
}
