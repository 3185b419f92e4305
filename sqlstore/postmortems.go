package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// This file keeps postmortems and action items (migration 00020). Each
// is a record of its own; a change that the incident's timeline records
// (published, item done) appends its event in the same transaction.

// ChangePostmortem locks the incident idOrRef and its postmortem, calls
// change and stores what it returns, in one transaction. change decides:
// given the locked incident, its postmortem (the empty draft if none was
// saved) and its action items, it returns the postmortem to store (nil:
// nothing changes), the section revisions to add to its history and the
// events to append to the incident's timeline. It returns the
// stored postmortem (or the unchanged one) and the incident after the
// events. ENotFound for an unknown incident; change's errors unchanged.
func (s *Store) ChangePostmortem(ctx context.Context, idOrRef string, change func(inc *warroom.Incident, pm *warroom.Postmortem, items []*warroom.ActionItem) (
	*warroom.Postmortem, []warroom.PostmortemRevision, []warroom.Event, error)) (*warroom.Postmortem, *warroom.Incident, error) {
	var pm *warroom.Postmortem
	var inc *warroom.Incident
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		if inc, err = t.lockIncident(ctx, idOrRef); err != nil {
			return err
		}
		cur, err := t.postmortem(ctx, inc.ID, true)
		if err != nil {
			return err
		}
		items, err := t.actionItems(ctx, warroom.ActionItemFilter{IncidentID: inc.ID})
		if err != nil {
			return err
		}
		next, revs, events, err := change(inc.Clone(), cur.Clone(), items)
		if err != nil {
			return err
		}
		pm = cur
		if next == nil {
			return nil
		}
		pm = next
		doc, err := marshal(next)
		if err != nil {
			return err
		}
		_, err = t.exec(ctx, `INSERT INTO postmortems (incident_id, state, version, doc, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (incident_id) DO UPDATE SET state = excluded.state, version = excluded.version,
			doc = excluded.doc, updated_at = excluded.updated_at`,
			inc.ID, string(next.State), next.Version, doc, t.d.timeArg(next.UpdatedAt))
		if err != nil {
			return fmt.Errorf("sqlstore: store postmortem: %w", err)
		}
		for _, r := range revs {
			_, err = t.exec(ctx, "INSERT INTO postmortem_revisions (incident_id, section, version, text, by_user, at) VALUES (?, ?, ?, ?, ?, ?)",
				inc.ID, string(r.Section), r.Version, r.Text, r.By, t.d.timeArg(r.At))
			if _, ok := uniqueViolation(err); ok {
				return warroom.Errorf(warroom.EConflict, "section %s version %d was saved by someone else", r.Section, r.Version)
			}
			if err != nil {
				return fmt.Errorf("sqlstore: store postmortem revision: %w", err)
			}
		}
		if len(events) > 0 {
			res, err := s.updateIncident(ctx, t, inc.ID, func(*warroom.Incident) ([]warroom.Event, error) { return events, nil })
			if err != nil {
				return err
			}
			inc = res.Incident
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return pm, inc, nil
}

// postmortem reads an incident's postmortem, locking it with lock; the
// empty draft if none was saved.
func (t *tx) postmortem(ctx context.Context, incidentID string, lock bool) (*warroom.Postmortem, error) {
	q := "SELECT doc FROM postmortems WHERE incident_id = ?"
	if lock {
		q += t.d.forUpdate
	}
	pm := &warroom.Postmortem{}
	err := t.queryRow(ctx, q, incidentID).Scan(jsonCol{pm})
	if errors.Is(err, sql.ErrNoRows) {
		return warroom.NewPostmortem(incidentID), nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read postmortem: %w", err)
	}
	if pm.Sections == nil {
		pm.Sections = map[warroom.Section]warroom.SectionText{}
	}
	return pm, nil
}

// FindPostmortem returns an incident's saved postmortem; ENotFound while
// nobody saved one (the caller shows the empty draft).
func (s *Store) FindPostmortem(ctx context.Context, incidentID string) (*warroom.Postmortem, error) {
	pm := &warroom.Postmortem{}
	err := s.queryRow(ctx, "SELECT doc FROM postmortems WHERE incident_id = ?", incidentID).Scan(jsonCol{pm})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "no postmortem saved for incident %s", incidentID)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read postmortem: %w", err)
	}
	if pm.Sections == nil {
		pm.Sections = map[warroom.Section]warroom.SectionText{}
	}
	return pm, nil
}

// ListPostmortemRevisions returns a section's saved versions, oldest
// first; every section's when section is "".
func (s *Store) ListPostmortemRevisions(ctx context.Context, incidentID string, section warroom.Section) ([]warroom.PostmortemRevision, error) {
	q := "SELECT incident_id, section, version, text, by_user, at FROM postmortem_revisions WHERE incident_id = ?"
	args := []any{incidentID}
	if section != "" {
		q += " AND section = ?"
		args = append(args, string(section))
	}
	rows, err := s.query(ctx, q+" ORDER BY at, section, version", args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list postmortem revisions: %w", err)
	}
	return collect(rows, func(r scanner) (rev warroom.PostmortemRevision, err error) {
		var sec string
		err = r.Scan(&rev.IncidentID, &sec, &rev.Version, &rev.Text, &rev.By, timeCol{&rev.At})
		rev.Section = warroom.Section(sec)
		return rev, err
	})
}

const actionItemColumns = "id, incident_id, number, title, owner_id, criticality, target_date, category, status, " +
	"ticket_key, ticket_url, created_by, created_at, updated_at, done_at, version"

// AddActionItem locks the incident idOrRef, numbers its next action item,
// calls build with the incident and that number, and stores the item it
// returns with the jobs jobs makes for it (its reminders), in one
// transaction. ENotFound; build's errors unchanged.
func (s *Store) AddActionItem(ctx context.Context, idOrRef string, build func(inc *warroom.Incident, number int64) (*warroom.ActionItem, error),
	jobs func(it *warroom.ActionItem) ([]engine.Job, error)) (*warroom.ActionItem, error) {
	var it *warroom.ActionItem
	err := s.inTx(ctx, func(t *tx) error {
		inc, err := t.lockIncident(ctx, idOrRef)
		if err != nil {
			return err
		}
		var last int64
		if err := t.queryRow(ctx, "SELECT COALESCE(MAX(number), 0) FROM action_items WHERE incident_id = ?", inc.ID).Scan(&last); err != nil {
			return fmt.Errorf("sqlstore: number action item: %w", err)
		}
		if it, err = build(inc, last+1); err != nil {
			return err
		}
		_, err = t.exec(ctx, "INSERT INTO action_items ("+actionItemColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			it.ID, it.IncidentID, it.Number, it.Title, it.OwnerID, string(it.Criticality), it.TargetDate, string(it.Category),
			string(it.Status), it.TicketKey, it.TicketURL, it.CreatedBy, t.d.timeArg(it.CreatedAt), t.d.timeArg(it.UpdatedAt),
			t.d.nullTimeArg(it.DoneAt), it.Version)
		if err != nil {
			return fmt.Errorf("sqlstore: store action item: %w", err)
		}
		return s.itemJobs(ctx, t, it, jobs)
	})
	if err != nil {
		return nil, err
	}
	return it, nil
}

func (s *Store) itemJobs(ctx context.Context, t *tx, it *warroom.ActionItem, jobs func(*warroom.ActionItem) ([]engine.Job, error)) error {
	if jobs == nil {
		return nil
	}
	js, err := jobs(it)
	if err != nil {
		return err
	}
	return s.enqueueJobs(ctx, t, js)
}

// ChangeActionItem locks the item's incident and the item, calls change,
// and stores the item, the events and the jobs jobs makes for it, in one
// transaction. change decides, given the locked incident: the item to
// store (nil: nothing changes) and the events to append to the incident's
// timeline. ENotFound for an unknown item.
func (s *Store) ChangeActionItem(ctx context.Context, id string,
	change func(inc *warroom.Incident, it *warroom.ActionItem) (*warroom.ActionItem, []warroom.Event, error),
	jobs func(it *warroom.ActionItem) ([]engine.Job, error)) (*warroom.ActionItem, error) {
	var out *warroom.ActionItem
	err := s.inTx(ctx, func(t *tx) error {
		var incidentID string
		err := t.queryRow(ctx, "SELECT incident_id FROM action_items WHERE id = ?", id).Scan(&incidentID)
		if errors.Is(err, sql.ErrNoRows) {
			return warroom.Errorf(warroom.ENotFound, "action item %s not found", id)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: find action item: %w", err)
		}
		inc, err := t.lockIncident(ctx, incidentID)
		if err != nil {
			return err
		}
		cur, err := scanActionItem(t.queryRow(ctx, "SELECT "+actionItemColumns+" FROM action_items WHERE id = ?"+t.d.forUpdate, id))
		if err != nil {
			return fmt.Errorf("sqlstore: read action item: %w", err)
		}
		c := *cur
		next, events, err := change(inc, &c)
		if err != nil {
			return err
		}
		out = cur
		if next == nil {
			return nil
		}
		out = next
		_, err = t.exec(ctx, `UPDATE action_items SET title = ?, owner_id = ?, criticality = ?, target_date = ?, category = ?,
			status = ?, ticket_key = ?, ticket_url = ?, updated_at = ?, done_at = ?, version = ? WHERE id = ? AND version = ?`,
			next.Title, next.OwnerID, string(next.Criticality), next.TargetDate, string(next.Category), string(next.Status),
			next.TicketKey, next.TicketURL, t.d.timeArg(next.UpdatedAt), t.d.nullTimeArg(next.DoneAt), next.Version, id, cur.Version)
		if err != nil {
			return fmt.Errorf("sqlstore: update action item: %w", err)
		}
		if len(events) > 0 {
			if _, err := s.updateIncident(ctx, t, inc.ID, func(*warroom.Incident) ([]warroom.Event, error) { return events, nil }); err != nil {
				return err
			}
		}
		return s.itemJobs(ctx, t, next, jobs)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FindActionItem returns an action item by ID; ENotFound.
func (s *Store) FindActionItem(ctx context.Context, id string) (*warroom.ActionItem, error) {
	it, err := scanActionItem(s.queryRow(ctx, "SELECT "+actionItemColumns+" FROM action_items WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "action item %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find action item: %w", err)
	}
	return it, nil
}

// ListActionItems returns the items matching f: an incident's by number,
// otherwise by target date.
func (s *Store) ListActionItems(ctx context.Context, f warroom.ActionItemFilter) ([]*warroom.ActionItem, error) {
	q, args := actionItemQuery(f)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list action items: %w", err)
	}
	return collect(rows, scanActionItem)
}

func (t *tx) actionItems(ctx context.Context, f warroom.ActionItemFilter) ([]*warroom.ActionItem, error) {
	q, args := actionItemQuery(f)
	rows, err := t.tx.QueryContext(ctx, t.d.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list action items: %w", err)
	}
	return collect(rows, scanActionItem)
}

func actionItemQuery(f warroom.ActionItemFilter) (string, []any) {
	q := "SELECT " + actionItemColumns + " FROM action_items WHERE 1 = 1"
	var args []any
	if f.IncidentID != "" {
		q += " AND incident_id = ?"
		args = append(args, f.IncidentID)
	}
	if f.OwnerID != "" {
		q += " AND owner_id = ?"
		args = append(args, f.OwnerID)
	}
	if f.Open {
		q += " AND status NOT IN ('done', 'cancelled')"
	}
	if f.IncidentID != "" {
		q += " ORDER BY number"
	} else {
		q += " ORDER BY target_date, created_at, id"
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	return q + fmt.Sprintf(" LIMIT %d", limit), args
}

func scanActionItem(r scanner) (*warroom.ActionItem, error) {
	it := &warroom.ActionItem{}
	var crit, cat, status string
	err := r.Scan(&it.ID, &it.IncidentID, &it.Number, &it.Title, &it.OwnerID, &crit, &it.TargetDate, &cat, &status,
		&it.TicketKey, &it.TicketURL, &it.CreatedBy, timeCol{&it.CreatedAt}, timeCol{&it.UpdatedAt}, nullTimeCol{&it.DoneAt}, &it.Version)
	it.Criticality, it.Category, it.Status = warroom.Criticality(crit), warroom.ActionCategory(cat), warroom.ActionStatus(status)
	return it, err
}

// CloseFacts reads what the close gate needs beyond the incident: its
// postmortem, its action items and whether a page went out for it
// (warroom.CloseFactsReader).
func (s *Store) CloseFacts(ctx context.Context, incidentID string) (warroom.CloseFacts, error) {
	var f warroom.CloseFacts
	pm, err := s.FindPostmortem(ctx, incidentID)
	switch {
	case warroom.ErrorCode(err) == warroom.ENotFound:
	case err != nil:
		return f, err
	default:
		f.Postmortem = pm
	}
	if f.Items, err = s.ListActionItems(ctx, warroom.ActionItemFilter{IncidentID: incidentID, Limit: 10000}); err != nil {
		return f, err
	}
	// A page about the incident names it; a page about an alert names the
	// incident the alert had then, if any, so the pages of alerts are
	// looked for only when none names it: that look-up reads every alert
	// of the incident, 246,200 of them (0.3 s) after a storm was folded
	// into it.
	for _, q := range []string{
		"SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE kind = 'page' AND incident_id = ? LIMIT 1) p",
		"SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE kind = 'page' AND alert_id IN (SELECT id FROM alerts WHERE incident_id = ?) LIMIT 1) p",
	} {
		var n int
		if err := s.queryRow(ctx, q, incidentID).Scan(&n); err != nil {
			return f, fmt.Errorf("sqlstore: read pages of incident: %w", err)
		}
		if f.Paged = n > 0; f.Paged {
			break
		}
	}
	return f, nil
}
