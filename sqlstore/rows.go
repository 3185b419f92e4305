package sqlstore

import (
	"database/sql"
	"fmt"
	"time"
)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect scans every row with scan and closes rows. It returns an empty,
// non-nil slice when there are no rows, so that lists encode as [].
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: scan: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: read rows: %w", err)
	}
	return out, nil
}

// scanTime scans a row of one time column, for collect.
func scanTime(r scanner) (at time.Time, err error) { return at, r.Scan(timeCol{&at}) }
