package paging

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
)

// announce handles incident.announce: the first responder protocol's
// announcement (seed 004) to the configured channels, with the bridge
// link, a short description and the first responder's handle, and a
// timeline note saying where it went. A private incident is not
// announced (that would reveal it); the timeline says so.
func (p *Pager) announce(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var pl IncidentPayload
	if err := decode(job, &pl); err != nil {
		return nil, err
	}
	inc, err := p.cfg.Store.FindIncident(ctx, pl.IncidentID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	if len(p.cfg.Announce) == 0 {
		return nil, nil
	}
	if inc.Private {
		return nil, p.note(ctx, inc.ID, "announce-note:"+inc.ID, "Not announced: the incident is private.")
	}
	m := p.announcement(ctx, inc)
	if err := p.broadcast(ctx, job.ID, m, now); err != nil {
		return nil, err
	}
	return nil, p.note(ctx, inc.ID, "announce-note:"+inc.ID,
		"Announced (bridge link, short description, first responder's handle) to: "+p.destinations()+".")
}

// announcement renders the declaration announcement.
func (p *Pager) announcement(ctx context.Context, inc *warroom.Incident) notify.Message {
	desc := inc.Title
	if s := strings.TrimSpace(inc.Summary); s != "" {
		desc = clip(s, 1000)
	}
	if inc.Impact.Cluster != "" {
		desc += "\nCluster: " + inc.Impact.Cluster
	}
	bridge := inc.BridgeURL
	if bridge == "" {
		bridge = "none yet"
	}
	fields := []notify.Field{
		{Name: "Bridge", Value: bridge},
		{Name: "First responder", Value: p.handle(ctx, p.reads(), inc.FirstResponderID)},
		{Name: "Severity", Value: string(inc.Severity)},
	}
	var services []string
	for _, id := range inc.Impact.ServiceIDs {
		if s, err := p.cfg.Store.FindService(ctx, id); err == nil {
			services = append(services, s.Name)
		}
	}
	if len(services) > 0 {
		fields = append(fields, notify.Field{Name: "Services", Value: strings.Join(services, ", ")})
	}
	fields = append(fields, p.linkField(inc)...)
	return notify.Message{Kind: notify.KindAnnouncement, IncidentID: inc.ID,
		Subject: fmt.Sprintf("%s declared (%s): %s", inc.Ref, inc.Severity, inc.Title), Text: desc, Fields: fields}
}

// broadcast sends m to every announcement destination, once per job.
func (p *Pager) broadcast(ctx context.Context, jobID string, m notify.Message, now time.Time) error {
	var msgs []notify.Outbox
	for i, d := range p.cfg.Announce {
		mm := m
		mm.ID = derivedID(jobID, fmt.Sprint("announce-", i))
		mm.Channel, mm.Destination = d.Channel, d.Address
		msgs = append(msgs, notify.Outbox{Message: mm, Queue: notify.Queue(d.Channel), State: notify.StatePending,
			DueAt: now, CreatedAt: now})
	}
	return p.enqueue(ctx, msgs)
}

// destinations describes the announcement channels for the timeline,
// without webhook URLs, which are credentials.
func (p *Pager) destinations() string {
	var out []string
	for _, d := range p.cfg.Announce {
		switch d.Channel {
		case notify.ChannelSlack:
			out = append(out, "Slack channel "+d.Address)
		case notify.ChannelEmail:
			out = append(out, d.Address)
		case notify.ChannelSlackWebhook:
			out = append(out, "a Slack webhook")
		default:
			out = append(out, "a webhook")
		}
	}
	return strings.Join(out, ", ")
}

// icCheck handles incident.ic_check, the 10-minute rule of the first
// responder protocol: if at the deadline no Incident Commander has been
// assigned and service is not recovered (warroom.FirstResponderEscalationDue),
// the IC escalation policy is paged, the first responder is told to halt
// technical work and pick an IC from the responders present, the
// announcement channels hear it, and the timeline records all of it.
func (p *Pager) icCheck(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var pl IncidentPayload
	if err := decode(job, &pl); err != nil {
		return nil, err
	}
	inc, err := p.cfg.Store.FindIncident(ctx, pl.IncidentID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	if deadline := warroom.FirstResponderDeadline(inc, p.cfg.Policy); now.Before(deadline) {
		// The timeout grew since the job was scheduled.
		return []engine.Job{icCheckJob(inc.ID, deadline)}, nil
	}
	if !inc.Stage.Open() || !warroom.FirstResponderEscalationDue(inc, now, p.cfg.Policy) {
		return nil, nil
	}
	instruction := warroom.FirstResponderInstruction(p.cfg.Policy)
	text := fmt.Sprintf("First responder protocol: no Incident Commander %s after the announcement and service is not recovered.",
		shortDuration(p.cfg.Policy.FirstResponderICTimeout))
	var follow []engine.Job
	paged, err := p.icEscalation(ctx, inc, now)
	if err != nil {
		return nil, err
	}
	if paged.job != nil {
		follow = append(follow, *paged.job)
	}
	text += " " + paged.text
	if fr := inc.FirstResponderID; fr != "" {
		follow = append(follow, newJob(KindNotifyUser, "halt:"+inc.ID, now, NotifyPayload{
			UserID: fr, IncidentID: inc.ID, Kind: notify.KindUpdate, Reason: "first responder",
			Subject: inc.Ref + ": halt technical work and pick an Incident Commander", Text: instruction,
		}))
		text += fmt.Sprintf(" %s (first responder) was told: %s", p.handle(ctx, p.reads(), fr), instruction)
	} else {
		text += " Nobody has acknowledged yet, so there is no first responder to tell: " + instruction
	}
	if !inc.Private && len(p.cfg.Announce) > 0 {
		m := notify.Message{Kind: notify.KindUpdate, IncidentID: inc.ID,
			Subject: inc.Ref + " has no Incident Commander after " + shortDuration(p.cfg.Policy.FirstResponderICTimeout),
			Text:    text, Fields: p.incidentFields(ctx, p.reads(), inc)}
		if err := p.broadcast(ctx, job.ID, m, now); err != nil {
			return nil, err
		}
	}
	if err := p.note(ctx, inc.ID, "ic-note:"+inc.ID, text); err != nil {
		return nil, err
	}
	return follow, nil
}

type icPaging struct {
	job  *engine.Job
	text string
}

// icEscalation starts paging the IC escalation policy for an incident.
func (p *Pager) icEscalation(ctx context.Context, inc *warroom.Incident, now time.Time) (icPaging, error) {
	if p.cfg.ICEscalationPolicy == "" {
		return icPaging{text: "No IC escalation policy is configured, so nobody is paged for it."}, nil
	}
	pol, err := p.cfg.Store.FindEscalationPolicy(ctx, p.cfg.ICEscalationPolicy)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return icPaging{text: fmt.Sprintf("The IC escalation policy %q does not exist, so nobody is paged for it.", p.cfg.ICEscalationPolicy)}, nil
	} else if err != nil {
		return icPaging{}, err
	}
	j := p.escalationJob(EscalationPayload{Purpose: PurposeIC, IncidentID: inc.ID, PolicyID: pol.ID,
		Escalation: warroom.StartEscalation(now)})
	return icPaging{job: &j, text: fmt.Sprintf("Paging escalation policy %q for an Incident Commander.", pol.Name)}, nil
}

// majorCheck handles incident.major_check: at the instant an incident
// would become major by duration alone, apply the rule (CheckMajor). If
// the instant moved later (impact start corrected), check again then.
func (p *Pager) majorCheck(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var pl IncidentPayload
	if err := decode(job, &pl); err != nil {
		return nil, err
	}
	res, err := p.cfg.Store.UpdateIncident(ctx, pl.IncidentID, warroom.Idempotency{}, func(cur *warroom.Incident) ([]warroom.Event, error) {
		return warroom.CheckMajor(cur, now.UTC(), p.cfg.Policy), nil
	})
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	if due, ok := warroom.MajorDueAt(res.Incident, p.cfg.Policy); ok && res.Incident.Stage.Open() && due.After(now) {
		return []engine.Job{majorCheckJob(res.Incident.ID, due)}, nil
	}
	return nil, nil
}

// jobAlertInIncident returns the alert of an alert.resolved or
// alert.acknowledged job if it belongs to an incident (nil if not): only
// then has the timeline something to say.
func (p *Pager) jobAlertInIncident(ctx context.Context, job engine.Job) (*warroom.Alert, error) {
	var pl AlertPayload
	if err := decode(job, &pl); err != nil {
		return nil, err
	}
	a, err := p.cfg.Store.FindAlert(ctx, pl.AlertID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	if a.IncidentID == "" {
		return nil, nil
	}
	return a, nil
}

// alertResolved handles alert.resolved: when every alert of an incident
// has resolved, the timeline says so, once per set of alerts. Closing
// stays a human decision. A storm resolves as it fired, an alert.resolved
// job per alert, so the check reads one alert while any still fires (it
// used to read the incident's newest 1,000 alerts each time, 65 jobs a
// second, and took those 1,000 for all of them).
func (p *Pager) alertResolved(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	a, err := p.jobAlertInIncident(ctx, job)
	if a == nil || err != nil {
		return nil, err
	}
	res, err := p.cfg.Store.IncidentAlertsResolved(ctx, a.IncidentID)
	if err != nil || !res.All {
		return nil, err
	}
	inc, err := p.cfg.Store.FindIncident(ctx, a.IncidentID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	if inc.Stage == warroom.StageClosed {
		return nil, nil
	}
	what := "The alert of this incident has resolved"
	if res.Count > 1 {
		what = fmt.Sprintf("All %d alerts of this incident have resolved", res.Count)
	}
	text := what + ". The incident stays open: closing it is for its responders to decide."
	key := fmt.Sprintf("alerts-resolved:%s:%d:%s", inc.ID, res.Count, res.Newest)
	return nil, p.note(ctx, inc.ID, key, text)
}

// alertAcknowledged handles alert.acknowledged: an alert was
// acknowledged, at its source or in warroom. Its pages stop (the sender
// checks before each send); an incident it belongs to hears it on the
// timeline. The incident itself is not acknowledged here: a person's
// acknowledgement does that itself (AcknowledgeAlert), and one from the
// monitoring tool names nobody, while MTTA measures people.
func (p *Pager) alertAcknowledged(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	a, err := p.jobAlertInIncident(ctx, job)
	if a == nil || err != nil {
		return nil, err
	}
	text := fmt.Sprintf("Alert %q (%s) was acknowledged; paging for it stops.", a.Summary, a.ID)
	return nil, p.note(ctx, a.IncidentID, "alert-ack:"+a.ID, text)
}
