package paging

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// Engine queues. Every paging job runs on QueueDefault unless
// Config.PageQueue names another queue for the work that pages people:
// then escalation steps, page notifications and the routing of alerts that
// page someone (a declare rule, or an escalation policy to page) run there,
// on their own worker, and a storm of alerts to route never delays a page.
// Deliveries do not run as jobs: the outbox has its own workers per
// channel queue.
const (
	QueueDefault = "default"
	QueuePage    = "page"
)

// Job kinds; see docs/paging-design.md.
const (
	KindAlertRoute        = "alert.route"
	KindAlertPage         = "alert.page"
	KindAlertAcknowledged = "alert.acknowledged"
	KindAlertResolved     = "alert.resolved"
	KindAlertLink         = "alert.link"
	KindAlertJoined       = "alert.joined"
	KindAlertFolded       = "alert.folded"
	KindEscalationStep    = "escalation.step"
	KindNotifyUser        = "notify.user"
	KindIncidentAnnounce  = "incident.announce"
	KindIncidentICCheck   = "incident.ic_check"
	KindIncidentMajor     = "incident.major_check"
	KindIncidentNote      = "incident.note"
	KindIncidentAckAlerts = "incident.ack_alerts"
)

// Purposes of an escalation: what it pages for, and so when it stops.
const (
	// PurposeAlert pages for an alert until the alert is acknowledged or
	// resolved, or its incident is acknowledged or no longer open.
	PurposeAlert = "alert"
	// PurposeIC pages the IC escalation policy for an incident until it
	// has an Incident Commander, is recovered, or is no longer open.
	PurposeIC = "ic"
)

// RoutePayload is the payload of alert.route.
type RoutePayload struct {
	AlertIDs []string `json:"alert_ids"`
}

// LinkPayload is the payload of alert.link: link an alert to the incident
// routing declared for it. The note why it was declared is the
// declaration's own first entry now (declareForAlert); Note is set only
// by alert.link jobs that an earlier version queued, which still write it.
type LinkPayload struct {
	AlertID    string `json:"alert_id"`
	IncidentID string `json:"incident_id"`
	Note       string `json:"note,omitempty"`
}

// AlertPayload is the payload of alert.acknowledged and alert.resolved.
type AlertPayload struct {
	AlertID string `json:"alert_id"`
}

// NotePayload is the payload of incident.note: a system note on an
// incident's timeline, once per key.
type NotePayload struct {
	IncidentID string `json:"incident_id"`
	Key        string `json:"key"`
	Text       string `json:"text"`
}

// noteJob returns an incident.note job on the default queue, keyed by the
// note's key.
func noteJob(incidentID, key string, at time.Time, text string) engine.Job {
	return newJob(KindIncidentNote, "note:"+key, at, NotePayload{IncidentID: incidentID, Key: key, Text: text})
}

// IncidentPayload is the payload of the incident.* jobs.
type IncidentPayload struct {
	IncidentID string `json:"incident_id"`
}

// EscalationPayload is the payload of escalation.step: what is paged for,
// by which policy, and where the escalation stands (the step that fires
// when the job runs, its round, and when it was due).
type EscalationPayload struct {
	Purpose    string `json:"purpose"`
	AlertID    string `json:"alert_id,omitempty"`
	IncidentID string `json:"incident_id,omitempty"`
	PolicyID   string `json:"policy_id"`
	warroom.Escalation
}

// subject names what the escalation pages for, for job keys.
func (e EscalationPayload) subject() string {
	if e.Purpose == PurposeIC {
		return "incident:" + e.IncidentID
	}
	return "alert:" + e.AlertID
}

// NotifyPayload is the payload of notify.user: tell one person about an
// alert or incident by their notification rules.
type NotifyPayload struct {
	UserID     string `json:"user_id"`
	Purpose    string `json:"purpose"` // PurposeAlert or PurposeIC for pages
	AlertID    string `json:"alert_id,omitempty"`
	IncidentID string `json:"incident_id,omitempty"`
	// Kind is notify.KindPage (until acknowledged, by every rule) or
	// notify.KindUpdate (an instruction, by the earliest rules only).
	Kind   string `json:"kind"`
	Reason string `json:"reason"` // why this person, for the message
	// Subject and Text, for updates.
	Subject string `json:"subject,omitempty"`
	Text    string `json:"text,omitempty"`
}

// newJob returns a job of kind with its payload, due at dueAt, keyed.
func newJob(kind, key string, dueAt time.Time, payload any) engine.Job {
	data, err := json.Marshal(payload)
	if err != nil {
		panic(fmt.Sprintf("paging: marshal %s payload: %v", kind, err)) // payloads are plain structs
	}
	return engine.Job{ID: uuid.Must(uuid.NewV7()).String(), Queue: QueueDefault, Kind: kind, Key: key,
		DueAt: dueAt, Payload: data}
}

// RouteJob returns an alert.route job for alerts on QueueDefault, as the
// store schedules them itself when it ingests alerts; keyed by the first
// alert.
func RouteJob(now time.Time, alertIDs ...string) engine.Job {
	key := ""
	if len(alertIDs) > 0 {
		key = "route:" + alertIDs[0]
	}
	return newJob(KindAlertRoute, key, now, RoutePayload{AlertIDs: alertIDs})
}

// pageRouteJob hands alerts that page someone over to the page queue: an
// alert.page job, routed whole and alone (not with other jobs of its
// claim, so that its page waits for no other alert), keyed by the first
// alert (an alert is routed by one job only).
func (p *Pager) pageRouteJob(now time.Time, alertIDs []string) engine.Job {
	j := newJob(KindAlertPage, "route-page:"+alertIDs[0], now, RoutePayload{AlertIDs: alertIDs})
	j.Queue = p.cfg.PageQueue
	return j
}

// escalationJob returns an escalation.step job on the page queue.
func (p *Pager) escalationJob(e EscalationPayload) engine.Job {
	key := fmt.Sprintf("esc:%s:%s:%s:%d:%d", e.subject(), e.Purpose, e.PolicyID, e.Round, e.Step)
	j := newJob(KindEscalationStep, key, e.NextAt, e)
	j.Queue = p.cfg.PageQueue
	return j
}

// pageJob returns a job on the page queue.
func (p *Pager) pageJob(kind, key string, dueAt time.Time, payload any) engine.Job {
	j := newJob(kind, key, dueAt, payload)
	j.Queue = p.cfg.PageQueue
	return j
}

// EngineConfig returns the configuration of an engine that runs paging's
// jobs on store, as the server runs it: paging's queues, handlers and
// batch handlers, its clock, owner and logger. Bulk routing claims 50 jobs
// at a time (an alert that pages waits for its claim's routing before it
// is handed over, so claims stay small); paging work claims 250 at a time
// on two workers (escalation steps due at once run together; each chain
// of follow-ups runs at once). Paging work is urgent (engine.Config.
// Urgent) when it has a queue of its own: on SQLite its writes go before
// intake's and bulk routing's. Callers may set Lease, Heartbeat and the
// rest before engine.New.
func (p *Pager) EngineConfig(store engine.Store) engine.Config {
	return engine.Config{
		Store:         store,
		Now:           p.cfg.Now,
		Logger:        p.cfg.Logger,
		Owner:         p.cfg.Owner,
		Queues:        p.Queues(),
		Batches:       map[string]int{QueueDefault: 50, p.cfg.PageQueue: 250},
		PerKey:        p.perKey(),
		Workers:       map[string]int{p.cfg.PageQueue: 2},
		Urgent:        map[string]bool{p.cfg.PageQueue: p.cfg.PageQueue != QueueDefault},
		Handlers:      p.Handlers(),
		BatchHandlers: p.BatchHandlers(),
	}
}

// perKey bounds, by queue, the jobs of one service (engine.Job.FairKey:
// route jobs carry their alerts' service, their follow-ups inherit it)
// that one claim takes (engine.Config.PerKey); every claim takes the
// services' due jobs in turn, a quiet service's first (sqlstore inTurn).
// On the page queue one: a worker runs the jobs of its claim one after
// another (and the chains of follow-ups they start), so a page of a
// service that is not in a storm, due while both workers are busy, waits
// for at most one of the storm's jobs and its chain on either worker,
// however long the storm's backlog; then it runs first in the next
// claim. On the default queue the whole batch (bulk routing is cheaper
// in bulk), still in turn across services. With no page queue, the
// default queue carries the pages: one.
func (p *Pager) perKey() map[string]int {
	if p.cfg.PageQueue == QueueDefault {
		return map[string]int{QueueDefault: 1}
	}
	return map[string]int{QueueDefault: 50, p.cfg.PageQueue: 1}
}

// Queues returns the engine queues paging's jobs run on, for
// engine.Config.Queues: QueueDefault, and the page queue if apart.
func (p *Pager) Queues() []string {
	if p.cfg.PageQueue == QueueDefault {
		return []string{QueueDefault}
	}
	return []string{QueueDefault, p.cfg.PageQueue}
}

// decode reads a job's payload into v; a payload that does not decode
// will never run, so it fails permanently.
func decode(job engine.Job, v any) error {
	if err := json.Unmarshal(job.Payload, v); err != nil {
		return engine.Permanent{Err: fmt.Errorf("%s job %s: bad payload: %w", job.Kind, job.ID, err)}
	}
	return nil
}

// Handlers returns the handler of every paging job kind, for
// engine.Config.Handlers.
func (p *Pager) Handlers() map[string]engine.Handler {
	return map[string]engine.Handler{
		KindAlertRoute:        p.route,
		KindAlertPage:         p.routeWhole,
		KindAlertAcknowledged: p.alertAcknowledged,
		KindAlertResolved:     p.alertResolved,
		KindAlertLink:         p.link,
		KindAlertJoined:       p.joined,
		KindAlertFolded:       p.folded,
		KindEscalationStep:    p.escalate,
		KindNotifyUser:        p.notifyUser,
		KindIncidentAnnounce:  p.announce,
		KindIncidentICCheck:   p.icCheck,
		KindIncidentMajor:     p.majorCheck,
		KindIncidentNote:      p.noteHandler,
		KindIncidentAckAlerts: p.ackAlertsJob,
	}
}

// BatchHandlers returns the batch handlers of the paging job kinds that
// run cheaper together, for engine.Config.BatchHandlers: alert.route, so
// that the bulk routing of a storm reads its alerts and services once per
// claim, and escalation.step, so that steps due at once store their pages
// with one write.
func (p *Pager) BatchHandlers() map[string]engine.BatchHandler {
	return map[string]engine.BatchHandler{KindAlertRoute: p.routeBatch, KindEscalationStep: p.escalateBatch}
}

// permanentIfNotFound makes a vanished alert, incident or policy a
// permanent failure: retrying cannot bring it back.
func permanentIfNotFound(err error) error {
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return engine.Permanent{Err: err}
	}
	return err
}
