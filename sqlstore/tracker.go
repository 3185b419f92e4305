package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/tracker"
)

// The tracker settings and tickets (package tracker, migration 00021).

var _ tracker.Store = (*Store)(nil)

const trackerConfigColumns = "id, scope, scope_id, kind, base_url, project, credentials, webhook_secret, issue_type, created_at"

func scanTrackerConfig(r scanner) (*tracker.Config, error) {
	var c tracker.Config
	err := r.Scan(&c.ID, &c.Scope, &c.ScopeID, &c.Kind, &c.BaseURL, &c.Project, &c.Credentials, &c.WebhookSecret, &c.IssueType, timeCol{&c.CreatedAt})
	return &c, err
}

// CreateTrackerConfig implements tracker.Store.
func (s *Store) CreateTrackerConfig(ctx context.Context, c *tracker.Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := fillNew(&c.ID, &c.CreatedAt); err != nil {
		return err
	}
	_, err := s.exec(ctx, "INSERT INTO tracker_configs ("+trackerConfigColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		c.ID, string(c.Scope), c.ScopeID, string(c.Kind), c.BaseURL, c.Project, c.Credentials, c.WebhookSecret, c.IssueType, s.d.timeArg(c.CreatedAt))
	if isUnique(err) {
		return warroom.Errorf(warroom.EConflict, "this %s has a tracker already; remove it first", c.Scope)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: store tracker settings: %w", err)
	}
	return nil
}

func (s *Store) oneTrackerConfig(ctx context.Context, what, where string, args ...any) (*tracker.Config, error) {
	c, err := scanTrackerConfig(s.queryRow(ctx, "SELECT "+trackerConfigColumns+" FROM tracker_configs WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "no tracker settings %s", what)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: tracker settings: %w", err)
	}
	return c, nil
}

// TrackerConfig implements tracker.Store.
func (s *Store) TrackerConfig(ctx context.Context, id string) (*tracker.Config, error) {
	return s.oneTrackerConfig(ctx, fmt.Sprintf("%q", id), "id = ?", id)
}

// TrackerConfigFor implements tracker.Store.
func (s *Store) TrackerConfigFor(ctx context.Context, scope tracker.Scope, scopeID string) (*tracker.Config, error) {
	return s.oneTrackerConfig(ctx, fmt.Sprintf("for %s %s", scope, scopeID), "scope = ? AND scope_id = ?", string(scope), scopeID)
}

// TrackerConfigs implements tracker.Store.
func (s *Store) TrackerConfigs(ctx context.Context) ([]*tracker.Config, error) {
	rows, err := s.query(ctx, "SELECT "+trackerConfigColumns+" FROM tracker_configs ORDER BY created_at, id")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: tracker settings: %w", err)
	}
	return collect(rows, scanTrackerConfig)
}

// DeleteTrackerConfig implements tracker.Store.
func (s *Store) DeleteTrackerConfig(ctx context.Context, id string) error {
	res, err := s.exec(ctx, "DELETE FROM tracker_configs WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("sqlstore: remove tracker settings: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return warroom.Errorf(warroom.ENotFound, "no tracker settings %q", id)
	}
	return nil
}

const ticketColumns = `id, subject_kind, subject_id, config_id, tracker, ticket_key, url, state, status, assignee, content, want, parent_key,
	postmortem_url, postmortem_linked, attempts, last_error, created_at, synced_at`

func scanTicket(r scanner) (*tracker.Ticket, error) {
	var t tracker.Ticket
	var linked int
	err := r.Scan(&t.ID, &t.SubjectKind, &t.SubjectID, &t.ConfigID, &t.Tracker, &t.Key, &t.URL, &t.State, &t.Status, &t.Assignee, &t.Content, &t.Want,
		&t.Parent, &t.PostmortemURL, &linked, &t.Attempts, &t.LastError, timeCol{&t.CreatedAt}, nullTimeCol{&t.SyncedAt})
	t.PostmortemLinked = linked != 0
	return &t, err
}

// LeaseTicket implements tracker.Store.
func (s *Store) LeaseTicket(ctx context.Context, in *tracker.Ticket, owner string, now time.Time, lease time.Duration) (*tracker.Ticket, error) {
	if in.ID == "" {
		id, err := newID()
		if err != nil {
			return nil, err
		}
		in.ID = id
	}
	var out *tracker.Ticket
	err := s.inTx(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `INSERT INTO tickets (id, subject_kind, subject_id, config_id, tracker, want, parent_key, postmortem_url, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (subject_kind, subject_id) DO NOTHING`,
			in.ID, string(in.SubjectKind), in.SubjectID, in.ConfigID, string(in.Tracker), string(in.Want), in.Parent, in.PostmortemURL,
			t.d.timeArg(now)); err != nil {
			return fmt.Errorf("sqlstore: ticket: %w", err)
		}
		res, err := t.exec(ctx, `UPDATE tickets SET lease_owner = ?, lease_until = ?
			WHERE subject_kind = ? AND subject_id = ? AND (lease_owner = '' OR lease_owner = ? OR lease_until IS NULL OR lease_until <= ?)`,
			owner, t.d.timeArg(now.Add(lease)), string(in.SubjectKind), in.SubjectID, owner, t.d.timeArg(now))
		if err != nil {
			return fmt.Errorf("sqlstore: lease ticket: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return warroom.Errorf(warroom.EConflict, "the ticket of %s %s is being worked on by another run", in.SubjectKind, in.SubjectID)
		}
		out, err = scanTicket(t.queryRow(ctx, "SELECT "+ticketColumns+" FROM tickets WHERE subject_kind = ? AND subject_id = ?",
			string(in.SubjectKind), in.SubjectID))
		if err != nil {
			return fmt.Errorf("sqlstore: ticket: %w", err)
		}
		return nil
	})
	return out, err
}

// SaveTicket implements tracker.Store. The wanted state and the postmortem
// URL are not written: they change under the run (SetTicketWant), and the
// run reads them again on its next turn.
func (s *Store) SaveTicket(ctx context.Context, tk *tracker.Ticket, owner string) error {
	linked := 0
	if tk.PostmortemLinked {
		linked = 1
	}
	res, err := s.exec(ctx, `UPDATE tickets SET ticket_key = ?, url = ?, state = ?, status = ?, assignee = ?, content = ?, parent_key = ?,
		postmortem_linked = CASE WHEN postmortem_url = ? THEN ? ELSE 0 END,
		attempts = ?, last_error = ?, synced_at = ?, lease_owner = '', lease_until = NULL
		WHERE id = ? AND lease_owner = ?`,
		tk.Key, tk.URL, string(tk.State), tk.Status, tk.Assignee, tk.Content, tk.Parent, tk.PostmortemURL, linked, tk.Attempts, tk.LastError,
		s.d.nullTimeArg(tk.SyncedAt), tk.ID, owner)
	if err != nil {
		return fmt.Errorf("sqlstore: save ticket: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return warroom.Errorf(warroom.EConflict, "the ticket %s is no longer held by %s", tk.ID, owner)
	}
	return nil
}

// SetTicketWant implements tracker.Store.
func (s *Store) SetTicketWant(ctx context.Context, kind tracker.SubjectKind, subjectID string, want tracker.State, postmortemURL string) error {
	res, err := s.exec(ctx, `UPDATE tickets SET want = CASE WHEN ? = '' THEN want ELSE ? END,
		postmortem_linked = CASE WHEN ? = '' OR postmortem_url = ? THEN postmortem_linked ELSE 0 END,
		postmortem_url = CASE WHEN ? = '' THEN postmortem_url ELSE ? END
		WHERE subject_kind = ? AND subject_id = ?`,
		string(want), string(want), postmortemURL, postmortemURL, postmortemURL, postmortemURL, string(kind), subjectID)
	if err != nil {
		return fmt.Errorf("sqlstore: ticket: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return warroom.Errorf(warroom.ENotFound, "%s %s has no ticket", kind, subjectID)
	}
	return nil
}

// TicketFor implements tracker.Store.
func (s *Store) TicketFor(ctx context.Context, kind tracker.SubjectKind, subjectID string) (*tracker.Ticket, error) {
	t, err := scanTicket(s.queryRow(ctx, "SELECT "+ticketColumns+" FROM tickets WHERE subject_kind = ? AND subject_id = ?", string(kind), subjectID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "%s %s has no ticket", kind, subjectID)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: ticket: %w", err)
	}
	return t, nil
}

// TicketsByKey implements tracker.Store.
func (s *Store) TicketsByKey(ctx context.Context, kind tracker.Kind, key string) ([]*tracker.Ticket, error) {
	rows, err := s.query(ctx, "SELECT "+ticketColumns+" FROM tickets WHERE tracker = ? AND ticket_key = ? ORDER BY id", string(kind), key)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: tickets: %w", err)
	}
	return collect(rows, scanTicket)
}

// RecordTicketState implements tracker.Store.
func (s *Store) RecordTicketState(ctx context.Context, id string, state tracker.State, status string, at time.Time) error {
	res, err := s.exec(ctx, "UPDATE tickets SET state = ?, status = ?, synced_at = ? WHERE id = ?", string(state), status, s.d.timeArg(at), id)
	if err != nil {
		return fmt.Errorf("sqlstore: record ticket state: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return warroom.Errorf(warroom.ENotFound, "no ticket %q", id)
	}
	return nil
}

// TicketsToPoll implements tracker.Store.
func (s *Store) TicketsToPoll(ctx context.Context, limit int) ([]*tracker.Ticket, error) {
	rows, err := s.query(ctx, "SELECT "+ticketColumns+` FROM tickets WHERE ticket_key <> '' AND state <> ?
		ORDER BY synced_at IS NOT NULL, synced_at, id LIMIT ?`, string(tracker.StateDone), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: tickets to poll: %w", err)
	}
	return collect(rows, scanTicket)
}

// TicketsWithParent implements tracker.Store.
func (s *Store) TicketsWithParent(ctx context.Context, kind tracker.Kind, parentKey string) ([]*tracker.Ticket, error) {
	rows, err := s.query(ctx, "SELECT "+ticketColumns+" FROM tickets WHERE tracker = ? AND parent_key = ? ORDER BY created_at, id", string(kind), parentKey)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: tickets: %w", err)
	}
	return collect(rows, scanTicket)
}

// ReleaseTicketLeases frees every ticket lease. Only for SQLite at start:
// one process owns the file, so the leases left are those of a process
// that died, and its work resumes now rather than when they end.
func (s *Store) ReleaseTicketLeases(ctx context.Context) (int, error) {
	res, err := s.exec(ctx, "UPDATE tickets SET lease_owner = '', lease_until = NULL WHERE lease_owner <> ''")
	if err != nil {
		return 0, fmt.Errorf("sqlstore: release ticket leases: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
