package paging

import (
	"context"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/oncall"
)

// reads remembers what one job, or one batch of jobs, read: each alert,
// incident, policy, person, schedule, contact plan and service is read
// once per batch. A batch takes well under a second, and every job of it
// reads what it decides on when it starts, as a job alone would.
type reads struct {
	s         Store
	alerts    map[string]*warroom.Alert
	incidents map[string]*warroom.Incident
	policies  map[string]*warroom.EscalationPolicy
	users     map[string]*warroom.User
	schedules map[string]*oncall.Schedule
	services  map[string]*warroom.Service
	methods   map[string][]*warroom.ContactMethod
	rules     map[string][]warroom.NotificationRule
}

func (p *Pager) reads() *reads {
	return &reads{s: p.cfg.Store, alerts: map[string]*warroom.Alert{}, incidents: map[string]*warroom.Incident{},
		policies: map[string]*warroom.EscalationPolicy{}, users: map[string]*warroom.User{},
		schedules: map[string]*oncall.Schedule{}, services: map[string]*warroom.Service{},
		methods: map[string][]*warroom.ContactMethod{}, rules: map[string][]warroom.NotificationRule{}}
}

// memo returns m[key], reading it with read the first time; errors (such
// as ENotFound) are not remembered.
func memo[V any](ctx context.Context, m map[string]V, key string, read func(context.Context, string) (V, error)) (V, error) {
	if v, ok := m[key]; ok {
		return v, nil
	}
	v, err := read(ctx, key)
	if err == nil {
		m[key] = v
	}
	return v, err
}

// prefetchAlerts reads the alerts of ids with one query when the store
// can (AlertsFinder); alert reads them one by one otherwise.
func (r *reads) prefetchAlerts(ctx context.Context, ids []string) error {
	f, ok := r.s.(AlertsFinder)
	if !ok || len(ids) < 2 {
		return nil
	}
	found, err := f.FindAlerts(ctx, ids)
	if err != nil {
		return err
	}
	for _, a := range found {
		r.alerts[a.ID] = a
	}
	return nil
}

// AlertWithIncidentFinder is implemented by stores that read an alert
// and its incident with one query (sqlstore).
type AlertWithIncidentFinder interface {
	// FindAlertWithIncident returns alert id and the incident it is
	// linked to, or incidentID's when it is linked to none (nil if none).
	FindAlertWithIncident(ctx context.Context, id, incidentID string) (*warroom.Alert, *warroom.Incident, error)
}

// prefetchSubject reads what a page about alertID is about (its alert and
// incident, see Pager.subject) with one query when the store can. An
// alert that does not exist is left for subject to find.
func (r *reads) prefetchSubject(ctx context.Context, alertID, incidentID string) error {
	f, ok := r.s.(AlertWithIncidentFinder)
	if !ok || alertID == "" {
		return nil
	}
	a, inc, err := f.FindAlertWithIncident(ctx, alertID, incidentID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil
	} else if err != nil {
		return err
	}
	r.alerts[a.ID] = a
	if inc != nil {
		r.incidents[inc.ID] = inc
	}
	return nil
}

func (r *reads) alert(ctx context.Context, id string) (*warroom.Alert, error) {
	return memo(ctx, r.alerts, id, r.s.FindAlert)
}

func (r *reads) incident(ctx context.Context, id string) (*warroom.Incident, error) {
	return memo(ctx, r.incidents, id, r.s.FindIncident)
}

func (r *reads) policy(ctx context.Context, idOrName string) (*warroom.EscalationPolicy, error) {
	return memo(ctx, r.policies, idOrName, r.s.FindEscalationPolicy)
}

func (r *reads) user(ctx context.Context, idOrHandle string) (*warroom.User, error) {
	return memo(ctx, r.users, idOrHandle, r.s.FindUser)
}

func (r *reads) schedule(ctx context.Context, idOrName string) (*oncall.Schedule, error) {
	return memo(ctx, r.schedules, idOrName, r.s.FindSchedule)
}

func (r *reads) service(ctx context.Context, idOrSlug string) (*warroom.Service, error) {
	return memo(ctx, r.services, idOrSlug, r.s.FindService)
}

func (r *reads) contactMethods(ctx context.Context, userID string) ([]*warroom.ContactMethod, error) {
	return memo(ctx, r.methods, userID, r.s.ListContactMethods)
}

func (r *reads) notificationRules(ctx context.Context, userID string) ([]warroom.NotificationRule, error) {
	return memo(ctx, r.rules, userID, r.s.ListNotificationRules)
}
