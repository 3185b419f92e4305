package sqlstore

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/telemetry"
)

// BenchmarkReport100k: a report of every metric, by service, over 100,000
// incidents with their events (about 8 each), as the API computes it:
// read the lifecycles and the services, then aggregate.
func BenchmarkReport100k(b *testing.B) {
	benchDialects(b, func(b *testing.B, f *fixture) {
		now := seedIncidents(b, f, 100_000)
		reports := &warroom.Reports{Metrics: f.s, Directory: f.s, Incidents: f.s, Now: func() time.Time { return now }}
		q, err := reports.Resolve(f.ctx, warroom.ReportRequest{Window: "all", GroupBy: "service"})
		if err != nil {
			b.Fatal(err)
		}
		cpu0, cpuOK := processCPU()
		for b.Loop() {
			r, err := reports.Report(f.ctx, f.admin.Actor(), q)
			if err != nil {
				b.Fatal(err)
			}
			if r.Total.Incidents != 100_000 {
				b.Fatalf("report counts %d incidents", r.Total.Incidents)
			}
		}
		reportCPU(b, cpu0, cpuOK)
	})
}

// seedIncidents stores n incidents over ten services, each with a
// declaration and a lifecycle's worth of stage changes (some corrected,
// some reopened, some never recovered), through the store's own writes
// in batches; it returns a time after the last one.
func seedIncidents(tb testing.TB, f *fixture, n int) time.Time {
	tb.Helper()
	var services []string
	for i := range 10 {
		s := &warroom.Service{Slug: fmt.Sprintf("svc-%d", i), Name: "svc", RTO: warroom.Duration(time.Hour),
			RPO: warroom.Duration(5 * time.Minute), CreatedAt: t0}
		if err := f.s.CreateService(f.ctx, s); err != nil {
			tb.Fatal(err)
		}
		services = append(services, s.ID)
	}
	start := t0.Add(-time.Duration(n) * 10 * time.Minute)
	const batch = 1000
	for from := 0; from < n; from += batch {
		err := f.s.inTx(f.ctx, func(t *tx) error {
			for i := from; i < min(from+batch, n); i++ {
				events := seedTimeline(i, start.Add(time.Duration(i)*10*time.Minute), services)
				inc, err := warroom.Fold(events)
				if err != nil {
					return err
				}
				if err := t.insertIncident(f.ctx, inc); err != nil {
					return err
				}
				if err := t.appendEvents(f.ctx, inc.ID, events); err != nil {
					return err
				}
				lc := warroom.FoldLifecycle(events)
				if err := t.upsertLifecycle(f.ctx, &lc); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	// As autovacuum would after such a load: the planner's statistics,
	// and the visibility map that lets index-only scans skip the rows.
	if f.s.d.dollar {
		if _, err := f.s.exec(f.ctx, "VACUUM ANALYZE"); err != nil {
			tb.Fatal(err)
		}
	}
	return t0.Add(time.Hour)
}

func seedTimeline(i int, at time.Time, services []string) []warroom.Event {
	id := fmt.Sprintf("inc-seed-%07d", i)
	started := at.Add(-time.Duration(i%30) * time.Minute)
	d := warroom.Declaration{Number: int64(i + 1), Title: "seeded", Severity: warroom.Severities[i%4],
		Detection: []warroom.Detection{warroom.DetectedByMonitoring, warroom.DetectedByCustomerReport, warroom.DetectedByStaff}[i%3],
		Impact:    warroom.Impact{ServiceIDs: []string{services[i%len(services)]}}}
	if i%5 != 0 {
		d.ImpactStartedAt = &started
	}
	events := []warroom.Event{{Type: warroom.EventDeclared, At: at, ActorID: "u-seed", Declaration: &d}}
	add := func(e warroom.Event) { events = append(events, e) }
	step := func(k int) time.Time { return at.Add(time.Duration(k*(1+i%7)) * time.Minute) }
	add(warroom.Event{Type: warroom.EventAcknowledged, At: step(1), ActorID: "u-seed"})
	add(warroom.Event{Type: warroom.EntryNote, At: step(2), ActorID: "u-seed", Text: "looking at the dashboards"})
	add(warroom.Event{Type: warroom.EventStageChanged, At: step(3), FromStage: warroom.StageDeclared, Stage: warroom.StageIdentified})
	if i%11 == 0 {
		c := started.Add(-5 * time.Minute)
		add(warroom.Event{Type: warroom.EventImpactStartCorrected, At: step(4), Time: &c})
	}
	if i%13 != 0 { // a few are still open
		add(warroom.Event{Type: warroom.EventStageChanged, At: step(5), FromStage: warroom.StageIdentified, Stage: warroom.StageMitigated})
		add(warroom.Event{Type: warroom.EventStageChanged, At: step(8), FromStage: warroom.StageMitigated, Stage: warroom.StageRecovered})
		add(warroom.Event{Type: warroom.EventStageChanged, At: step(9), FromStage: warroom.StageRecovered, Stage: warroom.StageBaseline})
		add(warroom.Event{Type: warroom.EventStageChanged, At: step(20), FromStage: warroom.StageBaseline, Stage: warroom.StageResolved})
		if i%17 == 0 {
			add(warroom.Event{Type: warroom.EventReopened, At: step(30), FromStage: warroom.StageResolved, Stage: warroom.StageInvestigating})
			add(warroom.Event{Type: warroom.EventStageChanged, At: step(35), FromStage: warroom.StageInvestigating, Stage: warroom.StageRecovered})
		}
	}
	for k := range events {
		events[k].IncidentID, events[k].Seq = id, int64(k+1)
	}
	return events
}

// BenchmarkScrape100k: one scrape of warroom's /metrics while 100,000
// incidents exist (one in thirteen of them open) and jobs wait.
func BenchmarkScrape100k(b *testing.B) {
	benchDialects(b, func(b *testing.B, f *fixture) {
		now := seedIncidents(b, f, 100_000)
		tel := telemetry.New(f.s, func() time.Time { return now }, nil)
		h := tel.Middleware(http.NotFoundHandler(), telemetry.Patterns(nil))
		cpu0, cpuOK := processCPU()
		defer func() { reportCPU(b, cpu0, cpuOK) }()
		for b.Loop() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), `warroom_open_incidents{severity="SEV1",stage="identified"} 1924`) {
				b.Fatalf("scrape answered %d:\n%s", rec.Code, rec.Body.String())
			}
		}
	})
}

// reportCPU adds this process's CPU time per operation since cpu0: a
// figure that other work on a shared machine distorts less than the time
// per operation (the database server's own CPU is not in it).
func reportCPU(b *testing.B, cpu0 time.Duration, ok bool) {
	if cpu1, ok1 := processCPU(); ok && ok1 && b.N > 0 {
		b.ReportMetric(float64((cpu1-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
	}
}
