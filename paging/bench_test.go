package paging_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
	"github.com/warroom/warroom/sqlstore"
)

// BenchmarkConcurrentEscalations measures the "10,000 escalations at
// once" figure: that many escalations are in the database with their step
// due at the same simulated instant; the engine and the senders, built as
// the server builds them, run against a clock that reaches that instant
// as they start and then moves with real time. It reports how late each
// step fired (its pages stored and handed to the sender) and how late each
// page reached the notifier, relative to the due time: p50, p99 and max,
// in seconds, and steps fired per second. Target: step p99 < 1s.
//
//	go test ./paging -run XXX -bench ConcurrentEscalations -benchtime 1x
//
// WARROOM_BENCH_ESCALATIONS changes the count (default 10000); the
// PostgreSQL variant runs when WARROOM_TEST_POSTGRES is set.
func BenchmarkConcurrentEscalations(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("WARROOM_BENCH_ESCALATIONS")); err == nil && v > 0 {
		n = v
	}
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			var dsn func() string
			if db == "sqlite" {
				dsn = func() string { return "sqlite:" + filepath.Join(b.TempDir(), "warroom.db") }
			} else {
				if os.Getenv("WARROOM_TEST_POSTGRES") == "" {
					b.Skip("WARROOM_TEST_POSTGRES is unset")
				}
				dsn = func() string { return postgresSchema(b) }
			}
			var last escalationRun
			for b.Loop() {
				b.StopTimer()
				r := setupEscalations(b, dsn(), n)
				b.StartTimer()
				last = r.run(b)
			}
			b.ReportMetric(last.step.p50, "step-p50-s")
			b.ReportMetric(last.step.p99, "step-p99-s")
			b.ReportMetric(last.step.max, "step-max-s")
			b.ReportMetric(last.sent.p50, "sent-p50-s")
			b.ReportMetric(last.sent.p99, "sent-p99-s")
			b.ReportMetric(last.sent.max, "sent-max-s")
			b.ReportMetric(float64(n)/last.step.max, "steps/s")
		})
	}
}

// escalations is a database holding n escalations due at due, and what
// runs them.
type escalations struct {
	n      int
	due    time.Time
	clock  *simClock
	store  *sqlstore.Store
	pager  *paging.Pager
	engine *engine.Engine
	sink   *sinkNotifier

	mu    sync.Mutex
	fired map[string]time.Duration // job ID → how late its step fired
}

type escalationRun struct{ step, sent latency }

type latency struct{ p50, p99, max float64 }

func summarize(ds []time.Duration) latency {
	if len(ds) == 0 {
		return latency{}
	}
	slices.Sort(ds)
	at := func(q float64) float64 { return ds[min(len(ds)-1, int(q*float64(len(ds))))].Seconds() }
	return latency{p50: at(0.50), p99: at(0.99), max: ds[len(ds)-1].Seconds()}
}

// simClock is the simulated clock: fixed at its start until Start, then
// moving with real time from there.
type simClock struct {
	mu      sync.Mutex
	at      time.Time
	started time.Time
}

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started.IsZero() {
		return c.at
	}
	return c.at.Add(time.Since(c.started))
}

func (c *simClock) Start(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.started = at, time.Now()
}

// sinkNotifier takes webhook pages and records how late each arrived.
type sinkNotifier struct {
	clock *simClock
	due   time.Time
	mu    sync.Mutex
	late  map[string]time.Duration // message ID → lateness at its first send
	all   chan struct{}
	want  int
}

func (s *sinkNotifier) Channel() string { return notify.ChannelWebhook }

func (s *sinkNotifier) Send(_ context.Context, m notify.Message) (string, error) {
	late := s.clock.Now().Sub(s.due)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.late[m.ID]; !ok {
		s.late[m.ID] = late
		if len(s.late) == s.want {
			close(s.all)
		}
	}
	return "", nil
}

func setupEscalations(b *testing.B, dsn string, n int) *escalations {
	ctx := context.Background()
	due := t0.Add(time.Hour)
	e := &escalations{n: n, due: due, clock: &simClock{at: t0}, fired: map[string]time.Duration{}}
	store, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	e.store = store
	e.sink = &sinkNotifier{clock: e.clock, due: due, late: map[string]time.Duration{}, all: make(chan struct{}), want: n}
	reg, err := notify.NewRegistry(e.sink)
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	inc := &warroom.Incidents{Store: store, Now: e.clock.Now, Policy: warroom.DefaultPolicy(),
		NewID: func() string { return uuid.Must(uuid.NewV7()).String() }}
	e.pager, err = paging.New(paging.Config{Store: store, Incidents: inc, Now: e.clock.Now, Notifiers: reg,
		AckSecret: []byte("ack-secret-0123456789abcdef"), BaseURL: "https://warroom.example.com",
		WebhookSecret: hookSecret, Owner: "bench", Logger: quiet,
		// As the server runs: paging on its own queue, short leases kept
		// by heartbeats. No throttle: every page goes to one receiver.
		PageQueue: paging.QueuePage, Lease: 10 * time.Second, Heartbeat: 2 * time.Second,
		Throttles: map[string]notify.Throttle{}})
	if err != nil {
		b.Fatal(err)
	}
	store.SetIncidentReactor(e.pager.Reactor())
	cfg := e.pager.EngineConfig(store)
	cfg.Lease, cfg.Heartbeat = 10*time.Second, 2*time.Second
	e.record(&cfg)
	e.engine = engine.New(cfg)

	// The person paged, their policy, and n firing alerts on a service
	// that pages nobody by itself (their routing does nothing).
	u := &warroom.User{Handle: "ada", Name: "Ada", Email: "ada@example.com", TimeZone: "UTC", Role: warroom.AccountResponder}
	must(b, store.CreateUser(ctx, u))
	must(b, store.CreateContactMethod(ctx, &warroom.ContactMethod{UserID: u.ID, Channel: warroom.ContactWebhook,
		Address: "https://hooks.example.com/ada"}))
	pol := &warroom.EscalationPolicy{Name: "primary", Steps: []warroom.EscalationStep{{
		Targets: []warroom.Target{{Type: warroom.TargetUser, ID: u.ID}}, Delay: warroom.Duration(time.Hour)}}}
	must(b, store.CreateEscalationPolicy(ctx, pol))
	svc := &warroom.Service{Slug: "checkout", Name: "Checkout"}
	must(b, store.CreateService(ctx, svc))
	must(b, store.SetServicePaging(ctx, warroom.ServicePaging{ServiceID: svc.ID}))
	in := &warroom.Integration{ServiceID: svc.ID, Kind: warroom.IntegrationWebhook, Name: "monitoring"}
	must(b, store.CreateIntegration(ctx, in, warroom.HashTokenSecret("key-bench")))
	var jobs []engine.Job
	for start := 0; start < n; start += 500 {
		req := warroom.IngestRequest{Integration: in, ReceivedAt: t0}
		for i := start; i < min(n, start+500); i++ {
			req.Updates = append(req.Updates, warroom.AlertUpdate{Action: "trigger", Alert: warroom.Alert{
				DedupKey: fmt.Sprint("fp-", i), Severity: "warning", Summary: fmt.Sprint("Checkout shard ", i, " down")}})
		}
		res, err := store.IngestAlerts(ctx, []warroom.IngestRequest{req})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res[0] {
			pl, err := json.Marshal(paging.EscalationPayload{Purpose: paging.PurposeAlert, AlertID: r.AlertID,
				PolicyID: pol.ID, Escalation: warroom.StartEscalation(due)})
			if err != nil {
				b.Fatal(err)
			}
			jobs = append(jobs, engine.Job{Queue: paging.QueuePage, Kind: paging.KindEscalationStep,
				Key: "bench:" + r.AlertID, DueAt: due, Payload: pl})
		}
	}
	must(b, store.Enqueue(ctx, jobs...))
	// Route the alerts now (nothing to do), so that only the
	// escalations are left.
	for {
		k, err := e.engine.RunDue(ctx, paging.QueueDefault)
		if err != nil {
			b.Fatal(err)
		}
		if k == 0 {
			break
		}
	}
	return e
}

// record wraps the escalation handlers to note when each step fired.
func (e *escalations) record(cfg *engine.Config) {
	note := func(jobs []engine.Job) {
		now := e.clock.Now()
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, j := range jobs {
			if _, ok := e.fired[j.ID]; !ok {
				e.fired[j.ID] = now.Sub(j.DueAt)
			}
		}
	}
	if h, ok := cfg.Handlers[paging.KindEscalationStep]; ok {
		cfg.Handlers[paging.KindEscalationStep] = func(ctx context.Context, j engine.Job, now time.Time) ([]engine.Job, error) {
			follow, err := h(ctx, j, now)
			if err == nil {
				note([]engine.Job{j})
			}
			return follow, err
		}
	}
	if h, ok := cfg.BatchHandlers[paging.KindEscalationStep]; ok {
		cfg.BatchHandlers[paging.KindEscalationStep] = func(ctx context.Context, jobs []engine.Job, now time.Time) []engine.Result {
			res := h(ctx, jobs, now)
			var ok []engine.Job
			for i, r := range res {
				if r.Err == nil {
					ok = append(ok, jobs[i])
				}
			}
			note(ok)
			return res
		}
	}
}

// run starts the clock at the due time and the workers with it, and
// waits until every page reached the notifier.
func (e *escalations) run(b *testing.B) escalationRun {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.clock.Start(e.due)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.pager.Run(ctx, e.engine)
	}()
	select {
	case <-e.sink.all:
	case <-time.After(10 * time.Minute):
		b.Fatalf("after 10m, %d of %d pages were sent", len(e.sink.late), e.n)
	}
	cancel()
	<-done
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.fired) != e.n {
		b.Fatalf("%d of %d steps fired", len(e.fired), e.n)
	}
	var steps, sent []time.Duration
	for _, d := range e.fired {
		steps = append(steps, d)
	}
	e.sink.mu.Lock()
	for _, d := range e.sink.late {
		sent = append(sent, d)
	}
	e.sink.mu.Unlock()
	return escalationRun{step: summarize(steps), sent: summarize(sent)}
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
