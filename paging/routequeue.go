package paging

import (
	"context"
	"sync"
	"time"

	"github.com/warroom/warroom"
)

// RouteQueue forecasts the routing of a delivery's new alerts (for
// sqlstore.Store.SetRouteQueue), by its service's rules:
//
//   - Queue: the page queue when one of them will page (a declare rule,
//     or a wait on a service with an escalation policy, as bulk routing
//     decides), so that its page never waits behind the bulk routing of
//     an alert storm; "" (the default queue) otherwise, and when paging
//     has no queue of its own. An attach rule counts as not paging (the
//     alert joins the open incident, whose escalation goes on); the bulk
//     router hands it to the page queue if there turns out to be no open
//     incident.
//   - Joins: an alert whose group (groupKeys, by alert) this process saw
//     get an open incident (knownGroups: routing declared it, joined it,
//     or recorded it there by an attach rule or the alert incident limit),
//     whatever its rule, will join that incident and page nobody
//     new: the store links it as it stores it, if the incident is still
//     the group's and open, and it is not routed at all. So a storm in
//     one group (the shape of a real outage: Alertmanager's groups) costs
//     after its first alert what a storm of warnings costs: no route job,
//     no second write of each alert, nothing on the page queue. A
//     forecast that missed (the incident was closed meanwhile) costs
//     nothing: the store routes the alert as usual.
//   - An alert a declare rule matches, of a new group of a service that
//     has declared its alert incident limit's worth of incidents within
//     the limit's window and has an open incident (AlertLimitReader, read
//     with the service's rules), will be folded into that incident and
//     page nobody: it does not put the delivery on the page queue, and
//     bulk routing folds it there. So a storm of a new group per request
//     (each would declare) does not occupy the page queue once the
//     service is at its limit.
//   - Declares: which alerts will declare an incident, the first of each
//     group (or each alert of none): the store marks them declaring as it
//     stores them, so that bulk routing of an alert that would join the
//     service's open incident sees the declaration coming (settleBulk).
//
// It is a forecast: routing on either queue decides by the rules as they
// are when it runs. It reads the service's paging at most once per
// routeQueueTTL, as intake asks for every delivery.
func (p *Pager) RouteQueue(ctx context.Context, serviceID string, severities, groupKeys []string) (f warroom.RouteForecast) {
	if p.cfg.PageQueue == QueueDefault {
		return f
	}
	c, ok := p.forecastService(ctx, serviceID)
	if !ok {
		return f // the bulk router reports it
	}
	sp := c.paging
	now := p.cfg.Now()
	var declaring groupsMet // groups of the delivery with an alert marked
	for i, sev := range severities {
		rule := warroom.RouteAlert(sp.AlertRules, &warroom.Alert{Severity: sev}, true)
		group := ""
		if i < len(groupKeys) {
			group = groupKeys[i]
		}
		// Whatever its rule: once a group has an incident, its every
		// later alert goes there (routing checks the group first).
		if inc, _ := p.knownGroups.get(groupRef{serviceID, group}, now, knownGroupTTL); inc != "" {
			if f.Joins == nil {
				f.Joins = make([]string, len(severities))
			}
			f.Joins[i] = inc
			continue
		}
		if rule.Action == warroom.AlertDeclare && c.folds(p.cfg.Policy.AlertIncidentLimit, now) {
			// The service declared its alert incident limit's worth and
			// has an open incident: a new group folds into it and pages
			// nobody new. The store folds it as it stores it (or bulk
			// routing does, for an alert of no group; should the window
			// have passed meanwhile, either leaves it to routing, which
			// declares); nothing is marked, as the open incident is
			// there for the alerts that would attach. So a storm of new
			// groups stays off the page queue, and its alerts are
			// written once, linked.
			if group != "" {
				if f.Folds == nil {
					f.Folds = make([]bool, len(severities))
					f.FoldLimit = p.cfg.Policy.AlertIncidentLimit
				}
				f.Folds[i] = true
			}
			continue
		}
		if pages(rule, sp) {
			f.Queue = p.cfg.PageQueue
		}
		// One declaration per group: the group's other alerts of the
		// delivery will join it, not declare, so they are not marked.
		// Marking every alert of a storm cost each declaration a read and
		// a clean-up of thousands of marks (Declaring, unmarkDeclaring),
		// so that declaring slowed as the storm grew.
		if rule.Action == warroom.AlertDeclare && declaring.first(group) {
			if f.Declares == nil {
				f.Declares = make([]bool, len(severities))
			}
			f.Declares[i] = true
			// Counted until the service is read again, so that once the
			// limit's worth of declarations is on its way, the next new
			// groups are forecast to fold, not to page: at the start of
			// a storm of new groups, before the first declaration is
			// made, every delivery would otherwise go to the page queue
			// and be folded there, for as long as that backlog lasts.
			c.forecast.add(group)
		}
	}
	return f
}

// routeQueueTTL is how long RouteQueue trusts what it read of a service:
// a rule changed since routes a few alerts on the other queue, no worse;
// a service that reached its alert incident limit since sends the pages
// of a few more declarations to the page queue, and one whose window
// passed meanwhile declares in bulk routing, whose follow-up escalation
// still goes to the page queue.
const routeQueueTTL = 2 * time.Second

// AlertLimitReader is implemented by stores that read what the alert
// incident limit of a service decides on (sqlstore), for RouteQueue's
// forecast; without it the forecast assumes every new group declares.
type AlertLimitReader interface {
	// AlertLimitState returns what the alert incident limit of a
	// service decides on: the declarations from alerts after since that
	// count against it, those in flight, and whether the service has an
	// open incident.
	AlertLimitState(ctx context.Context, serviceID string, since time.Time) (warroom.AlertLimitState, error)
}

// forecastService returns what RouteQueue and bulk routing read of a
// service for the forecast, at most once per routeQueueTTL: its paging,
// and what its alert incident limit decides on (read only when one of
// its rules declares). False if the service cannot be read.
func (p *Pager) forecastService(ctx context.Context, serviceID string) (cachedPaging, bool) {
	now := p.cfg.Now()
	if c, ok := p.routeQueues.get(serviceID, now, routeQueueTTL); ok {
		return c, true
	}
	sp, err := p.cfg.Store.GetServicePaging(ctx, serviceID)
	if err != nil {
		return cachedPaging{}, false
	}
	c := cachedPaging{paging: sp, forecast: &forecastGroups{}}
	limit := p.cfg.Policy.AlertIncidentLimit
	lr, ok := p.cfg.Store.(AlertLimitReader)
	if ok && limit.Limited() && hasRule(sp.AlertRules, warroom.AlertDeclare) {
		// Unread, it forecasts a declaration: the page queue, as before.
		if st, err := lr.AlertLimitState(ctx, serviceID, now.Add(-limit.Window)); err == nil {
			c.limit = &st
		}
	}
	p.routeQueues.put(serviceID, c, now, 10000) // services are few; bound it anyway
	return c, true
}

// cachedPaging is what forecastService read of a service.
type cachedPaging struct {
	paging warroom.ServicePaging
	// limit is what the service's alert incident limit decides on, as
	// read; nil when not read (no limit, no declare rule, or an error).
	limit *warroom.AlertLimitState
	// forecast holds the groups RouteQueue forecast to declare since the
	// read (shared by the copies of the cache entry).
	forecast *forecastGroups
}

// folds reports whether a new alert group of the service would be folded
// by the alert incident limit l at now: the service has declared, or
// has on their way (read, or forecast since), the limit's worth of
// incidents in the window, and has an open incident or one coming.
func (c cachedPaging) folds(l warroom.AlertIncidentLimit, now time.Time) bool {
	if c.limit == nil {
		return false
	}
	return c.limit.FoldsNewGroup(l, c.forecast.count(), now)
}

// forecastGroups is the set of alert groups RouteQueue forecast to
// declare since a service was read. Groups, not deliveries: each delivery
// of a storm in one group is forecast to declare until the group's
// incident is known, and counting each would make the service look at
// its limit, and a second group, a problem of its own, would be routed in
// bulk instead of paging at once.
type forecastGroups struct {
	mu     sync.Mutex
	groups map[string]bool
	solo   int // alerts of no group: each a group of its own
}

// add records a group forecast to declare ("": an alert of no group).
func (f *forecastGroups) add(group string) {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if group == "" {
		f.solo++
		return
	}
	if f.groups == nil {
		f.groups = map[string]bool{}
	}
	if len(f.groups) < maxForecastGroups {
		f.groups[group] = true
	}
}

// count is how many groups were forecast to declare.
func (f *forecastGroups) count() int {
	if f == nil {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.groups) + f.solo
}

// maxForecastGroups bounds the groups kept per service and read: past any
// sensible alert incident limit, more change nothing.
const maxForecastGroups = 1000

// ttlCache keeps what this process read or saw (of services: routeQueues;
// of alert groups: knownGroups) for as long as get's ttl, with at most
// about max entries (put's): a storm of new keys empties it rather than
// grows it for ever.
type ttlCache[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v  V
	at time.Time
}

// get returns what was put for k less than ttl before now.
func (c *ttlCache[K, V]) get(k K, now time.Time, ttl time.Duration) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || now.Sub(e.at) >= ttl || now.Before(e.at) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[K, V]) put(k K, v V, now time.Time, max int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > max {
		c.m = map[K]ttlEntry[V]{}
	}
	c.m[k] = ttlEntry[V]{v, now}
}

func (c *ttlCache[K, V]) forget(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
}
