package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
)

func TestOpenSQLiteDSNs(t *testing.T) {
	dir := t.TempDir()
	for _, dsn := range []string{
		"sqlite:" + filepath.Join(dir, "a.db"),
		"sqlite://" + filepath.Join(dir, "b.db"),
		filepath.Join(dir, "c.db"),
	} {
		s, err := Open(context.Background(), dsn)
		if err != nil {
			t.Fatalf("Open(%q): %v", dsn, err)
		}
		if s.Dialect() != "sqlite" {
			t.Fatalf("Open(%q) opened %s", dsn, s.Dialect())
		}
		s.Close()
	}
	for _, dsn := range []string{"", "sqlite:", "sqlite:x.db?mode=ro"} {
		if s, err := Open(context.Background(), dsn); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", dsn)
		}
	}
}

// TestReopen checks that opening an existing database migrates nothing
// and keeps the data.
func TestReopen(t *testing.T) {
	path := "sqlite:" + filepath.Join(t.TempDir(), "warroom.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, s)
	inc := f.mustDeclare(f.ada, "survives a restart")
	s.Close()
	s, err = Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.FindIncident(context.Background(), inc.Ref); err != nil {
		t.Fatal(err)
	}
}

// TestMigrationsDownAndUp checks that every migration can be undone and
// redone on both dialects.
func TestMigrationsDownAndUp(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			s := d.open(t)
			p := migrationProvider(t, s)
			ctx := context.Background()
			if _, err := p.DownTo(ctx, 0); err != nil {
				t.Fatal(err)
			}
			if _, err := p.Up(ctx); err != nil {
				t.Fatal(err)
			}
			f := newFixture(t, s)
			f.mustDeclare(f.ada, "after a redo")
		})
	}
}

// TestReplicasMigrateTogether opens several stores on one fresh
// PostgreSQL schema at once, as replicas starting together would.
func TestReplicasMigrateTogether(t *testing.T) {
	first := testPostgres(t)
	var schema string
	if err := first.db.QueryRow("SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	// Start again from an empty schema, then race three replicas. Every
	// table goes, so that the test keeps up with new migrations.
	var tables string
	if err := first.db.QueryRow(`SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables
		WHERE schemaname = current_schema()`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if _, err := first.db.Exec("DROP TABLE " + tables + " CASCADE"); err != nil {
		t.Fatal(err)
	}
	dsn := withParam(t, postgresDSN(t), "search_path", schema)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			s, err := Open(context.Background(), dsn)
			if err != nil {
				t.Error(err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	f := newFixture(t, first)
	if inc := f.mustDeclare(f.ada, "one schema"); inc.Number != 1 {
		t.Fatalf("first incident is %s, want INC-1", inc.Ref)
	}
}

// TestSQLiteCheckpointsOffTheWriter: the writer leaves WAL checkpoints to
// the background checkpointer, which keeps the WAL copied into the
// database, and stops with the store.
func TestSQLiteCheckpointsOffTheWriter(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "warroom.db"))
	if err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := s.db.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&pages); err != nil || pages != 16384 {
		t.Fatalf("writer's wal_autocheckpoint %d (%v), want 16384", pages, err)
	}
	if s.checkpoints == nil {
		t.Fatal("no checkpointer")
	}
	f := newFixture(t, s)
	f.mustDeclare(f.ada, "written to the WAL")
	deadline := time.Now().Add(10 * time.Second)
	for s.checkpoints.runs.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no background checkpoint within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.checkpoints.done:
	default:
		t.Fatal("the checkpointer still runs after Close")
	}
}

// Under steady writes a passive checkpoint never lets the WAL start over,
// and it grew until the writer checkpointed in its own commits, holding
// every write (a page's too) for 100-290 ms during a storm. The
// checkpointer restarts it: once it holds restartFrames frames, it pauses
// bulk writes to copy the last ones, and the next write starts the WAL
// over. Checkpoints run here while a writer writes without a pause: the
// WAL each finds must often be smaller than the one before (it started
// over), where it only grew.
func TestSQLiteCheckpointerRestartsTheWALUnderSteadyWrites(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "warroom.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.checkpoints.restartFrames.Store(64)
	f := newFixture(t, s)
	stop := make(chan struct{})
	var writes atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			f.mustDeclare(f.ada, fmt.Sprint("steady write ", writes.Add(1)))
		}
	})
	const rounds = 20
	var sizes []int64
	for range rounds {
		for n := writes.Load(); writes.Load() < n+10; { // a few writes between rounds
			time.Sleep(time.Millisecond)
		}
		frames, err := s.checkpoints.checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, frames)
	}
	close(stop)
	wg.Wait()
	smaller := 0
	for i := 1; i < len(sizes); i++ {
		if sizes[i] < sizes[i-1] {
			smaller++
		}
	}
	if smaller < rounds/4 {
		t.Errorf("the WAL started over %d times in %d checkpoints; its size in frames at each: %v", smaller, rounds, sizes)
	}
}

// migrationProvider is a goose provider of s's own migrations, for tests
// that move its schema down and up.
func migrationProvider(t *testing.T, s *Store) *goose.Provider {
	t.Helper()
	p, err := newMigrationProvider(s.db, s.d)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
