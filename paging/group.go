package paging

import (
	"context"
	"slices"
	"time"

	"github.com/warroom/warroom"
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
	// incident routing declared for the group is still open: then it
	// returns that incident, with joined true unless it was declared for
	// this alert. It deletes the alert's mark in the same transaction.
	DeclareForAlert(ctx context.Context, serviceID, groupKey, alertID string, idem warroom.Idempotency,
		build func(number int64) ([]warroom.Event, error)) (res *warroom.CommandResult, joined bool, err error)
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
// often it runs (the idempotency key derives from the alert). The
// declaration is marked first, so that alerts of the service that would
// attach to it do not wait while it is being made, and the store
// re-checks a's group in the declaring transaction: joined reports that
// another process declared for the group meanwhile, and inc is that
// incident.
func (p *Pager) declareForAlert(ctx context.Context, a *warroom.Alert, rule warroom.AlertRule, now time.Time) (inc *warroom.Incident, joined bool, err error) {
	d, key := alertDeclaration(a, rule.IncidentSeverity, now), idem("route:"+a.ID)
	rs := p.cfg.Store
	// Intake (for alerts it routes on the page queue) and bulk routing
	// (for those it hands over) marked it already, as a rule: a read is
	// cheaper than a write, which on SQLite waits for the writer.
	marked, err := rs.Declaring(ctx, a.ServiceID)
	if err != nil {
		return nil, false, err
	}
	if !slices.Contains(marked, a.ID) {
		if err := rs.MarkDeclaring(ctx, a.ServiceID, a.ID); err != nil {
			return nil, false, err
		}
	}
	// The declaration goes through Incidents (validation, IDs, bridge link,
	// the domain's events) with its store's DeclareIncident swapped for
	// DeclareForAlert, which adds the group's lock and re-check to the
	// same transaction.
	incs := *p.cfg.Incidents
	ds := &groupDeclarer{Store: incs.Store, rs: rs, a: a}
	incs.Store = ds
	res, err := incs.Declare(ctx, system, d, key)
	if err != nil {
		return nil, false, err
	}
	if res.Replayed {
		// An earlier run declared (and deleted the mark); the mark made
		// above would otherwise stand until the alert is linked.
		if err := rs.UnmarkDeclaring(ctx, a.ServiceID, a.ID); err != nil {
			return nil, false, err
		}
	}
	return res.Incident, ds.joined, nil
}

// groupDeclarer is an incident store whose DeclareIncident is
// RoutingStore.DeclareForAlert for one alert.
type groupDeclarer struct {
	warroom.Store
	rs     RoutingStore
	a      *warroom.Alert
	joined bool
}

func (g *groupDeclarer) DeclareIncident(ctx context.Context, key warroom.Idempotency, build func(number int64) ([]warroom.Event, error)) (*warroom.CommandResult, error) {
	res, joined, err := g.rs.DeclareForAlert(ctx, g.a.ServiceID, g.a.GroupKey, g.a.ID, key, build)
	g.joined = joined
	return res, err
}

// groupIncident returns the open incident a's group (same service and
// group key) has: the one routing declared for the group, unless it was
// declared for a itself (then nil: declaring again replays it), or else
// one another alert of the group was linked to (by a person, say). Nil if
// none. The first comes from the database, so that it holds across
// processes.
func (p *Pager) groupIncident(ctx context.Context, a *warroom.Alert) (*warroom.Incident, error) {
	if a.GroupKey == "" {
		return nil, nil
	}
	inc, forAlert, err := p.cfg.Store.GroupIncident(ctx, a.ServiceID, a.GroupKey)
	if err != nil {
		return nil, err
	}
	if inc != nil && inc.Stage.Open() {
		if forAlert == a.ID {
			return nil, nil
		}
		return inc, nil
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

// attaches reports whether a's service's rules would attach it to an open
// incident: whether its routing depends on the service having one.
func attaches(rules []warroom.AlertRule, a *warroom.Alert) bool {
	return warroom.RouteAlert(rules, a, true).Action == warroom.AlertAttach
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
