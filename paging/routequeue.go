package paging

import (
	"context"
	"sync"
	"time"

	"github.com/warroom/warroom"
)

// RouteQueue names the queue for the routing of a delivery's new alerts
// (for sqlstore.Store.SetRouteQueue): the page queue when one of them
// will page by its service's rules (a declare rule, or a wait on a
// service with an escalation policy, as bulk routing decides), so that
// its page never waits behind the bulk routing of an alert storm; ""
// (the default queue) otherwise, and when paging has no queue of its own.
// declares says which of them will declare an incident (the first of
// each group, or each alert of none): the store marks them declaring as
// it stores them, so that bulk routing
// of an alert that would join the service's open incident sees the
// declaration coming (see settleBulk).
//
// It is a forecast: routing on either queue decides by the rules as they
// are when it runs. It reads the service's paging at most once per
// routeQueueTTL, as intake asks for every delivery. An attach rule counts
// as not paging (the alert joins the open incident, whose escalation goes
// on); the bulk router hands it to the page queue if there turns out to
// be no open incident.
//
// An alert a declare rule matches whose group (groupKeys, by alert; nil:
// none known) this process saw get an incident (knownGroups) counts as
// not paging either: it will join that incident, whose escalation goes
// on, and pages nobody new. That keeps an alert storm in one group (the
// shape of a real outage: Alertmanager's groups) off the page queue
// after its first alert: its routing is bulk work, batched (joinBatch),
// and not urgent. A forecast that missed (the incident was closed
// meanwhile) costs a hop: bulk routing hands the alert to the page queue.
func (p *Pager) RouteQueue(ctx context.Context, serviceID string, severities, groupKeys []string) (queue string, declares []bool) {
	if p.cfg.PageQueue == QueueDefault {
		return "", nil
	}
	sp, ok := p.routeQueues.get(serviceID, p.cfg.Now())
	if !ok {
		var err error
		if sp, err = p.cfg.Store.GetServicePaging(ctx, serviceID); err != nil {
			return "", nil // the bulk router reports it
		}
		p.routeQueues.put(serviceID, sp, p.cfg.Now())
	}
	now := p.cfg.Now()
	var declaring map[string]bool // groups of the delivery with an alert marked
	for i, sev := range severities {
		rule := warroom.RouteAlert(sp.AlertRules, &warroom.Alert{Severity: sev}, true)
		group := ""
		if i < len(groupKeys) {
			group = groupKeys[i]
		}
		if rule.Action == warroom.AlertDeclare && p.knownGroups.has(serviceID, group, now) {
			continue // joins its group's incident
		}
		if pages(rule, sp) {
			queue = p.cfg.PageQueue
		}
		if rule.Action == warroom.AlertDeclare && group != "" {
			// One declaration per group: the group's other alerts of the
			// delivery will join it, not declare, so they are not marked.
			// Marking every alert of a storm cost each declaration a read
			// and a clean-up of thousands of marks (Declaring,
			// unmarkDeclaring), so that declaring slowed as the storm grew.
			if declaring[group] {
				continue
			}
			if declaring == nil {
				declaring = map[string]bool{}
			}
			declaring[group] = true
		}
		if rule.Action == warroom.AlertDeclare {
			if declares == nil {
				declares = make([]bool, len(severities))
			}
			declares[i] = true
		}
	}
	return queue, declares
}

// routeQueueTTL is how long RouteQueue trusts what it read of a service:
// a rule changed since routes a few alerts on the other queue, no worse.
const routeQueueTTL = 2 * time.Second

// routeQueueCache keeps what RouteQueue read of services.
type routeQueueCache struct {
	mu       sync.Mutex
	services map[string]cachedPaging
}

type cachedPaging struct {
	paging warroom.ServicePaging
	at     time.Time
}

func (c *routeQueueCache) get(serviceID string, now time.Time) (warroom.ServicePaging, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.services[serviceID]
	if !ok || now.Sub(e.at) >= routeQueueTTL || now.Before(e.at) {
		return warroom.ServicePaging{}, false
	}
	return e.paging, true
}

func (c *routeQueueCache) put(serviceID string, sp warroom.ServicePaging, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.services == nil || len(c.services) > 10000 {
		c.services = map[string]cachedPaging{} // services are few; bound it anyway
	}
	c.services[serviceID] = cachedPaging{paging: sp, at: now}
}
