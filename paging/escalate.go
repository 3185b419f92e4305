package paging

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
)

// pageSubject is what an escalation pages for, read fresh: the alert (for
// PurposeAlert), its incident if any, and whether paging goes on.
type pageSubject struct {
	alert    *warroom.Alert
	incident *warroom.Incident
	active   bool
	why      string // why paging stopped, when it did
}

// subject reads the alert and incident an escalation or page is about
// and decides whether paging goes on. It is the one place that says when
// paging stops, used by the escalation before each step and by the sender
// right before each page goes out.
func (p *Pager) subject(ctx context.Context, rd *reads, purpose, alertID, incidentID string) (*pageSubject, error) {
	s := &pageSubject{}
	if purpose != PurposeIC && alertID != "" {
		a, err := rd.alert(ctx, alertID)
		if err != nil {
			return nil, err
		}
		s.alert = a
		if a.IncidentID != "" {
			// Linked: to the incident routing declared for it (named
			// already, until the link follows), or where a person put it.
			incidentID = a.IncidentID
		}
		if a.Status != warroom.AlertFiring {
			s.why = "alert " + string(a.Status)
			return s, nil
		}
	}
	if incidentID != "" {
		inc, err := rd.incident(ctx, incidentID)
		if err != nil {
			return nil, err
		}
		s.incident = inc
		switch {
		case !inc.Stage.Open():
			s.why = inc.Ref + " is " + string(inc.Stage)
			return s, nil
		case purpose == PurposeIC && inc.Holder(warroom.RoleIncidentCommander) != "":
			s.why = inc.Ref + " has an Incident Commander"
			return s, nil
		case purpose == PurposeIC && inc.Stage.Recovered():
			s.why = inc.Ref + " is recovered"
			return s, nil
		case purpose != PurposeIC && inc.AcknowledgedAt != nil:
			s.why = inc.Ref + " was acknowledged"
			return s, nil
		}
	}
	s.active = s.alert != nil || s.incident != nil
	if !s.active {
		s.why = "nothing to page for"
	}
	return s, nil
}

// escalate handles escalation.step: if paging goes on, it fires the
// current step of the policy (warroom.Escalation.Fire), resolves its
// targets at now (a schedule pages whoever is on call now), pages each
// person by their own rules (one outbox message per rule, as notify.user
// would: the sender has them at once), and schedules the next step and
// the timeline note of the step (incident.note, on the default queue:
// pages do not wait for notes). Safe to run twice: the message IDs derive
// from this job, and the next step and the note are keyed by it.
func (p *Pager) escalate(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	r := p.escalateBatch(ctx, []engine.Job{job}, now)[0]
	return r.Follow, r.Err
}

// escalateBatch is the batch handler of escalation.step (BatchHandlers):
// the steps of a claim are decided with one read of their alerts and of
// each policy, person and contact plan, and their pages are stored with
// one write, so that thousands of escalations due at once fire within a
// second.
func (p *Pager) escalateBatch(ctx context.Context, jobs []engine.Job, now time.Time) []engine.Result {
	results := make([]engine.Result, len(jobs))
	payloads := make([]EscalationPayload, len(jobs))
	rd := p.reads()
	var alertIDs []string
	for i, j := range jobs {
		if err := decode(j, &payloads[i]); err != nil {
			results[i].Err = err
			continue
		}
		if payloads[i].Purpose != PurposeIC && payloads[i].AlertID != "" {
			alertIDs = append(alertIDs, payloads[i].AlertID)
		}
	}
	if err := rd.prefetchAlerts(ctx, alertIDs); err != nil {
		for i := range results {
			results[i].Err = err
		}
		return results
	}
	var msgs []notify.Outbox
	var paged []int
	for i, j := range jobs {
		if results[i].Err != nil {
			continue
		}
		m, follow, inv, err := p.step(ctx, rd, j, payloads[i], now)
		results[i] = engine.Result{Follow: follow, Err: err}
		switch {
		case err != nil:
		case inv != nil:
			// Asking for an Incident Commander: stored apart, with the
			// invitation of the people paged (rare: once per incident).
			if err := p.enqueueInviting(ctx, *inv, m); err != nil {
				results[i] = engine.Result{Err: err}
			}
		case len(m) > 0:
			msgs = append(msgs, m...)
			paged = append(paged, i)
		}
	}
	if err := p.enqueue(ctx, msgs); err != nil {
		for _, i := range paged {
			results[i] = engine.Result{Err: err}
		}
	}
	return results
}

// step decides one escalation step: the pages it sends, its follow-ups
// (the next step, the timeline note), and, for a step asking for an
// Incident Commander, whom to invite into the incident with the pages.
func (p *Pager) step(ctx context.Context, rd *reads, job engine.Job, e EscalationPayload, now time.Time) ([]notify.Outbox, []engine.Job, *invitation, error) {
	subj, err := p.subject(ctx, rd, e.Purpose, e.AlertID, e.IncidentID)
	if err != nil {
		return nil, nil, nil, permanentIfNotFound(err)
	}
	if !subj.active {
		return nil, nil, nil, nil // acknowledged, resolved or closed: the escalation ends here
	}
	policy, err := rd.policy(ctx, e.PolicyID)
	if err != nil {
		return nil, nil, nil, permanentIfNotFound(err)
	}
	targets, next := e.Escalation.Fire(policy)
	users, unresolved, err := p.resolveTargets(ctx, rd, targets, now)
	if err != nil {
		return nil, nil, nil, err
	}
	where := fmt.Sprintf("step %d of %d, round %d of %d of escalation policy %q",
		e.Step+1, len(policy.Steps), e.Round+1, policy.Repeat+1, policy.Name)
	incidentID := e.IncidentID
	if subj.incident != nil {
		incidentID = subj.incident.ID
	}
	var msgs []notify.Outbox
	for _, u := range users {
		n := NotifyPayload{UserID: u.ID, Purpose: e.Purpose, AlertID: e.AlertID, IncidentID: incidentID,
			Kind: notify.KindPage, Reason: "paged by " + where}
		um, err := p.userMessages(ctx, rd, "notify:"+job.ID+":"+u.ID, subj, n, u, now)
		if err != nil {
			return nil, nil, nil, err
		}
		msgs = append(msgs, um...)
	}
	var inv *invitation
	if e.Purpose == PurposeIC && subj.incident != nil && len(users) > 0 {
		inv = &invitation{incidentID: subj.incident.ID}
		for _, u := range users {
			inv.userIDs = append(inv.userIDs, u.ID)
		}
	}
	var follow []engine.Job
	if !next.Done {
		n := e
		n.Escalation = next
		follow = append(follow, p.escalationJob(n))
	}
	if incidentID != "" {
		follow = append(follow, noteJob(incidentID, "page-note:"+job.ID, now, pageNote(e, users, unresolved, where, next)))
	}
	return msgs, follow, inv, nil
}

// pageNote tells the timeline who was paged at a step.
func pageNote(e EscalationPayload, users []*warroom.User, unresolved []string, where string, next warroom.Escalation) string {
	var b strings.Builder
	what := "the alert"
	if e.Purpose == PurposeIC {
		what = "an Incident Commander"
	}
	if len(users) == 0 {
		fmt.Fprintf(&b, "Paging for %s reached nobody at %s.", what, where)
	} else {
		handles := make([]string, len(users))
		for i, u := range users {
			handles[i] = "@" + u.Handle
		}
		fmt.Fprintf(&b, "Paged %s for %s (%s).", strings.Join(handles, ", "), what, where)
	}
	if len(unresolved) > 0 {
		fmt.Fprintf(&b, " Not paged: %s.", strings.Join(unresolved, "; "))
	}
	if next.Done {
		b.WriteString(" This was the last step: paging stops here unless someone acknowledges.")
	} else {
		fmt.Fprintf(&b, " Next step at %s unless acknowledged.", next.NextAt.UTC().Format(time.RFC3339))
	}
	return b.String()
}

// resolveTargets turns a step's targets into people, at time now: a user
// is themselves, a schedule is whoever is on call on it now. Each person
// is paged once however many targets name them. Targets that name
// nobody are described in unresolved.
func (p *Pager) resolveTargets(ctx context.Context, rd *reads, targets []warroom.Target, now time.Time) (users []*warroom.User, unresolved []string, err error) {
	var ids []string
	for _, t := range targets {
		switch t.Type {
		case warroom.TargetUser:
			ids = append(ids, t.ID)
		case warroom.TargetSchedule:
			sched, err := rd.schedule(ctx, t.ID)
			if warroom.ErrorCode(err) == warroom.ENotFound {
				unresolved = append(unresolved, "schedule "+t.ID+" does not exist")
				continue
			} else if err != nil {
				return nil, nil, err
			}
			oncall, err := sched.OnCallAt(now)
			if err != nil {
				unresolved = append(unresolved, fmt.Sprintf("schedule %q is invalid: %v", sched.Name, err))
				continue
			}
			if len(oncall) == 0 {
				unresolved = append(unresolved, fmt.Sprintf("nobody is on call on schedule %q", sched.Name))
			}
			ids = append(ids, oncall...)
		}
	}
	seen := map[string]bool{}
	for _, id := range ids {
		u, err := rd.user(ctx, id)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			unresolved = append(unresolved, "user "+id+" does not exist")
			continue
		} else if err != nil {
			return nil, nil, err
		}
		if !seen[u.ID] {
			seen[u.ID] = true
			users = append(users, u)
		}
	}
	return users, slices.Compact(unresolved), nil
}
