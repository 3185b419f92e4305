package engine_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"github.com/warroom/warroom/internal/testclock"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/sqlstore"
)

// postgresEnv names the PostgreSQL server the PostgreSQL variants run
// against, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const postgresEnv = "WARROOM_TEST_POSTGRES"

// database is a fresh, empty database of one dialect: a file for SQLite,
// a schema for PostgreSQL (dropped at cleanup).
type database struct {
	name string
	dsn  string
}

// databases returns the databases to run against: SQLite always,
// PostgreSQL when WARROOM_TEST_POSTGRES is set.
var databases = []struct {
	name string
	make func(t *testing.T) database
}{
	{"sqlite", func(t *testing.T) database {
		return database{"sqlite", "sqlite:" + filepath.Join(t.TempDir(), "warroom.db")}
	}},
	{"postgres", newPostgresSchema},
}

// forEachDatabase runs test against a fresh database of every dialect.
func forEachDatabase(t *testing.T, test func(t *testing.T, db database)) {
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) { test(t, d.make(t)) })
	}
}

func newPostgresSchema(t *testing.T) database {
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skipf("%s is unset; set it to a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run the PostgreSQL variant", postgresEnv)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	var b [8]byte
	rand.Read(b[:])
	schema := "wr_engine_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	// Registered first, so it runs after the stores opened later close.
	t.Cleanup(func() {
		if _, err := admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Error(err)
		}
		admin.Close(ctx)
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return database{"postgres", u.String()}
}

// open opens a store on db, closed at cleanup; each call is a new process'
// view of the database.
func (db database) open(t *testing.T) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), db.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// t0 is when the tests' clocks start.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)

func newClock() *testclock.Clock { return testclock.New(t0) }

// recorder is a handler that records the jobs it ran.
type recorder struct {
	mu   sync.Mutex
	runs []engine.Job
}

func (r *recorder) handle(_ context.Context, j engine.Job, _ time.Time) ([]engine.Job, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs = append(r.runs, j)
	return nil, nil
}

func (r *recorder) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := []string{}
	for _, j := range r.runs {
		ids = append(ids, j.ID)
	}
	return ids
}

// config returns an engine configuration on s with the clock c, quiet
// logs and a backoff of one minute per attempt.
func config(s engine.Store, c *testclock.Clock, handlers map[string]engine.Handler) engine.Config {
	return engine.Config{
		Store:    s,
		Now:      c.Now,
		Logger:   slog.New(slog.DiscardHandler),
		Owner:    "engine-1",
		Queues:   []string{"default"},
		Lease:    30 * time.Second,
		Handlers: handlers,
		Backoff:  func(attempt int) time.Duration { return time.Duration(attempt) * time.Minute },
	}
}

func job(id string, due time.Time) engine.Job {
	return engine.Job{ID: id, Queue: "default", Kind: "record", DueAt: due}
}

func mustEnqueue(t *testing.T, s engine.Store, jobs ...engine.Job) {
	t.Helper()
	if err := s.Enqueue(context.Background(), jobs...); err != nil {
		t.Fatal(err)
	}
}

// runDue runs e's due jobs of queue and checks how many ran.
func runDue(t *testing.T, e *engine.Engine, queue string, want int) {
	t.Helper()
	n, err := e.RunDue(context.Background(), queue)
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Fatalf("RunDue(%s) ran %d jobs, want %d", queue, n, want)
	}
}

// idle reports when nothing of queue is due (or claimable soon).
func idle(t *testing.T, s engine.Store, queue string) bool {
	t.Helper()
	_, ok, err := s.NextDue(context.Background(), queue)
	if err != nil {
		t.Fatal(err)
	}
	return !ok
}
