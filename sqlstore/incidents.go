package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/warroom/warroom"
)

// DeclareIncident allocates the next incident number, calls build with it
// and stores the events build returns with their fold, all in one
// transaction; see warroom.IncidentStore.
func (s *Store) DeclareIncident(ctx context.Context, idem warroom.Idempotency, build func(number int64) ([]warroom.Event, error)) (*warroom.CommandResult, error) {
	return s.command(ctx, idem, func(t *tx) (*warroom.CommandResult, error) { return s.declareIn(ctx, t, build) })
}

// declareIn is DeclareIncident's work inside t (also DeclareForAlert's): allocate the number, build
// the events, store them with their fold, and schedule what the reactor
// calls for.
func (s *Store) declareIn(ctx context.Context, t *tx, build func(number int64) ([]warroom.Event, error)) (*warroom.CommandResult, error) {
	number, err := t.nextNumber(ctx)
	if err != nil {
		return nil, err
	}
	events, err := build(number)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 || events[0].IncidentID == "" {
		return nil, fmt.Errorf("sqlstore: declare: build returned no declaration for incident %d", number)
	}
	inc, err := warroom.Fold(events)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: declare: %w", err)
	}
	if err := t.insertIncident(ctx, inc); err != nil {
		return nil, err
	}
	if err := t.appendEvents(ctx, inc.ID, events); err != nil {
		return nil, err
	}
	if err := t.projectLifecycle(ctx, inc.ID, events); err != nil {
		return nil, err
	}
	if err := t.syncMembers(ctx, &warroom.Incident{ID: inc.ID}, inc); err != nil {
		return nil, err
	}
	if err := s.react(ctx, t, inc, events); err != nil {
		return nil, err
	}
	return &warroom.CommandResult{Incident: inc, Events: events}, nil
}

// nextNumber allocates an incident number. The counter row stays locked
// until the transaction ends, so numbers are gapless and never reused.
func (t *tx) nextNumber(ctx context.Context) (int64, error) {
	var n int64
	err := t.queryRow(ctx, "UPDATE counters SET value = value + 1 WHERE name = 'incident' RETURNING value").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: allocate incident number: %w", err)
	}
	return n, nil
}

// UpdateIncident locks the incident, calls decide with its state and
// appends the events decide returns; see warroom.IncidentStore. Errors of
// decide are returned unchanged.
func (s *Store) UpdateIncident(ctx context.Context, idOrRef string, idem warroom.Idempotency, decide func(inc *warroom.Incident) ([]warroom.Event, error)) (*warroom.CommandResult, error) {
	return s.command(ctx, idem, func(t *tx) (*warroom.CommandResult, error) {
		return s.updateIncident(ctx, t, idOrRef, decide)
	})
}

// updateIncident is UpdateIncident inside the caller's transaction t.
func (s *Store) updateIncident(ctx context.Context, t *tx, idOrRef string, decide func(inc *warroom.Incident) ([]warroom.Event, error)) (*warroom.CommandResult, error) {
	cur, err := t.lockIncident(ctx, idOrRef)
	if err != nil {
		return nil, err
	}
	// decide gets its own copy: the state it was given must not be
	// able to change what is stored, nor the diff of members below.
	next := cur.Clone()
	events, err := decide(cur.Clone())
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return &warroom.CommandResult{Incident: next, Events: []warroom.Event{}}, nil
	}
	for i := range events {
		if err := next.Apply(&events[i]); err != nil {
			return nil, fmt.Errorf("sqlstore: update %s: %w", next.Ref, err)
		}
	}
	if err := t.updateIncident(ctx, next); err != nil {
		return nil, err
	}
	if err := t.appendEvents(ctx, next.ID, events); err != nil {
		return nil, err
	}
	if err := t.projectLifecycle(ctx, next.ID, events); err != nil {
		return nil, err
	}
	if err := t.syncMembers(ctx, cur, next); err != nil {
		return nil, err
	}
	if err := s.react(ctx, t, next, events); err != nil {
		return nil, err
	}
	return &warroom.CommandResult{Incident: next, Events: events}, nil
}

// lockIncident reads an incident's state by ID or ref and locks it until
// the transaction ends.
func (t *tx) lockIncident(ctx context.Context, idOrRef string) (*warroom.Incident, error) {
	where, arg := incidentKey(idOrRef)
	inc := &warroom.Incident{}
	err := t.queryRow(ctx, "SELECT state FROM incidents WHERE "+where+t.d.forUpdate, arg).Scan(jsonCol{inc})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "incident %s not found", idOrRef)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: lock incident: %w", err)
	}
	return inc, nil
}

// incidentKey returns the condition selecting an incident by ref ("INC-42",
// "42") or else by ID.
func incidentKey(idOrRef string) (where string, arg any) {
	if n, ok := warroom.ParseRef(idOrRef); ok {
		return "number = ?", n
	}
	return "id = ?", idOrRef
}

// syncMembers brings the participant and service rows, which the list
// filters use, from what they were for before to what they are for after.
func (t *tx) syncMembers(ctx context.Context, before, after *warroom.Incident) error {
	if err := t.syncSet(ctx, "incident_participants", "user_id", after.ID, before.Participants, after.Participants); err != nil {
		return err
	}
	return t.syncSet(ctx, "incident_services", "service_id", after.ID, before.Impact.ServiceIDs, after.Impact.ServiceIDs)
}

func (t *tx) syncSet(ctx context.Context, table, column, incidentID string, before, after []string) error {
	for _, v := range after {
		if v == "" || slices.Contains(before, v) {
			continue
		}
		if _, err := t.exec(ctx, "INSERT INTO "+table+" (incident_id, "+column+") VALUES (?, ?) ON CONFLICT DO NOTHING", incidentID, v); err != nil {
			return fmt.Errorf("sqlstore: add to %s: %w", table, err)
		}
	}
	for _, v := range before {
		if slices.Contains(after, v) {
			continue
		}
		if _, err := t.exec(ctx, "DELETE FROM "+table+" WHERE incident_id = ? AND "+column+" = ?", incidentID, v); err != nil {
			return fmt.Errorf("sqlstore: remove from %s: %w", table, err)
		}
	}
	return nil
}
