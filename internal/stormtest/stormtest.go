// Package stormtest stores an alert storm into a store while a benchmark
// measures something else (a page render, a slash command, the status
// page): status pages and incident pages are hammered exactly when alerts
// pour in, so their budgets are measured during one.
package stormtest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/sqlstore"
)

// Senders and Batch shape the storm: four senders storing 100 critical
// alerts a delivery, 50 deliveries a second each, 20,000 alerts a second
// in all, as intake stores them.
const (
	Senders = 4
	Batch   = 100
	Tick    = 20 * time.Millisecond
)

// Start creates a service with an integration on st and starts the
// storm into it. The function it returns stops the storm and gives the
// alerts per second it stored (the machine may fall short of 20,000).
func Start(tb testing.TB, st *sqlstore.Store, now time.Time) (stop func() float64) {
	tb.Helper()
	ctx := context.Background()
	svc := &warroom.Service{Slug: "storm", Name: "Storm"}
	if err := st.CreateService(ctx, svc); err != nil {
		tb.Fatal(err)
	}
	in := &warroom.Integration{ServiceID: svc.ID, Kind: warroom.IntegrationWebhook, Name: "storm", CreatedAt: now}
	if err := st.CreateIntegration(ctx, in, warroom.HashTokenSecret("storm")); err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	var stored atomic.Int64
	var senders sync.WaitGroup
	for sender := range Senders {
		senders.Go(func() {
			tick := time.NewTicker(Tick)
			defer tick.Stop()
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				case <-tick.C:
				}
				updates := make([]warroom.AlertUpdate, Batch)
				for i := range updates {
					updates[i] = warroom.AlertUpdate{Action: "trigger", Alert: warroom.Alert{Source: "alertmanager",
						DedupKey: fmt.Sprintf("s%d-%d-%d", sender, n, i), Summary: "checkout 5xx above 5%", Severity: "critical"}}
				}
				// Real receive times: a delivery's alerts share one, as
				// intake's do.
				if _, err := st.IngestAlerts(ctx, []warroom.IngestRequest{{Integration: in, Updates: updates, ReceivedAt: time.Now()}}); err != nil {
					tb.Error(err)
					return
				}
				stored.Add(Batch)
			}
		})
	}
	start := time.Now()
	return func() float64 {
		elapsed := time.Since(start)
		close(done)
		senders.Wait()
		return float64(stored.Load()) / elapsed.Seconds()
	}
}
