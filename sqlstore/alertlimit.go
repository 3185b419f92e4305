package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// The alert incident limit (migration 00006, warroom.AlertIncidentLimit):
// the incidents declared from alerts (alert_declarations), the lock and
// fold counter of each service (alert_incident_limits), and how each
// alert group came to its incident (alert_group_incidents.how).

// How an alert group came to its incident (alert_group_incidents.how).
const (
	groupDeclared = "declared" // routing or a person declared it for the group
	groupAttached = "attached" // an attach rule joined the service's open incident
	groupFolded   = "folded"   // the limit folded the group into the service's newest open incident
)

// foldForLimit decides, inside the declaring transaction t, whether the
// service may declare one more incident from an alert at now
// (warroom.MayDeclareFromAlert). It first takes the service's row of
// alert_incident_limits (an upsert, held until t ends), so that on
// PostgreSQL concurrent declarations for the service decide one after
// the other and each counts what the others committed. If the service
// may not, it folds the group into the service's newest open incident:
// records it as the group's incident (groupFolded), counts it, and
// returns that incident; nil if the alert may declare.
func (t *tx) foldForLimit(ctx context.Context, serviceID, groupKey, alertID string, limit warroom.AlertIncidentLimit,
	now time.Time) (*warroom.Incident, warroom.AlertDeclareOutcome, error) {
	var out warroom.AlertDeclareOutcome
	open, decision, err := t.decideLimit(ctx, serviceID, limit, now)
	if err != nil {
		return nil, out, err
	}
	out.Recent = decision.Recent
	if decision.Declare {
		return nil, out, nil
	}
	folded, err := t.countFolded(ctx, serviceID, open, 1)
	if err != nil {
		return nil, out, err
	}
	if groupKey != "" {
		if err := t.setGroup(ctx, serviceID, groupKey, open.ID, alertID, groupFolded); err != nil {
			return nil, out, err
		}
	}
	out.Folded, out.FoldedGroups = true, int(folded)
	return open, out, nil
}

// decideLimit takes the service's row of alert_incident_limits (an
// upsert, held until t ends: on PostgreSQL concurrent declarations and
// folds for the service decide one after the other, each counting what
// the others committed) and decides by warroom.MayDeclareFromAlert
// whether a new group of the service may declare at now. It returns the
// service's newest open incident too (nil if none).
func (t *tx) decideLimit(ctx context.Context, serviceID string, limit warroom.AlertIncidentLimit,
	now time.Time) (*warroom.Incident, warroom.StormDecision, error) {
	if _, err := t.exec(ctx, `INSERT INTO alert_incident_limits (service_id) VALUES (?)
		ON CONFLICT (service_id) DO UPDATE SET service_id = excluded.service_id`, serviceID); err != nil {
		return nil, warroom.StormDecision{}, fmt.Errorf("sqlstore: lock the alert incident limit of service %s: %w", serviceID, err)
	}
	rows, err := txRows(ctx, t, routedDeclarationsSince, serviceID, t.d.timeArg(now.Add(-limit.Window)))
	if err != nil {
		return nil, warroom.StormDecision{}, fmt.Errorf("sqlstore: read the alert declarations of service %s: %w", serviceID, err)
	}
	declared, err := collect(rows, scanTime)
	if err != nil {
		return nil, warroom.StormDecision{}, err
	}
	open, err := t.newestOpenIncident(ctx, serviceID)
	if err != nil {
		return nil, warroom.StormDecision{}, err
	}
	return open, warroom.MayDeclareFromAlert(limit, declared, open != nil, now), nil
}

// routedDeclarationsSince reads when routing declared the incidents of a
// service (the first argument) after a time (the second): those that count
// against the alert incident limit.
const routedDeclarationsSince = `SELECT declared_at FROM alert_declarations
	WHERE service_id = ? AND routed AND declared_at > ?`

// serviceOpenIncidents is the condition on incidents i that i is open (the
// first argument, true) and of a service (the second).
const serviceOpenIncidents = `i.open = ? AND EXISTS (SELECT 1 FROM incident_services sv
	WHERE sv.incident_id = i.id AND sv.service_id = ?)`

// countFolded adds n groups to the count of those folded into open (the
// count starts again when the service folds into another incident) and
// returns the count, the last of the n included.
func (t *tx) countFolded(ctx context.Context, serviceID string, open *warroom.Incident, n int) (int, error) {
	var folded int64
	err := t.queryRow(ctx, `UPDATE alert_incident_limits SET
		folded = CASE WHEN folded_into = ? THEN folded + ? ELSE ? END, folded_into = ?
		WHERE service_id = ? RETURNING folded`, open.ID, n, n, open.ID, serviceID).Scan(&folded)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: count the groups folded into %s: %w", open.Ref, err)
	}
	return int(folded), nil
}

// FoldGroups folds new alert groups of a service, the first alerts of
// which bulk routing would declare for while the service is at its alert
// incident limit, into the service's newest open incident, all in one
// transaction: a storm of a new group per delivery (issue 8, row 3) took
// a declaring transaction per group, thousands in a row. It decides as
// DeclareForAlert does, group by group in their order: it takes the
// groups' rows (sorted by key, so that concurrent folds on PostgreSQL
// never wait for each other in a cycle; before the limit's row, as
// DeclareForAlert takes them) and then the service's limit lock, once.
// A group whose incident is open joins it (Joined), unless that incident
// was declared for the group's alert itself; if the service may still
// declare (warroom.MayDeclareFromAlert), no group is folded. Such groups
// are left undecided (Incident nil): the caller declares for them one by
// one, so that declarations are made exactly as before. Every folded
// group is recorded (how 'folded') and counted, in order. The alerts are
// not linked here: the caller links them (LinkAlerts) after the timeline
// notes, as routing does for the alerts that join.
func (s *Store) FoldGroups(ctx context.Context, serviceID string, groups []warroom.GroupToFold, limit warroom.AlertIncidentLimit,
	now time.Time) ([]warroom.GroupFold, error) {
	if !limit.Limited() || len(groups) == 0 {
		return make([]warroom.GroupFold, len(groups)), nil
	}
	var out []warroom.GroupFold
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		out, err = t.foldGroups(ctx, serviceID, groups, limit, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// foldGroups is FoldGroups inside t (intake folds the new groups of a
// delivery as it stores them: foldsAtIntake).
func (t *tx) foldGroups(ctx context.Context, serviceID string, groups []warroom.GroupToFold, limit warroom.AlertIncidentLimit,
	now time.Time) ([]warroom.GroupFold, error) {
	out := make([]warroom.GroupFold, len(groups))
	if !limit.Limited() || len(groups) == 0 {
		return out, nil
	}
	keys := make([]string, 0, len(groups))
	for _, g := range groups {
		if g.GroupKey != "" {
			keys = append(keys, g.GroupKey)
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	state, err := t.lockGroups(ctx, serviceID, keys)
	if err != nil {
		return nil, err
	}
	open, decision, err := t.decideLimit(ctx, serviceID, limit, now)
	if err != nil {
		return nil, err
	}
	var fold []int
	folding := map[string]bool{}
	for i, g := range groups {
		st := state[g.GroupKey]
		switch {
		case st.inc != nil && st.inc.Stage.Open():
			if st.how == groupDeclared && st.forAlert == g.AlertID {
				continue // its own declaration: declaring again replays it
			}
			out[i].Incident, out[i].Joined = st.inc, true
		case folding[g.GroupKey]:
			// Named again: it joins the incident it is folded into
			// (counted once).
			out[i].Incident, out[i].Joined = open, true
		case !decision.Declare:
			fold = append(fold, i)
			if g.GroupKey != "" {
				folding[g.GroupKey] = true
			}
		}
	}
	if len(fold) == 0 {
		return out, nil
	}
	last, err := t.countFolded(ctx, serviceID, open, len(fold))
	if err != nil {
		return nil, err
	}
	var recorded []warroom.GroupToFold
	for _, i := range fold {
		if groups[i].GroupKey != "" {
			recorded = append(recorded, groups[i])
		}
	}
	if err := t.setGroups(ctx, serviceID, open.ID, recorded, groupFolded); err != nil {
		return nil, err
	}
	for k, i := range fold {
		out[i] = warroom.GroupFold{Incident: open, AlertDeclareOutcome: warroom.AlertDeclareOutcome{
			Folded: true, FoldedGroups: last - len(fold) + 1 + k, Recent: decision.Recent}}
	}
	return out, nil
}

// groupState is what lockGroups read of an alert group: as lockGroupHow.
type groupState struct {
	inc           *warroom.Incident
	forAlert, how string
}

// groupsPerStatement bounds the rows of one statement on alert groups
// (two or three arguments a row; PostgreSQL takes at most 65,535).
const groupsPerStatement = 500

// lockGroups is lockGroupHow for many groups of a service, keys sorted
// and distinct: one upsert per groupsPerStatement groups, which on
// PostgreSQL takes the rows in the order of keys (so that transactions
// taking groups this way never wait for each other in a cycle), then one
// read of their incidents.
func (t *tx) lockGroups(ctx context.Context, serviceID string, keys []string) (map[string]groupState, error) {
	state := make(map[string]groupState, len(keys))
	var incidentIDs []string
	for chunk := range slices.Chunk(keys, groupsPerStatement) {
		var q strings.Builder
		q.WriteString("INSERT INTO alert_group_incidents (service_id, group_key) VALUES ")
		args := make([]any, 0, 2*len(chunk))
		for i, k := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?)")
			args = append(args, serviceID, k)
		}
		q.WriteString(` ON CONFLICT (service_id, group_key) DO UPDATE SET service_id = excluded.service_id
			RETURNING group_key, incident_id, alert_id, how`)
		rows, err := txRows(ctx, t, q.String(), args...)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: lock alert groups: %w", err)
		}
		type locked struct{ key, incidentID, alertID, how string }
		got, err := collect(rows, func(r scanner) (l locked, err error) {
			return l, r.Scan(&l.key, strCol{&l.incidentID}, strCol{&l.alertID}, &l.how)
		})
		if err != nil {
			return nil, fmt.Errorf("sqlstore: lock alert groups: %w", err)
		}
		for _, l := range got {
			if l.incidentID != "" {
				state[l.key] = groupState{inc: &warroom.Incident{ID: l.incidentID}, forAlert: l.alertID, how: l.how}
				incidentIDs = append(incidentIDs, l.incidentID)
			}
		}
	}
	if len(incidentIDs) == 0 {
		return state, nil
	}
	// A statement of its own, after the locks: on PostgreSQL it sees what
	// the transactions that held them committed.
	slices.Sort(incidentIDs)
	incidentIDs = slices.Compact(incidentIDs)
	incs := map[string]*warroom.Incident{}
	for chunk := range slices.Chunk(incidentIDs, idsPerStatement) {
		cond, arg := t.d.idsIn("id", chunk)
		rows, err := txRows(ctx, t, "SELECT state FROM incidents WHERE "+cond, arg)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: read the incidents of alert groups: %w", err)
		}
		got, err := collect(rows, func(r scanner) (*warroom.Incident, error) {
			inc := &warroom.Incident{}
			return inc, r.Scan(jsonCol{inc})
		})
		if err != nil {
			return nil, fmt.Errorf("sqlstore: read the incidents of alert groups: %w", err)
		}
		for _, inc := range got {
			incs[inc.ID] = inc
		}
	}
	for k, st := range state {
		if st.inc = incs[st.inc.ID]; st.inc == nil {
			delete(state, k) // the incident no longer exists
			continue
		}
		state[k] = st
	}
	return state, nil
}

// setGroups records incidentID as the incident of alert groups (whose
// rows lockGroups took), each with its alert, and how: a statement per
// groupsPerStatement groups.
func (t *tx) setGroups(ctx context.Context, serviceID, incidentID string, groups []warroom.GroupToFold, how string) error {
	for chunk := range slices.Chunk(groups, groupsPerStatement) {
		var q strings.Builder
		q.WriteString("UPDATE alert_group_incidents SET incident_id = ?, how = ?, alert_id = CASE group_key")
		args := make([]any, 0, 2*len(chunk)+4)
		args = append(args, incidentID, how)
		for _, g := range chunk {
			q.WriteString(" WHEN ? THEN ?")
			args = append(args, g.GroupKey, g.AlertID)
		}
		keys := make([]string, len(chunk))
		for i, g := range chunk {
			keys[i] = g.GroupKey
		}
		cond, keysArg := t.d.idsIn("group_key", keys)
		q.WriteString(" END WHERE service_id = ? AND " + cond)
		args = append(args, serviceID, keysArg)
		if _, err := t.exec(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("sqlstore: record the incident of alert groups: %w", err)
		}
	}
	return nil
}

// newestOpenIncident returns the open incident of a service with the
// highest number, or nil: what alerts of the service join.
func (t *tx) newestOpenIncident(ctx context.Context, serviceID string) (*warroom.Incident, error) {
	inc := &warroom.Incident{}
	err := t.queryRow(ctx, "SELECT i.state FROM incidents i WHERE "+serviceOpenIncidents+" ORDER BY i.number DESC LIMIT 1",
		true, serviceID).Scan(jsonCol{inc})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read the open incident of service %s: %w", serviceID, err)
	}
	return inc, nil
}

// setGroup records the incident of an alert group (whose row lockGroup
// took), the alert it came with and how.
func (t *tx) setGroup(ctx context.Context, serviceID, groupKey, incidentID, alertID, how string) error {
	if _, err := t.exec(ctx, "UPDATE alert_group_incidents SET incident_id = ?, alert_id = ?, how = ? WHERE service_id = ? AND group_key = ?",
		incidentID, alertID, how, serviceID, groupKey); err != nil {
		return fmt.Errorf("sqlstore: record the incident of alert group: %w", err)
	}
	return nil
}

// recordDeclaration notes an incident declared from an alert: by routing
// (routed, counted against the limit) or by a person.
func (t *tx) recordDeclaration(ctx context.Context, serviceID, incidentID, alertID string, at time.Time, routed bool) error {
	if _, err := t.exec(ctx, `INSERT INTO alert_declarations (service_id, incident_id, alert_id, declared_at, routed)
		VALUES (?, ?, ?, ?, ?)`, serviceID, incidentID, alertID, t.d.timeArg(at), routed); err != nil {
		return fmt.Errorf("sqlstore: record the declaration for alert %s: %w", alertID, err)
	}
	return nil
}

// AttachGroup records that routing attaches an alert of a group (by an
// attach rule) to the service's open incident incidentID, so that the
// group's later alerts go there too, however many incidents are declared
// after it; unless the group has an open incident already: then it
// records nothing and returns that incident, which the alert joins
// instead. Nil means incidentID is now the group's. The group's row is
// locked as for DeclareForAlert, so concurrent routers agree.
func (s *Store) AttachGroup(ctx context.Context, serviceID, groupKey, alertID, incidentID string) (*warroom.Incident, error) {
	if groupKey == "" {
		return nil, nil
	}
	var cur *warroom.Incident
	err := s.inTx(ctx, func(t *tx) error {
		inc, _, err := t.lockGroup(ctx, serviceID, groupKey)
		if err != nil {
			return err
		}
		if inc != nil && inc.Stage.Open() {
			if inc.ID != incidentID {
				cur = inc
			}
			return nil
		}
		return t.setGroup(ctx, serviceID, groupKey, incidentID, alertID, groupAttached)
	})
	return cur, err
}

// DeclareFromAlert declares, as DeclareIncident does, an incident a person
// declares from alert alertID, and moves the alert to it in the same
// transaction. An alert attached to no incident is linked to the new one
// (and its group, if the group has no open incident, follows it). An
// alert that routing attached or folded into an open incident that is
// not its own is split out: the alert moves, and with it the other
// alerts of its group in that incident when the group came there by an
// attach rule or the alert incident limit; the group's later alerts then
// go to the new incident. EConflict, before anything is written, if the
// alert belongs to an incident that is not open, or to the open incident
// declared for it or for its group (declaring again would add nothing).
// ENotFound for the alert.
func (s *Store) DeclareFromAlert(ctx context.Context, alertID string, now time.Time, idem warroom.Idempotency,
	build func(number int64) ([]warroom.Event, error)) (*warroom.CommandResult, warroom.AlertSplit, error) {
	var split warroom.AlertSplit
	res, err := s.command(ctx, idem, func(t *tx) (*warroom.CommandResult, error) {
		split = warroom.AlertSplit{}
		var a alertRow
		err := scanAlertRow(t.queryRow(ctx, "SELECT "+alertColumns+" FROM alerts WHERE id = ?"+t.d.forUpdate, alertID), &a)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, warroom.Errorf(warroom.ENotFound, "no alert %q", alertID)
		}
		if err != nil {
			return nil, fmt.Errorf("sqlstore: read alert: %w", err)
		}
		var group *warroom.Incident
		var how string
		if a.groupKey != "" {
			if group, _, how, err = t.lockGroupHow(ctx, a.serviceID, a.groupKey); err != nil {
				return nil, err
			}
		}
		moveGroup := false
		if a.incidentID != "" {
			from := &warroom.Incident{}
			if err := t.queryRow(ctx, "SELECT state FROM incidents WHERE id = ?", a.incidentID).Scan(jsonCol{from}); err != nil {
				return nil, fmt.Errorf("sqlstore: read the incident of alert %s: %w", alertID, err)
			}
			if !from.Stage.Open() {
				return nil, warroom.Errorf(warroom.EConflict, "alert %s belongs to %s, which is %s; declaring from it again is not possible", alertID, from.Ref, from.Stage)
			}
			own, err := t.declaredFor(ctx, a.serviceID, from.ID, alertID)
			if err != nil {
				return nil, err
			}
			if own || (group != nil && group.ID == from.ID && how == groupDeclared) {
				return nil, warroom.Errorf(warroom.EConflict, "alert %s already belongs to %s, the incident declared for it or its group; open that one", alertID, from.Ref)
			}
			split.From = from
			moveGroup = group != nil && group.ID == from.ID
		}
		res, err := s.declareIn(ctx, t, build)
		if err != nil {
			return nil, err
		}
		to := res.Incident.ID
		if moveGroup {
			rows, err := txRows(ctx, t, `UPDATE alerts SET incident_id = ?, updated_at = ?
				WHERE service_id = ? AND group_key = ? AND group_key <> '' AND incident_id = ? RETURNING id`,
				to, t.d.timeArg(now), a.serviceID, a.groupKey, split.From.ID)
			if err != nil {
				return nil, fmt.Errorf("sqlstore: move the alerts of group: %w", err)
			}
			if split.Moved, err = collect(rows, func(r scanner) (id string, err error) { return id, r.Scan(&id) }); err != nil {
				return nil, err
			}
		} else {
			if _, err := t.exec(ctx, "UPDATE alerts SET incident_id = ?, updated_at = ? WHERE id = ?", to, t.d.timeArg(now), alertID); err != nil {
				return nil, fmt.Errorf("sqlstore: link alert: %w", err)
			}
			if split.From != nil {
				split.Moved = []string{alertID}
			}
		}
		if a.groupKey != "" && (moveGroup || group == nil || !group.Stage.Open()) {
			if err := t.setGroup(ctx, a.serviceID, a.groupKey, to, alertID, groupDeclared); err != nil {
				return nil, err
			}
		}
		if err := t.recordDeclaration(ctx, a.serviceID, to, alertID, now, false); err != nil {
			return nil, err
		}
		return res, nil
	})
	if err != nil {
		return nil, warroom.AlertSplit{}, err
	}
	return res, split, nil
}

// declaredFor reports whether incidentID was declared for alertID (by
// routing or by a person).
func (t *tx) declaredFor(ctx context.Context, serviceID, incidentID, alertID string) (bool, error) {
	var one int
	err := t.queryRow(ctx, "SELECT 1 FROM alert_declarations WHERE service_id = ? AND incident_id = ? AND alert_id = ?",
		serviceID, incidentID, alertID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlstore: read the declarations of alert %s: %w", alertID, err)
	}
	return true, nil
}

// AlertLimitState returns what the alert incident limit of a service
// decides on: when routing declared the incidents from alerts of the
// service that it declared after since (those that count against the
// limit), how many alert groups are marked declaring and not yet
// declared (the declarations in flight), and whether the service has an
// open incident: what paging's forecast (RouteQueue) reads, at most every
// few seconds per service, to foresee that a new alert group will be
// folded rather than declare and page. Only a forecast: DeclareForAlert
// decides under the service's lock.
func (s *Store) AlertLimitState(ctx context.Context, serviceID string, since time.Time) (warroom.AlertLimitState, error) {
	var st warroom.AlertLimitState
	rows, err := s.query(ctx, routedDeclarationsSince, serviceID, s.d.timeArg(since))
	if err != nil {
		return st, fmt.Errorf("sqlstore: read the alert declarations of service %s: %w", serviceID, err)
	}
	if st.Declared, err = collect(rows, scanTime); err != nil {
		return st, err
	}
	// A group's alerts are marked once per delivery, and an alert of no
	// group is a group of its own.
	err = s.queryRow(ctx, `SELECT COUNT(DISTINCT CASE WHEN a.group_key = '' THEN a.id ELSE a.group_key END)
		FROM declaring_alerts m JOIN alerts a ON a.id = m.alert_id
		WHERE m.service_id = ? AND a.status = 'firing' AND a.incident_id IS NULL`, serviceID).Scan(&st.InFlight)
	if err != nil {
		return st, fmt.Errorf("sqlstore: count the declarations in flight of service %s: %w", serviceID, err)
	}
	var one int
	err = s.queryRow(ctx, "SELECT 1 FROM incidents i WHERE "+serviceOpenIncidents+" LIMIT 1", true, serviceID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("sqlstore: read the open incident of service %s: %w", serviceID, err)
	}
	st.HasOpen = true
	return st, nil
}
