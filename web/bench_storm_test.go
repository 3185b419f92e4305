package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// BenchmarkPagesDuringStorm renders the pages responders keep open during
// an outage (the incident page of an incident with 10,000 entries, the
// incident list over 1,000 incidents, the alert list) while four senders
// store 20,000 alerts a second into the same database, as intake does
// during a storm of critical alerts (100 alerts a delivery, 50 deliveries
// a second each). The budget is a p99 under 200 ms for every page.
//
//	go test ./web -run '^$' -bench DuringStorm -benchtime 300x
func BenchmarkPagesDuringStorm(b *testing.B) {
	e, br, ada := benchEnv(b)
	ctx := context.Background()
	svc := &warroom.Service{Slug: "checkout", Name: "Checkout"}
	if err := e.store.CreateService(ctx, svc); err != nil {
		b.Fatal(err)
	}
	in := &warroom.Integration{ServiceID: svc.ID, Kind: warroom.IntegrationWebhook, Name: "storm", CreatedAt: e.clock.Now()}
	if err := e.store.CreateIntegration(ctx, in, warroom.HashTokenSecret("storm")); err != nil {
		b.Fatal(err)
	}
	inc := e.declare(ada, "Checkout is down", false)
	addEntries(b, e, ada, inc.Ref, 10000)
	for i := range 1000 {
		_, err := e.store.DeclareIncident(ctx, warroom.Idempotency{}, func(number int64) ([]warroom.Event, error) {
			return warroom.Declare(fmt.Sprintf("storm-%04d", i), warroom.Declaration{Number: number, Title: fmt.Sprintf("Incident %d", i),
				Severity: warroom.Severities[i%4], Private: i%10 == 0}, ada.Actor(), e.clock.Now(), warroom.DefaultPolicy())
		})
		if err != nil {
			b.Fatal(err)
		}
	}

	stop := make(chan struct{})
	var stored atomic.Int64
	var senders sync.WaitGroup
	for sender := range 4 {
		senders.Go(func() {
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				updates := make([]warroom.AlertUpdate, 100)
				for i := range updates {
					updates[i] = warroom.AlertUpdate{Action: "trigger", Alert: warroom.Alert{Source: "alertmanager",
						DedupKey: fmt.Sprintf("s%d-%d-%d", sender, n, i), Summary: "checkout 5xx above 5%", Severity: "critical"}}
				}
				if _, err := e.store.IngestAlerts(ctx, []warroom.IngestRequest{{Integration: in, Updates: updates, ReceivedAt: time.Now()}}); err != nil {
					b.Error(err)
					return
				}
				stored.Add(100)
			}
		})
	}

	paths := []string{"/incidents/" + inc.Ref, "/incidents", "/alerts"}
	requests := make([]*http.Request, len(paths))
	for i, p := range paths {
		requests[i] = httptest.NewRequest("GET", p, nil)
		for _, c := range br.jar.Cookies(mustURL(e.srv.URL)) {
			requests[i].AddCookie(c)
		}
	}
	samples := make([][]time.Duration, len(paths))
	start := time.Now()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := i % len(paths)
		w := httptest.NewRecorder()
		began := time.Now()
		e.h.ServeHTTP(w, requests[k])
		samples[k] = append(samples[k], time.Since(began))
		if w.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", paths[k], w.Code)
		}
	}
	b.StopTimer()
	elapsed := time.Since(start)
	close(stop)
	senders.Wait()
	for k, name := range []string{"incident", "list", "alerts"} {
		if len(samples[k]) > 0 {
			b.ReportMetric(float64(p99(samples[k]).Microseconds())/1000, name+"-p99-ms")
		}
	}
	b.ReportMetric(float64(stored.Load())/elapsed.Seconds(), "alerts/s")
}
