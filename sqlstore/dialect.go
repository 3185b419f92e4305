package sqlstore

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// dialect holds what differs between SQLite and PostgreSQL, so that every
// query is written once, with ? placeholders.
type dialect struct {
	name string
	// dollar: PostgreSQL numbers its placeholders ($1, $2, ...).
	dollar bool
	// forUpdate locks the rows a SELECT reads until the transaction ends.
	// SQLite has no row locks and needs none: its single writer already
	// serializes every write transaction.
	forUpdate string
	// rebound caches queries rewritten for $n placeholders.
	rebound sync.Map
}

var (
	sqliteDialect   = &dialect{name: "sqlite"}
	postgresDialect = &dialect{name: "postgres", dollar: true, forUpdate: " FOR UPDATE"}
)

// q returns query with its placeholders in the dialect's syntax. Queries
// must not contain a literal '?'.
func (d *dialect) q(query string) string {
	if !d.dollar {
		return query
	}
	if v, ok := d.rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	d.rebound.Store(query, b.String())
	return b.String()
}

// normTime is a time as the store keeps it: UTC, to the microsecond,
// because PostgreSQL's timestamptz keeps no more. Callers get the
// normalized value back so that what they hold equals what they will read.
func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// timeArg returns t as a query argument: timestamptz on PostgreSQL, unix
// microseconds on SQLite (integers sort and compare cheaply and exactly).
func (d *dialect) timeArg(t time.Time) any {
	t = normTime(t)
	if d.dollar {
		return t
	}
	return t.UnixMicro()
}

// nullTimeArg is timeArg for an optional time.
func (d *dialect) nullTimeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.timeArg(*t)
}
