package sqlstore

import (
	"context"
	"sync/atomic"
)

// RouteQueueFunc names the engine queue of the alert.route job of a
// delivery to a service, given the severities of the alerts it triggers:
// paging (paging.Pager.RouteQueue) puts the routing of alerts that will
// page on its page queue, so that a page never waits behind the routing
// of an alert storm. groupKeys are the alerts' group keys, in the order
// of severities, so that alerts of a group that already has an incident,
// which will join it and page nobody new, are not forecast to page. ""
// means the default queue. declares says, by alert, which of them will
// declare an incident: the store marks
// those (MarkDeclaring) in the transaction that stores them, as bulk
// routing marks the declarations it hands to the page queue, so that an
// alert that would join the service's open incident waits for the one
// being declared rather than miss it.
type RouteQueueFunc func(ctx context.Context, serviceID string, severities, groupKeys []string) (queue string, declares []bool)

// routeQueue holds the store's RouteQueueFunc (SetRouteQueue).
type routeQueue struct {
	fn atomic.Pointer[RouteQueueFunc]
}

// SetRouteQueue makes fn choose the queue of each delivery's alert.route
// job from now on; nil: the default queue for all. It is asked on the
// sender's goroutine, before the delivery joins a transaction.
func (s *Store) SetRouteQueue(fn RouteQueueFunc) {
	if fn == nil {
		s.routeQueue.fn.Store(nil)
		return
	}
	s.routeQueue.fn.Store(&fn)
}

// chooseRouteQueue sets the route queue of prepared deliveries.
func (s *Store) chooseRouteQueue(ctx context.Context, reqs ...*preparedRequest) {
	fn := s.routeQueue.fn.Load()
	if fn == nil {
		return
	}
	var severities, groupKeys []string
	for _, r := range reqs {
		severities, groupKeys = severities[:0], groupKeys[:0]
		for i := range r.updates {
			if r.updates[i].action == "trigger" {
				severities = append(severities, r.updates[i].severity)
				groupKeys = append(groupKeys, r.updates[i].groupKey)
			}
		}
		if len(severities) == 0 {
			continue
		}
		var declares []bool
		r.routeQueue, declares = (*fn)(ctx, r.integration.ServiceID, severities, groupKeys)
		k := 0
		for i := range r.updates {
			if r.updates[i].action == "trigger" {
				r.updates[i].declares = k < len(declares) && declares[k]
				k++
			}
		}
	}
}
