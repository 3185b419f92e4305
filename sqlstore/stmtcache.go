package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds a cache: the queries are a fixed set, apart from
// inserts of many events at once, which need not all be kept.
const maxCachedStmts = 256

// stmtCache keeps statements prepared on SQLite connections. Parsing and
// planning a statement again for every use cost a quarter of a
// declaration's time; pgx caches prepared statements on PostgreSQL
// itself, so there the cache is nil and unused.
//
// The write pool's only connection is held by a transaction while it
// runs, so a statement cannot be prepared on it then (it would wait for
// itself): queries first met inside a transaction run unprepared and are
// prepared after it ends.
type stmtCache struct {
	db      *sql.DB
	mu      sync.Mutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// cached returns the prepared statement for query, or nil and notes the
// query to be prepared later.
func (c *stmtCache) cached(query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stmts[query]
	if st == nil && len(c.stmts)+len(c.pending) < maxCachedStmts {
		c.pending[query] = true
	}
	return st
}

// get returns the prepared statement for query, preparing it now if need
// be; nil if it cannot. Callers must not hold a transaction on c.db.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if st := c.cached(query); st != nil || c == nil {
		return st
	}
	c.preparePending(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stmts[query]
}

// preparePending prepares the queries noted since the last call. A query
// that fails to prepare is left to run unprepared, which reports its
// error where it is used.
func (c *stmtCache) preparePending(ctx context.Context) {
	if c == nil {
		return
	}
	c.mu.Lock()
	queries := make([]string, 0, len(c.pending))
	for q := range c.pending {
		queries = append(queries, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range queries {
		st, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if c.stmts[q] == nil {
			c.stmts[q], st = st, nil
		}
		c.mu.Unlock()
		if st != nil {
			st.Close()
		}
	}
}

// close releases the prepared statements.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}
