package sqlstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/warroom/warroom"
)

// FindAlerts returns the alerts of ids that exist, in no particular order,
// with one query per thousand IDs: the engine routes the alerts of an
// intake batch with it instead of reading them one by one.
func (s *Store) FindAlerts(ctx context.Context, ids []string) ([]*warroom.Alert, error) {
	out := make([]*warroom.Alert, 0, len(ids))
	for chunk := range slices.Chunk(ids, idsPerStatement) {
		cond, arg := s.d.idsIn("id", chunk)
		rows, err := s.query(ctx, "SELECT "+alertColumns+" FROM alerts WHERE "+cond, arg)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: find alerts: %w", err)
		}
		got, err := collect(rows, scanAlert)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: find alerts: %w", err)
		}
		out = append(out, got...)
	}
	return out, nil
}

// RoutingAlerts returns the alerts of ids that exist, in no particular
// order, with only what routing decides on: ID, ServiceID, Status,
// Severity, GroupKey and IncidentID (the rest is empty). It reads a
// thousand alerts per query and decodes nothing, so that routing an alert
// storm stays far cheaper than taking it in.
func (s *Store) RoutingAlerts(ctx context.Context, ids []string) ([]*warroom.Alert, error) {
	out := make([]*warroom.Alert, 0, len(ids))
	for chunk := range slices.Chunk(ids, idsPerStatement) {
		cond, arg := s.d.idsIn("id", chunk)
		rows, err := s.query(ctx, "SELECT id, service_id, status, severity, group_key, incident_id FROM alerts WHERE "+cond, arg)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: find alerts: %w", err)
		}
		got, err := collect(rows, func(r scanner) (*warroom.Alert, error) {
			a := &warroom.Alert{}
			var status string
			err := r.Scan(&a.ID, &a.ServiceID, &status, &a.Severity, &a.GroupKey, strCol{&a.IncidentID})
			a.Status = warroom.AlertStatus(status)
			return a, err
		})
		if err != nil {
			return nil, fmt.Errorf("sqlstore: find alerts: %w", err)
		}
		out = append(out, got...)
	}
	return out, nil
}
