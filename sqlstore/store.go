// Package sqlstore keeps warroom's data in SQL: embedded SQLite by default,
// PostgreSQL when several replicas share one database. One implementation
// serves both through a small dialect layer (dialect.go); the schema is a
// set of embedded goose migrations per dialect.
//
// Incidents are event-sourced: each command appends events and rewrites the
// incident's read model (the folded warroom.Incident, kept as JSON beside a
// few indexed columns) in the same transaction. Commands on one incident
// are serialized by a row lock on PostgreSQL and by the single writer on
// SQLite; UNIQUE(incident_id, seq) is the last line of defence.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/warroom/warroom"
)

// Store implements warroom.Store on SQLite or PostgreSQL. It is safe for
// concurrent use.
type Store struct {
	d *dialect
	// db runs every write. On SQLite it holds a single connection: SQLite
	// has one writer anyway, and queuing in Go is cheaper and fairer than
	// retrying on SQLITE_BUSY.
	db *sql.DB
	// gate puts urgent writes before bulk ones (writergate.go):
	// exclusive on SQLite, shared on PostgreSQL.
	gate *writerGate
	// rdb runs reads. On SQLite it is a separate pool of read-only
	// connections that WAL lets run beside the writer; on PostgreSQL it is
	// db.
	rdb *sql.DB
	// pool backs db on PostgreSQL; nil on SQLite.
	pool *pgxpool.Pool
	// urgent, backed by upool, holds connections of urgent work's own on
	// PostgreSQL (pgUrgentConns; nil on SQLite): during a storm intake's
	// requests keep every connection of the main pool busy, and a page's
	// reads and writes would queue behind them for one.
	urgent *sql.DB
	upool  *pgxpool.Pool
	// wstmts and rstmts keep SQLite statements prepared on db and rdb;
	// nil on PostgreSQL, where pgx does it.
	wstmts, rstmts *stmtCache
	// wakes feeds Listen's channels in-process on SQLite (listen.go).
	wakes wakeHub
	// commits feeds ListenIncidents in-process on SQLite
	// (incidentcommits.go).
	commits commitHub
	// routeQueue chooses the queue of intake's alert.route jobs
	// (routequeue.go).
	routeQueue routeQueue
	// reactor schedules the jobs incident commands call for (reactor.go).
	reactor IncidentReactor
	// checkpoints copies the WAL into the database beside the writer on
	// SQLite (open.go); nil on PostgreSQL.
	checkpoints *checkpointer
	// txObserver is told each write transaction's duration (telemetry.go).
	txObserver txObserver
	// lifecyclesComplete is set once every incident has its lifecycle row
	// (metrics.go): from then on each commit keeps them.
	lifecyclesComplete completeFlag
}

var _ warroom.Store = (*Store)(nil)

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.name }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlstore: ping: %v: %w", err, warroom.Errorf(warroom.EUnavailable, "the database does not answer"))
	}
	return nil
}

// Close releases the database connections.
func (s *Store) Close() error {
	s.wstmts.close()
	s.rstmts.close()
	errs := []error{s.checkpoints.stop()}
	if s.rdb != s.db {
		errs = append(errs, s.rdb.Close())
	}
	errs = append(errs, s.db.Close())
	if s.pool != nil {
		s.pool.Close()
	}
	if s.urgent != nil {
		errs = append(errs, s.urgent.Close())
		s.upool.Close()
	}
	return errors.Join(errs...)
}
