package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// Routing's decisions about a service's incidents (migration 00004): the
// incident declared for each alert group, and the alerts whose declaration
// is decided but not yet committed. Paging uses them through its
// RoutingStore interface, so that processes sharing a PostgreSQL database
// make one incident per alert group, and an alert that would join its
// service's open incident does not miss one being declared.

// DeclareForAlert declares an incident as DeclareIncident does, for alert
// alertID of a service, and decides in the same transaction whether the
// alert's group (groupKey, "" for none) has an incident already: it locks
// the group's row, and if the incident the group has is still open it
// declares nothing and returns that incident, with out.Joined true unless
// that incident was declared for alertID itself (by a concurrent run for
// the same alert). A group whose incident is resolved or closed gets a
// new one. Otherwise, with a limit (warroom.AlertIncidentLimit), it takes
// the service's limit lock and, if the service declared its Count of
// incidents from alerts within the window before now and has an open
// incident, declares nothing either: it folds the group into the
// service's newest open incident and returns that (out.Folded). Either
// way the alert's mark (MarkDeclaring) is deleted in the same
// transaction, so that whoever reads the marks and then the open
// incidents sees one or the other.
//
// Idempotency is as for DeclareForAlert's DeclareIncident; a replayed
// declaration is neither joined nor folded.
func (s *Store) DeclareForAlert(ctx context.Context, serviceID, groupKey, alertID string, limit warroom.AlertIncidentLimit,
	now time.Time, idem warroom.Idempotency, build func(number int64) ([]warroom.Event, error),
) (res *warroom.CommandResult, out warroom.AlertDeclareOutcome, err error) {
	res, err = s.command(ctx, idem, func(t *tx) (*warroom.CommandResult, error) {
		out = warroom.AlertDeclareOutcome{} // command may run this twice (errKeyRace)
		if groupKey != "" {
			inc, forAlert, how, err := t.lockGroupHow(ctx, serviceID, groupKey)
			if err != nil {
				return nil, err
			}
			if inc != nil && inc.Stage.Open() {
				if err := t.unmarkDeclaring(ctx, serviceID, alertID); err != nil {
					return nil, err
				}
				// Declared for this very alert (a concurrent run for it):
				// its own. Folded or attached with it: a join.
				out.Joined = forAlert != alertID || how != groupDeclared
				// No events: nothing to remember under the key, and a
				// later run decides again.
				return &warroom.CommandResult{Incident: inc, Events: []warroom.Event{}}, nil
			}
		}
		if limit.Limited() {
			inc, folded, err := t.foldForLimit(ctx, serviceID, groupKey, alertID, limit, now)
			if err != nil {
				return nil, err
			}
			out = folded
			if inc != nil {
				if err := t.unmarkDeclaring(ctx, serviceID, alertID); err != nil {
					return nil, err
				}
				return &warroom.CommandResult{Incident: inc, Events: []warroom.Event{}}, nil
			}
		}
		res, err := s.declareIn(ctx, t, build)
		if err != nil {
			return nil, err
		}
		if groupKey != "" {
			if err := t.setGroup(ctx, serviceID, groupKey, res.Incident.ID, alertID, groupDeclared); err != nil {
				return nil, err
			}
		}
		if err := t.recordDeclaration(ctx, serviceID, res.Incident.ID, alertID, now, true); err != nil {
			return nil, err
		}
		if err := t.unmarkDeclaring(ctx, serviceID, alertID); err != nil {
			return nil, err
		}
		return res, nil
	})
	if err != nil {
		return nil, warroom.AlertDeclareOutcome{}, err
	}
	return res, out, nil
}

// lockGroup takes the row of an alert group, inserting it if there is
// none, and returns the incident routing declared for the group (nil if
// none, or if it no longer exists) and the alert it was declared for. The
// row stays locked until t ends: on PostgreSQL a concurrent declaration
// for the group waits at this upsert (for the insert or the update of
// another transaction) and then reads what that one committed. SQLite's
// single writer serializes the transactions anyway.
func (t *tx) lockGroup(ctx context.Context, serviceID, groupKey string) (*warroom.Incident, string, error) {
	inc, alertID, _, err := t.lockGroupHow(ctx, serviceID, groupKey)
	return inc, alertID, err
}

// lockGroupHow is lockGroup that also says how the group came to its
// incident (groupDeclared, groupAttached, groupFolded).
func (t *tx) lockGroupHow(ctx context.Context, serviceID, groupKey string) (_ *warroom.Incident, alertID, how string, _ error) {
	var incidentID string
	err := t.queryRow(ctx, `INSERT INTO alert_group_incidents (service_id, group_key) VALUES (?, ?)
		ON CONFLICT (service_id, group_key) DO UPDATE SET service_id = excluded.service_id
		RETURNING incident_id, alert_id, how`, serviceID, groupKey).Scan(strCol{&incidentID}, strCol{&alertID}, &how)
	if err != nil {
		return nil, "", "", fmt.Errorf("sqlstore: lock alert group: %w", err)
	}
	if incidentID == "" {
		return nil, "", "", nil
	}
	// A statement of its own, after the lock: on PostgreSQL it sees what
	// the transaction that held the lock committed.
	inc := &warroom.Incident{}
	err = t.queryRow(ctx, "SELECT state FROM incidents WHERE id = ?", incidentID).Scan(jsonCol{inc})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", "", nil
	}
	if err != nil {
		return nil, "", "", fmt.Errorf("sqlstore: read the incident of alert group: %w", err)
	}
	return inc, alertID, how, nil
}

// GroupIncident returns the incident of an alert group (declared for it,
// or which routing attached or folded it into) and the alert it was
// declared for ("" if it was not declared for the group); nil if there is
// none. It reads
// without locking: DeclareForAlert decides again.
func (s *Store) GroupIncident(ctx context.Context, serviceID, groupKey string) (*warroom.Incident, string, error) {
	inc := &warroom.Incident{}
	var alertID string
	err := s.queryRow(ctx, `SELECT i.state, CASE WHEN g.how = 'declared' THEN g.alert_id ELSE '' END
		FROM alert_group_incidents g JOIN incidents i ON i.id = g.incident_id
		WHERE g.service_id = ? AND g.group_key = ?`, serviceID, groupKey).Scan(jsonCol{inc}, strCol{&alertID})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("sqlstore: read the incident of alert group: %w", err)
	}
	return inc, alertID, nil
}

// MarkDeclaring notes that routing decided to declare an incident for
// alerts of a service, before the decision is acted on (by another job,
// or another transaction): until DeclareForAlert deletes the mark, or the
// alert is linked or no longer firing, Declaring lists it. The service's
// marks that mean nothing any more go in the same transaction: the alerts
// of a storm in one group are marked, and most join the group's incident
// without declaring.
func (s *Store) MarkDeclaring(ctx context.Context, serviceID string, alertIDs ...string) error {
	if len(alertIDs) == 0 {
		return nil
	}
	marks := make([][2]string, len(alertIDs))
	for i, id := range alertIDs {
		marks[i] = [2]string{serviceID, id}
	}
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, "DELETE FROM declaring_alerts WHERE service_id = ? AND "+settledMark, serviceID); err != nil {
			return fmt.Errorf("sqlstore: delete settled marks: %w", err)
		}
		return t.markDeclaring(ctx, marks)
	})
}

// settledMark is the condition on a row of declaring_alerts whose alert
// is no longer firing and unlinked (or gone): its declaration was made,
// joined another, or is moot.
const settledMark = `NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = declaring_alerts.alert_id
	AND a.status = 'firing' AND a.incident_id IS NULL)`

// Declaring returns the marked alerts (MarkDeclaring) of a service that
// are still firing and linked to no incident, oldest first: the
// declarations decided on and not yet committed.
func (s *Store) Declaring(ctx context.Context, serviceID string) ([]string, error) {
	rows, err := s.query(ctx, `SELECT m.alert_id FROM declaring_alerts m JOIN alerts a ON a.id = m.alert_id
		WHERE m.service_id = ? AND a.status = 'firing' AND a.incident_id IS NULL ORDER BY a.created_at, a.id`, serviceID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list declaring alerts: %w", err)
	}
	return collect(rows, func(r scanner) (id string, err error) { return id, r.Scan(&id) })
}

// markDeclaring marks (service, alert) pairs inside t, as intake stores
// the alerts: they are few (the alerts that declare), so one statement.
func (t *tx) markDeclaring(ctx context.Context, marks [][2]string) error {
	if len(marks) == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString("INSERT INTO declaring_alerts (service_id, alert_id) VALUES ")
	args := make([]any, 0, 2*len(marks))
	for i, m := range marks {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?)")
		args = append(args, m[0], m[1])
	}
	q.WriteString(" ON CONFLICT DO NOTHING")
	if _, err := t.exec(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("sqlstore: mark declaring alerts: %w", err)
	}
	return nil
}

// UnmarkDeclaring deletes the marks of alerts of a service whose routing
// will not declare after all.
func (s *Store) UnmarkDeclaring(ctx context.Context, serviceID string, alertIDs ...string) error {
	if len(alertIDs) == 0 {
		return nil
	}
	cond, arg := s.d.idsIn("alert_id", alertIDs)
	if _, err := s.exec(ctx, "DELETE FROM declaring_alerts WHERE service_id = ? AND "+cond, serviceID, arg); err != nil {
		return fmt.Errorf("sqlstore: unmark declaring alerts: %w", err)
	}
	return nil
}

// unmarkDeclaring deletes the mark of the alert being declared for, and
// those of the service's alerts that no longer mean anything (linked, or
// no longer firing), inside the declaring transaction.
func (t *tx) unmarkDeclaring(ctx context.Context, serviceID, alertID string) error {
	_, err := t.exec(ctx, "DELETE FROM declaring_alerts WHERE service_id = ? AND (alert_id = ? OR "+settledMark+")",
		serviceID, alertID)
	if err != nil {
		return fmt.Errorf("sqlstore: unmark declaring alert: %w", err)
	}
	return nil
}
