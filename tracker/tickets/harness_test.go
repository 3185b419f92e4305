package tickets_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/internal/storetest"
	"github.com/warroom/warroom/internal/testclock"
	"github.com/warroom/warroom/sqlstore"
	"github.com/warroom/warroom/tracker"
	"github.com/warroom/warroom/tracker/tickets"
)

// dialects runs a test on SQLite and, with WARROOM_TEST_POSTGRES, on
// PostgreSQL.
func dialects(t *testing.T, f func(t *testing.T, st *sqlstore.Store)) {
	storetest.Each(t, "wr_tracker", f)
}

var t0 = time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)

// env is the tickets service on a real store with incidents whose
// commands schedule its jobs, a test clock, secrets in a directory and a
// runner that runs the tracker queue's due jobs by hand.
type env struct {
	t         *testing.T
	ctx       context.Context
	store     *sqlstore.Store
	clock     *testclock.Clock
	incidents *warroom.Incidents
	svc       *tickets.Service
	secrets   tracker.SecretsDir
	users     map[string]*warroom.User

	mu      sync.Mutex
	changes []string // "KEY STATE (was PREV)" from OnChange
	made    []string // "SUBJECT KEY" from OnMade
}

func newEnv(t *testing.T, st *sqlstore.Store) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), store: st, clock: testclock.New(t0), users: map[string]*warroom.User{},
		secrets: tracker.SecretsDir(t.TempDir())}
	e.incidents = &warroom.Incidents{Store: st, Now: e.clock.Now, Policy: warroom.DefaultPolicy(),
		NewID: func() string { return uuid.Must(uuid.NewV7()).String() }}
	svc, err := tickets.New(tickets.Config{Store: st, Secrets: e.secrets, Now: e.clock.Now, BaseURL: "https://warroom.example",
		Owner: "test", Logger: slog.New(slog.DiscardHandler), PollInterval: 5 * time.Minute,
		OnMade: func(_ context.Context, tk *tracker.Ticket) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.made = append(e.made, tk.Marker()+" "+tk.Key)
		}, OnChange: func(_ context.Context, tk *tracker.Ticket, prev tracker.State) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.changes = append(e.changes, tk.Key+" "+string(tk.State)+" (was "+string(prev)+")")
		}})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	st.SetIncidentReactor(svc.Reactor)
	for _, h := range []string{"ada", "bob"} {
		u := &warroom.User{Handle: h, Name: h, Email: h + "@example.com", TimeZone: "UTC", Role: warroom.AccountResponder}
		if err := st.CreateUser(e.ctx, u); err != nil {
			t.Fatal(err)
		}
		e.users[h] = u
	}
	return e
}

func (e *env) secret(name, value string) {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(string(e.secrets), name), []byte(value+"\n"), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) service(slug, teamID string) *warroom.Service {
	e.t.Helper()
	s := &warroom.Service{Slug: slug, Name: slug, TeamID: teamID}
	if err := e.store.CreateService(e.ctx, s); err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) config(c *tracker.Config) *tracker.Config {
	e.t.Helper()
	if err := e.store.CreateTrackerConfig(e.ctx, c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// run runs every tracker job due at the clock's time, and the follow-ups
// due by then, until none is left; failed jobs are retried a second
// later. It returns the errors of the jobs that failed.
func (e *env) run() []error {
	e.t.Helper()
	_, failed := storetest.Jobs{Store: e.store, Queue: tickets.Queue, Now: e.clock.Now,
		Handle: storetest.ByKind(e.t, e.svc.Handlers()), RetryAfter: time.Second}.Run(e.ctx, e.t)
	return failed
}

// after moves the clock on by d and runs what is due.
func (e *env) after(d time.Duration) []error {
	e.t.Helper()
	e.clock.Advance(d)
	return e.run()
}

func (e *env) declare(who string, d warroom.Declaration) *warroom.Incident {
	e.t.Helper()
	res, err := e.incidents.Declare(e.ctx, e.users[who].Actor(), d, warroom.Idempotency{})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Incident
}

func (e *env) exec(who, ref string, cmd warroom.Command) {
	e.t.Helper()
	if _, err := e.incidents.Execute(e.ctx, e.users[who].Actor(), ref, cmd, warroom.Idempotency{}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) ticket(kind tracker.SubjectKind, id string) *tracker.Ticket {
	e.t.Helper()
	tk, err := e.svc.Ticket(e.ctx, kind, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return tk
}

func (e *env) changesSeen() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.changes...)
}
