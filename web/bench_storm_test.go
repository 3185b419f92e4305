package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/internal/stormtest"
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

	stop := stormtest.Start(b, e.store, e.clock.Now())

	paths := []string{"/incidents/" + inc.Ref, "/incidents", "/alerts"}
	requests := make([]*http.Request, len(paths))
	for i, p := range paths {
		requests[i] = httptest.NewRequest("GET", p, nil)
		for _, c := range br.jar.Cookies(mustURL(e.srv.URL)) {
			requests[i].AddCookie(c)
		}
	}
	samples := make([][]time.Duration, len(paths))
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
	rate := stop()
	for k, name := range []string{"incident", "list", "alerts"} {
		if len(samples[k]) > 0 {
			b.ReportMetric(float64(p99(samples[k]).Microseconds())/1000, name+"-p99-ms")
		}
	}
	b.ReportMetric(rate, "alerts/s")
}
