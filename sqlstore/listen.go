package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Wake-up channels: enqueueing jobs or messages signals one of these once
// the transaction commits, so that engines and senders, in this process or
// in another replica, claim the new work at once instead of at their next
// poll.
const (
	// ChannelJobs is signalled when jobs are scheduled (engine.Store).
	ChannelJobs = "warroom_jobs"
	// ChannelMessages is signalled when outbox messages are enqueued
	// (notify.OutboxStore).
	ChannelMessages = "warroom_messages"
)

// Listen returns a channel that receives a value soon after work is
// committed on channel (ChannelJobs or ChannelMessages), by this process or,
// on PostgreSQL, by any process using the same database. Wake-ups coalesce:
// one value may stand for many commits, and a spurious one may come (after
// a reconnect, or from another schema of the same database), so a listener
// claims what is due and goes back to waiting. The channel is closed when
// ctx is done.
//
// On PostgreSQL Listen holds a dedicated connection (LISTEN), outside the
// pool, and reconnects with backoff if it drops; it returns once LISTEN is
// in effect, so that work committed afterwards is never missed. On SQLite
// the signal is in-process: one process owns an SQLite file.
func (s *Store) Listen(ctx context.Context, channel string) (<-chan struct{}, error) {
	if s.pool == nil {
		return s.wakes.listen(ctx, channel), nil
	}
	conn, err := s.listenConn(ctx, channel)
	if err != nil {
		return nil, err
	}
	ch := make(chan struct{}, 1)
	go s.relay(ctx, conn, channel, ch)
	return ch, nil
}

// listenConn opens a connection outside the pool and LISTENs on it.
func (s *Store) listenConn(ctx context.Context, channel string) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("sqlstore: listen: connect: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		closeConn(conn)
		return nil, fmt.Errorf("sqlstore: listen on %s: %w", channel, err)
	}
	return conn, nil
}

// relay turns notifications on conn into values on ch until ctx is done,
// reconnecting when the connection fails.
func (s *Store) relay(ctx context.Context, conn *pgx.Conn, channel string, ch chan struct{}) {
	defer close(ch)
	for {
		_, err := conn.WaitForNotification(ctx)
		if err == nil {
			wakeChan(ch)
			continue
		}
		closeConn(conn)
		if conn = s.reconnect(ctx, channel); conn == nil {
			return
		}
		// Notifications sent while disconnected are lost: assume some were.
		wakeChan(ch)
	}
}

// reconnect listens again, waiting longer after each failure; nil once
// ctx is done.
func (s *Store) reconnect(ctx context.Context, channel string) *pgx.Conn {
	delay := 100 * time.Millisecond
	for {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		if conn, err := s.listenConn(ctx, channel); err == nil {
			return conn
		}
		delay = min(2*delay, 5*time.Second)
	}
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn.Close(ctx)
}

// wake signals channel when t commits: NOTIFY in the transaction on
// PostgreSQL (delivered at commit, to every listening process),
// in-process after the commit on SQLite.
func (s *Store) wake(ctx context.Context, t *tx, channel string) error {
	if t.d.dollar {
		if _, err := t.exec(ctx, "SELECT pg_notify(?, '')", channel); err != nil {
			return fmt.Errorf("sqlstore: notify %s: %w", channel, err)
		}
		return nil
	}
	t.afterCommit(func() { s.wakes.signal(channel) })
	return nil
}

// wakeHub delivers wake-ups in-process. The zero value is ready to use.
type wakeHub struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]bool
}

func (h *wakeHub) listen(ctx context.Context, channel string) <-chan struct{} {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[string]map[chan struct{}]bool{}
	}
	if h.subs[channel] == nil {
		h.subs[channel] = map[chan struct{}]bool{}
	}
	h.subs[channel][ch] = true
	h.mu.Unlock()
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		delete(h.subs[channel], ch)
		h.mu.Unlock()
		close(ch)
	})
	return ch
}

func (h *wakeHub) signal(channel string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[channel] {
		wakeChan(ch)
	}
}

// wakeChan puts a value on ch unless one is already waiting there.
func wakeChan(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
