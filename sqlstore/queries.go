package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/warroom/warroom"
)

// defaultLimit is how many incidents a list returns when the filter says 0.
const defaultLimit = 100

// FindIncident returns an incident's read model by ID or ref ("INC-42",
// "42"); ENotFound. Visibility is the caller's to check.
func (s *Store) FindIncident(ctx context.Context, idOrRef string) (*warroom.Incident, error) {
	where, arg := incidentKey(idOrRef)
	inc := &warroom.Incident{}
	err := s.queryRow(ctx, "SELECT state FROM incidents WHERE "+where, arg).Scan(jsonCol{inc})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "incident %s not found", idOrRef)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find incident: %w", err)
	}
	return inc, nil
}

// ListIncidents returns the incidents matching f that f.Viewer may see,
// newest (highest number) first.
func (s *Store) ListIncidents(ctx context.Context, f warroom.IncidentFilter) ([]*warroom.Incident, error) {
	where, args := incidentWhere(f)
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	q := "SELECT state FROM incidents i" + where + " ORDER BY number DESC LIMIT ? OFFSET ?"
	rows, err := s.query(ctx, q, append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list incidents: %w", err)
	}
	return collect(rows, func(r scanner) (*warroom.Incident, error) {
		inc := &warroom.Incident{}
		return inc, r.Scan(jsonCol{inc})
	})
}

// incidentWhere turns a filter into a WHERE clause and its arguments.
func incidentWhere(f warroom.IncidentFilter) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	if f.Viewer.Role != warroom.AccountAdmin {
		add(`(NOT i.private OR EXISTS (SELECT 1 FROM incident_participants p
			WHERE p.incident_id = i.id AND p.user_id = ?))`, f.Viewer.UserID)
	}
	if f.Open != nil {
		add("i.open = ?", *f.Open)
	}
	if f.Major != nil {
		add("i.major = ?", *f.Major)
	}
	if f.Stage != "" {
		add("i.stage = ?", string(f.Stage))
	}
	if f.Severity != "" {
		add("i.severity = ?", string(f.Severity))
	}
	if f.ServiceID != "" {
		add(`EXISTS (SELECT 1 FROM incident_services sv WHERE sv.incident_id = i.id AND sv.service_id = ?)`, f.ServiceID)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		add(`i.search LIKE ? ESCAPE '\'`, "%"+escapeLike(strings.ToLower(q))+"%")
	}
	if len(conds) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// escapeLike makes s match itself literally in a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Timeline returns an incident's events with Seq > after, oldest first, at
// most limit of them (0: all). An unknown incident has no events.
func (s *Store) Timeline(ctx context.Context, incidentID string, after int64, limit int) ([]warroom.Event, error) {
	q, args := "SELECT data FROM incident_events WHERE incident_id = ? AND seq > ? ORDER BY seq", []any{incidentID, after}
	if limit > 0 {
		q, args = q+" LIMIT ?", append(args, limit)
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: timeline: %w", err)
	}
	defer rows.Close()
	data := make([]string, 0, min(max(limit, 16), 1024))
	for rows.Next() {
		data = append(data, "")
		if err := rows.Scan(textCol{&data[len(data)-1]}); err != nil {
			return nil, fmt.Errorf("sqlstore: timeline: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: timeline: %w", err)
	}
	events := make([]warroom.Event, len(data))
	if err := decodeEvents(data, events); err != nil {
		return nil, err
	}
	return events, nil
}
