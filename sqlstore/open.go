package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Open connects to the database named by dsn and migrates its schema to
// the latest version. dsn is "postgres://..." or "postgresql://..." for
// PostgreSQL (pgx syntax; runtime parameters such as search_path may be
// added as query parameters), and "sqlite:PATH" or a bare file path for
// SQLite.
func Open(ctx context.Context, dsn string) (*Store, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	case strings.HasPrefix(dsn, "sqlite://"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite://"))
	default:
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"))
	}
}

// sqlitePragmas apply to every SQLite connection. WAL lets readers run
// beside the writer; busy_timeout covers checkpoints and other processes.
//
// synchronous=NORMAL: in WAL mode a commit appends to the WAL without
// fsync; the WAL is synced when it is checkpointed into the database.
// A process that dies (SIGKILL, panic, OOM) loses nothing it committed:
// the WAL is in the operating system's page cache, and the next open
// replays it. A crash of the operating system or a power loss may lose
// the transactions committed since the last checkpoint (a fraction of a
// second under load, see sqliteCheckpointEvery), though never leave the
// database corrupt. FULL would fsync at every commit and cap intake at
// the disk's sync rate; deployments that must survive power loss with
// every acknowledged alert should use PostgreSQL (synchronous_commit=on).
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"

// sqliteWriterPragmas apply to the writer's connection only.
//
// Checkpoints, which copy the WAL into the database file and are the
// only fsyncs with synchronous=NORMAL, run on their own connection
// (checkpointer), not in the commit of the single writer that intake
// waits on. The writer checkpoints by itself only if the WAL outgrows
// wal_autocheckpoint pages (64 MiB of 4 KiB pages) because the background
// checkpoints fall behind; journal_size_limit truncates the WAL back to
// that size once it restarts. cache_size keeps the indexes that intake
// writes in memory (32 MiB).
const sqliteWriterPragmas = "&_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(16384)" +
	"&_pragma=journal_size_limit(67108864)&_pragma=cache_size(-32768)"

// sqliteCheckpointEvery is how often the background checkpointer copies
// the WAL into the database: what an operating system crash may lose.
const sqliteCheckpointEvery = 200 * time.Millisecond

func openSQLite(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlstore: SQLite DSN %q must be sqlite:PATH with a plain file path", path)
	}
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	// _txlock=immediate takes the write lock at BEGIN, so a transaction
	// never fails later trying to upgrade a read lock.
	db, err := sql.Open("sqlite", path+"?"+sqlitePragmas+sqliteWriterPragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := migrate(ctx, db, sqliteDialect); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	// The writer's first connection made the -wal and -shm files.
	if err := tightenSidecars(path); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	rdb, err := sql.Open("sqlite", path+"?"+sqlitePragmas+"&_pragma=query_only(1)")
	if err != nil {
		return nil, errors.Join(fmt.Errorf("sqlstore: open %s: %w", path, err), db.Close())
	}
	n := max(4, runtime.GOMAXPROCS(0))
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	rdb.SetConnMaxIdleTime(0)
	rdb.SetConnMaxLifetime(0)
	cp, err := startCheckpointer(path, sqliteCheckpointEvery)
	if err != nil {
		return nil, errors.Join(err, rdb.Close(), db.Close())
	}
	s := &Store{d: sqliteDialect, db: db, gate: newExclusiveGate(), rdb: rdb, wstmts: newStmtCache(db), rstmts: newStmtCache(rdb), checkpoints: cp}
	// The checkpointer pauses bulk writes when it lets the WAL start over.
	quiesce := s.gate.pauseBulk
	cp.quiesce.Store(&quiesce)
	return s, nil
}

// checkpointer runs passive WAL checkpoints on a connection of its own
// every interval: they copy what the writer committed into the database
// file beside the writer, which goes on appending to the WAL, instead of
// inside the writer's commit every 4 MiB (SQLite's default). A passive
// checkpoint takes no lock that a reader or the writer waits for.
//
// A passive checkpoint alone never lets the WAL start over while the
// writer keeps writing: SQLite restarts the WAL (writes from its
// beginning again) only when a write begins after every frame was copied,
// and under steady writes the copy is always a little behind. The WAL
// then grew to wal_autocheckpoint pages, and from there the writer ran a
// checkpoint in its commits, with its fsyncs, holding the one writer for
// 100-290 ms at a time during an alert storm, which every page's writes
// waited for. So once the WAL holds restartFrames frames, the
// checkpointer copies what it can beside the writer (the bulk of it, and
// its fsync), then pauses the store's bulk writes (intake, routing:
// quiesce) and copies the few frames written meanwhile, so that the next
// write starts the WAL over. Urgent writes (a page's) go on during the
// pause: one that appends a frame only makes that round's copy
// incomplete, and the next round tries again. The writer's own
// checkpoints remain a safety net.
type checkpointer struct {
	db     *sql.DB
	cancel context.CancelFunc
	done   chan struct{}
	runs   atomic.Int64 // checkpoints that copied frames
	// quiesce waits for the store's writer and keeps bulk writes from it
	// until release is called; nil until the store sets it (then the WAL
	// is never restarted by the checkpointer).
	quiesce atomic.Pointer[func(context.Context) (release func(), err error)]
	// restartFrames is the WAL size, in frames, from which the
	// checkpointer restarts it (restartWALFrames; tests set less).
	restartFrames atomic.Int64
	// restarts counts the paused checkpoints that copied every frame:
	// the next write starts the WAL over.
	restarts atomic.Int64
}

// restartWALFrames is the WAL size (4 KiB frames) from which the
// checkpointer restarts the WAL: 16 MiB, a quarter of what makes the
// writer checkpoint by itself (wal_autocheckpoint).
const restartWALFrames = 4096

func startCheckpointer(path string, every time.Duration) (*checkpointer, error) {
	db, err := sql.Open("sqlite", path+"?"+sqlitePragmas)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, cancel: cancel, done: make(chan struct{})}
	c.restartFrames.Store(restartWALFrames)
	go c.run(ctx, every)
	return c, nil
}

func (c *checkpointer) run(ctx context.Context, every time.Duration) {
	defer close(c.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// A failure (the disk is full, say) leaves the WAL to the
		// writer's own checkpoints, which report it on the next commit.
		_, _ = c.checkpoint(ctx)
	}
}

// checkpoint runs one passive checkpoint, and when the WAL has grown to
// restartFrames, another with bulk writes paused, which lets the next
// write start the WAL over. It returns the WAL's size in frames before.
func (c *checkpointer) checkpoint(ctx context.Context) (int64, error) {
	frames, _, err := c.pass(ctx)
	if err != nil || frames < c.restartFrames.Load() {
		return frames, err
	}
	quiesce := c.quiesce.Load()
	if quiesce == nil {
		return frames, nil
	}
	release, err := (*quiesce)(ctx)
	if err != nil {
		return frames, err
	}
	defer release()
	// Incomplete (an urgent write appended, or a read still uses old
	// frames): the next interval tries again.
	_, complete, err := c.pass(ctx)
	if complete {
		c.restarts.Add(1)
	}
	return frames, err
}

// pass runs one passive checkpoint and returns the WAL's size in frames,
// as SQLite reports it, and whether it copied all of them.
func (c *checkpointer) pass(ctx context.Context) (frames int64, complete bool, err error) {
	var busy, done int64
	err = c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &done)
	if err != nil {
		return 0, false, err
	}
	if done > 0 {
		c.runs.Add(1)
	}
	return frames, busy == 0 && done == frames, nil
}

// stop ends the checkpoints and closes their connection. Nil-safe.
func (c *checkpointer) stop() error {
	if c == nil {
		return nil
	}
	c.cancel()
	<-c.done
	return c.db.Close()
}

// pgDefaultMaxConns is the size of the PostgreSQL connection pool unless
// the DSN sets pool_max_conns: room for the intake transaction, the
// engine's workers and the API's reads.
const pgDefaultMaxConns = 10

// pgUrgentConns is the size of urgent work's own pool on PostgreSQL
// (Store.urgent): the page queue's two workers, the page and chat
// senders, and the heartbeats.
const pgUrgentConns = 4

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: parse PostgreSQL DSN: %w", err)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		// pgx's default (4 on a small machine) is too few for intake's
		// concurrent transactions beside the engine and the API.
		cfg.MaxConns = max(cfg.MaxConns, pgDefaultMaxConns)
	}
	if cfg.MaxConns < 2 {
		// Migrating holds one connection for its lock and works on another.
		return nil, fmt.Errorf("sqlstore: pool_max_conns must be at least 2")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: connect to PostgreSQL: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	ucfg := cfg.Copy()
	ucfg.MaxConns, ucfg.MinConns = pgUrgentConns, 0
	// Named so that pg_stat_activity tells pages' connections apart.
	ucfg.ConnConfig.RuntimeParams["application_name"] = "warroom-urgent"
	// Their commits do not wait for the disk, except those that let
	// something leave warroom (tx.durable); Store.lazyCommits says why
	// that is safe.
	ucfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	upool, err := pgxpool.NewWithConfig(ctx, ucfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("sqlstore: connect to PostgreSQL: %w", err)
	}
	s := &Store{d: postgresDialect, db: db, gate: newSharedGate(), rdb: db, pool: pool,
		urgent: stdlib.OpenDBFromPool(upool), upool: upool}
	if err := migrate(ctx, db, postgresDialect); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}
