package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/warroom/warroom/engine"
)

// tx is a write transaction that rewrites placeholders for its dialect
// and uses the statements its store has prepared.
type tx struct {
	tx    *sql.Tx
	d     *dialect
	stmts *stmtCache
	// committed runs after the transaction commits, in order: in-process
	// wake-ups must not fire before the work they announce is visible.
	committed []func()
	// lazyCommit is set while the transaction's commit would not wait for
	// its WAL to reach the disk (urgent work on PostgreSQL, see
	// Store.lazyCommits); durable clears it.
	lazyCommit bool
}

// durable makes the transaction's commit wait until it is on disk, as
// every commit outside urgent work does. Each write that lets something
// leave warroom calls it: storing a message, which a sender may deliver as
// soon as it commits, and recording a delivery attempt, since a "sent"
// lost in a database crash would send the message again. Once such a
// commit is on disk, so is every lazy commit before it: PostgreSQL writes
// its WAL in order.
func (t *tx) durable(ctx context.Context) error {
	if !t.lazyCommit {
		return nil
	}
	if _, err := t.tx.ExecContext(ctx, "SET LOCAL synchronous_commit = on"); err != nil {
		return fmt.Errorf("sqlstore: make the commit durable: %w", err)
	}
	t.lazyCommit = false
	return nil
}

// afterCommit runs fn once the transaction has committed; never if it
// rolls back.
func (t *tx) afterCommit(fn func()) { t.committed = append(t.committed, fn) }

func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query = t.d.q(query)
	if st := t.stmts.cached(query); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t *tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	query = t.d.q(query)
	if st := t.stmts.cached(query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

// inTx runs fn in one write transaction, committing if it returns nil.
// fn's error is returned unchanged, so that domain errors keep their code.
func (s *Store) inTx(ctx context.Context, fn func(*tx) error) error {
	done, err := s.gated(ctx)
	if err != nil {
		return err
	}
	defer done()
	err = s.runTx(ctx, fn)
	// Statements first met in the transaction are prepared now that the
	// write connection is free again.
	s.wstmts.preparePending(context.WithoutCancel(ctx))
	return err
}

func (s *Store) runTx(ctx context.Context, fn func(*tx) error) error {
	defer s.txObserver.time()()
	sqlTx, err := s.writer(ctx).BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: begin: %w", err)
	}
	// A panic in fn (say, in a decide callback) must not leave the
	// transaction open: on SQLite it would hold the only write connection
	// for good.
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
	}()
	t := &tx{tx: sqlTx, d: s.d, stmts: s.wstmts, lazyCommit: s.lazyCommits(ctx)}
	if err := fn(t); err != nil {
		if rbErr := ignoreDone(sqlTx.Rollback()); rbErr != nil {
			return errors.Join(err, fmt.Errorf("sqlstore: rollback: %w", rbErr))
		}
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: commit: %w", err)
	}
	for _, f := range t.committed {
		f()
	}
	return nil
}

// ignoreDone drops the error of rolling back a transaction the driver
// already ended (PostgreSQL ends one at its first error).
func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// exec runs one write statement outside a transaction.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	done, err := s.gated(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	query = s.d.q(query)
	if st := s.wstmts.get(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return s.writer(ctx).ExecContext(ctx, query, args...)
}

// writeRow runs one write statement that returns a row, outside a
// transaction. The gate is released before the row is scanned: whoever
// takes it next waits for the connection alone.
func (s *Store) writeRow(ctx context.Context, query string, args ...any) *sql.Row {
	// acquire fails only once ctx is done, and then so does the query,
	// without touching the connection: the Row carries ctx's error.
	if done, err := s.gated(ctx); err == nil {
		defer done()
	}
	query = s.d.q(query)
	if st := s.wstmts.get(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.writer(ctx).QueryRowContext(ctx, query, args...)
}

// writeRows runs one write statement that returns rows (RETURNING),
// outside a transaction; a single statement is atomic on its own. The
// gate is released before the rows are read, as in writeRow.
func (s *Store) writeRows(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	done, err := s.gated(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	query = s.d.q(query)
	if st := s.wstmts.get(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.writer(ctx).QueryContext(ctx, query, args...)
}

// gated waits for ctx's turn to write (writerGate) and returns what
// ends it. Every write of the store passes it.
func (s *Store) gated(ctx context.Context) (done func(), err error) {
	class, err := s.gate.acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: waiting for the writer: %w", err)
	}
	return func() { s.gate.release(class) }, nil
}

// writer returns the pool of ctx's writes: on PostgreSQL urgent work
// (engine.WithUrgency) has connections of its own (Store.urgent).
func (s *Store) writer(ctx context.Context) *sql.DB {
	if s.lazyCommits(ctx) {
		return s.urgent
	}
	return s.db
}

// lazyCommits reports whether ctx's writes commit without waiting for the
// disk: those of urgent work on PostgreSQL, whose connections have
// synchronous_commit off (openPostgres). A page's path (claim the route
// job, declare, mark the job done, store the message) commits four times;
// during a storm each commit that waits for the disk waits behind intake's
// WAL, for up to 60 ms here. Only the last commit before something leaves
// warroom has to be on disk, and it takes every earlier one with it
// (tx.durable). A database crash can lose the lazy commits of the last
// fraction of a second that no durable commit followed: the engine then
// does that work again, and since nothing was sent from it, nothing is
// sent twice.
func (s *Store) lazyCommits(ctx context.Context) bool {
	return s.urgent != nil && engine.Urgent(ctx)
}

// reader returns the pool of ctx's reads: the read pool, or urgent
// work's own on PostgreSQL.
func (s *Store) reader(ctx context.Context) *sql.DB {
	if s.urgent != nil && engine.Urgent(ctx) {
		return s.urgent
	}
	return s.rdb
}

// query runs a read on the read pool.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query = s.d.q(query)
	if st := s.rstmts.get(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.reader(ctx).QueryContext(ctx, query, args...)
}

// queryRow runs a one-row read on the read pool.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	query = s.d.q(query)
	if st := s.rstmts.get(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.reader(ctx).QueryRowContext(ctx, query, args...)
}
