package paging

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// RoutingStore is the part of Store that keeps routing's decisions about
// a service's incidents in the database, so that they hold across
// processes and across the queues that route:
//
//   - one incident per alert group: the declaration for an alert of a
//     group takes the group's lock in the database and re-checks the
//     group's incident in the transaction that declares;
//   - an alert that would attach to its service's open incident and finds
//     none waits only if no declaration for the service is in flight: a
//     declaration decided on (bulk routing handing the alert to the page
//     queue, or the page queue about to declare) is marked in the database
//     until the transaction that stores the incident deletes the mark.
type RoutingStore interface {
	// DeclareForAlert declares an incident with build, as DeclareIncident
	// does, for an alert of a group (groupKey "" for none), unless the
	// group's incident is still open: then it returns that incident, with
	// out.Joined true unless it was declared for this alert. Unless the
	// limit is off, it also declares nothing when the service declared
	// limit.Count incidents from alerts within limit.Window before now and
	// has an open incident: it folds the group into the newest one and
	// returns it (out.Folded). It deletes the alert's mark in the same
	// transaction.
	DeclareForAlert(ctx context.Context, serviceID, groupKey, alertID string, limit warroom.AlertIncidentLimit, now time.Time,
		idem warroom.Idempotency, build func(number int64) ([]warroom.Event, error)) (*warroom.CommandResult, warroom.AlertDeclareOutcome, error)
	// AttachGroup records that an attach rule joins an alert of a group to
	// the open incident incidentID, unless the group has an open incident
	// already: then it returns that one, which the alert joins instead.
	AttachGroup(ctx context.Context, serviceID, groupKey, alertID, incidentID string) (*warroom.Incident, error)
	// DeclareFromAlert declares an incident a person declares from an
	// alert with build, and links the alert to it in the same
	// transaction, splitting it (and its group, when routing attached or
	// folded the group there) out of the incident it was attached to.
	// EConflict if the alert belongs to an incident that is not open or
	// was declared for it or its group.
	DeclareFromAlert(ctx context.Context, alertID string, now time.Time, idem warroom.Idempotency,
		build func(number int64) ([]warroom.Event, error)) (*warroom.CommandResult, warroom.AlertSplit, error)
	// GroupIncident returns the incident routing declared for an alert
	// group and the alert it declared it for, or nil.
	GroupIncident(ctx context.Context, serviceID, groupKey string) (*warroom.Incident, string, error)
	// MarkDeclaring marks alerts of a service whose declaration is decided.
	MarkDeclaring(ctx context.Context, serviceID string, alertIDs ...string) error
	// Declaring returns the marked alerts of a service that are still
	// firing and unlinked, oldest first.
	Declaring(ctx context.Context, serviceID string) ([]string, error)
	// UnmarkDeclaring deletes marks whose alerts will not declare.
	UnmarkDeclaring(ctx context.Context, serviceID string, alertIDs ...string) error
}

// declareForAlert declares an incident for a as the system, once however
// often it runs (the idempotency key derives from the alert), with note
// as the first entry of its timeline, in the declaring transaction (so
// that nothing attached to the incident comes before it). The
// declaration is marked first, so that alerts of the service that would
// attach to it do not wait while it is being made, and the store
// re-checks a's group and the service's alert incident limit in the
// declaring transaction: out says whether another process declared for
// the group meanwhile (Joined) or the limit folded the group into the
// service's newest open incident (Folded); inc is that incident.
//
// Unless mark is false: bulk routing folding a new group of a service at
// its limit that has an open incident (or no attach rule) needs no mark,
// as nothing waits for the declaration (see RouteQueue).
func (p *Pager) declareForAlert(ctx context.Context, a *warroom.Alert, rule warroom.AlertRule, now time.Time, note string,
	mark bool) (inc *warroom.Incident, out warroom.AlertDeclareOutcome, err error) {
	d, key := alertDeclaration(a, rule.IncidentSeverity, now), idem("route:"+a.ID)
	rs := p.cfg.Store
	if mark {
		// Intake (for alerts it routes on the page queue) and bulk routing
		// (for those it hands over) marked it already, as a rule: a read is
		// cheaper than a write, which on SQLite waits for the writer.
		marked, err := rs.Declaring(ctx, a.ServiceID)
		if err != nil {
			return nil, out, err
		}
		if !slices.Contains(marked, a.ID) {
			if err := rs.MarkDeclaring(ctx, a.ServiceID, a.ID); err != nil {
				return nil, out, err
			}
		}
	}
	// The declaration goes through Incidents (validation, IDs, bridge link,
	// the domain's events) with its store's DeclareIncident swapped for
	// DeclareForAlert, which adds the group's lock and re-check, and the
	// service's limit, to the same transaction.
	incs := *p.cfg.Incidents
	ds := &groupDeclarer{Store: incs.Store, rs: rs, a: a, limit: p.cfg.Policy.AlertIncidentLimit, now: now, note: note, policy: incs.Policy}
	incs.Store = ds
	res, err := incs.Declare(ctx, system, d, key)
	if err != nil {
		return nil, out, err
	}
	if res.Replayed {
		// An earlier run declared (and deleted the mark); the mark made
		// above would otherwise stand until the alert is linked.
		if err := rs.UnmarkDeclaring(ctx, a.ServiceID, a.ID); err != nil {
			return nil, out, err
		}
	}
	return res.Incident, ds.out, nil
}

// groupDeclarer is an incident store whose DeclareIncident is
// RoutingStore.DeclareForAlert for one alert, with a note after the
// declaration's events.
type groupDeclarer struct {
	warroom.Store
	rs     RoutingStore
	a      *warroom.Alert
	limit  warroom.AlertIncidentLimit
	now    time.Time
	note   string
	policy warroom.Policy
	out    warroom.AlertDeclareOutcome
}

func (g *groupDeclarer) DeclareIncident(ctx context.Context, key warroom.Idempotency, build func(number int64) ([]warroom.Event, error)) (*warroom.CommandResult, error) {
	res, out, err := g.rs.DeclareForAlert(ctx, g.a.ServiceID, g.a.GroupKey, g.a.ID, g.limit, g.now, key, g.withNote(build))
	g.out = out
	return res, err
}

// withNote returns build with a system note appended to the events it
// returns, as the incident's next entry.
func (g *groupDeclarer) withNote(build func(number int64) ([]warroom.Event, error)) func(number int64) ([]warroom.Event, error) {
	if g.note == "" {
		return build
	}
	return func(number int64) ([]warroom.Event, error) {
		events, err := build(number)
		if err != nil || len(events) == 0 {
			return events, err
		}
		inc, err := warroom.Fold(events)
		if err != nil {
			return nil, err
		}
		note, err := warroom.Decide(inc, system, warroom.AddEntry{Type: warroom.EntryNote, Text: g.note}, events[0].At, g.policy)
		if err != nil {
			return nil, err
		}
		return append(events, note...), nil
	}
}

// peerGroupIncident returns an open incident another alert of a's group
// (same service and group key) was linked to (by a person, say), or nil:
// the second look of router.groupIncident, after the incident the store
// records for the group.
func (p *Pager) peerGroupIncident(ctx context.Context, a *warroom.Alert) (*warroom.Incident, error) {
	if a.GroupKey == "" {
		return nil, nil
	}
	peers, err := p.cfg.Store.ListAlerts(ctx, warroom.AlertFilter{ServiceID: a.ServiceID, GroupKey: a.GroupKey, Limit: 100})
	if err != nil {
		return nil, err
	}
	for _, peer := range peers {
		if peer.ID == a.ID || peer.IncidentID == "" {
			continue
		}
		inc, err := p.cfg.Store.FindIncident(ctx, peer.IncidentID)
		if err != nil {
			return nil, err
		}
		if inc.Stage.Open() {
			return inc, nil
		}
	}
	return nil, nil
}

// attachFolded links a, whose new group the alert incident limit folded
// into its service's newest open incident inc, and says so on inc's
// timeline (noteFolded).
func (p *Pager) attachFolded(ctx context.Context, a *warroom.Alert, inc *warroom.Incident, out warroom.AlertDeclareOutcome) error {
	if err := p.noteFolded(ctx, inc, []*warroom.Alert{a}, []warroom.AlertDeclareOutcome{out}); err != nil {
		return err
	}
	return p.linkAlert(ctx, a.ID, inc.ID)
}

// noteFolded says on inc's timeline that the new groups of alerts (the
// first alert of each; outs, what folding them did) were folded into it:
// for each of the first groups folded into it, then in a rolled-up note
// at every NoteFoldedGroup count, so that a storm of thousands of groups
// writes a few notes, not thousands. Each note is keyed by its alert, so
// written once however often routing runs.
func (p *Pager) noteFolded(ctx context.Context, inc *warroom.Incident, alerts []*warroom.Alert, outs []warroom.AlertDeclareOutcome) error {
	var noted []string
	for k, a := range alerts {
		if warroom.NoteFoldedGroup(outs[k].FoldedGroups) && a.Summary == "" {
			noted = append(noted, a.ID) // bulk routing read only what it decides on
		}
	}
	whole := map[string]*warroom.Alert{}
	if len(noted) > 0 {
		found, err := p.findAlerts(ctx, noted, true)
		if err != nil {
			return err
		}
		for _, a := range found {
			whole[a.ID] = a
		}
	}
	limit := p.cfg.Policy.AlertIncidentLimit
	for k, a := range alerts {
		out := outs[k]
		if !warroom.NoteFoldedGroup(out.FoldedGroups) {
			continue
		}
		if w := whole[a.ID]; w != nil {
			a = w
		}
		group := "its alert group"
		if a.GroupKey != "" {
			group = fmt.Sprintf("its alert group %q", clip(a.GroupKey, 200))
		}
		why := fmt.Sprintf("the service has declared %d incidents from alerts within its limit of %s (alert-incident-limit), "+
			"so new alert groups join its newest open incident instead of declaring more: an alert storm must not become an incident storm",
			out.Recent, limit)
		var text string
		if out.FoldedGroups <= 5 {
			text = fmt.Sprintf("Alert %q (%s, %s) attached: %s would have declared an incident, but %s. "+
				"To handle it apart, declare an incident from the alert: its group moves there.", a.Summary, a.Severity, a.ID, group, why)
		} else {
			text = fmt.Sprintf("%d new alert groups of the service have joined this incident so far, the latest with alert %q (%s, %s): %s. "+
				"List them with `warroom alerts list --incident %s`; to handle one apart, declare an incident from one of its alerts.",
				out.FoldedGroups, a.Summary, a.Severity, a.ID, why, inc.Ref)
		}
		if err := p.note(ctx, inc.ID, "route-note:"+a.ID, clip(text, 10000)); err != nil {
			return err
		}
	}
	return nil
}

// folded handles alert.folded (payload warroom.FoldedAtIntake, scheduled
// by the store when it folds new alert groups at intake; see RouteQueue):
// the timeline notes of the groups intake folded, as bulk routing writes
// them for the groups it folds (noteFolded).
func (p *Pager) folded(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var pl warroom.FoldedAtIntake
	if err := decode(job, &pl); err != nil {
		return nil, err
	}
	inc, err := p.cfg.Store.FindIncident(ctx, pl.IncidentID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	// noteFolded reads the alerts whole (they carry only their IDs).
	alerts := make([]*warroom.Alert, len(pl.Groups))
	outs := make([]warroom.AlertDeclareOutcome, len(pl.Groups))
	for k, g := range pl.Groups {
		alerts[k] = &warroom.Alert{ID: g.AlertID}
		outs[k] = warroom.AlertDeclareOutcome{Folded: true, FoldedGroups: g.FoldedGroups, Recent: g.Recent}
	}
	return nil, permanentIfNotFound(p.noteFolded(ctx, inc, alerts, outs))
}

// attaches reports whether a's service's rules would attach it to an open
// incident: whether its routing depends on the service having one.
func attaches(rules []warroom.AlertRule, a *warroom.Alert) bool {
	return warroom.RouteAlert(rules, a, true).Action == warroom.AlertAttach
}

// hasRule reports whether one of rules does action, for any alert.
func hasRule(rules []warroom.AlertRule, action warroom.AlertAction) bool {
	return slices.ContainsFunc(rules, func(rule warroom.AlertRule) bool { return rule.Action == action })
}

// settle decides, for an alert that would attach to its service's open
// incident but found none when the service was read, whether one is being
// declared: it reads the service's declarations in flight (marks), routes
// those first (declaring, or joining their group's incident, once however
// many jobs do it: keyed and idempotent), and then reads the service's
// open incident again. The order of the reads matters: a declaration
// deletes its mark in the transaction that stores the incident, so
// reading the marks and then the incidents sees at least one of them.
// Once per service and router: the alerts of a job are decided together.
func (r *router) settle(ctx context.Context, a *warroom.Alert, svc *routedService) error {
	rs := r.p.cfg.Store
	if svc.settled {
		return nil
	}
	svc.settled = true
	ids, err := rs.Declaring(ctx, a.ServiceID)
	if err != nil {
		return err
	}
	var stale []string
	for _, id := range ids {
		if svc.open != nil {
			break
		}
		if id == a.ID || r.routed[id] {
			continue
		}
		x, err := r.p.cfg.Store.FindAlert(ctx, id)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			stale = append(stale, id)
			continue
		} else if err != nil {
			return err
		}
		if x.Status != warroom.AlertFiring || x.IncidentID != "" {
			stale = append(stale, id) // settled meanwhile
			continue
		}
		rule := warroom.RouteAlert(svc.paging.AlertRules, x, false)
		if rule.Action != warroom.AlertDeclare {
			stale = append(stale, id) // the rules changed since: its own job routes it
			continue
		}
		r.routed[id] = true
		if err := r.routeAlert(ctx, x, svc, rule); err != nil {
			return err
		}
	}
	if err := rs.UnmarkDeclaring(ctx, a.ServiceID, stale...); err != nil {
		return err
	}
	if svc.open == nil {
		svc.open, err = r.p.openIncident(ctx, a.ServiceID)
	}
	return err
}
