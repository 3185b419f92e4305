package sqlstore

import (
	"context"
	"sync/atomic"

	"github.com/warroom/warroom"
)

// RouteQueueFunc forecasts the routing of a delivery's new alerts to a
// service (warroom.RouteForecast), given their severities and group keys (in the
// same order): paging (paging.Pager.RouteQueue) puts the routing of
// alerts that will page on its page queue, so that a page never waits
// behind the routing of an alert storm, and names the incident that the
// alerts of a group that has one will join.
type RouteQueueFunc func(ctx context.Context, serviceID string, severities, groupKeys []string) warroom.RouteForecast

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
		f := (*fn)(ctx, r.integration.ServiceID, severities, groupKeys)
		r.routeQueue, r.foldLimit = f.Queue, f.FoldLimit
		k := 0
		for i := range r.updates {
			if r.updates[i].action == "trigger" {
				r.updates[i].declares = k < len(f.Declares) && f.Declares[k]
				if k < len(f.Joins) {
					r.updates[i].join = f.Joins[k]
				}
				r.updates[i].fold = k < len(f.Folds) && f.Folds[k]
				k++
			}
		}
	}
}
