package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/groupcommit"
)

// BenchmarkIngestAlertmanagerBatch100 stores Alertmanager-style
// deliveries of 100 alerts each. In the "lifecycle" mix every delivery
// opens 33 alerts, repeats 34 that are firing (duplicates) and resolves
// 33, so the open set stays small as in production; "storm" opens 100 new
// alerts per delivery. Each mix runs one sender calling IngestAlerts
// ("serial"), 16 senders calling it at once ("parallel"), 16 senders
// sharing transactions through a groupcommit.Batcher over IngestAlerts
// ("groupcommit"), and through IngestBatcher, which encodes each delivery
// on its sender's goroutine ("batcher").
func BenchmarkIngestAlertmanagerBatch100(b *testing.B) {
	for _, d := range dialects {
		b.Run(d.name, func(b *testing.B) {
			for _, mix := range []string{"lifecycle", "storm"} {
				for _, mode := range []string{"serial", "parallel", "groupcommit", "batcher"} {
					b.Run(mix+"/"+mode, func(b *testing.B) { benchIngest(b, d.open(b), mix, mode) })
				}
			}
		})
	}
}

func benchIngest(b *testing.B, s *Store, mix, mode string) {
	p := newPagingFixture(b, s)
	ingest := func(ctx context.Context, req warroom.IngestRequest) error {
		_, err := s.IngestAlerts(ctx, []warroom.IngestRequest{req})
		return err
	}
	var flushes, flushed atomic.Int64
	switch mode {
	case "batcher":
		ib := s.NewIngestBatcher(64, 0)
		defer ib.Close()
		ingest = func(ctx context.Context, req warroom.IngestRequest) error {
			_, err := ib.Ingest(ctx, req)
			return err
		}
	case "groupcommit":
		gc := groupcommit.New(func(ctx context.Context, reqs []warroom.IngestRequest) ([][]warroom.IngestResult, error) {
			flushes.Add(1)
			flushed.Add(int64(len(reqs)))
			return s.IngestAlerts(ctx, reqs)
		}, 64, 0)
		defer gc.Close()
		ingest = func(ctx context.Context, req warroom.IngestRequest) error {
			_, err := gc.Submit(ctx, req)
			return err
		}
	}
	var senders atomic.Int64
	var alerts atomic.Int64
	run := func(next func() bool) {
		sender := senders.Add(1)
		prefix := fmt.Sprintf("s%d-", sender)
		at := t0
		for op := 0; next(); op++ {
			at = at.Add(time.Second)
			req := warroom.IngestRequest{Integration: p.am, ReceivedAt: at, Updates: deliveryOf(mix, prefix, op)}
			if err := ingest(p.ctx, req); err != nil {
				b.Error(err)
				return
			}
			alerts.Add(int64(len(req.Updates)))
		}
	}
	b.ResetTimer()
	cpu0, cpuOK := processCPU()
	if mode != "serial" {
		b.SetParallelism(8) // 16 senders on 2 cores
		b.RunParallel(func(pb *testing.PB) { run(pb.Next) })
	} else {
		run(b.Loop)
	}
	b.ReportMetric(float64(alerts.Load())/b.Elapsed().Seconds(), "alerts/s")
	if cpu1, ok := processCPU(); ok && cpuOK && alerts.Load() > 0 {
		// This process only: on PostgreSQL the server's share is not in it.
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(alerts.Load()), "cpu-µs/alert")
	}
	if n := flushes.Load(); n > 0 {
		b.ReportMetric(float64(flushed.Load())/float64(n), "reqs/tx")
	}
}

// benchAlerts are 256 distinct Alertmanager alerts that deliveries reuse
// under new keys, so that the benchmark measures the store, not the
// making of its input (the HTTP handler's JSON decoding is not part of
// it either).
var benchAlerts = sync.OnceValue(func() []warroom.AlertUpdate {
	out := make([]warroom.AlertUpdate, 256)
	for i := range out {
		out[i] = amUpdate("trigger", i)
	}
	return out
})

// deliveryOf returns delivery number op of a sender: 100 updates.
func deliveryOf(mix, prefix string, op int) []warroom.AlertUpdate {
	updates := make([]warroom.AlertUpdate, 0, 100)
	key := func(action string, i int) warroom.AlertUpdate {
		u := benchAlerts()[i%256]
		u.Action = action
		u.Alert.DedupKey = prefix + strconv.Itoa(i)
		return u
	}
	if mix == "storm" {
		for i := op * 100; i < op*100+100; i++ {
			updates = append(updates, key("trigger", i))
		}
		return updates
	}
	// Keys [33op, 33op+67) fire: 34 fired in the previous delivery too, 33
	// are new; the 33 before them resolve.
	for i := 33 * op; i < 33*op+67; i++ {
		updates = append(updates, key("trigger", i))
	}
	for i := max(33*op-33, 0); i < 33*op; i++ {
		updates = append(updates, key("resolve", i))
	}
	for len(updates) < 100 { // the first delivery has nothing to resolve yet
		updates = append(updates, key("trigger", 1_000_000+len(updates)))
	}
	return updates
}
