package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/warroom/warroom"
)

// LinkAlerts links the alerts of ids that are linked to no incident to
// incidentID, setting their updated_at to at, in one transaction (a
// statement per idsPerStatement alerts), and returns how many it linked.
// An alert a person linked elsewhere meanwhile keeps its incident.
// ENotFound if the incident does not exist.
//
// Routing links the alerts that join an incident in batches with it
// (paging.AlertLinker): a storm's alerts in one group are thousands a
// second, and a transaction each (UpdateAlert) held routing far below
// intake.
func (s *Store) LinkAlerts(ctx context.Context, incidentID string, ids []string, at time.Time) (int, error) {
	linked := 0
	err := s.inTx(ctx, func(t *tx) error {
		linked = 0
		var one int
		if err := t.queryRow(ctx, "SELECT 1 FROM incidents WHERE id = ?", incidentID).Scan(&one); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return warroom.Errorf(warroom.ENotFound, "no incident %q", incidentID)
			}
			return fmt.Errorf("sqlstore: read incident: %w", err)
		}
		for chunk := range slices.Chunk(ids, idsPerStatement) {
			cond, arg := t.d.idsIn("id", chunk)
			res, err := t.exec(ctx, "UPDATE alerts SET incident_id = ?, updated_at = ? WHERE "+cond+" AND incident_id IS NULL",
				incidentID, t.d.timeArg(at), arg)
			if err != nil {
				return fmt.Errorf("sqlstore: link alerts: %w", err)
			}
			if n, err := res.RowsAffected(); err == nil {
				linked += int(n)
			}
		}
		return nil
	})
	return linked, err
}
