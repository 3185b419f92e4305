package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// This file keeps the status page (migration 00017, docs/status-page.md):
// components and their history, incidents made public, maintenance,
// subscribers and the outbox of their notices.

const componentColumns = "id, name, grp, description, position, service_ids, manual_status, manual_reason, created_at"

// CreateStatusComponent stores a new component; EConflict for a name in use.
func (s *Store) CreateStatusComponent(ctx context.Context, c *warroom.StatusComponent) error {
	svc, err := marshal(nonNilStrings(c.ServiceIDs))
	if err != nil {
		return err
	}
	if err := s.componentNameFree(ctx, c.ID, c.Name); err != nil {
		return err
	}
	_, err = s.exec(ctx, "INSERT INTO status_components ("+componentColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		c.ID, c.Name, c.Group, c.Description, c.Position, svc, string(c.ManualStatus), c.ManualReason, s.d.timeArg(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlstore: store component: %w", err)
	}
	return nil
}

func (s *Store) componentNameFree(ctx context.Context, id, name string) error {
	var other string
	err := s.queryRow(ctx, "SELECT id FROM status_components WHERE lower(name) = lower(?) AND id <> ?", name, id).Scan(&other)
	if err == nil {
		return warroom.Invalid("name", "a component named %q exists", name)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlstore: find component: %w", err)
	}
	return nil
}

// UpdateStatusComponent replaces a component's fields; ENotFound.
func (s *Store) UpdateStatusComponent(ctx context.Context, c *warroom.StatusComponent) error {
	svc, err := marshal(nonNilStrings(c.ServiceIDs))
	if err != nil {
		return err
	}
	if err := s.componentNameFree(ctx, c.ID, c.Name); err != nil {
		return err
	}
	res, err := s.exec(ctx, `UPDATE status_components SET name = ?, grp = ?, description = ?, position = ?, service_ids = ?,
		manual_status = ?, manual_reason = ? WHERE id = ?`,
		c.Name, c.Group, c.Description, c.Position, svc, string(c.ManualStatus), c.ManualReason, c.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: update component: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return warroom.Errorf(warroom.ENotFound, "component %s not found", c.ID)
	}
	return nil
}

// DeleteStatusComponent removes a component (its history stays); ENotFound.
func (s *Store) DeleteStatusComponent(ctx context.Context, id string) error {
	res, err := s.exec(ctx, "DELETE FROM status_components WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("sqlstore: delete component: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return warroom.Errorf(warroom.ENotFound, "component %s not found", id)
	}
	return nil
}

// ListStatusComponents returns the components in page order.
func (s *Store) ListStatusComponents(ctx context.Context) ([]*warroom.StatusComponent, error) {
	rows, err := s.query(ctx, "SELECT "+componentColumns+" FROM status_components ORDER BY position, lower(name)")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list components: %w", err)
	}
	return collect(rows, scanComponent)
}

func scanComponent(r scanner) (*warroom.StatusComponent, error) {
	c := &warroom.StatusComponent{}
	var manual string
	err := r.Scan(&c.ID, &c.Name, &c.Group, &c.Description, &c.Position, jsonCol{&c.ServiceIDs}, &manual, &c.ManualReason, timeCol{&c.CreatedAt})
	c.ManualStatus = warroom.ComponentStatus(manual)
	return c, err
}

// AddComponentChanges stores status changes.
func (s *Store) AddComponentChanges(ctx context.Context, changes []warroom.ComponentChange) error {
	if len(changes) == 0 {
		return nil
	}
	return s.inTx(ctx, func(t *tx) error {
		for _, c := range changes {
			_, err := t.exec(ctx, `INSERT INTO status_component_changes (component_id, status, at, source, reason, incident_id, actor_id)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, c.ComponentID, string(c.Status), t.d.timeArg(c.At), c.Source, c.Reason, c.IncidentID, c.ActorID)
			if err != nil {
				return fmt.Errorf("sqlstore: store component change: %w", err)
			}
		}
		return nil
	})
}

// ListComponentChanges returns every component's changes in time order:
// the last before since (the status in effect then) and all after it.
func (s *Store) ListComponentChanges(ctx context.Context, since time.Time) (map[string][]warroom.ComponentChange, error) {
	rows, err := s.query(ctx, `SELECT component_id, status, at, source, reason, incident_id, actor_id FROM status_component_changes c
		WHERE at >= ? OR id = (SELECT max(id) FROM status_component_changes p WHERE p.component_id = c.component_id AND p.at < ?)
		ORDER BY at, id`, s.d.timeArg(since), s.d.timeArg(since))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list component changes: %w", err)
	}
	list, err := collect(rows, func(r scanner) (warroom.ComponentChange, error) {
		var c warroom.ComponentChange
		var st string
		err := r.Scan(&c.ComponentID, &st, timeCol{&c.At}, &c.Source, &c.Reason, &c.IncidentID, &c.ActorID)
		c.Status = warroom.ComponentStatus(st)
		return c, err
	})
	if err != nil {
		return nil, err
	}
	out := map[string][]warroom.ComponentChange{}
	for _, c := range list {
		out[c.ComponentID] = append(out[c.ComponentID], c)
	}
	return out, nil
}

const publicColumns = "incident_id, ref, slug, title, impact, component_ids, started_at, published_at, resolved_at"

// PublishIncident locks the incident, calls decide with its state and
// stores the public record and the events (incident.made_public) it
// returns, in one transaction with the idempotency key.
func (s *Store) PublishIncident(ctx context.Context, idOrRef string, idem warroom.Idempotency,
	decide func(inc *warroom.Incident) (*warroom.PublicIncident, []warroom.Event, error)) (*warroom.PublicIncident, error) {
	var p *warroom.PublicIncident
	res, err := s.command(ctx, idem, func(t *tx) (*warroom.CommandResult, error) {
		res, err := s.updateIncident(ctx, t, idOrRef, func(inc *warroom.Incident) ([]warroom.Event, error) {
			var events []warroom.Event
			var err error
			p, events, err = decide(inc)
			return events, err
		})
		if err != nil {
			return nil, err
		}
		if err := putPublic(ctx, t, p); err != nil {
			return nil, err
		}
		return res, nil
	})
	if err != nil {
		return nil, err
	}
	if res.Replayed {
		return s.FindPublicIncident(ctx, res.Incident.ID)
	}
	return p, nil
}

func putPublic(ctx context.Context, t *tx, p *warroom.PublicIncident) error {
	comps, err := marshal(nonNilStrings(p.ComponentIDs))
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO status_incidents (`+publicColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (incident_id) DO UPDATE SET title = excluded.title, impact = excluded.impact,
		component_ids = excluded.component_ids, started_at = excluded.started_at, resolved_at = excluded.resolved_at`,
		p.IncidentID, p.Ref, p.Slug, p.Title, string(p.Impact), comps, t.d.timeArg(p.StartedAt), t.d.timeArg(p.PublishedAt),
		t.d.nullTimeArg(p.ResolvedAt))
	if err != nil {
		return fmt.Errorf("sqlstore: store public incident: %w", err)
	}
	return nil
}

// PutPublicIncident stores the public record as it now is (components,
// resolution).
func (s *Store) PutPublicIncident(ctx context.Context, p *warroom.PublicIncident) error {
	return s.inTx(ctx, func(t *tx) error { return putPublic(ctx, t, p) })
}

// FindPublicIncident returns the public record of an incident by its ID
// or its public slug; ENotFound when it was never made public.
func (s *Store) FindPublicIncident(ctx context.Context, idOrSlug string) (*warroom.PublicIncident, error) {
	p, err := scanPublic(s.queryRow(ctx, "SELECT "+publicColumns+" FROM status_incidents WHERE incident_id = ? OR slug = ?", idOrSlug, idOrSlug))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "no public incident %s", idOrSlug)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find public incident: %w", err)
	}
	return p, nil
}

// ListPublicIncidents returns the public incidents not resolved before
// since, newest first.
func (s *Store) ListPublicIncidents(ctx context.Context, since time.Time) ([]*warroom.PublicIncident, error) {
	rows, err := s.query(ctx, "SELECT "+publicColumns+" FROM status_incidents WHERE resolved_at IS NULL OR resolved_at >= ? ORDER BY started_at DESC",
		s.d.timeArg(since))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list public incidents: %w", err)
	}
	return collect(rows, scanPublic)
}

func scanPublic(r scanner) (*warroom.PublicIncident, error) {
	p := &warroom.PublicIncident{}
	var impact string
	err := r.Scan(&p.IncidentID, &p.Ref, &p.Slug, &p.Title, &impact, jsonCol{&p.ComponentIDs}, timeCol{&p.StartedAt},
		timeCol{&p.PublishedAt}, nullTimeCol{&p.ResolvedAt})
	p.Impact = warroom.ComponentStatus(impact)
	return p, err
}

const maintenanceColumns = "id, title, description, component_ids, starts_at, ends_at, created_by, created_at, cancelled_at"

// CreateMaintenance stores a window and schedules its jobs (the notices
// when it is scheduled, starts and ends) in one transaction.
func (s *Store) CreateMaintenance(ctx context.Context, m *warroom.Maintenance, jobs []engine.Job) error {
	comps, err := marshal(nonNilStrings(m.ComponentIDs))
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.exec(ctx, "INSERT INTO status_maintenance ("+maintenanceColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			m.ID, m.Title, m.Description, comps, t.d.timeArg(m.StartsAt), t.d.timeArg(m.EndsAt), m.CreatedBy,
			t.d.timeArg(m.CreatedAt), t.d.nullTimeArg(m.CancelledAt))
		if err != nil {
			return fmt.Errorf("sqlstore: store maintenance: %w", err)
		}
		return s.enqueueJobs(ctx, t, jobs)
	})
}

// CancelMaintenance marks a window cancelled at at and schedules jobs;
// ENotFound, EConflict when it is over or cancelled.
func (s *Store) CancelMaintenance(ctx context.Context, id string, at time.Time, jobs []engine.Job) error {
	return s.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, "UPDATE status_maintenance SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL AND ends_at > ?",
			t.d.timeArg(at), id, t.d.timeArg(at))
		if err != nil {
			return fmt.Errorf("sqlstore: cancel maintenance: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var x string
			if err := t.queryRow(ctx, "SELECT id FROM status_maintenance WHERE id = ?", id).Scan(&x); errors.Is(err, sql.ErrNoRows) {
				return warroom.Errorf(warroom.ENotFound, "maintenance %s not found", id)
			}
			return warroom.Errorf(warroom.EConflict, "maintenance %s is over or cancelled already", id)
		}
		return s.enqueueJobs(ctx, t, jobs)
	})
}

// AddMaintenanceUpdate stores a note on a window and schedules jobs.
func (s *Store) AddMaintenanceUpdate(ctx context.Context, maintenanceID string, u warroom.MaintenanceUpdate, jobs []engine.Job) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.exec(ctx, "INSERT INTO status_maintenance_updates (id, maintenance_id, body, at) VALUES (?, ?, ?, ?)",
			u.ID, maintenanceID, u.Body, t.d.timeArg(u.At))
		if err != nil {
			return fmt.Errorf("sqlstore: store maintenance update: %w", err)
		}
		return s.enqueueJobs(ctx, t, jobs)
	})
}

// FindMaintenance returns a window with its updates, newest first; ENotFound.
func (s *Store) FindMaintenance(ctx context.Context, id string) (*warroom.Maintenance, error) {
	m, err := scanMaintenance(s.queryRow(ctx, "SELECT "+maintenanceColumns+" FROM status_maintenance WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "maintenance %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find maintenance: %w", err)
	}
	return m, s.fillMaintenanceUpdates(ctx, []*warroom.Maintenance{m})
}

// ListMaintenance returns the windows ending at or after since, by start.
func (s *Store) ListMaintenance(ctx context.Context, since time.Time) ([]*warroom.Maintenance, error) {
	rows, err := s.query(ctx, "SELECT "+maintenanceColumns+" FROM status_maintenance WHERE ends_at >= ? ORDER BY starts_at", s.d.timeArg(since))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list maintenance: %w", err)
	}
	list, err := collect(rows, scanMaintenance)
	if err != nil {
		return nil, err
	}
	return list, s.fillMaintenanceUpdates(ctx, list)
}

func (s *Store) fillMaintenanceUpdates(ctx context.Context, list []*warroom.Maintenance) error {
	for _, m := range list {
		rows, err := s.query(ctx, "SELECT id, body, at FROM status_maintenance_updates WHERE maintenance_id = ? ORDER BY at DESC", m.ID)
		if err != nil {
			return fmt.Errorf("sqlstore: list maintenance updates: %w", err)
		}
		m.Updates, err = collect(rows, func(r scanner) (warroom.MaintenanceUpdate, error) {
			var u warroom.MaintenanceUpdate
			return u, r.Scan(&u.ID, &u.Body, timeCol{&u.At})
		})
		if err != nil {
			return err
		}
		if m.Updates == nil {
			m.Updates = []warroom.MaintenanceUpdate{}
		}
	}
	return nil
}

func scanMaintenance(r scanner) (*warroom.Maintenance, error) {
	m := &warroom.Maintenance{}
	err := r.Scan(&m.ID, &m.Title, &m.Description, jsonCol{&m.ComponentIDs}, timeCol{&m.StartsAt}, timeCol{&m.EndsAt},
		&m.CreatedBy, timeCol{&m.CreatedAt}, nullTimeCol{&m.CancelledAt})
	return m, err
}

const subscriberColumns = "id, kind, address, secret, component_ids, network, created_at, confirmed_at"

// Subscribe records a subscription request from network at now under the
// limits (ERateLimited past them), then stores sub, or returns the
// subscriber already at the address (its components replaced by sub's),
// and schedules the jobs jobsFor returns for the stored subscriber, all
// in one transaction.
func (s *Store) Subscribe(ctx context.Context, sub *warroom.Subscriber, limits warroom.SubscribeLimits, now time.Time,
	jobsFor func(stored *warroom.Subscriber) []engine.Job) (*warroom.Subscriber, error) {
	key := strings.ToLower(sub.Address)
	var stored *warroom.Subscriber
	err := s.inTx(ctx, func(t *tx) error {
		since := t.d.timeArg(now.Add(-limits.Window))
		if _, err := t.exec(ctx, "DELETE FROM status_subscribe_attempts WHERE at < ?", since); err != nil {
			return fmt.Errorf("sqlstore: prune subscribe attempts: %w", err)
		}
		if limits.PerAddress > 0 {
			var byAddr, byNet int
			if err := t.queryRow(ctx, "SELECT count(*) FROM status_subscribe_attempts WHERE address_key = ?", key).Scan(&byAddr); err != nil {
				return fmt.Errorf("sqlstore: count subscribe attempts: %w", err)
			}
			if err := t.queryRow(ctx, "SELECT count(*) FROM status_subscribe_attempts WHERE network = ?", sub.Network).Scan(&byNet); err != nil {
				return fmt.Errorf("sqlstore: count subscribe attempts: %w", err)
			}
			if err := limits.CheckSubscribeRate(byAddr, byNet); err != nil {
				return err
			}
			if _, err := t.exec(ctx, "INSERT INTO status_subscribe_attempts (address_key, network, at) VALUES (?, ?, ?)",
				key, sub.Network, t.d.timeArg(now)); err != nil {
				return fmt.Errorf("sqlstore: record subscribe attempt: %w", err)
			}
		}
		comps, err := marshal(nonNilStrings(sub.ComponentIDs))
		if err != nil {
			return err
		}
		old, err := scanSubscriber(t.queryRow(ctx, "SELECT "+subscriberColumns+" FROM status_subscribers WHERE kind = ? AND address_key = ?", sub.Kind, key))
		switch {
		case err == nil:
			if _, err := t.exec(ctx, "UPDATE status_subscribers SET component_ids = ? WHERE id = ?", comps, old.ID); err != nil {
				return fmt.Errorf("sqlstore: update subscriber: %w", err)
			}
			old.ComponentIDs = nonNilStrings(sub.ComponentIDs)
			stored = old
		case errors.Is(err, sql.ErrNoRows):
			_, err = t.exec(ctx, "INSERT INTO status_subscribers ("+subscriberColumns+", address_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				sub.ID, sub.Kind, sub.Address, sub.Secret, comps, sub.Network, t.d.timeArg(sub.CreatedAt), t.d.nullTimeArg(sub.ConfirmedAt), key)
			if err != nil {
				return fmt.Errorf("sqlstore: store subscriber: %w", err)
			}
			stored = sub
		default:
			return fmt.Errorf("sqlstore: find subscriber: %w", err)
		}
		return s.enqueueJobs(ctx, t, jobsFor(stored))
	})
	return stored, err
}

// ConfirmSubscriber marks a subscriber confirmed at at (once: a second
// confirmation keeps the first time); ENotFound.
func (s *Store) ConfirmSubscriber(ctx context.Context, id string, at time.Time) error {
	res, err := s.exec(ctx, "UPDATE status_subscribers SET confirmed_at = coalesce(confirmed_at, ?) WHERE id = ?", s.d.timeArg(at), id)
	if err != nil {
		return fmt.Errorf("sqlstore: confirm subscriber: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return warroom.Errorf(warroom.ENotFound, "subscriber not found")
	}
	return nil
}

// DeleteSubscriber removes a subscriber and its unsent deliveries; ENotFound.
func (s *Store) DeleteSubscriber(ctx context.Context, id string) error {
	return s.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, "DELETE FROM status_subscribers WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("sqlstore: delete subscriber: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return warroom.Errorf(warroom.ENotFound, "subscriber not found")
		}
		_, err = t.exec(ctx, "DELETE FROM status_deliveries WHERE subscriber_id = ? AND state = 'pending'", id)
		return err
	})
}

// FindSubscriber returns a subscriber; ENotFound.
func (s *Store) FindSubscriber(ctx context.Context, id string) (*warroom.Subscriber, error) {
	sub, err := scanSubscriber(s.queryRow(ctx, "SELECT "+subscriberColumns+" FROM status_subscribers WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "subscriber not found")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find subscriber: %w", err)
	}
	return sub, nil
}

// ListSubscribers returns the subscribers, confirmed ones only if
// confirmed, oldest first.
func (s *Store) ListSubscribers(ctx context.Context, confirmed bool) ([]*warroom.Subscriber, error) {
	q := "SELECT " + subscriberColumns + " FROM status_subscribers"
	if confirmed {
		q += " WHERE confirmed_at IS NOT NULL"
	}
	rows, err := s.query(ctx, q+" ORDER BY created_at, id")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list subscribers: %w", err)
	}
	return collect(rows, scanSubscriber)
}

func scanSubscriber(r scanner) (*warroom.Subscriber, error) {
	sub := &warroom.Subscriber{}
	err := r.Scan(&sub.ID, &sub.Kind, &sub.Address, &sub.Secret, jsonCol{&sub.ComponentIDs}, &sub.Network,
		timeCol{&sub.CreatedAt}, nullTimeCol{&sub.ConfirmedAt})
	return sub, err
}

// StatusDelivery is one row of the status page's outbox: a notice to a
// subscriber.
type StatusDelivery struct {
	ID           string
	NoticeKey    string
	SubscriberID string
	Subject      string
	Body         string
	State        string // pending, sent, failed
	Attempts     int
	LastError    string
	CreatedAt    time.Time
	NextAt       time.Time
	SentAt       *time.Time
}

const statusDeliveryColumns = "id, notice_key, subscriber_id, subject, body, state, attempts, last_error, created_at, next_at, sent_at"

// statusDeliveryRows is how many outbox rows one INSERT carries.
const statusDeliveryRows = 400

// AddStatusDeliveries stores outbox rows (a row already stored is kept
// as it is: each notice reaches each subscriber once) and schedules jobs,
// in one transaction. It returns how many rows were new.
func (s *Store) AddStatusDeliveries(ctx context.Context, ds []StatusDelivery, jobs []engine.Job) (int64, error) {
	var added int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.durable(ctx); err != nil {
			return err
		}
		for start := 0; start < len(ds); start += statusDeliveryRows {
			chunk := ds[start:min(start+statusDeliveryRows, len(ds))]
			var q strings.Builder
			q.WriteString("INSERT INTO status_deliveries (" + statusDeliveryColumns + ") VALUES ")
			args := make([]any, 0, len(chunk)*11)
			for i, d := range chunk {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
				args = append(args, d.ID, d.NoticeKey, d.SubscriberID, d.Subject, d.Body, d.State, d.Attempts, d.LastError,
					t.d.timeArg(d.CreatedAt), t.d.timeArg(d.NextAt), t.d.nullTimeArg(d.SentAt))
			}
			q.WriteString(" ON CONFLICT (id) DO NOTHING")
			res, err := t.tx.ExecContext(ctx, t.d.q(q.String()), args...)
			if err != nil {
				return fmt.Errorf("sqlstore: store status deliveries: %w", err)
			}
			n, _ := res.RowsAffected()
			added += n
		}
		return s.enqueueJobs(ctx, t, jobs)
	})
	return added, err
}

// DueStatusDeliveries returns up to limit pending rows of a notice
// (every notice: "") due at now, oldest first.
func (s *Store) DueStatusDeliveries(ctx context.Context, noticeKey string, now time.Time, limit int) ([]StatusDelivery, error) {
	rows, err := s.query(ctx, "SELECT "+statusDeliveryColumns+" FROM status_deliveries WHERE (notice_key = ? OR ? = '') AND state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?",
		noticeKey, noticeKey, s.d.timeArg(now), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: due status deliveries: %w", err)
	}
	return collect(rows, scanStatusDelivery)
}

// NextStatusDelivery returns when the next pending row of a notice is
// due; ok is false when none is pending.
func (s *Store) NextStatusDelivery(ctx context.Context, noticeKey string) (at time.Time, ok bool, err error) {
	var t *time.Time
	err = s.queryRow(ctx, "SELECT min(next_at) FROM status_deliveries WHERE notice_key = ? AND state = 'pending'", noticeKey).Scan(nullTimeCol{&t})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("sqlstore: next status delivery: %w", err)
	}
	if t == nil {
		return time.Time{}, false, nil
	}
	return *t, true, nil
}

// RecordStatusAttempt records an attempt of a pending row: state
// (pending again with its next time, sent or failed) and the error.
func (s *Store) RecordStatusAttempt(ctx context.Context, id, state, errText string, next, at time.Time) error {
	var sent any
	if state == "sent" {
		sent = s.d.timeArg(at)
	}
	return s.inTx(ctx, func(t *tx) error {
		if err := t.durable(ctx); err != nil {
			return err
		}
		_, err := t.exec(ctx, `UPDATE status_deliveries SET state = ?, attempts = attempts + 1, last_error = ?, next_at = ?, sent_at = ?
			WHERE id = ? AND state = 'pending'`, state, errText, t.d.timeArg(next), sent, id)
		if err != nil {
			return fmt.Errorf("sqlstore: record status delivery: %w", err)
		}
		return nil
	})
}

// ListStatusDeliveries returns the rows of a subscriber (every
// subscriber: ""), oldest first.
func (s *Store) ListStatusDeliveries(ctx context.Context, subscriberID string) ([]StatusDelivery, error) {
	rows, err := s.query(ctx, "SELECT "+statusDeliveryColumns+" FROM status_deliveries WHERE subscriber_id = ? OR ? = '' ORDER BY created_at, id",
		subscriberID, subscriberID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list status deliveries: %w", err)
	}
	return collect(rows, scanStatusDelivery)
}

// CountStatusDeliveries counts the rows of a notice.
func (s *Store) CountStatusDeliveries(ctx context.Context, noticeKey string) (int, error) {
	var n int
	err := s.queryRow(ctx, "SELECT count(*) FROM status_deliveries WHERE notice_key = ?", noticeKey).Scan(&n)
	return n, err
}

func scanStatusDelivery(r scanner) (StatusDelivery, error) {
	var d StatusDelivery
	err := r.Scan(&d.ID, &d.NoticeKey, &d.SubscriberID, &d.Subject, &d.Body, &d.State, &d.Attempts, &d.LastError,
		timeCol{&d.CreatedAt}, timeCol{&d.NextAt}, nullTimeCol{&d.SentAt})
	return d, err
}
