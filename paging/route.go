package paging

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// route handles alert.route: each new alert is routed by its service's
// rules (warroom.RouteAlert). A declare rule declares an incident as the
// system and pages the service's escalation policy; an alert of a group
// that already has an open incident joins it instead, so that an alert
// storm makes one incident. An attach rule joins the service's open
// incident, whose own escalation goes on. A wait pages the service's
// escalation policy for the alert and leaves the decision to a person.
//
// When paging runs on its own queue (Config.PageQueue), a job of the
// default queue is bulk routing (routeBulk): it routes what pages nobody
// itself and hands the alerts that page to the page queue, where this
// handler routes them whole.
//
// Safe to run twice: the declaration carries an idempotency key derived
// from the alert, and its escalation and the linking of the alert are keyed
// follow-ups, scheduled with the job's completion, so that a run that
// stopped before it completed finds the alert unlinked and redoes it all.
func (p *Pager) route(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	if p.bulk(job) {
		r := p.routeBulk(ctx, []engine.Job{job}, now)[0]
		return r.Follow, r.Err
	}
	return p.routeWhole(ctx, job, now)
}

// routeWhole routes the alerts of a job whole: alert.route when paging
// has no queue of its own, and alert.page, the alerts bulk routing handed
// to the page queue.
func (p *Pager) routeWhole(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	r := newRouter(p, now)
	defer r.report()
	return r.route(ctx, job)
}

// route routes the alerts of a job whole (see Pager.route) and returns
// its follow-ups. Services route side by side, one job of a service at a
// time in a process: the engine runs no job of a key (its service, the
// job's FairKey) that another of its workers is running (perKey); across
// processes the store's group locks and declaration marks keep one
// incident per group (RoutingStore). A lock of its own per process used
// to hold every service's routing behind a storm's.
func (r *router) route(ctx context.Context, job engine.Job) ([]engine.Job, error) {
	p := r.p
	var pl RoutePayload
	if err := decode(job, &pl); err != nil {
		return nil, err
	}
	alerts, err := p.findAlerts(ctx, pl.AlertIDs, true)
	if err != nil {
		return nil, err
	}
	r.follow = nil
	for _, a := range alerts {
		// Acknowledged or resolved before routing ran: nobody needs
		// paging. Already linked: a person (or an earlier run) decided.
		// Routed already: settle routed it ahead of an alert before it.
		if a.Status != warroom.AlertFiring || a.IncidentID != "" || r.routed[a.ID] {
			continue
		}
		svc, err := r.service(ctx, a.ServiceID)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			r.missing = append(r.missing, a.ID) // the service was deleted
			continue
		} else if err != nil {
			return nil, fmt.Errorf("route alert %s: %w", a.ID, err)
		}
		if svc.open == nil && attaches(svc.paging.AlertRules, a) {
			// Whether it waits depends on an incident that may be
			// being declared right now.
			if err := r.settle(ctx, a, svc); err != nil {
				return nil, fmt.Errorf("route alert %s: %w", a.ID, err)
			}
		}
		r.routed[a.ID] = true
		// Once a group has an open incident, its every later alert goes
		// there, whatever its rule: a group is one problem.
		grp, err := r.groupIncident(ctx, a, true)
		if err != nil {
			return nil, fmt.Errorf("route alert %s: %w", a.ID, err)
		}
		if grp != nil {
			r.join(0, a, grp, sameGroup)
			continue
		}
		rule := warroom.RouteAlert(svc.paging.AlertRules, a, svc.open != nil)
		if err := r.routeAlert(ctx, a, svc, rule); err != nil {
			return nil, fmt.Errorf("route alert %s: %w", a.ID, err)
		}
	}
	// The alerts that join an incident, linked in batches (join.go).
	var joinErr error
	r.flushJoins(ctx, func(_ []int, err error) { joinErr = cmp.Or(joinErr, err) })
	if joinErr != nil {
		return nil, joinErr
	}
	return r.follow, nil
}

// bulk reports whether a route job is bulk routing: a job of the default
// queue while paging has its own.
func (p *Pager) bulk(job engine.Job) bool {
	return p.cfg.PageQueue != QueueDefault && job.Queue != p.cfg.PageQueue
}

// routeBatch is the batch handler of alert.route (BatchHandlers): the
// bulk jobs of a claim are routed together (routeBulk), the others one by
// one.
func (p *Pager) routeBatch(ctx context.Context, jobs []engine.Job, now time.Time) []engine.Result {
	results := make([]engine.Result, len(jobs))
	var bulk []engine.Job
	var at []int
	r := newRouter(p, now)
	defer r.report()
	for i, j := range jobs {
		if p.bulk(j) {
			bulk, at = append(bulk, j), append(at, i)
			continue
		}
		results[i].Follow, results[i].Err = r.route(ctx, j)
	}
	if len(bulk) > 0 {
		for k, r := range p.routeBulk(ctx, bulk, now) {
			results[at[k]] = r
		}
	}
	return results
}

// routeBulk routes the alerts of jobs of the default queue (one intake
// request each) together: it reads what routing decides on of all their
// alerts with one query, and each service's paging and open incident once.
// It attaches the alerts that an attach rule sends to an open incident,
// notes the alerts that page nobody (one log line per service), and hands
// the alerts that page (a declare rule, or a wait on a service with an
// escalation policy) to the page queue: one follow-up job per job, so that
// each job's completion schedules its own. From the first alert of a
// service it hands over, the rest of that service's alerts follow, so that
// they are decided in order.
//
// An alert that would attach but whose service had no open incident when
// it was read is decided at the end of the batch, by what the service has
// then (with a RoutingStore): it attaches to an incident declared since,
// goes to the page queue if a declaration for the service is in flight
// (marked: the alerts this and other batches handed over to declare for,
// the declarations the page queue is making), and waits otherwise. The
// marks of the alerts this batch hands over to declare for are stored
// before its jobs complete, so before the hand-over is.
func (p *Pager) routeBulk(ctx context.Context, jobs []engine.Job, now time.Time) []engine.Result {
	results := make([]engine.Result, len(jobs))
	fail := func(err error) []engine.Result {
		for i := range results {
			if results[i].Err == nil {
				results[i].Err = err
			}
		}
		return results
	}
	payloads := make([]RoutePayload, len(jobs))
	var ids []string
	for i, j := range jobs {
		if err := decode(j, &payloads[i]); err != nil {
			results[i].Err = err
			continue
		}
		ids = append(ids, payloads[i].AlertIDs...)
	}
	heads, err := p.findAlerts(ctx, ids, false)
	if err != nil {
		return fail(err)
	}
	byID := make(map[string]*warroom.Alert, len(heads))
	for _, a := range heads {
		byID[a.ID] = a
	}
	r := newRouter(p, now)
	defer r.report()
	handoff := make([][]string, len(jobs))
	undecided := make([][]*warroom.Alert, len(jobs))
	var touched []string // touched: services in the order first met
	for i := range jobs {
		if results[i].Err != nil {
			continue
		}
		for _, id := range payloads[i].AlertIDs {
			a := byID[id]
			if a == nil {
				r.missing = append(r.missing, id)
				continue
			}
			delete(byID, id) // an alert named twice is routed once
			if a.Status != warroom.AlertFiring || a.IncidentID != "" {
				continue
			}
			_, seen := r.services[a.ServiceID]
			svc, err := r.service(ctx, a.ServiceID)
			if warroom.ErrorCode(err) == warroom.ENotFound {
				r.missing = append(r.missing, a.ID) // the service was deleted
				continue
			} else if err != nil {
				return fail(fmt.Errorf("route alert %s: %w", a.ID, err))
			}
			if !seen {
				touched = append(touched, a.ServiceID)
			}
			rule := warroom.RouteAlert(svc.paging.AlertRules, a, svc.open != nil)
			folds := rule.Action == warroom.AlertDeclare && !svc.handedOff && p.foldsNewGroups(ctx, a.ServiceID)
			if len(svc.folding) > 0 && !folds && (svc.foldingAt[a.GroupKey] != nil || attaches(svc.paging.AlertRules, a)) {
				// What it does may depend on the groups waiting to be
				// folded (its own group, or a declaration that a group
				// makes after all): they are decided first.
				if err := r.foldGroups(ctx, svc, results); err != nil {
					return fail(err)
				}
			}
			// An alert of a group that has an open incident (declared for
			// the group, or which routing attached or folded it into) joins
			// it here, in a batch, whatever its rule, as routing whole
			// would: a group is one problem, and it pages nobody new, so it
			// does not go to the page queue.
			grp, err := r.groupIncident(ctx, a, false)
			if err != nil {
				return fail(fmt.Errorf("route alert %s: %w", a.ID, err))
			}
			if grp != nil {
				why := sameGroup
				if rule.Action == warroom.AlertAttach && svc.open != nil && svc.open.ID == grp.ID {
					// Its rule attaches it there too: one note for the
					// batch, whether the group was recorded already.
					why = attachRule(a.Severity)
				}
				r.join(i, a, grp, why)
				continue
			}
			if folds {
				// Folded with the service's other new groups of the claim,
				// in one transaction (foldGroups).
				svc.toFold(i, a)
				continue
			}
			switch {
			case svc.handedOff || pages(rule, svc.paging):
				svc.handedOff = true
				handoff[i] = append(handoff[i], a.ID)
				if rule.Action == warroom.AlertDeclare && svc.marked.first(a.GroupKey) {
					svc.declaring = append(svc.declaring, a.ID)
				}
			case rule.Action == warroom.AlertAttach:
				if err := r.attachByRule(ctx, i, a, svc.open); err != nil {
					return fail(fmt.Errorf("route alert %s: %w", a.ID, err))
				}
			case attaches(svc.paging.AlertRules, a):
				svc.undecided = true
				undecided[i] = append(undecided[i], a)
			default:
				r.waits(a)
			}
		}
	}
	for _, id := range touched {
		if err := r.foldGroups(ctx, r.services[id], results); err != nil {
			return fail(err)
		}
	}
	if err := p.settleBulk(ctx, r, touched); err != nil {
		return fail(err)
	}
	for i := range jobs {
		for _, a := range undecided[i] {
			svc := r.services[a.ServiceID]
			switch {
			case svc.open != nil:
				if err := r.attachByRule(ctx, i, a, svc.open); err != nil && results[i].Err == nil {
					results[i].Err = fmt.Errorf("route alert %s: %w", a.ID, err)
				}
			case svc.handedOff:
				handoff[i] = append(handoff[i], a.ID)
			default:
				r.waits(a)
			}
		}
	}
	for i := range jobs {
		if len(handoff[i]) > 0 {
			results[i].Follow = append(results[i].Follow, p.pageRouteJob(now, handoff[i]))
		}
	}
	// Joining changes no service's open incident: these are decided
	// already. They are linked in batches, one per incident and reason
	// for the whole claim (join.go); a batch that fails fails the jobs
	// of its alerts.
	r.flushJoins(ctx, func(in []int, err error) {
		for _, i := range in {
			if results[i].Err == nil {
				results[i].Err = err
			}
		}
	})
	return results
}

// foldsNewGroups reports whether, as RouteQueue forecast (read at most
// once per routeQueueTTL), a new alert group of the service would be
// folded by the alert incident limit into its open incident.
func (p *Pager) foldsNewGroups(ctx context.Context, serviceID string) bool {
	c, ok := p.forecastService(ctx, serviceID)
	return ok && c.folds(p.cfg.Policy.AlertIncidentLimit, p.cfg.Now())
}

// foldInBulk routes in bulk an alert a declare rule matches, of a new
// group of a service forecast to be at its alert incident limit with an
// open incident: it folds into that incident and pages nobody, so it is
// not handed to the page queue (where a storm of new groups would
// occupy it). The declaring transaction decides: should the service's
// window have passed meanwhile, it declares, and the declaration's
// escalation (on the page queue) and link are returned as follow-ups of
// the alert's job.
func (r *router) foldInBulk(ctx context.Context, a *warroom.Alert, svc *routedService, rule warroom.AlertRule) ([]engine.Job, error) {
	// Bulk routing read only what it decides on; declaring and the
	// timeline need the whole alert.
	whole, err := r.p.findAlerts(ctx, []string{a.ID}, true)
	if err != nil || len(whole) == 0 {
		return nil, err
	}
	r.follow, r.unmarked = nil, svc.open != nil || !hasRule(svc.paging.AlertRules, warroom.AlertAttach)
	defer func() { r.follow, r.unmarked = nil, false }()
	r.routed[a.ID] = true
	if err := r.routeAlert(ctx, whole[0], svc, rule); err != nil {
		return nil, err
	}
	return r.follow, nil
}

// GroupFolder is implemented by stores that fold many new alert groups
// of a service into its newest open incident in one transaction
// (sqlstore); bulk routing uses it when the store has it.
type GroupFolder interface {
	// FoldGroups decides for each group, in order, as DeclareForAlert
	// would for its first alert, but declares nothing: a group whose
	// incident is open joins it, a group the limit folds is recorded
	// and counted there, and a group that may still declare is left
	// undecided (Incident nil).
	FoldGroups(ctx context.Context, serviceID string, groups []warroom.GroupToFold, limit warroom.AlertIncidentLimit,
		now time.Time) ([]warroom.GroupFold, error)
}

// foldGroups routes the new groups of a service that bulk routing found
// forecast to fold (svc.folding): with one transaction for all of them
// (GroupFolder), instead of a declaring transaction and a link each,
// which held a storm of a new group per delivery to a few hundred groups
// a second. The first alert of each folded group is noted on the
// incident's timeline as NoteFoldedGroup says and linked with the others
// in one statement; the rest of each group joins (flushJoins). A group
// the store left undecided is routed alone, as a declaration
// (foldInBulk), and its follow-ups go with its alert's job.
func (r *router) foldGroups(ctx context.Context, svc *routedService, results []engine.Result) error {
	groups := svc.folding
	svc.folding, svc.foldingAt = nil, nil
	if len(groups) == 0 {
		return nil
	}
	folds := make([]warroom.GroupFold, len(groups))
	if f, ok := r.p.cfg.Store.(GroupFolder); ok {
		todo := make([]warroom.GroupToFold, len(groups))
		for k, g := range groups {
			todo[k] = warroom.GroupToFold{GroupKey: g.alerts[0].GroupKey, AlertID: g.alerts[0].ID}
		}
		var err error
		serviceID := groups[0].alerts[0].ServiceID
		if folds, err = f.FoldGroups(ctx, serviceID, todo, r.p.cfg.Policy.AlertIncidentLimit, r.now); err != nil {
			return fmt.Errorf("fold %d new alert groups of service %s: %w", len(groups), serviceID, err)
		}
	}
	// Folded groups, by incident: the first alerts to note and link.
	type foldedInto struct {
		inc    *warroom.Incident
		alerts []*warroom.Alert
		outs   []warroom.AlertDeclareOutcome
	}
	var into []*foldedInto
	for k, g := range groups {
		first, out := g.alerts[0], folds[k]
		switch {
		case out.Incident == nil:
			// Undecided: each alert as routing one at a time would.
			for n, a := range g.alerts {
				if grp, err := r.groupIncident(ctx, a, false); err != nil {
					return fmt.Errorf("route alert %s: %w", a.ID, err)
				} else if grp != nil {
					r.join(g.jobs[n], a, grp, sameGroup)
					continue
				}
				rule := warroom.RouteAlert(svc.paging.AlertRules, a, svc.open != nil)
				follow, err := r.foldInBulk(ctx, a, svc, rule)
				if err != nil {
					return fmt.Errorf("route alert %s: %w", a.ID, err)
				}
				results[g.jobs[n]].Follow = append(results[g.jobs[n]].Follow, follow...)
			}
			continue
		case out.Joined:
			// Another process recorded an incident for the group meanwhile.
			r.recordGroup(first, out.Incident, "")
			for n, a := range g.alerts {
				r.join(g.jobs[n], a, out.Incident, sameGroup)
			}
			continue
		}
		r.routed[first.ID] = true
		r.recordGroup(first, out.Incident, first.ID)
		if len(into) == 0 || into[len(into)-1].inc.ID != out.Incident.ID {
			into = append(into, &foldedInto{inc: out.Incident})
		}
		f := into[len(into)-1]
		f.alerts, f.outs = append(f.alerts, first), append(f.outs, out.AlertDeclareOutcome)
		for n, a := range g.alerts[1:] {
			r.join(g.jobs[n+1], a, out.Incident, sameGroup)
		}
	}
	for _, f := range into {
		if err := r.p.noteFolded(ctx, f.inc, f.alerts, f.outs); err != nil {
			return err
		}
		ids := make([]string, len(f.alerts))
		for k, a := range f.alerts {
			ids[k] = a.ID
		}
		if err := r.p.linkAlerts(ctx, f.inc.ID, ids); err != nil {
			return fmt.Errorf("link %d alerts of folded groups to %s: %w", len(ids), f.inc.Ref, err)
		}
	}
	return nil
}

// settleBulk stores the marks of the declarations bulk routing hands to
// the page queue, and then decides, for each service with alerts that
// would attach but found no open incident, what those alerts do: it reads
// the service's declarations in flight (marks, the batch's own included)
// and then its open incident, in this order (see settle). An open
// incident is attached to (svc.open); a declaration in flight sends the
// alerts to the page queue after it (svc.handedOff), where settle routes
// it first if it has not run yet; with neither they wait.
func (p *Pager) settleBulk(ctx context.Context, r *router, services []string) error {
	rs := p.cfg.Store
	for _, id := range services {
		if svc := r.services[id]; len(svc.declaring) > 0 {
			if err := rs.MarkDeclaring(ctx, id, svc.declaring...); err != nil {
				return fmt.Errorf("mark declarations of service %s: %w", id, err)
			}
		}
	}
	for _, id := range services {
		svc := r.services[id]
		if !svc.undecided || svc.handedOff {
			continue
		}
		inFlight, err := rs.Declaring(ctx, id)
		if err != nil {
			return fmt.Errorf("route alerts of service %s: %w", id, err)
		}
		if svc.open, err = p.openIncident(ctx, id); err != nil {
			return fmt.Errorf("route alerts of service %s: %w", id, err)
		}
		svc.handedOff = svc.open == nil && len(inFlight) > 0
	}
	return nil
}

// pages reports whether routing an alert by rule pages someone: a
// declaration, or a wait on a service with an escalation policy.
func pages(rule warroom.AlertRule, sp warroom.ServicePaging) bool {
	return rule.Action == warroom.AlertDeclare || (rule.Action != warroom.AlertAttach && sp.EscalationPolicyID != "")
}

// router routes the alerts of one job, or of a batch of bulk jobs.
type router struct {
	p        *Pager
	now      time.Time
	services map[string]*routedService
	follow   []engine.Job        // escalations to start, alerts to link
	missing  []string            // alerts (or their services) that do not exist
	unpaged  map[string][]string // service ID → alerts that wait with nobody to page
	routed   map[string]bool     // alerts routed whole, so that settle routes none twice
	// joins are the alerts that join an incident, linked in batches by
	// flushJoins (join.go); groups, what the router read or recorded of
	// alert groups' incidents (groupIncident), once per group.
	joins  []*joinBatch
	joinAt map[string]*joinBatch
	groups map[groupRef]groupIncidentOf
	// unmarked: the declaration being routed needs no mark (bulk routing
	// folding a new group; see foldInBulk).
	unmarked bool
}

func newRouter(p *Pager, now time.Time) *router {
	return &router{p: p, now: now, services: map[string]*routedService{}, routed: map[string]bool{},
		groups: map[groupRef]groupIncidentOf{}}
}

// routedService is what routing reads of a service, once per job.
type routedService struct {
	paging    warroom.ServicePaging
	open      *warroom.Incident // the newest open incident, when a rule attaches
	handedOff bool              // an alert of it went to the page queue
	settled   bool              // settle looked for declarations in flight
	// declaring lists the alerts bulk routing hands to the page queue to
	// declare for; undecided, those that would attach but found no open
	// incident (decided at the end of the batch).
	declaring []string
	undecided bool
	marked    groupsMet // groups with an alert in declaring
	// folding: the new groups of the service bulk routing would fold
	// (foldGroups), in the order met; foldingAt indexes them by key.
	folding   []*groupToFold
	foldingAt map[string]*groupToFold
}

// groupToFold is a new alert group that bulk routing would fold: its
// alerts of the claim in order, with the index of each one's job.
type groupToFold struct {
	alerts []*warroom.Alert
	jobs   []int
}

// toFold adds a (of job i) to the new groups waiting to be folded: to its
// group's, or as a new one. Alerts of no group are each a group.
func (svc *routedService) toFold(i int, a *warroom.Alert) {
	g := svc.foldingAt[a.GroupKey]
	if g == nil || a.GroupKey == "" {
		g = &groupToFold{}
		svc.folding = append(svc.folding, g)
		if svc.foldingAt == nil {
			svc.foldingAt = map[string]*groupToFold{}
		}
		svc.foldingAt[a.GroupKey] = g
	}
	g.alerts, g.jobs = append(g.alerts, a), append(g.jobs, i)
}

// groupsMet is the alert groups met so far, to mark only the first alert
// of each group that will declare: the rest of the group will join its
// incident (see RouteQueue).
type groupsMet map[string]bool

// first reports whether group is met for the first time, and notes it.
// Alerts of no group are each the first.
func (m *groupsMet) first(group string) bool {
	if group == "" {
		return true
	}
	if (*m)[group] {
		return false
	}
	if *m == nil {
		*m = groupsMet{}
	}
	(*m)[group] = true
	return true
}

// service reads a service's paging and, if one of its rules attaches
// alerts, its newest open incident.
func (r *router) service(ctx context.Context, id string) (*routedService, error) {
	if svc := r.services[id]; svc != nil {
		return svc, nil
	}
	sp, err := r.p.cfg.Store.GetServicePaging(ctx, id)
	if err != nil {
		return nil, err
	}
	svc := &routedService{paging: sp}
	if hasRule(sp.AlertRules, warroom.AlertAttach) {
		if svc.open, err = r.p.openIncident(ctx, id); err != nil {
			return nil, err
		}
	}
	r.services[id] = svc
	return svc, nil
}

// routeAlert does what rule says for a.
//
// A declaration's escalation and the linking of the alert are follow-ups
// of the route job (escalation first: they run right after it, the page
// before anything else), so that a run that stopped before it completed
// finds the alert unlinked and redoes it all.
func (r *router) routeAlert(ctx context.Context, a *warroom.Alert, svc *routedService, rule warroom.AlertRule) error {
	p := r.p
	switch rule.Action {
	case warroom.AlertDeclare:
		// Routing whole checked the group already (cached); settle
		// routes marked alerts here directly.
		grp, err := r.groupIncident(ctx, a, true)
		if err != nil {
			return err
		}
		if grp != nil {
			r.join(0, a, grp, sameGroup)
			return nil
		}
		text := fmt.Sprintf("Declared by warroom for alert %q (%s, %s): the service's rules declare a %s incident for %s alerts or worse.",
			a.Summary, a.Severity, a.ID, rule.IncidentSeverity, rule.MinSeverity)
		if svc.paging.EscalationPolicyID == "" {
			text += " The service has no escalation policy, so nobody is paged."
		}
		inc, out, err := p.declareForAlert(ctx, a, rule, r.now, text, !r.unmarked)
		if err != nil {
			return err
		}
		// The rest of the group joins inc however it came: the router and
		// the forecast (RouteQueue) know.
		r.recordGroup(a, inc, a.ID)
		switch {
		case out.Joined:
			// Another process declared for the group meanwhile.
			r.join(0, a, inc, sameGroup)
			return nil
		case out.Folded:
			return p.attachFolded(ctx, a, inc, out)
		}
		if inc.Stage.Open() {
			svc.open = inc // the service's newest open incident now
		}
		if svc.paging.EscalationPolicyID != "" {
			r.follow = append(r.follow, p.escalationJob(EscalationPayload{Purpose: PurposeAlert, AlertID: a.ID,
				IncidentID: inc.ID, PolicyID: svc.paging.EscalationPolicyID, Escalation: warroom.StartEscalation(r.now)}))
		}
		// The note why it was declared is the declaration's own entry.
		r.follow = append(r.follow, p.pageJob(KindAlertLink, "link:"+a.ID, r.now, LinkPayload{AlertID: a.ID, IncidentID: inc.ID}))
		return nil
	case warroom.AlertAttach:
		return r.attachByRule(ctx, 0, a, svc.open)
	}
	if svc.paging.EscalationPolicyID == "" {
		r.waits(a)
		return nil
	}
	r.follow = append(r.follow, p.escalationJob(EscalationPayload{Purpose: PurposeAlert, AlertID: a.ID,
		PolicyID: svc.paging.EscalationPolicyID, Escalation: warroom.StartEscalation(r.now)}))
	return nil
}

// waits notes an alert that waits for a person with nobody to page.
func (r *router) waits(a *warroom.Alert) {
	if r.unpaged == nil {
		r.unpaged = map[string][]string{}
	}
	r.unpaged[a.ServiceID] = append(r.unpaged[a.ServiceID], a.ID)
}

// report logs, once per job or batch, the alerts that page nobody (a line
// per service) and those that do not exist.
func (r *router) report() {
	log := r.p.cfg.Logger
	if len(r.missing) > 0 {
		log.Warn("paging: routed alerts (or their services) do not exist", "count", len(r.missing), "alerts", sample(r.missing))
	}
	for svc, ids := range r.unpaged {
		log.Warn("paging: alerts wait for a person but their service has no escalation policy; nobody is paged",
			"service", svc, "count", len(ids), "alerts", sample(ids))
	}
}

// sample lists a few IDs of many, for a log line.
func sample(ids []string) string {
	const n = 3
	if len(ids) <= n {
		return strings.Join(ids, ",")
	}
	return strings.Join(ids[:n], ",") + fmt.Sprintf(",… (%d more)", len(ids)-n)
}

// findAlerts reads the alerts of ids in their order, with one query if
// the store can (AlertsFinder): whole, or only what routing decides on
// (see AlertsFinder.RoutingAlerts). IDs that do not exist are left out.
func (p *Pager) findAlerts(ctx context.Context, ids []string, whole bool) ([]*warroom.Alert, error) {
	if f, ok := p.cfg.Store.(AlertsFinder); ok {
		read := f.RoutingAlerts
		if whole {
			read = f.FindAlerts
		}
		found, err := read(ctx, ids)
		if err != nil {
			return nil, err
		}
		byID := make(map[string]*warroom.Alert, len(found))
		for _, a := range found {
			byID[a.ID] = a
		}
		out := make([]*warroom.Alert, 0, len(ids))
		for _, id := range ids {
			if a := byID[id]; a != nil {
				out = append(out, a)
				delete(byID, id) // an ID named twice is routed once
			}
		}
		return out, nil
	}
	out := make([]*warroom.Alert, 0, len(ids))
	for _, id := range ids {
		a, err := p.cfg.Store.FindAlert(ctx, id)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// AlertsFinder is implemented by stores that read many alerts at once
// (sqlstore); routing uses it when the store has it.
type AlertsFinder interface {
	// FindAlerts returns the alerts of ids that exist, in any order.
	FindAlerts(ctx context.Context, ids []string) ([]*warroom.Alert, error)
	// RoutingAlerts is FindAlerts with only ID, ServiceID, Status,
	// Severity, GroupKey and IncidentID filled in: cheap to read.
	RoutingAlerts(ctx context.Context, ids []string) ([]*warroom.Alert, error)
}

// link handles alert.link, the end of routing an alert that declared an
// incident: the alert is linked to it (unless a person linked it
// elsewhere meanwhile), after the note of a job an earlier version queued
// (LinkPayload.Note).
func (p *Pager) link(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var pl LinkPayload
	if err := decode(job, &pl); err != nil {
		return nil, err
	}
	if pl.Note != "" {
		if err := p.note(ctx, pl.IncidentID, "route-note:"+pl.AlertID, pl.Note); err != nil {
			return nil, permanentIfNotFound(err)
		}
	}
	return nil, permanentIfNotFound(p.linkAlert(ctx, pl.AlertID, pl.IncidentID))
}

// linkAlert sets an alert's incident unless a person linked it elsewhere
// meanwhile.
func (p *Pager) linkAlert(ctx context.Context, alertID, incidentID string) error {
	_, err := p.cfg.Store.UpdateAlert(ctx, alertID, p.cfg.Now().UTC(), func(a *warroom.Alert) error {
		if a.IncidentID == "" {
			a.IncidentID = incidentID
		}
		return nil
	})
	return err
}

// openIncident returns the service's newest open incident, or nil.
func (p *Pager) openIncident(ctx context.Context, serviceID string) (*warroom.Incident, error) {
	open := true
	list, err := p.cfg.Store.ListIncidents(ctx, warroom.IncidentFilter{Viewer: system, Open: &open, ServiceID: serviceID, Limit: 1})
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// alertDeclaration is the declaration of an incident for an alert: its
// summary, service and description; detected when warroom received it,
// impact from when it started firing.
func alertDeclaration(a *warroom.Alert, sev warroom.Severity, now time.Time) warroom.Declaration {
	d := warroom.Declaration{
		Title:     clip(firstNonEmpty(a.Summary, "Alert "+a.DedupKey), 200),
		Summary:   clip(alertDescription(a), 10000),
		Severity:  sev,
		Impact:    warroom.Impact{ServiceIDs: []string{a.ServiceID}},
		Detection: warroom.DetectedByMonitoring,
	}
	if !a.CreatedAt.IsZero() && !a.CreatedAt.After(now) {
		detected := a.CreatedAt
		d.DetectedAt = &detected
		if !a.StartsAt.IsZero() && a.StartsAt.Before(detected) {
			started := a.StartsAt
			d.ImpactStartedAt = &started
		}
	}
	return d
}

// alertDescription is the summary of an incident declared for an alert:
// its description annotation, then its labels.
func alertDescription(a *warroom.Alert) string {
	var b strings.Builder
	for _, k := range []string{"description", "message", "summary"} {
		if v := a.Annotations[k]; v != "" && v != a.Summary {
			b.WriteString(v)
			b.WriteString("\n\n")
			break
		}
	}
	fmt.Fprintf(&b, "Alert %s from %s, severity %s", a.ID, firstNonEmpty(a.Source, "an integration"), a.Severity)
	if !a.StartsAt.IsZero() {
		fmt.Fprintf(&b, ", firing since %s", a.StartsAt.UTC().Format(time.RFC3339))
	}
	b.WriteString(".")
	return b.String()
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// clip shortens s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
