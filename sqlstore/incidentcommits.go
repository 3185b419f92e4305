package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/warroom/warroom"
)

// ChannelIncidents carries "<incident id> <version>" each time an
// incident's events are committed (ListenIncidents).
const ChannelIncidents = "warroom_incidents"

// announceCommit tells ListenIncidents' listeners, once t commits, that
// inc's events up to its version are stored: NOTIFY in the transaction on
// PostgreSQL (delivered at commit to every replica), in-process after the
// commit on SQLite.
func (s *Store) announceCommit(ctx context.Context, t *tx, inc *warroom.Incident) error {
	c := warroom.IncidentCommit{IncidentID: inc.ID, Version: inc.Version}
	if t.d.dollar {
		if _, err := t.exec(ctx, "SELECT pg_notify(?, ?)", ChannelIncidents, c.IncidentID+" "+strconv.FormatInt(c.Version, 10)); err != nil {
			return fmt.Errorf("sqlstore: notify incident commit: %w", err)
		}
		return nil
	}
	t.afterCommit(func() { s.commits.publish(c) })
	return nil
}

// ListenIncidents returns a channel that receives every incident commit
// made after it returns, by this process or, on PostgreSQL, by any process
// using the same database. Commits of one incident may coalesce into the
// latest. A commit with an empty IncidentID means some may have been
// missed (PostgreSQL reconnected): the listener should refresh whatever it
// follows. The channel is closed when ctx is done.
func (s *Store) ListenIncidents(ctx context.Context) (<-chan warroom.IncidentCommit, error) {
	out := make(chan warroom.IncidentCommit, 256)
	if s.pool == nil {
		sub := s.commits.subscribe(ctx)
		go sub.relay(ctx, out)
		return out, nil
	}
	conn, err := s.listenConn(ctx, ChannelIncidents)
	if err != nil {
		return nil, err
	}
	go func() {
		defer close(out)
		for {
			n, err := conn.WaitForNotification(ctx)
			if err == nil {
				if c, ok := parseCommit(n.Payload); ok {
					if !sendCommit(ctx, out, c) {
						closeConn(conn)
						return
					}
				}
				continue
			}
			closeConn(conn)
			if conn = s.reconnect(ctx, ChannelIncidents); conn == nil {
				return
			}
			if !sendCommit(ctx, out, warroom.IncidentCommit{}) {
				closeConn(conn)
				return
			}
		}
	}()
	return out, nil
}

func parseCommit(payload string) (warroom.IncidentCommit, bool) {
	id, v, ok := strings.Cut(payload, " ")
	version, err := strconv.ParseInt(v, 10, 64)
	return warroom.IncidentCommit{IncidentID: id, Version: version}, ok && err == nil && id != ""
}

func sendCommit(ctx context.Context, out chan<- warroom.IncidentCommit, c warroom.IncidentCommit) bool {
	select {
	case out <- c:
		return true
	case <-ctx.Done():
		return false
	}
}

// commitHub delivers incident commits in-process (SQLite). Publishing
// never blocks the committing writer: each subscriber keeps the latest
// version of each changed incident until its relay passes it on.
type commitHub struct {
	mu   sync.Mutex
	subs map[*commitSub]bool
}

type commitSub struct {
	mu      sync.Mutex
	pending map[string]int64
	wake    chan struct{}
}

func (h *commitHub) subscribe(ctx context.Context) *commitSub {
	sub := &commitSub{pending: map[string]int64{}, wake: make(chan struct{}, 1)}
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[*commitSub]bool{}
	}
	h.subs[sub] = true
	h.mu.Unlock()
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		delete(h.subs, sub)
		h.mu.Unlock()
	})
	return sub
}

func (h *commitHub) publish(c warroom.IncidentCommit) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		sub.mu.Lock()
		sub.pending[c.IncidentID] = max(sub.pending[c.IncidentID], c.Version)
		sub.mu.Unlock()
		wakeChan(sub.wake)
	}
}

// relay passes the subscriber's pending commits to out until ctx is done.
func (sub *commitSub) relay(ctx context.Context, out chan<- warroom.IncidentCommit) {
	defer close(out)
	for {
		select {
		case <-ctx.Done():
			return
		case <-sub.wake:
		}
		sub.mu.Lock()
		pending := sub.pending
		sub.pending = map[string]int64{}
		sub.mu.Unlock()
		for id, v := range pending {
			if !sendCommit(ctx, out, warroom.IncidentCommit{IncidentID: id, Version: v}) {
				return
			}
		}
	}
}
