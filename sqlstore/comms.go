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

// This file keeps communications (migration 00014): updates, their
// templates, customers and the deliveries of customer updates.

const updateColumns = "id, incident_id, audience, subject, body, author_id, at, seq, snapshot"

// RecordUpdate locks the incident, calls decide with its state and stores
// the update and the events decide returns (update.sent), in one
// transaction with the idempotency key. A replayed key returns the update
// the first request stored (found by the update.sent event of its result).
func (s *Store) RecordUpdate(ctx context.Context, idOrRef string, idem warroom.Idempotency,
	decide func(inc *warroom.Incident) (*warroom.Update, []warroom.Event, error)) (*warroom.Update, error) {
	var u *warroom.Update
	res, err := s.command(ctx, idem, func(t *tx) (*warroom.CommandResult, error) {
		res, err := s.updateIncident(ctx, t, idOrRef, func(inc *warroom.Incident) ([]warroom.Event, error) {
			var events []warroom.Event
			var err error
			u, events, err = decide(inc)
			return events, err
		})
		if err != nil {
			return nil, err
		}
		snap, err := marshal(u.Snapshot)
		if err != nil {
			return nil, err
		}
		_, err = t.exec(ctx, "INSERT INTO comm_updates ("+updateColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			u.ID, u.IncidentID, string(u.Audience), u.Subject, u.Body, u.AuthorID, t.d.timeArg(u.At), u.Seq, snap)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: store update: %w", err)
		}
		return res, nil
	})
	if err != nil {
		return nil, err
	}
	if res.Replayed {
		for _, e := range res.Events {
			if e.Type == warroom.EventUpdateSent {
				return s.FindUpdate(ctx, e.UpdateID)
			}
		}
		return nil, fmt.Errorf("sqlstore: replayed update without its update.sent event")
	}
	return u, nil
}

// FindUpdate returns an update by ID; ENotFound.
func (s *Store) FindUpdate(ctx context.Context, id string) (*warroom.Update, error) {
	u, err := scanUpdate(s.queryRow(ctx, "SELECT "+updateColumns+" FROM comm_updates WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "update %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find update: %w", err)
	}
	return u, nil
}

// ListUpdates returns an incident's updates, newest first: those to
// audience, or to every audience when audience is "".
func (s *Store) ListUpdates(ctx context.Context, incidentID string, audience warroom.Audience) ([]*warroom.Update, error) {
	q := "SELECT " + updateColumns + " FROM comm_updates WHERE incident_id = ?"
	args := []any{incidentID}
	if audience != "" {
		q += " AND audience = ?"
		args = append(args, string(audience))
	}
	rows, err := s.query(ctx, q+" ORDER BY at DESC, seq DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list updates: %w", err)
	}
	return collect(rows, scanUpdate)
}

func scanUpdate(r scanner) (*warroom.Update, error) {
	u := &warroom.Update{}
	var aud string
	err := r.Scan(&u.ID, &u.IncidentID, &aud, &u.Subject, &u.Body, &u.AuthorID, timeCol{&u.At}, &u.Seq, jsonCol{&u.Snapshot})
	u.Audience = warroom.Audience(aud)
	return u, err
}

// GetUpdateTemplate returns the edited template of an audience;
// ENotFound while it has none.
func (s *Store) GetUpdateTemplate(ctx context.Context, a warroom.Audience) (*warroom.UpdateTemplate, error) {
	t := &warroom.UpdateTemplate{Audience: a}
	err := s.queryRow(ctx, "SELECT subject, body, updated_by, updated_at FROM comm_templates WHERE audience = ?", string(a)).
		Scan(&t.Subject, &t.Body, &t.UpdatedBy, timeCol{&t.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "no template for %s", a)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read template: %w", err)
	}
	return t, nil
}

// PutUpdateTemplate stores the template of its audience, replacing any.
func (s *Store) PutUpdateTemplate(ctx context.Context, t *warroom.UpdateTemplate) error {
	_, err := s.exec(ctx, `INSERT INTO comm_templates (audience, subject, body, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (audience) DO UPDATE SET subject = excluded.subject, body = excluded.body,
		updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		string(t.Audience), t.Subject, t.Body, t.UpdatedBy, s.d.timeArg(t.UpdatedAt))
	if err != nil {
		return fmt.Errorf("sqlstore: store template: %w", err)
	}
	return nil
}

const customerColumns = "id, name, contacts, manager_name, manager_email, slack_channel, created_at, updated_at"

// CreateCustomer stores a new customer with its services (by ID);
// EConflict if the name is taken (in any case), EInvalid for an unknown
// service.
func (s *Store) CreateCustomer(ctx context.Context, c *warroom.Customer) error {
	if err := fillNew(&c.ID, &c.CreatedAt); err != nil {
		return err
	}
	c.UpdatedAt = c.CreatedAt
	return s.inTx(ctx, func(t *tx) error {
		contacts, err := marshal(c.Contacts)
		if err != nil {
			return err
		}
		_, err = t.exec(ctx, "INSERT INTO customers ("+customerColumns+", name_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			c.ID, c.Name, contacts, c.ManagerName, c.ManagerEmail, c.SlackChannel,
			t.d.timeArg(c.CreatedAt), t.d.timeArg(c.UpdatedAt), strings.ToLower(c.Name))
		if _, ok := uniqueViolation(err); ok {
			return conflict("name", "a customer named %q exists", c.Name)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: create customer: %w", err)
		}
		return t.setCustomerServices(ctx, c)
	})
}

// UpdateCustomer replaces a customer's fields and services; ENotFound,
// EConflict for a taken name.
func (s *Store) UpdateCustomer(ctx context.Context, c *warroom.Customer) error {
	return s.inTx(ctx, func(t *tx) error {
		contacts, err := marshal(c.Contacts)
		if err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE customers SET name = ?, name_key = ?, contacts = ?, manager_name = ?, manager_email = ?,
			slack_channel = ?, updated_at = ? WHERE id = ?`, c.Name, strings.ToLower(c.Name), contacts, c.ManagerName,
			c.ManagerEmail, c.SlackChannel, t.d.timeArg(c.UpdatedAt), c.ID)
		if _, ok := uniqueViolation(err); ok {
			return conflict("name", "a customer named %q exists", c.Name)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: update customer: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return warroom.Errorf(warroom.ENotFound, "customer %s not found", c.ID)
		}
		if _, err := t.exec(ctx, "DELETE FROM customer_services WHERE customer_id = ?", c.ID); err != nil {
			return fmt.Errorf("sqlstore: update customer services: %w", err)
		}
		return t.setCustomerServices(ctx, c)
	})
}

func (t *tx) setCustomerServices(ctx context.Context, c *warroom.Customer) error {
	for _, id := range c.ServiceIDs {
		_, err := t.exec(ctx, "INSERT INTO customer_services (customer_id, service_id) VALUES (?, ?)", c.ID, id)
		if foreignKeyViolation(err) {
			return warroom.Invalid("service_ids", "no service %q", id)
		}
		if _, ok := uniqueViolation(err); ok {
			continue
		}
		if err != nil {
			return fmt.Errorf("sqlstore: link customer to service: %w", err)
		}
	}
	return nil
}

// DeleteCustomer removes a customer; its deliveries stay as history.
// ENotFound.
func (s *Store) DeleteCustomer(ctx context.Context, id string) error {
	res, err := s.exec(ctx, "DELETE FROM customers WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("sqlstore: delete customer: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return warroom.Errorf(warroom.ENotFound, "customer %s not found", id)
	}
	return nil
}

// FindCustomer returns a customer by ID or name (any case); ENotFound.
func (s *Store) FindCustomer(ctx context.Context, idOrName string) (*warroom.Customer, error) {
	c, err := scanCustomer(s.queryRow(ctx, "SELECT "+customerColumns+" FROM customers WHERE id = ? OR name_key = ?",
		idOrName, strings.ToLower(strings.TrimSpace(idOrName))))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "customer %s not found", idOrName)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find customer: %w", err)
	}
	list, err := s.withServices(ctx, []*warroom.Customer{c})
	if err != nil {
		return nil, err
	}
	return list[0], nil
}

// ListCustomers returns every customer, by name.
func (s *Store) ListCustomers(ctx context.Context) ([]*warroom.Customer, error) {
	rows, err := s.query(ctx, "SELECT "+customerColumns+" FROM customers ORDER BY name_key")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list customers: %w", err)
	}
	list, err := collect(rows, scanCustomer)
	if err != nil {
		return nil, err
	}
	return s.withServices(ctx, list)
}

// withServices fills in the services of customers.
func (s *Store) withServices(ctx context.Context, list []*warroom.Customer) ([]*warroom.Customer, error) {
	rows, err := s.query(ctx, "SELECT customer_id, service_id FROM customer_services ORDER BY service_id")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list customer services: %w", err)
	}
	defer rows.Close()
	byID := map[string]*warroom.Customer{}
	for _, c := range list {
		c.ServiceIDs = []string{}
		byID[c.ID] = c
	}
	for rows.Next() {
		var cid, sid string
		if err := rows.Scan(&cid, &sid); err != nil {
			return nil, fmt.Errorf("sqlstore: scan customer service: %w", err)
		}
		if c := byID[cid]; c != nil {
			c.ServiceIDs = append(c.ServiceIDs, sid)
		}
	}
	return list, rows.Err()
}

func scanCustomer(r scanner) (*warroom.Customer, error) {
	c := &warroom.Customer{}
	err := r.Scan(&c.ID, &c.Name, jsonCol{&c.Contacts}, &c.ManagerName, &c.ManagerEmail, &c.SlackChannel,
		timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
	return c, err
}

const deliveryColumns = "id, update_id, incident_id, customer_id, channel, recipients, cc, state, attempts, last_error, provider_id, created_at, sent_at"

// AddDeliveries stores new deliveries and the jobs that send them, in one
// transaction; a delivery whose ID exists is skipped with its job (jobs
// are keyed), so adding them again is safe.
func (s *Store) AddDeliveries(ctx context.Context, ds []warroom.CustomerDelivery, jobs []engine.Job) error {
	return s.inTx(ctx, func(t *tx) error {
		for _, d := range ds {
			to, err := marshal(d.To)
			if err != nil {
				return err
			}
			cc, err := marshal(nonNilStrings(d.CC))
			if err != nil {
				return err
			}
			_, err = t.exec(ctx, "INSERT INTO customer_deliveries ("+deliveryColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
				d.ID, d.UpdateID, d.IncidentID, d.CustomerID, d.Channel, to, cc, d.State, d.Attempts, d.LastError, d.ProviderID,
				t.d.timeArg(d.CreatedAt), t.d.nullTimeArg(d.SentAt))
			if err != nil {
				return fmt.Errorf("sqlstore: store delivery: %w", err)
			}
		}
		return s.enqueueJobs(ctx, t, jobs)
	})
}

// FindDelivery returns a delivery by ID; ENotFound.
func (s *Store) FindDelivery(ctx context.Context, id string) (*warroom.CustomerDelivery, error) {
	d, err := scanDelivery(s.queryRow(ctx, "SELECT "+deliveryColumns+" FROM customer_deliveries WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "delivery %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find delivery: %w", err)
	}
	return d, nil
}

// ListDeliveries returns the deliveries of an incident's customer updates,
// oldest first.
func (s *Store) ListDeliveries(ctx context.Context, incidentID string) ([]*warroom.CustomerDelivery, error) {
	rows, err := s.query(ctx, "SELECT "+deliveryColumns+" FROM customer_deliveries WHERE incident_id = ? ORDER BY created_at, id", incidentID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list deliveries: %w", err)
	}
	return collect(rows, scanDelivery)
}

// RecordDeliveryAttempt records one try at a delivery: its new state
// (sent, failed, or pending to be retried), the error and the provider's
// ID. A delivery already sent stays sent.
func (s *Store) RecordDeliveryAttempt(ctx context.Context, id, state, errText, providerID string, at time.Time) error {
	var sentAt any
	if state == warroom.DeliverySent {
		sentAt = s.d.timeArg(at)
	}
	res, err := s.exec(ctx, `UPDATE customer_deliveries SET state = ?, attempts = attempts + 1, last_error = ?, provider_id = ?,
		sent_at = ? WHERE id = ? AND state <> 'sent'`, state, errText, providerID, sentAt, id)
	if err != nil {
		return fmt.Errorf("sqlstore: record delivery: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.FindDelivery(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func scanDelivery(r scanner) (*warroom.CustomerDelivery, error) {
	d := &warroom.CustomerDelivery{}
	err := r.Scan(&d.ID, &d.UpdateID, &d.IncidentID, &d.CustomerID, &d.Channel, jsonCol{&d.To}, jsonCol{&d.CC}, &d.State,
		&d.Attempts, &d.LastError, &d.ProviderID, timeCol{&d.CreatedAt}, nullTimeCol{&d.SentAt})
	if len(d.CC) == 0 {
		d.CC = nil
	}
	return d, err
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
