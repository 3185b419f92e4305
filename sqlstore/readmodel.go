package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/warroom/warroom"
)

// incidentRow returns the read model's columns after id: the indexed
// fields the list filters on and the whole state as JSON.
func (t *tx) incidentRow(inc *warroom.Incident) ([]any, error) {
	state, err := marshal(inc)
	if err != nil {
		return nil, err
	}
	return []any{inc.Number, inc.Title, inc.Summary, string(inc.Severity), string(inc.Stage),
		inc.Stage.Open(), inc.Major, inc.Private, searchText(inc),
		t.d.timeArg(inc.DeclaredAt), t.d.timeArg(inc.UpdatedAt), inc.Version, state}, nil
}

// searchText is what the list's text query matches: lower-cased in Go, so
// that both dialects fold case the same way (SQLite's lower() knows only
// ASCII).
func searchText(inc *warroom.Incident) string {
	return strings.ToLower(inc.Ref + "\n" + inc.Title + "\n" + inc.Summary)
}

func (t *tx) insertIncident(ctx context.Context, inc *warroom.Incident) error {
	row, err := t.incidentRow(inc)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO incidents (id, number, title, summary, severity, stage, open, major, private,
		search, declared_at, updated_at, version, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append([]any{inc.ID}, row...)...)
	if c, ok := uniqueViolation(err); ok {
		return fmt.Errorf("sqlstore: incident %s (%s) already stored (%s)", inc.ID, inc.Ref, c)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: insert incident: %w", err)
	}
	return nil
}

func (t *tx) updateIncident(ctx context.Context, inc *warroom.Incident) error {
	row, err := t.incidentRow(inc)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `UPDATE incidents SET number = ?, title = ?, summary = ?, severity = ?, stage = ?, open = ?,
		major = ?, private = ?, search = ?, declared_at = ?, updated_at = ?, version = ?, state = ? WHERE id = ?`,
		append(row, inc.ID)...)
	if err != nil {
		return fmt.Errorf("sqlstore: update incident: %w", err)
	}
	return nil
}

// appendEvents inserts events with one statement. A Seq that is already
// stored fails on the primary key: the last guard against two commands
// deciding against the same version.
func (t *tx) appendEvents(ctx context.Context, incidentID string, events []warroom.Event) error {
	var q strings.Builder
	q.WriteString("INSERT INTO incident_events (incident_id, seq, type, at, actor_id, data) VALUES ")
	args := make([]any, 0, 6*len(events))
	for i := range events {
		e := &events[i]
		if e.IncidentID != incidentID {
			return fmt.Errorf("sqlstore: event %d is for incident %q, not %s", e.Seq, e.IncidentID, incidentID)
		}
		data, err := marshalEvent(e)
		if err != nil {
			return err
		}
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?)")
		args = append(args, incidentID, e.Seq, string(e.Type), t.d.timeArg(e.At), e.ActorID, data)
	}
	_, err := t.exec(ctx, q.String(), args...)
	if _, ok := uniqueViolation(err); ok {
		return warroom.Errorf(warroom.EConflict, "the incident changed concurrently at version %s; try again",
			strconv.FormatInt(events[0].Seq-1, 10))
	}
	if err != nil {
		return fmt.Errorf("sqlstore: append events: %w", err)
	}
	return nil
}
