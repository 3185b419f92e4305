package chat_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/internal/pgtest"
)

// benchDSN is SQLite in a temporary directory, or a fresh PostgreSQL
// database when WARROOM_BENCH_DB=postgres (WARROOM_TEST_POSTGRES names the
// server).
func benchDSN(b *testing.B) string {
	if os.Getenv("WARROOM_BENCH_DB") == "postgres" {
		base := os.Getenv("WARROOM_TEST_POSTGRES")
		if base == "" {
			b.Fatal("WARROOM_BENCH_DB=postgres needs WARROOM_TEST_POSTGRES")
		}
		return pgtest.FreshDatabase(b, base, "wr_chatbench")
	}
	return "sqlite:" + filepath.Join(b.TempDir(), "w.db")
}

// startStorm has four senders store critical alerts into e's database, 100
// a delivery, paced to 20,000 a second in all, as intake does during an
// alert storm; the function it returns stops them and reports the rate
// they achieved.
func startStorm(b *testing.B, e *env) (stop func()) {
	svc := &warroom.Service{Slug: "storm", Name: "Storm"}
	if err := e.store.CreateService(e.ctx, svc); err != nil {
		b.Fatal(err)
	}
	in := &warroom.Integration{ServiceID: svc.ID, Kind: warroom.IntegrationWebhook, Name: "storm", CreatedAt: e.clock.Now()}
	if err := e.store.CreateIntegration(e.ctx, in, warroom.HashTokenSecret("storm")); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	var stored atomic.Int64
	var senders sync.WaitGroup
	for sender := range 4 {
		senders.Go(func() {
			tick := time.NewTicker(20 * time.Millisecond) // 50 deliveries of 100 a second each
			defer tick.Stop()
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				case <-tick.C:
				}
				updates := make([]warroom.AlertUpdate, 100)
				for i := range updates {
					updates[i] = warroom.AlertUpdate{Action: "trigger", Alert: warroom.Alert{Source: "alertmanager",
						DedupKey: fmt.Sprintf("s%d-%d-%d", sender, n, i), Summary: "checkout 5xx above 5%", Severity: "critical"}}
				}
				if _, err := e.store.IngestAlerts(e.ctx, []warroom.IngestRequest{{Integration: in, Updates: updates, ReceivedAt: time.Now()}}); err != nil {
					b.Error(err)
					return
				}
				stored.Add(100)
			}
		})
	}
	start := time.Now()
	return func() {
		elapsed := time.Since(start)
		close(done)
		senders.Wait()
		b.ReportMetric(float64(stored.Load())/elapsed.Seconds(), "alerts/s")
	}
}
