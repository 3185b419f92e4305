package sqlstore

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Unavailable reports whether err means that the database could not be
// reached or could not take the work now (PostgreSQL down, restarting or
// out of connections, the connection lost, the store closed, SQLite's
// file locked by another process beyond the busy timeout), rather than
// that it refused what was asked. The HTTP API answers the first with
// 503 and Retry-After; intake's group commit does not retry such a
// failure item by item, since every item would fail the same way.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", // admin_shutdown: the server is stopping, or our backend was terminated
			"57P02", // crash_shutdown
			"57P03", // cannot_connect_now: starting up or shutting down
			"53300": // too_many_connections
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08") // connection_exception
	}
	var connect *pgconn.ConnectError
	var netErr net.Error
	var sqErr *sqlite.Error
	switch {
	case errors.As(err, &connect), errors.As(err, &netErr), pgconn.Timeout(err):
		return true
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &sqErr):
		code := sqErr.Code() & 0xff // the primary code
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	// Errors the drivers make without a type to match: a closed pgx pool
	// (puddle's ErrClosedPool), a closed database/sql pool, a connection
	// pgx closed after losing it.
	msg := err.Error()
	for _, s := range []string{"closed pool", "sql: database is closed", "conn closed"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// Unavailable is the package's Unavailable, for callers that hold the
// store behind an interface (the HTTP API).
func (s *Store) Unavailable(err error) bool { return Unavailable(err) }
