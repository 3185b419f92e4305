package web

import (
	"net/http"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/tracker"
)

// incidentTicketsView is an incident's tickets: its own (seed 000's
// incident ticket) and its action items', with their state in the
// tracker and why the last try failed, if it did.
type incidentTicketsView struct {
	base
	Inc     *warroom.Incident
	Tickets []*tracker.Ticket
	Tracker *tracker.Config // nil: no tracker applies
}

// incidentTickets shows an incident's tickets to those who may see it.
func (h *Handler) incidentTickets(w http.ResponseWriter, r *http.Request) error {
	iv, err := h.incidents.Get(r.Context(), actor(r), r.PathValue("ref"))
	if err != nil {
		return err
	}
	ts, err := h.trackerService()
	if err != nil {
		return err
	}
	v := &incidentTicketsView{base: h.base(r, iv.Incident.Ref+" tickets"), Inc: iv.Incident}
	if v.Tickets, err = ts.IncidentTickets(r.Context(), iv.Incident.ID); err != nil {
		return err
	}
	v.Tracker, err = ts.IncidentTracker(r.Context(), iv.Incident.ID)
	if err != nil && warroom.ErrorCode(err) != warroom.ENotFound {
		return err
	}
	return h.ok(w, "incident_tickets", v)
}
