// Package storetest runs a test on every database warroom keeps its data
// in: SQLite always, and PostgreSQL when WARROOM_TEST_POSTGRES names a
// server (each store in a fresh database of its own there). For the
// packages built on sqlstore; sqlstore's own tests have their own.
package storetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/warroom/warroom/internal/pgtest"
	"github.com/warroom/warroom/sqlstore"
)

// Opener opens a new, empty store for a test; it is closed when the test
// ends.
type Opener = func(t *testing.T) *sqlstore.Store

// EachOpener runs f as the subtests "sqlite" and "postgres" with a way to
// open as many stores as f needs (on PostgreSQL each a database named
// prefix_<random>). Without WARROOM_TEST_POSTGRES the postgres subtest
// is skipped, saying why.
func EachOpener(t *testing.T, prefix string, f func(t *testing.T, open Opener)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, func(t *testing.T) *sqlstore.Store {
			return open(t, "sqlite:"+filepath.Join(t.TempDir(), "w.db"))
		})
	})
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("WARROOM_TEST_POSTGRES")
		if base == "" {
			t.Skip("WARROOM_TEST_POSTGRES is not set")
		}
		f(t, func(t *testing.T) *sqlstore.Store {
			return open(t, pgtest.FreshDatabase(t, base, prefix))
		})
	})
}

// Each runs f as the subtests "sqlite" and "postgres", each with a store
// of its own (EachOpener).
func Each(t *testing.T, prefix string, f func(t *testing.T, st *sqlstore.Store)) {
	EachOpener(t, prefix, func(t *testing.T, open Opener) { f(t, open(t)) })
}

func open(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
