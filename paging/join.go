package paging

import (
	"context"
	"fmt"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// Alerts that join an incident that exists already (their group's, or
// the service's open incident by an attach rule) page nobody new: the
// incident's escalation goes on. During a storm they are nearly all of
// the alerts (in one Alertmanager group only the first declares), so
// routing links them in batches: one timeline note and one statement per
// incident and reason, for all the alerts of a job (routing whole) or of
// a claim of bulk jobs, instead of a note and an update per alert (two
// transactions each, which held routing to hundreds to a few thousand
// alerts a second while intake took tens of thousands).

// AlertLinker is implemented by stores that link many alerts to an
// incident at once (sqlstore); routing uses it when the store has it.
type AlertLinker interface {
	// LinkAlerts links the alerts of ids that are linked to no incident
	// to incidentID, at at, in one transaction, and returns how many it
	// linked. ENotFound if the incident does not exist.
	LinkAlerts(ctx context.Context, incidentID string, ids []string, at time.Time) (int, error)
}

// joinReason says why alerts joined an incident, for its timeline: for
// one alert and for many.
type joinReason struct{ one, many string }

// sameGroup is why an alert joins the incident of its group.
var sameGroup = joinReason{"it belongs to the same alert group", "they belong to the same alert group"}

// attachRule is why an alert joins its service's open incident by an
// attach rule.
func attachRule(severity string) joinReason {
	return joinReason{"the service's rules attach " + severity + " alerts to its open incident",
		"the service's rules attach " + severity + " alerts to its open incident"}
}

// joinBatch is the alerts that join one incident for one reason.
type joinBatch struct {
	inc    *warroom.Incident
	why    joinReason
	alerts []*warroom.Alert // whole, or only what routing reads (RoutingAlerts)
	jobs   []int            // the job of each alert, for bulk routing's results
}

// join adds a to the alerts that join inc (job: its job's index in a
// batch of bulk jobs, else 0). Nothing is written until flushJoins.
func (r *router) join(job int, a *warroom.Alert, inc *warroom.Incident, why joinReason) {
	k := inc.ID + "\x00" + why.one
	if r.joinAt == nil {
		r.joinAt = map[string]*joinBatch{}
	}
	b := r.joinAt[k]
	if b == nil {
		b = &joinBatch{inc: inc, why: why}
		r.joinAt[k] = b
		r.joins = append(r.joins, b)
	}
	b.alerts = append(b.alerts, a)
	b.jobs = append(b.jobs, job)
	r.routed[a.ID] = true
}

// flushJoins writes the joins collected since the last flush: per batch
// the timeline note first, then the links in one statement, so that a
// run that stopped between them finds the alerts unlinked and does it
// again (the note is keyed by the batch's first alert: written once).
// fail is called with each batch's error and the jobs of its alerts;
// flushJoins goes on with the next batch.
func (r *router) flushJoins(ctx context.Context, fail func(jobs []int, err error)) {
	batches := r.joins
	r.joins, r.joinAt = nil, nil
	for _, b := range batches {
		if err := r.p.joinIncident(ctx, b, r.now); err != nil {
			fail(b.jobs, fmt.Errorf("route alert %s and %d more: %w", b.alerts[0].ID, len(b.alerts)-1, err))
			continue
		}
		// Every alert of a group joined its group's incident (an attach
		// rule records the group there first: attachByRule).
		last := groupRef{}
		for _, a := range b.alerts {
			if g := (groupRef{a.ServiceID, a.GroupKey}); a.GroupKey != "" && g != last {
				r.p.knownGroups.put(g, b.inc.ID, r.now, maxKnownGroups)
				last = g
			}
		}
	}
}

// joinIncident notes a batch of joining alerts on their incident's
// timeline and links them.
func (p *Pager) joinIncident(ctx context.Context, b *joinBatch, now time.Time) error {
	first := b.alerts[0]
	if first.Summary == "" {
		// Bulk routing reads only what it decides on; the note names the
		// first alert.
		whole, err := p.findAlerts(ctx, []string{first.ID}, true)
		if err != nil {
			return err
		}
		if len(whole) > 0 {
			first = whole[0]
		}
	}
	text := fmt.Sprintf("Alert %q (%s, %s) attached: %s.", first.Summary, first.Severity, first.ID, b.why.one)
	if n := len(b.alerts); n > 1 {
		text = fmt.Sprintf("%d alerts attached: %s. The first: %q (%s, %s).", n, b.why.many, first.Summary, first.Severity, first.ID)
	}
	if err := p.note(ctx, b.inc.ID, "route-note:"+first.ID, text); err != nil {
		return err
	}
	ids := make([]string, len(b.alerts))
	for i, a := range b.alerts {
		ids[i] = a.ID
	}
	return p.linkAlerts(ctx, b.inc.ID, ids)
}

// linkAlerts links alerts to an incident unless a person linked them
// elsewhere meanwhile: with one statement where the store can.
func (p *Pager) linkAlerts(ctx context.Context, incidentID string, ids []string) error {
	if l, ok := p.cfg.Store.(AlertLinker); ok {
		_, err := l.LinkAlerts(ctx, incidentID, ids, p.cfg.Now().UTC())
		return err
	}
	for _, id := range ids {
		if err := p.linkAlert(ctx, id, incidentID); err != nil {
			return err
		}
	}
	return nil
}

// groupIncident returns the open incident a's group has, or nil: with
// peers false the one the store records for the group (declared for it,
// or which routing attached or folded it into: recordedGroupIncident),
// unless it was declared for a itself (then declaring again replays it);
// with peers true also one another alert of the group was linked to (by a
// person, say: Pager.groupIncident). Read once per group and router, so
// that a storm in one group reads it once per batch; bulk routing asks
// without peers for every alert of a storm, and hands those it finds
// nothing for to routing whole, which asks with.
func (r *router) groupIncident(ctx context.Context, a *warroom.Alert, peers bool) (*warroom.Incident, error) {
	if a.GroupKey == "" {
		return nil, nil
	}
	k := groupRef{a.ServiceID, a.GroupKey}
	g, ok := r.groups[k]
	if !ok {
		inc, forAlert, err := r.p.cfg.Store.GroupIncident(ctx, a.ServiceID, a.GroupKey)
		if err != nil {
			return nil, err
		}
		if inc != nil && !inc.Stage.Open() {
			inc = nil
			r.p.knownGroups.forget(k)
		}
		g = groupIncidentOf{inc: inc, forAlert: forAlert}
		r.groups[k] = g
	}
	if g.inc != nil {
		if g.forAlert == a.ID {
			return nil, nil
		}
		return g.inc, nil
	}
	if peers && !g.peers {
		inc, err := r.p.peerGroupIncident(ctx, a)
		if err != nil {
			return nil, err
		}
		g = groupIncidentOf{inc: inc, peers: true}
		r.groups[k] = g
	}
	return g.inc, nil
}

// recordGroup notes that a's group has the open incident inc now (routing
// declared it for the alert forAlert, or recorded the group there: joined,
// attached or folded), for the router's later alerts of the group and for
// RouteQueue's forecast (knownGroups), which links the group's next alerts
// at intake. The store has recorded it already, so intake's check in its
// own transaction finds it.
func (r *router) recordGroup(a *warroom.Alert, inc *warroom.Incident, forAlert string) {
	if a.GroupKey == "" || inc == nil || !inc.Stage.Open() {
		return
	}
	k := groupRef{a.ServiceID, a.GroupKey}
	r.groups[k] = groupIncidentOf{inc: inc, forAlert: forAlert, peers: true}
	r.p.knownGroups.put(k, inc.ID, r.now, maxKnownGroups)
}

// attachByRule joins a, by an attach rule, to the service's open incident
// inc (job: its job's index in a batch of bulk jobs, else 0), and makes
// inc its group's incident, so that the group's later alerts go there too
// however many incidents the service declares meanwhile; unless the group
// has an open incident already, which a then joins. The group is recorded
// once per group and router (AttachGroup), not per alert of a storm.
func (r *router) attachByRule(ctx context.Context, job int, a *warroom.Alert, inc *warroom.Incident) error {
	if a.GroupKey == "" {
		r.join(job, a, inc, attachRule(a.Severity))
		return nil
	}
	if g := r.groups[groupRef{a.ServiceID, a.GroupKey}]; g.inc != nil && g.forAlert != a.ID {
		// An alert of the group before it recorded it.
		why := sameGroup
		if g.inc.ID == inc.ID {
			why = attachRule(a.Severity)
		}
		r.join(job, a, g.inc, why)
		return nil
	}
	cur, err := r.p.cfg.Store.AttachGroup(ctx, a.ServiceID, a.GroupKey, a.ID, inc.ID)
	if err != nil {
		return err
	}
	if cur != nil {
		r.recordGroup(a, cur, "")
		r.join(job, a, cur, sameGroup)
		return nil
	}
	r.recordGroup(a, inc, "")
	r.join(job, a, inc, attachRule(a.Severity))
	return nil
}

// groupIncidentOf is what a router read of a group's incident.
type groupIncidentOf struct {
	inc      *warroom.Incident // open, or nil
	forAlert string            // the alert it was declared for ("": another, or attached)
	peers    bool              // a nil inc includes the look at the group's other alerts
}

// groupRef names an alert group: its service and group key.
type groupRef struct{ service, group string }

// knownGroupTTL is how long RouteQueue trusts that a group has an open
// incident after this process's routing declared it or joined it. The
// store checks it again when it links an alert at intake.
const knownGroupTTL = 30 * time.Second

// maxKnownGroups bounds Pager.knownGroups: a storm of new groups must not
// grow it for ever.
const maxKnownGroups = 100000

// JoinedPayload is the payload of alert.joined (scheduled by the store
// when it links new alerts to their group's incident at intake; see
// RouteQueue): the alerts of the group of ServiceID and GroupKey linked to
// IncidentID that were received in [From, To).
type JoinedPayload struct {
	IncidentID string    `json:"incident_id"`
	ServiceID  string    `json:"service_id"`
	GroupKey   string    `json:"group_key"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
}

// GroupAlertCounter is implemented by stores that count a group's alerts
// in an incident (sqlstore), for alert.joined.
type GroupAlertCounter interface {
	// CountGroupAlerts counts the alerts of the group (service, group
	// key) linked to the incident that were received in [from, to), and
	// returns the ID of the first ("" for none).
	CountGroupAlerts(ctx context.Context, incidentID, serviceID, groupKey string, from, to time.Time) (int, string, error)
}

// joined handles alert.joined: one timeline note for the alerts of a
// group that joined its incident at intake within a window (the store's
// JoinNoteWindow), instead of one per alert.
func (p *Pager) joined(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var pl JoinedPayload
	if err := decode(job, &pl); err != nil {
		return nil, err
	}
	c, ok := p.cfg.Store.(GroupAlertCounter)
	if !ok {
		return nil, nil // only such a store links alerts at intake
	}
	n, firstID, err := c.CountGroupAlerts(ctx, pl.IncidentID, pl.ServiceID, pl.GroupKey, pl.From, pl.To)
	if err != nil || n == 0 {
		return nil, err
	}
	first, err := p.cfg.Store.FindAlert(ctx, firstID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	text := fmt.Sprintf("Alert %q (%s, %s) attached: %s.", first.Summary, first.Severity, first.ID, sameGroup.one)
	if n > 1 {
		// Counted from the database: every alert of the group received in
		// the window and linked here, joined at intake or routed.
		text = fmt.Sprintf("%d alerts of one group received from %s to %s UTC attached: %s. The first: %q (%s, %s).", n,
			pl.From.UTC().Format(time.TimeOnly), pl.To.UTC().Format(time.TimeOnly), sameGroup.many, first.Summary, first.Severity, first.ID)
	}
	key := job.Key
	if key == "" {
		key = job.ID
	}
	return nil, permanentIfNotFound(p.note(ctx, pl.IncidentID, "route-note:"+key, text))
}
