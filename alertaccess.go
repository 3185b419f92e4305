package warroom

import "context"

// An alert linked to an incident is part of that incident: its summary
// is often the incident's title (an incident declared from an alert
// takes it), and its link, pages and conflicts name the incident. So an
// alert of a private incident is seen, acknowledged, declared from,
// attached and listed only by those who may see the incident; to anyone
// else it answers exactly as an alert that does not exist, so that
// neither the alert nor the incident's existence leaks. The one
// exception is a page's signed acknowledgement link, a credential of the
// person it was sent to: it acknowledges the alert (paging stops), but
// not the incident, and names no incident they may not see.

// AlertVisibleTo reports whether an actor may see an alert that belongs
// to inc (nil: to no incident).
func AlertVisibleTo(inc *Incident, a Actor) bool {
	return inc == nil || inc.VisibleTo(a)
}

// AlertNotFound is the error for alert id when it does not exist, and,
// word for word, when the caller may not see it.
func AlertNotFound(id string) error {
	return Errorf(ENotFound, "alert %s not found", id)
}

// AlertFinder finds alerts by ID.
type AlertFinder interface {
	// FindAlert returns an alert by ID; ENotFound.
	FindAlert(ctx context.Context, id string) (*Alert, error)
}

// IncidentFinder finds incidents by ID or ref.
type IncidentFinder interface {
	// FindIncident returns an incident by ID or ref; ENotFound.
	FindIncident(ctx context.Context, idOrRef string) (*Incident, error)
}

// FindVisibleAlert returns alert id and the incident it belongs to (nil
// if none) if actor may see the alert (AlertVisibleTo). It is the check
// every read and every change of an alert on a person's behalf makes,
// before anything is written. Errors: AlertNotFound when the alert does
// not exist or belongs to an incident actor may not see.
func FindVisibleAlert(ctx context.Context, alerts AlertFinder, incidents IncidentFinder, actor Actor, id string) (*Alert, *Incident, error) {
	a, err := alerts.FindAlert(ctx, id)
	if ErrorCode(err) == ENotFound {
		return nil, nil, AlertNotFound(id)
	} else if err != nil {
		return nil, nil, err
	}
	if a.IncidentID == "" {
		return a, nil, nil
	}
	inc, err := incidents.FindIncident(ctx, a.IncidentID)
	switch {
	case ErrorCode(err) == ENotFound:
		// Routing names an incident before the link follows; an alert
		// whose incident does not exist (yet) hides nothing.
		return a, nil, nil
	case err != nil:
		return nil, nil, err
	case !AlertVisibleTo(inc, actor):
		return nil, nil, AlertNotFound(id)
	}
	return a, inc, nil
}
