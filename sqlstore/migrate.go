package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// migrations holds one folder of ordered goose migrations per dialect.
//
//go:embed migrations
var migrations embed.FS

// migrate brings the schema to the latest version.
func migrate(ctx context.Context, db *sql.DB, d *dialect) error {
	p, err := newMigrationProvider(db, d)
	if err != nil {
		return err
	}
	up := func() error {
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("sqlstore: migrate %s schema: %w", d.name, err)
		}
		return nil
	}
	if !d.dollar {
		return up() // one process owns an SQLite file
	}
	return withMigrationLock(ctx, db, up)
}

// newMigrationProvider returns the goose provider of d's migrations on db.
func newMigrationProvider(db *sql.DB, d *dialect) (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations/"+d.name)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations: %w", err)
	}
	gd := goose.DialectSQLite3
	if d.dollar {
		gd = goose.DialectPostgres
	}
	// Out of order: migrations are written on branches in parallel, and
	// one may reach a database after a higher one (00005, fair claims,
	// after 00006-00008 on databases main created). Each touches its own
	// tables, so applying a missing one late is safe; refusing would
	// leave such a database unable to start.
	p, err := goose.NewProvider(gd, db, fsys, goose.WithLogger(goose.NopLogger()), goose.WithDisableGlobalRegistry(true),
		goose.WithAllowOutofOrder(true))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations: %w", err)
	}
	return p, nil
}

// withMigrationLock runs fn holding an advisory lock per schema, so that
// replicas sharing a schema migrate one at a time while other schemas
// (tests, other tenants) do not wait for each other. The lock is held
// around all of goose's work, not taken through goose's session locker,
// because goose creates its version table before taking that lock, and
// replicas starting together on an empty database would race there.
// pg_advisory_lock waits in the server, so the next replica goes as soon
// as the lock is free.
func withMigrationLock(ctx context.Context, db *sql.DB, fn func() error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: migration lock: %w", err)
	}
	defer conn.Close()
	var schema sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("sqlstore: read current schema: %w", err)
	}
	if !schema.Valid {
		return fmt.Errorf("sqlstore: no schema of the search_path exists; create it first")
	}
	h := fnv.New64a()
	h.Write([]byte("warroom-migrate:" + schema.String))
	id := int64(h.Sum64())
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", id); err != nil {
		return fmt.Errorf("sqlstore: take the migration lock: %w", err)
	}
	fnErr := fn()
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", id); err != nil {
		return errors.Join(fnErr, fmt.Errorf("sqlstore: release the migration lock: %w", err))
	}
	return fnErr
}
