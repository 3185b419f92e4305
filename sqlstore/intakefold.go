package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// Folding at intake. In a storm of a new alert group per delivery (issue
// 8, row 3), once the service has declared its alert incident limit's
// worth of incidents every new group is folded into its newest open
// incident. Bulk routing folded them after intake had stored them, so
// every alert was written twice: on PostgreSQL the second write (the
// indexed incident_id changing) rewrites every index of the row, and the
// storm wrote 3.8 KB of WAL per alert against 1.75 KB for a storm in one
// group, whose alerts are linked as they are stored; its checkpoints came
// twice as often, and each can stall a page's durable commit. Intake's
// forecast (warroom.RouteForecast.Folds) names the alerts of new groups
// that will fold; the store folds their groups in the transaction that
// stores them, deciding exactly as bulk routing does (tx.foldGroups:
// the groups' rows, then the service's limit), links the alerts of the
// folded groups (and of groups found to have an open incident meanwhile)
// and leaves them out of the route job. A group the limit lets declare
// after all is routed as usual.

// JobAlertsFolded is the job kind of the timeline notes on the alert
// groups intake folded into an incident (payload warroom.FoldedAtIntake):
// paging writes them as bulk routing does for the groups it folds (the
// first five, then the 10th, 20th, 50th, ...: warroom.NoteFoldedGroup).
const JobAlertsFolded = "alert.folded"

// foldsAtIntake collects the new alerts of a batch whose groups were
// forecast to fold, by service.
type foldsAtIntake struct {
	services map[string]*serviceFolds
}

// serviceFolds is what foldsAtIntake holds of one service: its new groups
// in the order of their first alert, each with its alerts and the
// requests they came in.
type serviceFolds struct {
	limit  warroom.AlertIncidentLimit
	at     time.Time // the latest receipt of its alerts
	groups []warroom.GroupToFold
	index  map[string]int
	alerts [][]*ingestAlert
	reqs   [][]int
}

// add holds a, a new alert of request req forecast to fold under limit.
func (f *foldsAtIntake) add(req int, limit warroom.AlertIncidentLimit, a *ingestAlert) {
	if f.services == nil {
		f.services = map[string]*serviceFolds{}
	}
	sf := f.services[a.row.serviceID]
	if sf == nil {
		sf = &serviceFolds{limit: limit, index: map[string]int{}}
		f.services[a.row.serviceID] = sf
	}
	if a.row.createdAt.After(sf.at) {
		sf.at = a.row.createdAt
	}
	k, ok := sf.index[a.row.groupKey]
	if !ok {
		k = len(sf.groups)
		sf.index[a.row.groupKey] = k
		sf.groups = append(sf.groups, warroom.GroupToFold{GroupKey: a.row.groupKey, AlertID: a.row.id})
		sf.alerts = append(sf.alerts, nil)
		sf.reqs = append(sf.reqs, nil)
	}
	sf.alerts[k] = append(sf.alerts[k], a)
	sf.reqs[k] = append(sf.reqs[k], req)
}

// decide folds the held groups inside t, service by service in ID order
// (so that intake transactions of several processes take the services'
// locks in one order), links the alerts of the groups folded or joined,
// and returns, by request, the IDs of the alerts left to route, and the
// jobs of the timeline notes.
func (f *foldsAtIntake) decide(ctx context.Context, t *tx) (map[int][]string, []engine.Job, error) {
	if len(f.services) == 0 {
		return nil, nil, nil
	}
	ids := make([]string, 0, len(f.services))
	for id := range f.services {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	route := map[int][]string{}
	var jobs []engine.Job
	for _, id := range ids {
		sf := f.services[id]
		outs, err := t.foldGroups(ctx, id, sf.groups, sf.limit, sf.at)
		if err != nil {
			return nil, nil, err
		}
		var notes []warroom.FoldedGroupNote
		noteInto := ""
		for k, out := range outs {
			if out.Incident == nil {
				for n, a := range sf.alerts[k] {
					route[sf.reqs[k][n]] = append(route[sf.reqs[k][n]], a.row.id)
				}
				continue
			}
			for _, a := range sf.alerts[k] {
				a.row.incidentID = out.Incident.ID
			}
			if out.Folded && warroom.NoteFoldedGroup(out.FoldedGroups) {
				noteInto = out.Incident.ID // one incident: the service's newest open one
				notes = append(notes, warroom.FoldedGroupNote{AlertID: sf.groups[k].AlertID, FoldedGroups: out.FoldedGroups, Recent: out.Recent})
			}
		}
		if len(notes) > 0 {
			payload, err := json.Marshal(warroom.FoldedAtIntake{IncidentID: noteInto, Groups: notes})
			if err != nil {
				return nil, nil, fmt.Errorf("sqlstore: encode the notes of folded alert groups: %w", err)
			}
			jobs = append(jobs, engine.Job{Queue: jobQueueDefault, Kind: JobAlertsFolded, DueAt: sf.at, Payload: payload,
				FairKey: id, Key: fmt.Sprintf("folded:%s:%s", noteInto, notes[0].AlertID)})
		}
	}
	return route, jobs, nil
}
