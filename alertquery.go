package warroom

import (
	"context"
	"strings"
)

// MaxAlertListLimit bounds one page of an alert list; DefaultAlertListLimit
// is a page when none is asked.
const (
	MaxAlertListLimit     = 1000
	DefaultAlertListLimit = 100
)

// AlertQuery is a person's question "which alerts?", as the API's query
// parameters and the web's filter form both ask it: services and
// incidents by ID, slug or ref, the rest as text.
type AlertQuery struct {
	Service  string // ID or slug
	Incident string // ID or ref
	GroupKey string
	Status   string // firing, acknowledged, resolved; "": any
	Severity string // critical, error, warning, info; "": any
	Text     string
	Limit    int // 0: DefaultAlertListLimit
	Offset   int
}

// ServiceFinder finds services by ID or slug.
type ServiceFinder interface {
	// FindService returns a service by ID or slug; ENotFound.
	FindService(ctx context.Context, idOrSlug string) (*Service, error)
}

// Filter turns q into the AlertFilter of the alerts viewer may see
// (AlertVisibleTo): an incident viewer may not see is named exactly as
// one that does not exist. Errors: EInvalid naming the parameter at
// fault (status, severity, service, incident, limit, offset).
func (q AlertQuery) Filter(ctx context.Context, services ServiceFinder, incidents IncidentFinder, viewer Actor) (AlertFilter, error) {
	f := AlertFilter{GroupKey: q.GroupKey, Status: AlertStatus(q.Status), Severity: strings.ToLower(strings.TrimSpace(q.Severity)),
		Query: strings.TrimSpace(q.Text), Limit: q.Limit, Offset: q.Offset, Viewer: &viewer}
	switch f.Status {
	case "", AlertFiring, AlertAcknowledged, AlertResolved:
	default:
		return f, Invalid("status", "status must be firing, acknowledged or resolved, not %q", q.Status)
	}
	if f.Severity != "" && !ValidAlertSeverity(f.Severity) {
		return f, Invalid("severity", "severity must be critical, error, warning or info, not %q", q.Severity)
	}
	switch {
	case f.Limit < 0 || f.Limit > MaxAlertListLimit:
		return f, Invalid("limit", "limit must be at most %d", MaxAlertListLimit)
	case f.Limit == 0:
		f.Limit = DefaultAlertListLimit
	}
	if f.Offset < 0 {
		return f, Invalid("offset", "offset must not be negative")
	}
	if v := strings.TrimSpace(q.Service); v != "" {
		svc, err := services.FindService(ctx, v)
		if ErrorCode(err) == ENotFound {
			return f, Invalid("service", "no service %q", v)
		} else if err != nil {
			return f, err
		}
		f.ServiceID = svc.ID
	}
	if v := strings.TrimSpace(q.Incident); v != "" {
		inc, err := incidents.FindIncident(ctx, v)
		if err == nil && !inc.VisibleTo(viewer) {
			err = Errorf(ENotFound, "incident %s not found", v)
		}
		if ErrorCode(err) == ENotFound {
			return f, Invalid("incident", "no incident %q", v)
		} else if err != nil {
			return f, err
		}
		f.IncidentID = inc.ID
	}
	return f, nil
}
