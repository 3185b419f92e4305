package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/postmortem"
	"github.com/warroom/warroom/tracker"
	"github.com/warroom/warroom/tracker/tickets"
)

// joinTicketsAndPostmortems connects the tracker integration with the
// postmortems (docs/trackers.md, docs/postmortems.md):
//
//   - the close gate requires a ticket for every action item where a
//     tracker is configured for the incident;
//   - each action item added or changed schedules its ticket's job in the
//     item's own transaction (made once, done with the item);
//   - a ticket made records its key and URL on the item, and a ticket done
//     in the tracker marks its item done;
//   - the incident's ticket links the postmortem from the declaration on.
func joinTicketsAndPostmortems(trk *tickets.Service, pm *postmortem.Service, incidents *warroom.Incidents, baseURL string, log *slog.Logger) {
	incidents.Tickets = trk
	base := strings.TrimSuffix(baseURL, "/")
	pm.SetItemJobs(func(it *warroom.ActionItem, _ bool) ([]engine.Job, error) {
		job, err := tickets.ActionItemJob(actionItemTicket(it, base), it.UpdatedAt)
		if err != nil {
			return nil, err
		}
		return []engine.Job{job}, nil
	})
	trk.SetItemHooks(func(ctx context.Context, t *tracker.Ticket) {
		if t.SubjectKind != tracker.SubjectActionItem {
			return
		}
		if err := pm.RecordTicket(ctx, t.SubjectID, t.Key, t.URL); err != nil {
			log.Warn("the ticket of an action item was made but not recorded on it", "item", t.SubjectID, "ticket", t.Key, "err", err)
		}
	}, func(ctx context.Context, t *tracker.Ticket, previous tracker.State) {
		if t.SubjectKind != tracker.SubjectActionItem || t.State != tracker.StateDone || previous == tracker.StateDone {
			return
		}
		if err := pm.TicketDone(ctx, t.SubjectID); err != nil {
			log.Warn("an action item's ticket is done but the item could not be marked done", "item", t.SubjectID, "ticket", t.Key, "err", err)
		}
	})
}

// postmortemURL is where people read an incident's postmortem.
func postmortemURL(baseURL string) func(inc *warroom.Incident) string {
	base := strings.TrimSuffix(baseURL, "/")
	return func(inc *warroom.Incident) string { return base + "/incidents/" + inc.Ref + "/postmortem" }
}

// actionItemTicket is what an action item's ticket says: its title, a
// body that ties it back to the incident's postmortem, its owner (whose
// email the tracker's account is found by), target date, category and
// criticality as labels, and done once the item is finished.
func actionItemTicket(it *warroom.ActionItem, base string) tickets.ActionItem {
	t := tickets.ActionItem{ID: it.ID, IncidentID: it.IncidentID, Title: it.Title, OwnerID: it.OwnerID,
		Body: fmt.Sprintf("Action item #%d (%s, %s criticality) of the incident's postmortem: %s/incidents/%s/postmortem",
			it.Number, strings.ReplaceAll(string(it.Category), "_", " "), it.Criticality, base, it.IncidentID),
		Labels: []string{string(it.Category), "criticality-" + string(it.Criticality)}}
	if d, err := time.Parse(warroom.DateLayout, it.TargetDate); err == nil {
		t.Due = d
	}
	if it.Status.Finished() {
		t.State = tracker.StateDone
	}
	return t
}
