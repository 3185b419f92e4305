package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/warroom/warroom"
)

// routingReport says how long the server took, after the load, to route
// the load's alerts: for alerts the service's rules declare incidents
// for, an alert is routed once it is linked to an incident (its
// incident_id is set), whether it declared one or joined its group's.
//
// The API lists at most the newest 1,000 alerts of a service and has no
// count of unrouted alerts, so the check looks at the newest firing
// alerts of this run (the last sent, which a first-come queue routes
// last) and not at every alert of the run.
type routingReport struct {
	NotChecked string `json:"not_checked,omitempty"` // why not, if not
	Routed     bool   `json:"routed"`
	// After is from the load's last 2xx to the first check that found
	// every checked alert routed (checks run every routingPoll).
	After    time.Duration `json:"after_ns,omitempty"`
	Checked  int           `json:"alerts_checked"`  // the run's newest firing alerts looked at
	Unrouted int           `json:"alerts_unrouted"` // of those, without an incident at the last check
	// IncidentsDeclared counts the incidents of the load's service
	// declared since the run started (storms in a new group per request
	// can declare one each).
	IncidentsDeclared int    `json:"incidents_declared"`
	IncidentsError    string `json:"incidents_error,omitempty"`
}

// routingPoll is the time between two routing checks.
const routingPoll = 250 * time.Millisecond

// alertRow is what the routing check reads of an alert.
type alertRow struct {
	IncidentID string            `json:"incident_id"`
	Labels     map[string]string `json:"labels"`
}

// unrouted counts, among alerts, those of the run's job (the others are
// earlier runs' or not the generator's) and those of them without an
// incident.
func unrouted(alerts []alertRow, job string) (checked, without int) {
	for _, a := range alerts {
		if a.Labels["job"] != job {
			continue
		}
		checked++
		if a.IncidentID == "" {
			without++
		}
	}
	return checked, without
}

// declares reports whether the service's rules declare an incident for a
// new firing alert of severity (so that a routed alert has an incident).
func declares(rules []warroom.AlertRule, severity string) bool {
	return warroom.RouteAlert(rules, &warroom.Alert{Severity: severity}, false).Action == warroom.AlertDeclare
}

// serviceRules returns the service's alert rules.
func (a *api) serviceRules(ctx context.Context, service string) ([]warroom.AlertRule, error) {
	var out struct {
		AlertRules []warroom.AlertRule `json:"alert_rules"`
	}
	_, err := a.do(ctx, http.MethodGet, "/api/v1/services/"+url.PathEscape(service)+"/paging", nil, &out)
	return out.AlertRules, err
}

// newestFiring returns the service's newest firing alerts, at most limit.
func (a *api) newestFiring(ctx context.Context, service string, limit int) ([]alertRow, error) {
	var out struct {
		Alerts []alertRow `json:"alerts"`
	}
	_, err := a.do(ctx, http.MethodGet, "/api/v1/alerts?status=firing&limit="+strconv.Itoa(limit)+
		"&service="+url.QueryEscape(service), nil, &out)
	return out.Alerts, err
}

// waitRouted checks every routingPoll, until wait after last2xx, whether
// the run's newest firing alerts on the service are all routed: first
// the newest alone (cheap), then, when it is, the newest 1,000.
func (a *api) waitRouted(ctx context.Context, service, job string, last2xx time.Time, wait time.Duration) *routingReport {
	r := &routingReport{}
	deadline := last2xx.Add(wait)
	for {
		newest, err := a.newestFiring(ctx, service, 1)
		if err != nil {
			r.NotChecked = err.Error()
			return r
		}
		if _, without := unrouted(newest, job); without == 0 {
			sample, err := a.newestFiring(ctx, service, 1000)
			if err != nil {
				r.NotChecked = err.Error()
				return r
			}
			r.Checked, r.Unrouted = unrouted(sample, job)
			if r.Checked > 0 && r.Unrouted == 0 {
				r.Routed, r.After = true, time.Since(last2xx)
				return r
			}
		}
		if !time.Now().Before(deadline) || ctx.Err() != nil {
			sample, err := a.newestFiring(ctx, service, 1000)
			if err == nil {
				r.Checked, r.Unrouted = unrouted(sample, job)
			}
			return r
		}
		select {
		case <-ctx.Done():
		case <-time.After(routingPoll):
		}
	}
}

// incidentsDeclaredSince counts the service's incidents declared at or
// after since, paging through the list (newest first).
func (a *api) incidentsDeclaredSince(ctx context.Context, service string, since time.Time) (int, error) {
	n := 0
	for offset := 0; offset < 1_000_000; offset += 1000 {
		var out struct {
			Incidents []struct {
				DeclaredAt time.Time `json:"declared_at"`
			} `json:"incidents"`
		}
		if _, err := a.do(ctx, http.MethodGet, "/api/v1/incidents?status=all&limit=1000&offset="+strconv.Itoa(offset)+
			"&service="+url.QueryEscape(service), nil, &out); err != nil {
			return n, err
		}
		for _, inc := range out.Incidents {
			if !inc.DeclaredAt.Before(since) {
				n++
			}
		}
		if len(out.Incidents) < 1000 {
			return n, nil
		}
	}
	return n, fmt.Errorf("more than a million incidents on %s", service)
}
