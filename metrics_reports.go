package warroom

import (
	"context"
	"slices"
	"strings"
	"time"
)

// MetricsStore loads what reliability reports need.
type MetricsStore interface {
	// ListLifecycles returns the Lifecycle of every incident declared
	// before to that viewer may see (nil: every incident), in no order.
	ListLifecycles(ctx context.Context, to time.Time, viewer *Actor) ([]Lifecycle, error)
	// ListUpdateTimes returns when updates were sent to each audience of
	// the incidents declared in [from, to).
	ListUpdateTimes(ctx context.Context, from, to time.Time) (UpdateTimes, error)
	// ListPages returns the pages sent to people in [from, to).
	ListPages(ctx context.Context, from, to time.Time) ([]PageRecord, error)
}

// Reports computes reliability reports for readers, and records data
// loss. It never reads the wall clock itself.
type Reports struct {
	Metrics   MetricsStore
	Directory Directory
	Incidents IncidentStore
	Now       Clock
	Cadence   CadencePolicy
	Hours     OnCallHours
	// FollowThrough loads postmortems, reviews and action items
	// (followthrough.go); nil: that report is unavailable. ItemZone is
	// the zone action items' target dates end in (nil: UTC).
	FollowThrough FollowThroughStore
	ItemZone      *time.Location
}

// ReportRequest is a report as asked for by name: every field is text a
// person typed, checked by Resolve.
type ReportRequest struct {
	Metrics     []string // empty: all
	Window      string   // a ReportWindows name; empty with From/To unset: "90d"
	From, To    *time.Time
	GroupBy     string
	Service     string // ID or slug
	Team        string // ID or slug
	Severity    string
	TimeZone    string // months are counted in it; empty: UTC
	PerIncident bool
}

// Resolve checks a request and turns it into a query. Unknown metrics,
// windows, groupings, services, teams, severities and time zones are
// EInvalid naming the valid ones.
func (r *Reports) Resolve(ctx context.Context, req ReportRequest) (ReportQuery, error) {
	var q ReportQuery
	var err error
	if q.Metrics, err = ParseMetrics(req.Metrics); err != nil {
		return q, err
	}
	if q.GroupBy, err = ParseGrouping(req.GroupBy); err != nil {
		return q, err
	}
	now := r.Now().UTC()
	switch {
	case req.From != nil || req.To != nil:
		if req.Window != "" {
			return q, Invalid("window", "give a window or from and to, not both")
		}
		q.To = now.Add(time.Microsecond)
		if req.From != nil {
			q.From = req.From.UTC()
		}
		if req.To != nil {
			q.To = req.To.UTC()
		}
		if !q.From.Before(q.To) {
			return q, Invalid("from", "from must be before to")
		}
	default:
		if req.Window == "" {
			req.Window = "90d"
		}
		if q.From, q.To, err = ParseWindow(req.Window, now); err != nil {
			return q, err
		}
	}
	if req.Service != "" {
		s, err := r.Directory.FindService(ctx, req.Service)
		if err != nil {
			return q, r.unknown(ctx, "service", req.Service, err)
		}
		q.ServiceID = s.ID
	}
	if req.Team != "" {
		t, err := r.Directory.FindTeam(ctx, req.Team)
		if err != nil {
			return q, r.unknown(ctx, "team", req.Team, err)
		}
		q.TeamID = t.ID
	}
	if req.Severity != "" {
		q.Severity = Severity(strings.ToUpper(strings.TrimSpace(req.Severity)))
		if !q.Severity.Valid() {
			return q, Invalid("severity", "unknown severity %q; severities are SEV1, SEV2, SEV3, SEV4", req.Severity)
		}
	}
	q.Location = time.UTC
	if req.TimeZone != "" {
		if q.Location, err = time.LoadLocation(req.TimeZone); err != nil {
			return q, Invalid("time_zone", "unknown time zone %q; give an IANA name like Europe/Paris", req.TimeZone)
		}
	}
	q.PerIncident = req.PerIncident
	return q, nil
}

// unknown turns a not-found service or team into EInvalid listing the
// valid slugs.
func (r *Reports) unknown(ctx context.Context, field, value string, err error) error {
	if ErrorCode(err) != ENotFound {
		return err
	}
	var slugs []string
	if field == "service" {
		services, err := r.Directory.ListServices(ctx)
		if err != nil {
			return err
		}
		for _, s := range services {
			slugs = append(slugs, s.Slug)
		}
	} else {
		teams, err := r.Directory.ListTeams(ctx)
		if err != nil {
			return err
		}
		for _, t := range teams {
			slugs = append(slugs, t.Slug)
		}
	}
	valid := "there are none"
	if len(slugs) > 0 {
		valid = field + "s are " + strings.Join(slugs, ", ")
	}
	return Invalid(field, "unknown %s %q; %s", field, value, valid)
}

// Report computes the report q for viewer: only incidents viewer may see
// count (private ones of which they are no participant are left out).
func (r *Reports) Report(ctx context.Context, viewer Actor, q ReportQuery) (*Report, error) {
	lcs, err := r.Metrics.ListLifecycles(ctx, q.To, &viewer)
	if err != nil {
		return nil, err
	}
	services, err := r.Directory.ListServices(ctx)
	if err != nil {
		return nil, err
	}
	return BuildReport(lcs, services, q), nil
}

// Cadence measures how update cadences were kept, per month, over the
// incidents of q that viewer may see.
func (r *Reports) CadenceReport(ctx context.Context, viewer Actor, q ReportQuery) ([]CadenceRow, error) {
	lcs, _, err := r.selected(ctx, viewer, q)
	if err != nil {
		return nil, err
	}
	sent, err := r.Metrics.ListUpdateTimes(ctx, q.From, q.To)
	if err != nil {
		return nil, err
	}
	return CadenceCompliance(lcs, sent, r.Cadence, r.Now().UTC(), q.Location), nil
}

// OnCall counts each person's pages in q's window. People see their own
// load; admins see everyone's.
func (r *Reports) OnCall(ctx context.Context, viewer Actor, q ReportQuery) ([]OnCallLoad, error) {
	pages, err := r.Metrics.ListPages(ctx, q.From, q.To)
	if err != nil {
		return nil, err
	}
	if viewer.Role != AccountAdmin {
		pages = slices.DeleteFunc(pages, func(p PageRecord) bool { return p.UserID != viewer.UserID })
	}
	users, err := r.Directory.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	return OnCallLoads(pages, users, r.Hours), nil
}

// RecordDataLoss records, on an incident's timeline, the recovery point
// its data was restored to (no later than now), so that its data loss is
// measured against its services' RPO. Errors: EForbidden for viewers,
// ENotFound for an incident a may not see, EInvalid.
func (r *Reports) RecordDataLoss(ctx context.Context, a Actor, idOrRef string, recoveryPoint time.Time, reason string, idem Idempotency) (*CommandResult, error) {
	if !a.Role.CanWrite() {
		return nil, Errorf(EForbidden, "viewers can read incidents but not record data loss")
	}
	now := r.Now().UTC()
	if recoveryPoint.IsZero() {
		return nil, Invalid("recovery_point", "recovery point is required: the last moment whose data survived")
	}
	if recoveryPoint.After(now) {
		return nil, Invalid("recovery_point", "recovery point is in the future")
	}
	if len(reason) > 4000 {
		return nil, Invalid("reason", "reason must be at most 4000 characters")
	}
	at := recoveryPoint.UTC()
	return r.Incidents.UpdateIncident(ctx, idOrRef, idem, func(inc *Incident) ([]Event, error) {
		if !inc.VisibleTo(a) {
			return nil, Errorf(ENotFound, "incident %s not found", idOrRef)
		}
		// The text is what the timeline shows of it.
		text := "data restored to " + at.Format(time.RFC3339) + "; what was written after it until the failure is lost"
		return []Event{{IncidentID: inc.ID, Seq: inc.Version + 1, Type: EventDataLossRecorded, At: now,
			ActorID: a.UserID, ActorTeamID: a.TeamID, Time: &at, Reason: reason, Text: text}}, nil
	})
}

// OpenIncidentCount is how many open incidents have one severity and
// stage (warroom's own /metrics).
type OpenIncidentCount struct {
	Severity Severity
	Stage    Stage
	Count    int
}

// FoldedGroupsCount is how many new alert groups of a service the alert
// incident limit has attached to the service's newest open incident
// instead of declaring one each (an alert storm folded into one incident),
// while that incident is open.
type FoldedGroupsCount struct {
	Service string // the service's slug
	Count   int
}

// selected returns the lifecycles of the incidents of q that viewer may
// see, and the services by ID.
func (r *Reports) selected(ctx context.Context, viewer Actor, q ReportQuery) ([]Lifecycle, map[string]*Service, error) {
	lcs, err := r.Metrics.ListLifecycles(ctx, q.To, &viewer)
	if err != nil {
		return nil, nil, err
	}
	services, err := r.Directory.ListServices(ctx)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[string]*Service, len(services))
	for _, s := range services {
		byID[s.ID] = s
	}
	return slices.DeleteFunc(lcs, func(lc Lifecycle) bool { return !q.selects(&lc, byID) }), byID, nil
}
