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
// incidentID, setting their updated_at to at, and returns how many it
// linked. An alert a person linked elsewhere meanwhile keeps its
// incident. ENotFound if the incident does not exist.
//
// Routing links the alerts that join an incident in batches with it
// (paging.AlertLinker): a storm's alerts in one group are thousands a
// second, and a transaction each (UpdateAlert) held routing far below
// intake. A batch is linked in transactions of at most
// linkAlertsPerTx alerts: one claim of bulk routing links thousands (50
// deliveries of 100 alerts), and in one transaction they held SQLite's
// one writer for over 100 ms during a storm, which every page's writes
// waited for. Linking is idempotent,
// so a failure part way leaves the rest for the route job's next run.
func (s *Store) LinkAlerts(ctx context.Context, incidentID string, ids []string, at time.Time) (int, error) {
	return s.alertsPerTx(ctx, ids, func(t *tx, cond string, arg any) (sql.Result, error) {
		var one int
		if err := t.queryRow(ctx, "SELECT 1 FROM incidents WHERE id = ?", incidentID).Scan(&one); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil, warroom.Errorf(warroom.ENotFound, "no incident %q", incidentID)
			}
			return nil, fmt.Errorf("sqlstore: read incident: %w", err)
		}
		res, err := t.exec(ctx, "UPDATE alerts SET incident_id = ?, updated_at = ? WHERE "+cond+" AND incident_id IS NULL",
			incidentID, t.d.timeArg(at), arg)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: link alerts: %w", err)
		}
		return res, nil
	})
}

// alertsPerTx runs update on the alerts of ids (cond and arg select them:
// dialect.idsIn) in transactions of at most linkAlertsPerTx alerts, and
// returns how many rows the updates changed in all.
func (s *Store) alertsPerTx(ctx context.Context, ids []string, update func(t *tx, cond string, arg any) (sql.Result, error)) (int, error) {
	changed := 0
	for part := range slices.Chunk(ids, linkAlertsPerTx) {
		n := 0
		err := s.inTx(ctx, func(t *tx) error {
			cond, arg := t.d.idsIn("id", part)
			res, err := update(t, cond, arg)
			if err != nil {
				return err
			}
			if rows, err := res.RowsAffected(); err == nil {
				n = int(rows)
			}
			return nil
		})
		changed += n
		if err != nil {
			return changed, err
		}
	}
	return changed, nil
}

// linkAlertsPerTx bounds the alerts one LinkAlerts transaction links, as
// sqliteIngestMaxAlerts bounds intake's. Measured in storm row 3 of issue
// 8 on the 2-core machine: 256 held the writer about 5 ms a transaction,
// but each waited behind an intake transaction, and bulk routing fell
// 3.5 s behind the storm; 1,024 kept it 0.3 s behind, with pages at p99
// 50-86 ms.
const linkAlertsPerTx = 1024

// AcknowledgeIncidentAlerts acknowledges at at every firing alert of an
// incident and returns how many it acknowledged, in transactions of at
// most linkAlertsPerTx alerts (as LinkAlerts, for the same reason: a
// storm's incident has hundreds of thousands). It reads their IDs first:
// a transaction that took "the next 1,024 firing alerts" read past all
// those acknowledged before it, 5 s for 100,000 alerts. Unlike
// UpdateAlert it schedules no alert.acknowledged job per alert: the
// caller says it once on the timeline (paging: acknowledging an
// incident).
func (s *Store) AcknowledgeIncidentAlerts(ctx context.Context, incidentID string, at time.Time) (int, error) {
	rows, err := s.query(ctx, "SELECT id FROM alerts WHERE incident_id = ? AND status = ?", incidentID, string(warroom.AlertFiring))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: read the firing alerts of incident %s: %w", incidentID, err)
	}
	ids, err := collect(rows, func(r scanner) (id string, err error) { return id, r.Scan(&id) })
	if err != nil {
		return 0, fmt.Errorf("sqlstore: read the firing alerts of incident %s: %w", incidentID, err)
	}
	return s.alertsPerTx(ctx, ids, func(t *tx, cond string, arg any) (sql.Result, error) {
		res, err := t.exec(ctx, "UPDATE alerts SET status = ?, acknowledged_at = ?, updated_at = ? WHERE "+cond+" AND status = ?",
			string(warroom.AlertAcknowledged), t.d.timeArg(at), t.d.timeArg(at), arg, string(warroom.AlertFiring))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: acknowledge the alerts of incident %s: %w", incidentID, err)
		}
		return res, nil
	})
}
