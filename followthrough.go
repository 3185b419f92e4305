package warroom

import (
	"context"
	"slices"
	"time"
)

// Seed 004 sets the goal "avoid recurrence": the postmortem written and
// reviewed in time, its action items done. The follow-through report
// measures both, per group of incidents, from the postmortem, Post Mortem
// Review and action item records:
//
//   - a postmortem with a review due date (every major incident's) is on
//     time when it was published by that date, late when published after
//     it, overdue when it is still unpublished past it, and open before;
//   - an action item (cancelled ones aside) is on time when it was done by
//     the end of its target date in the action items' time zone, late when
//     done after it, overdue when still open past it, and open before.

// FollowThroughFacts are one incident's records the report reads: its
// saved postmortem (nil: none saved), its review's due time (zero: no
// review planned) and its action items.
type FollowThroughFacts struct {
	Postmortem  *Postmortem
	ReviewDueAt time.Time
	Items       []*ActionItem
}

// FollowThroughStore loads the facts of every incident that has any,
// keyed by incident ID.
type FollowThroughStore interface {
	ListFollowThroughFacts(ctx context.Context) (map[string]*FollowThroughFacts, error)
}

// OnTimeCount counts records against their deadlines.
type OnTimeCount struct {
	Total   int `json:"total"`
	OnTime  int `json:"on_time"`
	Late    int `json:"late"`
	Overdue int `json:"overdue"`
	Open    int `json:"open"` // not done, deadline not passed
}

func (c *OnTimeCount) add(done *time.Time, due, now time.Time) {
	c.Total++
	switch {
	case done != nil && !done.After(due):
		c.OnTime++
	case done != nil:
		c.Late++
	case now.After(due):
		c.Overdue++
	default:
		c.Open++
	}
}

// FollowThroughRow is one group's follow-through.
type FollowThroughRow struct {
	Key       string `json:"key"`
	Label     string `json:"label"`
	Incidents int    `json:"incidents"`
	// Postmortems counts those with a review due date; Published counts
	// every published postmortem of the group's incidents.
	Postmortems OnTimeCount `json:"postmortems"`
	Published   int         `json:"published"`
	ActionItems OnTimeCount `json:"action_items"`
}

// measure counts one incident's records into row, at now;
// target dates end at midnight after them in itemZone.
func (row *FollowThroughRow) measure(f *FollowThroughFacts, now time.Time, itemZone *time.Location) {
	row.Incidents++
	if f == nil {
		return
	}
	pm := f.Postmortem
	var published *time.Time
	if pm != nil && pm.State == PostmortemPublished {
		row.Published++
		published = pm.PublishedAt
	}
	if !f.ReviewDueAt.IsZero() {
		row.Postmortems.add(published, f.ReviewDueAt, now)
	}
	for _, it := range f.Items {
		if it.Status == ActionCancelled {
			continue
		}
		day, err := time.ParseInLocation(DateLayout, it.TargetDate, itemZone)
		if err != nil {
			continue // items are stored with a valid date; a bad one has no deadline to meet
		}
		var done *time.Time
		if it.Status == ActionDone {
			done = it.DoneAt
			if done == nil {
				done = &it.UpdatedAt
			}
		}
		row.ActionItems.add(done, day.AddDate(0, 0, 1), now)
	}
}

// FollowThroughReport measures the postmortems and action items of the
// incidents of q that viewer may see, grouped as q says (one total row
// first, then a row per group).
func (r *Reports) FollowThroughReport(ctx context.Context, viewer Actor, q ReportQuery) ([]FollowThroughRow, error) {
	if r.FollowThrough == nil {
		return nil, Errorf(EUnavailable, "postmortems and action items are not kept on this server")
	}
	lcs, byID, err := r.selected(ctx, viewer, q)
	if err != nil {
		return nil, err
	}
	facts, err := r.FollowThrough.ListFollowThroughFacts(ctx)
	if err != nil {
		return nil, err
	}
	zone := r.ItemZone
	if zone == nil {
		zone = time.UTC
	}
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	now := r.Now()
	rows := []FollowThroughRow{{Key: "all", Label: "all incidents"}}
	index := map[string]int{}
	var keys []groupKey
	for i := range lcs {
		lc := &lcs[i]
		f := facts[lc.IncidentID]
		rows[0].measure(f, now, zone)
		keys = groupKeys(keys[:0], lc, q.GroupBy, byID, loc)
		for _, k := range keys {
			at, ok := index[k.Key]
			if !ok {
				at = len(rows)
				index[k.Key] = at
				rows = append(rows, FollowThroughRow{Key: k.Key, Label: k.Label})
			}
			rows[at].measure(f, now, zone)
		}
	}
	slices.SortFunc(rows[1:], func(a, b FollowThroughRow) int {
		switch {
		case a.Label < b.Label:
			return -1
		case a.Label > b.Label:
			return 1
		}
		return 0
	})
	return rows, nil
}

// ReportsOn is the reports service on store, which must keep lifecycles
// (EUnavailable otherwise); with the follow-through report when it keeps
// postmortems too. itemZone is where action items' target dates end.
func ReportsOn(store interface {
	Directory
	IncidentStore
}, policy Policy, now Clock, itemZone *time.Location) (*Reports, error) {
	ms, ok := store.(MetricsStore)
	if !ok {
		return nil, Errorf(EUnavailable, "reports are not available on this server")
	}
	rep := &Reports{Metrics: ms, Directory: store, Incidents: store, Now: now,
		Cadence: DefaultCadencePolicy(policy), Hours: DefaultOnCallHours, ItemZone: itemZone}
	if ft, ok := store.(FollowThroughStore); ok {
		rep.FollowThrough = ft
	}
	return rep, nil
}
