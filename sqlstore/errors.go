package sqlstore

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/warroom/warroom"
)

// sqliteColumns names SQLite's unique constraints after PostgreSQL's: for
// a unique index on plain columns SQLite reports the columns, not the
// index name.
var sqliteColumns = map[string]string{
	"users.id":           "users_pkey",
	"users.handle":       "users_handle_key",
	"teams.id":           "teams_pkey",
	"teams.slug":         "teams_slug_key",
	"services.id":        "services_pkey",
	"services.slug":      "services_slug_key",
	"tokens.id":          "tokens_pkey",
	"tokens.secret_hash": "tokens_secret_hash_key",
	"incidents.id":       "incidents_pkey",
	"incidents.number":   "incidents_number_key",
	"incident_events.incident_id, incident_events.seq": "incident_events_pkey",
	"idempotency_keys.user_id, idempotency_keys.key":   "idempotency_keys_pkey",
}

// uniqueViolation reports whether err is a unique violation and names the
// constraint it broke, PostgreSQL-style ("users_handle_key").
func uniqueViolation(err error) (constraint string, ok bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.ConstraintName, pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if !errors.As(err, &sqErr) {
		return "", false
	}
	code := sqErr.Code()
	if code != sqlite3.SQLITE_CONSTRAINT_UNIQUE && code != sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		return "", false
	}
	msg := sqErr.Error()
	const marker = "UNIQUE constraint failed: "
	i := strings.Index(msg, marker)
	if i < 0 {
		return "", true
	}
	detail := msg[i+len(marker):]
	if j := strings.Index(detail, " ("); j >= 0 {
		detail = detail[:j]
	}
	if name, ok := strings.CutPrefix(detail, "index '"); ok {
		return strings.TrimSuffix(name, "'"), true
	}
	return sqliteColumns[detail], true
}

// foreignKeyViolation reports whether err is a foreign key violation: a
// reference to a team, user or incident that does not exist.
func foreignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23503"
	}
	var sqErr *sqlite.Error
	return errors.As(err, &sqErr) && sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// conflict is an EConflict error about one input field.
func conflict(field, format string, args ...any) error {
	e := warroom.Errorf(warroom.EConflict, format, args...)
	e.Field = field
	return e
}
