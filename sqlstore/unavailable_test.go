package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/warroom/warroom"
)

// TestUnavailable: the errors of a database that cannot take the work
// (locked beyond the busy timeout, closed) are told from the errors of
// work it refuses, with real errors of both dialects.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lock.db")
	open := func() *sql.DB {
		db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(0)")
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := open(), open()
	if _, err := a.ExecContext(ctx, "CREATE TABLE t (k text PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	txA, err := a.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := txA.ExecContext(ctx, "INSERT INTO t VALUES ('x')"); err != nil {
		t.Fatal(err)
	}
	_, busy := b.ExecContext(ctx, "INSERT INTO t VALUES ('y')")
	if busy == nil || !Unavailable(busy) {
		t.Errorf("a file locked by another writer: %v, want unavailable", busy)
	}
	if err := txA.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, dup := a.ExecContext(ctx, "INSERT INTO t VALUES ('x')"); dup == nil || Unavailable(dup) {
		t.Errorf("a unique violation: %v, want an error that is not unavailability", dup)
	}
	if Unavailable(nil) || Unavailable(warroom.Invalid("x", "bad")) || Unavailable(errors.New("boom")) {
		t.Error("errors of the work counted as unavailability")
	}

	for _, d := range dialects {
		t.Run(d.name+" closed", func(t *testing.T) {
			s := d.open(t)
			s.Close()
			_, err := s.ListAlerts(ctx, warroom.AlertFilter{})
			if err == nil || !Unavailable(err) {
				t.Errorf("a closed store: %v, want unavailable", err)
			}
			if _, err := s.Authenticate(ctx, "hash", t0); err == nil || !s.Unavailable(err) {
				t.Errorf("authenticating on a closed store: %v, want unavailable", err)
			}
		})
	}
}
