package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"

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
// beside the writer; synchronous=NORMAL is durable against crashes of the
// process in WAL mode and much faster than FULL; busy_timeout covers
// checkpoints and other processes.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"

func openSQLite(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlstore: SQLite DSN %q must be sqlite:PATH with a plain file path", path)
	}
	// _txlock=immediate takes the write lock at BEGIN, so a transaction
	// never fails later trying to upgrade a read lock.
	db, err := sql.Open("sqlite", path+"?"+sqlitePragmas+"&_pragma=journal_mode(WAL)&_txlock=immediate")
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
	rdb, err := sql.Open("sqlite", path+"?"+sqlitePragmas+"&_pragma=query_only(1)")
	if err != nil {
		return nil, errors.Join(fmt.Errorf("sqlstore: open %s: %w", path, err), db.Close())
	}
	n := max(4, runtime.GOMAXPROCS(0))
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	rdb.SetConnMaxIdleTime(0)
	rdb.SetConnMaxLifetime(0)
	return &Store{d: sqliteDialect, db: db, rdb: rdb, wstmts: newStmtCache(db), rstmts: newStmtCache(rdb)}, nil
}

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: parse PostgreSQL DSN: %w", err)
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
	s := &Store{d: postgresDialect, db: db, rdb: db, pool: pool}
	if err := migrate(ctx, db, postgresDialect); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}
