package sqlstore

import (
	"context"
	"fmt"

	"github.com/warroom/warroom"
)

var _ warroom.TimelineTailReader = (*Store)(nil)

// TimelineBefore returns an incident's events with Seq < before (0: from
// the last), newest first, at most limit (0: all): one backwards range
// scan of the (incident_id, seq) key.
func (s *Store) TimelineBefore(ctx context.Context, incidentID string, before int64, limit int) ([]warroom.Event, error) {
	if before <= 0 {
		before = 1 << 62
	}
	q, args := "SELECT data FROM incident_events WHERE incident_id = ? AND seq < ? ORDER BY seq DESC", []any{incidentID, before}
	if limit > 0 {
		q, args = q+" LIMIT ?", append(args, limit)
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: timeline tail: %w", err)
	}
	defer rows.Close()
	var data []string
	for rows.Next() {
		data = append(data, "")
		if err := rows.Scan(textCol{&data[len(data)-1]}); err != nil {
			return nil, fmt.Errorf("sqlstore: timeline tail: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: timeline tail: %w", err)
	}
	events := make([]warroom.Event, len(data))
	if err := decodeEvents(data, events); err != nil {
		return nil, err
	}
	return events, nil
}
