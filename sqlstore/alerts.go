package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/intake"
)

var _ warroom.AlertStore = (*Store)(nil)

// Job kinds the alert store schedules, in queue "default" (see
// docs/paging-design.md). Payloads: {"alert_ids": [...]} for alert.route,
// {"alert_id": "..."} for the others.
const (
	JobAlertRoute        = "alert.route"
	JobAlertAcknowledged = "alert.acknowledged"
	JobAlertResolved     = "alert.resolved"
)

// jobQueueDefault is the engine queue of the alert jobs.
const jobQueueDefault = "default"

// ---- integrations

const integrationColumns = "id, service_id, kind, name, created_at"

// CreateIntegration stores an integration with the hash of its key,
// giving it an ID and a creation time if they are empty. EInvalid for an
// unknown kind or service or an empty hash; EConflict if the hash is
// already stored.
func (s *Store) CreateIntegration(ctx context.Context, in *warroom.Integration, keyHash string) error {
	switch {
	case !in.Kind.Valid():
		return warroom.Invalid("kind", "integration kind must be alertmanager, pagerduty or webhook")
	case keyHash == "":
		return warroom.Invalid("key", "an integration needs a key")
	}
	if err := fillNew(&in.ID, &in.CreatedAt); err != nil {
		return err
	}
	_, err := s.exec(ctx, "INSERT INTO integrations ("+integrationColumns+", key_hash) VALUES (?, ?, ?, ?, ?, ?)",
		in.ID, in.ServiceID, string(in.Kind), in.Name, s.d.timeArg(in.CreatedAt), keyHash)
	switch {
	case err == nil:
		return nil
	case uniqueOn(err, "integrations_key_hash_key", "integrations.key_hash"):
		return conflict("key", "an integration with this key exists")
	case isUnique(err):
		return conflict("id", "an integration with ID %s exists", in.ID)
	case foreignKeyViolation(err):
		return warroom.Invalid("service_id", "no service %q", in.ServiceID)
	}
	return fmt.Errorf("sqlstore: create integration: %w", err)
}

// FindIntegrationByKey returns the integration whose key hashes to
// keyHash; ENotFound.
func (s *Store) FindIntegrationByKey(ctx context.Context, keyHash string) (*warroom.Integration, error) {
	in, err := scanIntegration(s.queryRow(ctx, "SELECT "+integrationColumns+" FROM integrations WHERE key_hash = ?", keyHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "no integration has this key")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find integration: %w", err)
	}
	return in, nil
}

// ListIntegrations returns a service's integrations ("" for all), oldest
// first.
func (s *Store) ListIntegrations(ctx context.Context, serviceID string) ([]*warroom.Integration, error) {
	q, args := "SELECT "+integrationColumns+" FROM integrations ORDER BY created_at, id", []any(nil)
	if serviceID != "" {
		q, args = "SELECT "+integrationColumns+" FROM integrations WHERE service_id = ? ORDER BY created_at, id", []any{serviceID}
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list integrations: %w", err)
	}
	return collect(rows, scanIntegration)
}

// DeleteIntegration removes an integration, so that its key no longer
// authenticates; its alerts stay. ENotFound.
func (s *Store) DeleteIntegration(ctx context.Context, id string) error {
	res, err := s.exec(ctx, "DELETE FROM integrations WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("sqlstore: delete integration: %w", err)
	}
	return oneRow(res, "integration", id)
}

func scanIntegration(r scanner) (*warroom.Integration, error) {
	in := &warroom.Integration{}
	var kind string
	err := r.Scan(&in.ID, &in.ServiceID, &kind, &in.Name, timeCol{&in.CreatedAt})
	in.Kind = warroom.IntegrationKind(kind)
	return in, err
}

// ---- service paging

// SetServicePaging stores a service's paging configuration. Nil
// AlertRules means the default rules (GetServicePaging returns
// DefaultAlertRules); an empty, non-nil slice means none, so every alert
// waits for a person. EInvalid for bad rules or an unknown service or
// policy.
func (s *Store) SetServicePaging(ctx context.Context, p warroom.ServicePaging) error {
	if err := warroom.ValidateAlertRules(p.AlertRules); err != nil {
		return err
	}
	var rules any
	if p.AlertRules != nil {
		v, err := marshal(p.AlertRules)
		if err != nil {
			return err
		}
		rules = v
	}
	return s.inTx(ctx, func(t *tx) error {
		if err := t.mustExist(ctx, "services", p.ServiceID, "service_id", "no service %q"); err != nil {
			return err
		}
		if p.EscalationPolicyID != "" {
			if err := t.mustExist(ctx, "escalation_policies", p.EscalationPolicyID, "escalation_policy_id", "no escalation policy %q"); err != nil {
				return err
			}
		}
		_, err := t.exec(ctx, `INSERT INTO service_paging (service_id, escalation_policy_id, alert_rules) VALUES (?, ?, ?)
			ON CONFLICT (service_id) DO UPDATE SET escalation_policy_id = excluded.escalation_policy_id, alert_rules = excluded.alert_rules`,
			p.ServiceID, nullString(p.EscalationPolicyID), rules)
		if err != nil {
			return fmt.Errorf("sqlstore: set service paging: %w", err)
		}
		return nil
	})
}

// GetServicePaging returns a service's paging configuration, with
// DefaultAlertRules if none was set. ENotFound if the service does not
// exist.
func (s *Store) GetServicePaging(ctx context.Context, serviceID string) (warroom.ServicePaging, error) {
	p := warroom.ServicePaging{ServiceID: serviceID}
	var rules string
	err := s.queryRow(ctx, `SELECT p.escalation_policy_id, p.alert_rules FROM services sv
		LEFT JOIN service_paging p ON p.service_id = sv.id WHERE sv.id = ?`, serviceID).
		Scan(strCol{&p.EscalationPolicyID}, strCol{&rules})
	if errors.Is(err, sql.ErrNoRows) {
		return p, warroom.Errorf(warroom.ENotFound, "no service %q", serviceID)
	}
	if err != nil {
		return p, fmt.Errorf("sqlstore: get service paging: %w", err)
	}
	if rules == "" {
		p.AlertRules = warroom.DefaultAlertRules()
		return p, nil
	}
	if err := json.Unmarshal([]byte(rules), &p.AlertRules); err != nil {
		return p, fmt.Errorf("sqlstore: decode alert rules of service %s: %w", serviceID, err)
	}
	return p, nil
}

// ---- alerts

// alertColumns are an alert's columns but open_key, which follows from
// status and dedup_key.
const alertColumns = `id, service_id, integration_id, source, dedup_key, group_key, status, summary, severity,
	labels, annotations, details, links, starts_at, ends_at, incident_id, duplicates, duplicate_reason,
	created_at, updated_at, acknowledged_at, resolved_at`

// alertRow is an alert as stored: its JSON fields kept as encoded text
// ("" for NULL), so that intake compares and writes them without decoding.
type alertRow struct {
	id, serviceID, integrationID, source, dedupKey, groupKey string
	status, summary, severity                                string
	labels, annotations, details, links                      string
	startsAt                                                 time.Time
	endsAt                                                   *time.Time
	incidentID                                               string
	duplicates                                               int64
	duplicateReason                                          string
	createdAt, updatedAt                                     time.Time
	acknowledgedAt, resolvedAt                               *time.Time
}

// openKey is the value of open_key: the dedup key while the alert is not
// resolved.
func (r *alertRow) openKey() any {
	if r.status == string(warroom.AlertResolved) {
		return nil
	}
	return r.dedupKey
}

func scanAlertRow(sc scanner, r *alertRow) error {
	return sc.Scan(&r.id, &r.serviceID, &r.integrationID, &r.source, &r.dedupKey, &r.groupKey, &r.status, &r.summary,
		&r.severity, strCol{&r.labels}, strCol{&r.annotations}, strCol{&r.details}, strCol{&r.links},
		timeCol{&r.startsAt}, nullTimeCol{&r.endsAt}, strCol{&r.incidentID}, &r.duplicates, &r.duplicateReason,
		timeCol{&r.createdAt}, timeCol{&r.updatedAt}, nullTimeCol{&r.acknowledgedAt}, nullTimeCol{&r.resolvedAt})
}

func scanAlert(sc scanner) (*warroom.Alert, error) {
	var r alertRow
	if err := scanAlertRow(sc, &r); err != nil {
		return nil, err
	}
	return r.alert()
}

// alert decodes the row into the domain type.
func (r *alertRow) alert() (*warroom.Alert, error) {
	a := &warroom.Alert{
		ID: r.id, ServiceID: r.serviceID, IntegrationID: r.integrationID, Source: r.source, DedupKey: r.dedupKey,
		GroupKey: r.groupKey, Status: warroom.AlertStatus(r.status), Summary: r.summary, Severity: r.severity,
		StartsAt: r.startsAt, EndsAt: r.endsAt, IncidentID: r.incidentID, Duplicates: int(r.duplicates),
		DuplicateReason: r.duplicateReason, CreatedAt: r.createdAt, UpdatedAt: r.updatedAt,
		AcknowledgedAt: r.acknowledgedAt, ResolvedAt: r.resolvedAt,
	}
	for _, f := range []struct {
		text string
		v    any
	}{{r.labels, &a.Labels}, {r.annotations, &a.Annotations}, {r.links, &a.Links}} {
		if f.text != "" {
			if err := json.Unmarshal([]byte(f.text), f.v); err != nil {
				return nil, fmt.Errorf("sqlstore: decode alert %s: %w", r.id, err)
			}
		}
	}
	if r.details != "" {
		a.Details = json.RawMessage(r.details)
	}
	return a, nil
}

// alertRowOf encodes a domain alert, with its times as the store keeps
// them.
func alertRowOf(a *warroom.Alert) (alertRow, error) {
	r := alertRow{
		id: a.ID, serviceID: a.ServiceID, integrationID: a.IntegrationID, source: a.Source, dedupKey: a.DedupKey,
		groupKey: a.GroupKey, status: string(a.Status), summary: a.Summary, severity: a.Severity,
		startsAt: normTime(a.StartsAt), endsAt: normTimePtr(a.EndsAt), incidentID: a.IncidentID,
		duplicates: int64(a.Duplicates), duplicateReason: a.DuplicateReason, createdAt: normTime(a.CreatedAt),
		updatedAt: normTime(a.UpdatedAt), acknowledgedAt: normTimePtr(a.AcknowledgedAt), resolvedAt: normTimePtr(a.ResolvedAt),
	}
	var err error
	if r.labels, err = encodeStrings(a.Labels); err != nil {
		return r, err
	}
	if r.annotations, err = encodeStrings(a.Annotations); err != nil {
		return r, err
	}
	if r.details, err = compactJSON(a.Details); err != nil {
		return r, warroom.Invalid("details", "alert details are not JSON: %v", err)
	}
	r.links = encodeLinks(a.Links)
	return r, nil
}

// The JSON columns use intake's canonical encodings, so that what intake
// hands over already encoded (IngestBatcher.IngestEncoded) compares equal
// with what the store encodes itself.

// encodeStrings encodes a label or annotation map as a JSON object with
// sorted keys (intake.EncodeStrings); "" for an empty map.
func encodeStrings(m map[string]string) (string, error) {
	return intake.EncodeStrings(m), nil
}

// appendJSONString appends s as a JSON string (intake.AppendJSONString):
// a given string always encodes the same.
func appendJSONString(b []byte, s string) []byte { return intake.AppendJSONString(b, s) }

// encodeLinks encodes links as json.Marshal does (intake.EncodeLinks), so
// that alerts stored before compare equal; "" for none.
func encodeLinks(links []warroom.Link) string { return intake.EncodeLinks(links) }

// compactJSON returns raw without insignificant space, so that the same
// details sent twice compare equal; "" for empty or null.
func compactJSON(raw json.RawMessage) (string, error) { return intake.CompactJSON(raw) }

func timesEqual(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

func normTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := normTime(*t)
	return &v
}

// nullText maps "" to NULL, for the optional JSON columns.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// FindAlert returns an alert by ID; ENotFound.
func (s *Store) FindAlert(ctx context.Context, id string) (*warroom.Alert, error) {
	a, err := scanAlert(s.queryRow(ctx, "SELECT "+alertColumns+" FROM alerts WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "no alert %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find alert: %w", err)
	}
	return a, nil
}

// FindAlertWithIncident returns alert id and, read with it in one query,
// the incident it is linked to, or incidentID's when it is linked to none;
// the incident is nil if there is none. ENotFound if the alert does not
// exist. The sender reads what a page is about with it right before each
// send: one round trip instead of two.
func (s *Store) FindAlertWithIncident(ctx context.Context, id, incidentID string) (*warroom.Alert, *warroom.Incident, error) {
	var state string
	a, err := scanAlert(withExtra{s.queryRow(ctx, "SELECT "+alertColumnsOfA+`, i.state FROM alerts a
		LEFT JOIN incidents i ON i.id = COALESCE(NULLIF(a.incident_id, ''), CAST(? AS TEXT)) WHERE a.id = ?`,
		incidentID, id), []any{strCol{&state}}})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, warroom.Errorf(warroom.ENotFound, "no alert %q", id)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: find alert: %w", err)
	}
	if state == "" {
		return a, nil, nil
	}
	inc := &warroom.Incident{}
	if err := json.Unmarshal([]byte(state), inc); err != nil {
		return nil, nil, fmt.Errorf("sqlstore: decode incident of alert %s: %w", id, err)
	}
	return a, inc, nil
}

// alertColumnsOfA is alertColumns qualified by the alias a, for joins.
var alertColumnsOfA = func() string {
	cols := strings.Split(alertColumns, ",")
	for i, c := range cols {
		cols[i] = "a." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}()

// withExtra scans a row's leading columns into what its caller passes and
// the rest into extra, so that a row scanner can read a joined row.
type withExtra struct {
	sc    scanner
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.sc.Scan(append(dest, w.extra...)...) }

// ListAlerts returns the alerts matching f, newest first, at most f.Limit
// (100 when 0).
func (s *Store) ListAlerts(ctx context.Context, f warroom.AlertFilter) ([]*warroom.Alert, error) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	if f.ServiceID != "" {
		add("service_id = ?", f.ServiceID)
	}
	if f.IncidentID != "" {
		add("incident_id = ?", f.IncidentID)
	}
	if f.GroupKey != "" {
		// The second condition lets SQLite use the partial index.
		add("group_key = ? AND group_key <> ''", f.GroupKey)
	}
	if f.Status != "" {
		add("status = ?", string(f.Status))
	}
	if f.Severity != "" {
		add("severity = ?", f.Severity)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		pattern := "%" + escapeLike(strings.ToLower(q)) + "%"
		conds = append(conds, `(LOWER(summary) LIKE ? ESCAPE '\' OR LOWER(dedup_key) LIKE ? ESCAPE '\')`)
		args = append(args, pattern, pattern)
	}
	if v := f.Viewer; v != nil && v.Role != warroom.AccountAdmin {
		// warroom.AlertVisibleTo, as incidentWhere applies Incident.VisibleTo.
		add(`NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = alerts.incident_id AND i.private
			AND NOT EXISTS (SELECT 1 FROM incident_participants p WHERE p.incident_id = i.id AND p.user_id = ?))`, v.UserID)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	rows, err := s.query(ctx, "SELECT "+alertColumns+" FROM alerts"+where+" ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list alerts: %w", err)
	}
	return collect(rows, scanAlert)
}

// UpdateAlert locks an alert, calls change with a copy and stores what
// change left, in one transaction. Errors of change are returned
// unchanged. change may not alter the alert's identity (ID, service,
// integration, source, dedup key, creation time): EInvalid. A move to
// acknowledged or resolved fills AcknowledgedAt, or ResolvedAt and EndsAt,
// if change left them nil, and schedules the alert.acknowledged or
// alert.resolved job, as intake does. UpdatedAt is at unless change set
// it. ENotFound; EInvalid for an unknown status, severity or incident;
// EConflict when re-opening an alert whose key another open alert has.
func (s *Store) UpdateAlert(ctx context.Context, id string, at time.Time, change func(a *warroom.Alert) error) (*warroom.Alert, error) {
	var out *warroom.Alert
	err := s.inTx(ctx, func(t *tx) error {
		var cur alertRow
		err := scanAlertRow(t.queryRow(ctx, "SELECT "+alertColumns+" FROM alerts WHERE id = ?"+t.d.forUpdate, id), &cur)
		if errors.Is(err, sql.ErrNoRows) {
			return warroom.Errorf(warroom.ENotFound, "no alert %q", id)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: read alert: %w", err)
		}
		before, err := cur.alert()
		if err != nil {
			return err
		}
		a, err := cur.alert() // change gets its own copy
		if err != nil {
			return err
		}
		if err := change(a); err != nil {
			return err
		}
		if err := checkAlertChange(before, a, at); err != nil {
			return err
		}
		if a.IncidentID != "" && a.IncidentID != before.IncidentID {
			if err := t.mustExist(ctx, "incidents", a.IncidentID, "incident_id", "no incident %q"); err != nil {
				return err
			}
		}
		next, err := alertRowOf(a)
		if err != nil {
			return err
		}
		if err := t.updateAlert(ctx, &next); err != nil {
			if uniqueOn(err, "alerts_open_key", "alerts.open_key") {
				return conflict("status", "another open alert has dedup key %q; resolve it first", a.DedupKey)
			}
			return err
		}
		var jobs []engine.Job
		if before.Status != a.Status {
			switch a.Status {
			case warroom.AlertAcknowledged:
				jobs = append(jobs, alertJob(JobAlertAcknowledged, a.ID, next.updatedAt))
			case warroom.AlertResolved:
				jobs = append(jobs, alertJob(JobAlertResolved, a.ID, next.updatedAt))
			}
		}
		if err := s.enqueueJobs(ctx, t, jobs); err != nil {
			return err
		}
		out, err = next.alert()
		return err
	})
	return out, err
}

// updateAlert writes every mutable column of an alert.
func (t *tx) updateAlert(ctx context.Context, r *alertRow) error {
	_, err := t.exec(ctx, `UPDATE alerts SET open_key = ?, group_key = ?, status = ?, summary = ?, severity = ?,
		labels = ?, annotations = ?, details = ?, links = ?, starts_at = ?, ends_at = ?, incident_id = ?,
		duplicates = ?, duplicate_reason = ?, updated_at = ?, acknowledged_at = ?, resolved_at = ? WHERE id = ?`,
		r.openKey(), r.groupKey, r.status, r.summary, r.severity, nullText(r.labels), nullText(r.annotations),
		nullText(r.details), nullText(r.links), t.d.timeArg(r.startsAt), t.d.nullTimeArg(r.endsAt),
		nullString(r.incidentID), r.duplicates, r.duplicateReason, t.d.timeArg(r.updatedAt),
		t.d.nullTimeArg(r.acknowledgedAt), t.d.nullTimeArg(r.resolvedAt), r.id)
	if err != nil {
		return fmt.Errorf("sqlstore: update alert: %w", err)
	}
	return nil
}

// checkAlertChange validates what an UpdateAlert callback did and fills
// the times a status change implies.
func checkAlertChange(before, a *warroom.Alert, at time.Time) error {
	if a.ID != before.ID || a.ServiceID != before.ServiceID || a.IntegrationID != before.IntegrationID ||
		a.Source != before.Source || a.DedupKey != before.DedupKey || !a.CreatedAt.Equal(before.CreatedAt) {
		return warroom.Invalid("id", "an alert's ID, service, integration, source, dedup key and creation time cannot change")
	}
	switch a.Status {
	case warroom.AlertFiring, warroom.AlertAcknowledged, warroom.AlertResolved:
	default:
		return warroom.Invalid("status", "alert status must be firing, acknowledged or resolved")
	}
	if !warroom.ValidAlertSeverity(a.Severity) {
		return warroom.Invalid("severity", "alert severity must be critical, error, warning or info")
	}
	if a.UpdatedAt.Equal(before.UpdatedAt) {
		a.UpdatedAt = at
	}
	at = a.UpdatedAt
	switch {
	case a.Status == before.Status:
	case before.Status == warroom.AlertResolved:
		// Re-opened: the end it had is no longer true.
		if timesEqual(a.ResolvedAt, before.ResolvedAt) {
			a.ResolvedAt = nil
		}
		if timesEqual(a.EndsAt, before.EndsAt) {
			a.EndsAt = nil
		}
		if a.Status == warroom.AlertAcknowledged && a.AcknowledgedAt == nil {
			a.AcknowledgedAt = &at
		}
	case a.Status == warroom.AlertAcknowledged && a.AcknowledgedAt == nil:
		a.AcknowledgedAt = &at
	case a.Status == warroom.AlertResolved:
		if a.ResolvedAt == nil {
			a.ResolvedAt = &at
		}
		if a.EndsAt == nil {
			a.EndsAt = a.ResolvedAt
		}
	}
	return nil
}

// IncidentAlertsResolved implements paging.Store. It looks for an alert
// of the incident that has not resolved, newest first: while a storm
// resolves, its newest alerts are the last to, so the look-up stops at
// once; only when none is left does it count them.
func (s *Store) IncidentAlertsResolved(ctx context.Context, incidentID string) (warroom.IncidentAlertsResolved, error) {
	var r warroom.IncidentAlertsResolved
	var one int
	err := s.queryRow(ctx, "SELECT 1 FROM alerts WHERE incident_id = ? AND status <> ? ORDER BY created_at DESC LIMIT 1",
		incidentID, string(warroom.AlertResolved)).Scan(&one)
	switch {
	case err == nil:
		return r, nil
	case !errors.Is(err, sql.ErrNoRows):
		return r, fmt.Errorf("sqlstore: read the open alerts of incident %s: %w", incidentID, err)
	}
	if err := s.queryRow(ctx, "SELECT COUNT(*), COALESCE(MAX(id), '') FROM alerts WHERE incident_id = ?", incidentID).Scan(&r.Count, &r.Newest); err != nil {
		return r, fmt.Errorf("sqlstore: count the alerts of incident %s: %w", incidentID, err)
	}
	r.All = r.Count > 0
	return r, nil
}

// alertJob is an alert.acknowledged or alert.resolved job. It has no key:
// an alert is acknowledged or resolved once per change of status, and
// the handlers are safe to run twice.
func alertJob(kind, alertID string, at time.Time) engine.Job {
	return engine.Job{
		Queue:   jobQueueDefault,
		Kind:    kind,
		DueAt:   at,
		Payload: json.RawMessage(`{"alert_id":` + quoteJSON(alertID) + `}`),
	}
}

// quoteJSON returns s as a JSON string.
func quoteJSON(s string) string {
	b, _ := json.Marshal(s) // a string always encodes
	return string(b)
}

// ---- helpers shared by the paging files

// oneRow turns a write of no rows into ENotFound.
func oneRow(res sql.Result, what, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: %s %s: %w", what, id, err)
	}
	if n == 0 {
		return warroom.Errorf(warroom.ENotFound, "no %s %q", what, id)
	}
	return nil
}

// mustExist returns EInvalid naming field unless table has a row with id.
func (t *tx) mustExist(ctx context.Context, table, id, field, format string) error {
	var one int
	err := t.queryRow(ctx, "SELECT 1 FROM "+table+" WHERE id = ?", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return warroom.Invalid(field, format, id)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: read %s: %w", table, err)
	}
	return nil
}

// uniqueOn reports whether err is a unique violation of the index named
// constraint, which SQLite reports by its columns ("table.col, ...") when
// they are plain columns.
func uniqueOn(err error, constraint, sqliteColumns string) bool {
	c, ok := uniqueViolation(err)
	return ok && (c == constraint || strings.Contains(err.Error(), sqliteColumns))
}

func isUnique(err error) bool {
	_, ok := uniqueViolation(err)
	return ok
}
