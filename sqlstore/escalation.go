package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/warroom/warroom"
)

var _ warroom.EscalationStore = (*Store)(nil)

// ---- escalation policies

const policyColumns = "id, name, steps, repeat"

// CreateEscalationPolicy stores a new policy, giving it an ID if it has
// none. EInvalid if it does not validate or a target user or schedule does
// not exist; EConflict if the name is taken.
func (s *Store) CreateEscalationPolicy(ctx context.Context, p *warroom.EscalationPolicy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.ID == "" {
		id, err := newID()
		if err != nil {
			return err
		}
		p.ID = id
	}
	steps, err := marshal(p.Steps)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		if err := t.checkTargets(ctx, p); err != nil {
			return err
		}
		_, err := t.exec(ctx, "INSERT INTO escalation_policies ("+policyColumns+") VALUES (?, ?, ?, ?)",
			p.ID, p.Name, steps, p.Repeat)
		return policyError(err, p)
	})
}

// UpdateEscalationPolicy replaces a policy. ENotFound, EInvalid,
// EConflict as for CreateEscalationPolicy.
func (s *Store) UpdateEscalationPolicy(ctx context.Context, p *warroom.EscalationPolicy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	steps, err := marshal(p.Steps)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		if err := t.checkTargets(ctx, p); err != nil {
			return err
		}
		res, err := t.exec(ctx, "UPDATE escalation_policies SET name = ?, steps = ?, repeat = ? WHERE id = ?",
			p.Name, steps, p.Repeat, p.ID)
		if err != nil {
			return policyError(err, p)
		}
		return oneRow(res, "escalation policy", p.ID)
	})
}

// checkTargets returns EInvalid naming the first target of p that does
// not exist.
func (t *tx) checkTargets(ctx context.Context, p *warroom.EscalationPolicy) error {
	for i, step := range p.Steps {
		for j, target := range step.Targets {
			table, what := "users", "user"
			if target.Type == warroom.TargetSchedule {
				table, what = "schedules", "schedule"
			}
			field := fmt.Sprintf("steps[%d].targets[%d].id", i, j)
			if err := t.mustExist(ctx, table, target.ID, field, "no "+what+" %q"); err != nil {
				return err
			}
		}
	}
	return nil
}

func policyError(err error, p *warroom.EscalationPolicy) error {
	switch {
	case err == nil:
		return nil
	case uniqueOn(err, "escalation_policies_name_key", "escalation_policies.name"):
		return conflict("name", "an escalation policy named %q exists", p.Name)
	case isUnique(err):
		return conflict("id", "an escalation policy with ID %s exists", p.ID)
	}
	return fmt.Errorf("sqlstore: store escalation policy: %w", err)
}

// FindEscalationPolicy returns a policy by ID or name; ENotFound.
func (s *Store) FindEscalationPolicy(ctx context.Context, idOrName string) (*warroom.EscalationPolicy, error) {
	p, err := scanPolicy(s.queryRow(ctx, "SELECT "+policyColumns+" FROM escalation_policies WHERE id = ? OR name = ?", idOrName, idOrName))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "no escalation policy %q", idOrName)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find escalation policy: %w", err)
	}
	return p, nil
}

// ListEscalationPolicies returns every policy, by name.
func (s *Store) ListEscalationPolicies(ctx context.Context) ([]*warroom.EscalationPolicy, error) {
	rows, err := s.query(ctx, "SELECT "+policyColumns+" FROM escalation_policies ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list escalation policies: %w", err)
	}
	return collect(rows, scanPolicy)
}

func scanPolicy(r scanner) (*warroom.EscalationPolicy, error) {
	p := &warroom.EscalationPolicy{}
	return p, r.Scan(&p.ID, &p.Name, jsonCol{&p.Steps}, &p.Repeat)
}

// ---- contact methods

// CreateContactMethod stores a way to reach a user, giving it an ID if it
// has none. EInvalid for an unknown channel, an empty address or an
// unknown user.
func (s *Store) CreateContactMethod(ctx context.Context, m *warroom.ContactMethod) error {
	switch m.Channel {
	case warroom.ContactEmail, warroom.ContactSlack, warroom.ContactWebhook:
	default:
		return warroom.Invalid("channel", "contact channel must be email, slack or webhook")
	}
	if strings.TrimSpace(m.Address) == "" {
		return warroom.Invalid("address", "a contact method needs an address")
	}
	if m.ID == "" {
		id, err := newID()
		if err != nil {
			return err
		}
		m.ID = id
	}
	_, err := s.exec(ctx, "INSERT INTO contact_methods (id, user_id, channel, address) VALUES (?, ?, ?, ?)",
		m.ID, m.UserID, string(m.Channel), m.Address)
	switch {
	case err == nil:
		return nil
	case isUnique(err):
		return conflict("id", "a contact method with ID %s exists", m.ID)
	case foreignKeyViolation(err):
		return warroom.Invalid("user_id", "no user %q", m.UserID)
	}
	return fmt.Errorf("sqlstore: create contact method: %w", err)
}

// DeleteContactMethod removes a contact method and the notification rules
// that use it. ENotFound.
func (s *Store) DeleteContactMethod(ctx context.Context, id string) error {
	res, err := s.exec(ctx, "DELETE FROM contact_methods WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("sqlstore: delete contact method: %w", err)
	}
	return oneRow(res, "contact method", id)
}

// ListContactMethods returns a user's contact methods, oldest first.
func (s *Store) ListContactMethods(ctx context.Context, userID string) ([]*warroom.ContactMethod, error) {
	rows, err := s.query(ctx, "SELECT id, user_id, channel, address FROM contact_methods WHERE user_id = ? ORDER BY id", userID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list contact methods: %w", err)
	}
	return collect(rows, func(r scanner) (*warroom.ContactMethod, error) {
		m := &warroom.ContactMethod{}
		var ch string
		err := r.Scan(&m.ID, &m.UserID, &ch, &m.Address)
		m.Channel = warroom.ContactChannel(ch)
		return m, err
	})
}

// ---- notification rules

// SetNotificationRules replaces a user's notification rules, kept in the
// given order. ENotFound for an unknown user; EInvalid for a negative
// delay or a contact method that is not the user's.
func (s *Store) SetNotificationRules(ctx context.Context, userID string, rules []warroom.NotificationRule) error {
	for i, r := range rules {
		if r.Delay < 0 {
			return warroom.Invalid(fmt.Sprintf("rules[%d].delay", i), "a notification delay cannot be negative")
		}
	}
	return s.inTx(ctx, func(t *tx) error {
		if err := t.mustExist(ctx, "users", userID, "user_id", "no user %q"); err != nil {
			if warroom.ErrorCode(err) == warroom.EInvalid {
				return warroom.Errorf(warroom.ENotFound, "no user %q", userID)
			}
			return err
		}
		for i, r := range rules {
			var owner string
			err := t.queryRow(ctx, "SELECT user_id FROM contact_methods WHERE id = ?", r.ContactMethodID).Scan(&owner)
			if errors.Is(err, sql.ErrNoRows) || err == nil && owner != userID {
				return warroom.Invalid(fmt.Sprintf("rules[%d].contact_method_id", i), "user %s has no contact method %q", userID, r.ContactMethodID)
			}
			if err != nil {
				return fmt.Errorf("sqlstore: read contact method: %w", err)
			}
		}
		if _, err := t.exec(ctx, "DELETE FROM notification_rules WHERE user_id = ?", userID); err != nil {
			return fmt.Errorf("sqlstore: set notification rules: %w", err)
		}
		for i, r := range rules {
			if _, err := t.exec(ctx, "INSERT INTO notification_rules (user_id, position, contact_method_id, delay) VALUES (?, ?, ?, ?)",
				userID, i, r.ContactMethodID, int64(r.Delay)); err != nil {
				return fmt.Errorf("sqlstore: set notification rules: %w", err)
			}
		}
		return nil
	})
}

// ListNotificationRules returns a user's notification rules in their
// order; none for an unknown user.
func (s *Store) ListNotificationRules(ctx context.Context, userID string) ([]warroom.NotificationRule, error) {
	rows, err := s.query(ctx, "SELECT contact_method_id, delay FROM notification_rules WHERE user_id = ? ORDER BY position", userID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list notification rules: %w", err)
	}
	return collect(rows, func(r scanner) (warroom.NotificationRule, error) {
		var nr warroom.NotificationRule
		var delay int64
		err := r.Scan(&nr.ContactMethodID, &delay)
		nr.Delay = warroom.Duration(delay)
		return nr, err
	})
}
