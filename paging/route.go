package paging

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// route handles alert.route: each new alert is routed by its service's
// rules (warroom.RouteAlert). A declare rule declares an incident as the
// system and pages the service's escalation policy; an alert of a group
// that already has an open incident joins it instead, so that an alert
// storm makes one incident. An attach rule joins the service's open
// incident, whose own escalation goes on. A wait pages the service's
// escalation policy for the alert and leaves the decision to a person.
//
// Safe to run twice: the declaration carries an idempotency key derived
// from the alert, the escalation job is keyed, and the alert is linked to
// its incident last, so that a run that stopped half-way redoes the rest.
func (p *Pager) route(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var pl RoutePayload
	if err := decode(job, &pl); err != nil {
		return nil, err
	}
	for _, id := range pl.AlertIDs {
		if err := p.routeAlert(ctx, id, now); err != nil {
			return nil, fmt.Errorf("route alert %s: %w", id, err)
		}
	}
	return nil, nil
}

func (p *Pager) routeAlert(ctx context.Context, alertID string, now time.Time) error {
	a, err := p.cfg.Store.FindAlert(ctx, alertID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		p.cfg.Logger.Warn("paging: routed alert does not exist", "alert", alertID)
		return nil
	} else if err != nil {
		return err
	}
	// Acknowledged or resolved before routing ran: nobody needs paging.
	// Already linked: a person (or an earlier run) decided.
	if a.Status != warroom.AlertFiring || a.IncidentID != "" {
		return nil
	}
	sp, err := p.cfg.Store.GetServicePaging(ctx, a.ServiceID)
	if err != nil {
		return err
	}
	open, err := p.openIncident(ctx, a.ServiceID)
	if err != nil {
		return err
	}
	rule := warroom.RouteAlert(sp.AlertRules, a, open != nil)
	switch rule.Action {
	case warroom.AlertDeclare:
		if grp, err := p.groupIncident(ctx, a); err != nil {
			return err
		} else if grp != nil {
			return p.attachRouted(ctx, a, grp, "it belongs to the same alert group")
		}
		return p.declareForAlert(ctx, a, sp, rule, now)
	case warroom.AlertAttach:
		return p.attachRouted(ctx, a, open, "the service's rules attach "+a.Severity+" alerts to its open incident")
	}
	if sp.EscalationPolicyID == "" {
		p.cfg.Logger.Warn("paging: alert waits for a person but its service has no escalation policy; nobody is paged",
			"alert", a.ID, "service", a.ServiceID)
		return nil
	}
	return p.startEscalation(ctx, PurposeAlert, a.ID, "", sp.EscalationPolicyID, now)
}

// declareForAlert declares an incident for a as the system, pages the
// service's policy for the alert, notes why, and links the alert.
func (p *Pager) declareForAlert(ctx context.Context, a *warroom.Alert, sp warroom.ServicePaging, rule warroom.AlertRule, now time.Time) error {
	res, err := p.cfg.Incidents.Declare(ctx, system, alertDeclaration(a, rule.IncidentSeverity, now), idem("route:"+a.ID))
	if err != nil {
		return err
	}
	inc := res.Incident
	text := fmt.Sprintf("Declared by warroom for alert %q (%s, %s): the service's rules declare a %s incident for %s alerts or worse.",
		a.Summary, a.Severity, a.ID, rule.IncidentSeverity, rule.MinSeverity)
	if sp.EscalationPolicyID == "" {
		text += " The service has no escalation policy, so nobody is paged."
	} else if err := p.startEscalation(ctx, PurposeAlert, a.ID, inc.ID, sp.EscalationPolicyID, now); err != nil {
		return err
	}
	if err := p.note(ctx, inc.ID, "route-note:"+a.ID, text); err != nil {
		return err
	}
	return p.linkAlert(ctx, a.ID, inc.ID)
}

// attachRouted links a to the open incident inc and notes it there.
func (p *Pager) attachRouted(ctx context.Context, a *warroom.Alert, inc *warroom.Incident, why string) error {
	text := fmt.Sprintf("Alert %q (%s, %s) attached: %s.", a.Summary, a.Severity, a.ID, why)
	if err := p.note(ctx, inc.ID, "route-note:"+a.ID, text); err != nil {
		return err
	}
	return p.linkAlert(ctx, a.ID, inc.ID)
}

// linkAlert sets an alert's incident unless a person linked it elsewhere
// meanwhile.
func (p *Pager) linkAlert(ctx context.Context, alertID, incidentID string) error {
	_, err := p.cfg.Store.UpdateAlert(ctx, alertID, p.cfg.Now().UTC(), func(a *warroom.Alert) error {
		if a.IncidentID == "" {
			a.IncidentID = incidentID
		}
		return nil
	})
	return err
}

// startEscalation schedules the first step of an escalation at now. The
// job is enqueued at once rather than returned as a follow-up, so that it
// exists before the alert is linked (see route).
func (p *Pager) startEscalation(ctx context.Context, purpose, alertID, incidentID, policyID string, now time.Time) error {
	return p.cfg.Store.Enqueue(ctx, escalationJob(EscalationPayload{Purpose: purpose, AlertID: alertID,
		IncidentID: incidentID, PolicyID: policyID, Escalation: warroom.StartEscalation(now)}))
}

// openIncident returns the service's newest open incident, or nil.
func (p *Pager) openIncident(ctx context.Context, serviceID string) (*warroom.Incident, error) {
	open := true
	list, err := p.cfg.Store.ListIncidents(ctx, warroom.IncidentFilter{Viewer: system, Open: &open, ServiceID: serviceID, Limit: 1})
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// groupIncident returns the open incident another alert of a's group
// (same service and group key) belongs to, or nil.
func (p *Pager) groupIncident(ctx context.Context, a *warroom.Alert) (*warroom.Incident, error) {
	if a.GroupKey == "" {
		return nil, nil
	}
	peers, err := p.cfg.Store.ListAlerts(ctx, warroom.AlertFilter{ServiceID: a.ServiceID, GroupKey: a.GroupKey, Limit: 100})
	if err != nil {
		return nil, err
	}
	for _, peer := range peers {
		if peer.ID == a.ID || peer.IncidentID == "" {
			continue
		}
		inc, err := p.cfg.Store.FindIncident(ctx, peer.IncidentID)
		if err != nil {
			return nil, err
		}
		if inc.Stage.Open() {
			return inc, nil
		}
	}
	return nil, nil
}

// alertDeclaration is the declaration of an incident for an alert: its
// summary, service and description; detected when warroom received it,
// impact from when it started firing.
func alertDeclaration(a *warroom.Alert, sev warroom.Severity, now time.Time) warroom.Declaration {
	d := warroom.Declaration{
		Title:     clip(firstNonEmpty(a.Summary, "Alert "+a.DedupKey), 200),
		Summary:   clip(alertDescription(a), 10000),
		Severity:  sev,
		Impact:    warroom.Impact{ServiceIDs: []string{a.ServiceID}},
		Detection: warroom.DetectedByMonitoring,
	}
	if !a.CreatedAt.IsZero() && !a.CreatedAt.After(now) {
		detected := a.CreatedAt
		d.DetectedAt = &detected
		if !a.StartsAt.IsZero() && a.StartsAt.Before(detected) {
			started := a.StartsAt
			d.ImpactStartedAt = &started
		}
	}
	return d
}

// alertDescription is the summary of an incident declared for an alert:
// its description annotation, then its labels.
func alertDescription(a *warroom.Alert) string {
	var b strings.Builder
	for _, k := range []string{"description", "message", "summary"} {
		if v := a.Annotations[k]; v != "" && v != a.Summary {
			b.WriteString(v)
			b.WriteString("\n\n")
			break
		}
	}
	fmt.Fprintf(&b, "Alert %s from %s, severity %s", a.ID, firstNonEmpty(a.Source, "an integration"), a.Severity)
	if !a.StartsAt.IsZero() {
		fmt.Fprintf(&b, ", firing since %s", a.StartsAt.UTC().Format(time.RFC3339))
	}
	b.WriteString(".")
	return b.String()
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// clip shortens s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
